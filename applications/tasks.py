"""Thin tasks: the applications sweep (E3.2, E4, J1.3), run by beat every 5 minutes."""

from celery import shared_task

from .sweeps import applications_sweep


@shared_task(acks_late=True)
def applications_sweep_task() -> dict[str, int]:
    """Remind, expire, lapse, auto-confirm and complete whatever is due.

    Idempotent by database state: a redelivered or overlapping run finds nothing left."""
    return applications_sweep()
