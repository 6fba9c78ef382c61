"""Staff screens for sanctions and appeals (E4.2)."""
