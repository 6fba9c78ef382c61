"""Thin task: the review sweep (S5.1, E6.1), run by beat every 10 minutes."""

from celery import shared_task

from .services import SWEEP_BATCH, reviews_sweep


@shared_task(acks_late=True)
def reviews_sweep_task() -> dict[str, int]:
    """Open windows for completed engagements, invite both sides, reveal closed windows;
    continue in a fresh task while a backlog remains. Idempotent by database state
    (one window per engagement, `invited_at`, `revealed_at`)."""
    counts = reviews_sweep()
    if max(counts.values()) >= SWEEP_BATCH:
        reviews_sweep_task.delay()
    return counts
