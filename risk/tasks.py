"""Thin Celery tasks for credit scores (K3.1, K3.2)."""

from celery import shared_task


@shared_task(acks_late=True)
def credit_score_refresh_task(subject_kind: str, subject_id: int) -> None:
    """Rescore one subject after a new credit event (incremental)."""
    from .scoring import credit_score_refresh

    credit_score_refresh(subject_kind=subject_kind, subject_id=subject_id)


@shared_task(acks_late=True)
def credit_scores_recompute_task() -> None:
    """The nightly full, set-based recompute of every score."""
    from .scoring import credit_scores_recompute

    credit_scores_recompute()
