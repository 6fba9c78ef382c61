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


@shared_task(acks_late=True)
def kri_measure_all_task() -> None:
    """K1: measure every key risk indicator (hourly); a new breach alerts its owner once."""
    from .indicators import kri_measure_all

    kri_measure_all()


@shared_task(acks_late=True)
def risk_review_reminders_task() -> None:
    """K1: remind owners of risks whose review date has passed (weekly), once per review date."""
    from .register import risk_review_reminders_send

    risk_review_reminders_send()


@shared_task(acks_late=True)
def data_protection_self_check_task() -> None:
    """《网络招聘服务管理规定》, PIPL art. 54: each January, last year's user-data protection
    self-check goes into the risk register (once per year)."""
    from .self_checks import data_protection_self_check_record

    data_protection_self_check_record()
