"""Thin tasks: the statement sweep (S4.1), run by beat every 10 minutes."""

from celery import shared_task

from .sweeps import PREPARE_PER_RUN, settlements_prepare_due


@shared_task(acks_late=True)
def settlements_prepare_task() -> int:
    """Prepare the statements that are due; continue in a fresh task while a backlog remains.

    Idempotent by database state: a redelivered or overlapping run finds the
    statements up to date and changes nothing."""
    done = settlements_prepare_due()
    if done >= PREPARE_PER_RUN:
        settlements_prepare_task.delay()
    return done
