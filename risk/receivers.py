"""Decoupled reactions: a new credit fact anywhere rescores its subject (K3.2)."""

from django.dispatch import receiver

from core.credit import credit_event_recorded


@receiver(credit_event_recorded, dispatch_uid="risk.rescore_on_credit_event")
def rescore_on_credit_event(sender, *, subject_kind: str, subject_id: int, **kwargs) -> None:
    from .tasks import credit_score_refresh_task

    credit_score_refresh_task.delay(subject_kind, subject_id)
