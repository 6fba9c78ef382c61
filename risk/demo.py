"""Demo credit for `manage.py seed_demo`: every demo student and employer gets
the score their recorded events (check-ins, completed jobs, reviews …) give
them, as the nightly recompute would (K3.1). Safe to run again."""

from .scoring import credit_scores_recompute


def seed_credit() -> dict:
    return credit_scores_recompute()
