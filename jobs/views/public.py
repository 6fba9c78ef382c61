"""Public job browsing and search (S2.1, J2.1)."""
