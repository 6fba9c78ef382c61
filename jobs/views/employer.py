"""Employers manage their own jobs (E2.1, J1, J2.2)."""
