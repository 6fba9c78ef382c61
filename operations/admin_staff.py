"""Appraisals, rewards and penalties, suggestions in the admin (P3)."""
