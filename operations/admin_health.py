"""Daily check, weekly report and campaigns in the admin (P2.1)."""
