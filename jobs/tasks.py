"""Thin tasks: the patrol of live jobs (J2.3), run by beat every 15 minutes."""

from celery import shared_task

from .services.insurance import insurance_lapses_notify
from .services.reverification import employers_reverification_sweep
from .services.sweeps import jobs_patrol


@shared_task
def jobs_patrol_task() -> dict[str, int]:
    """Expire what is due, ask employers about stale jobs, record the counts.

    Idempotent: a run that overlaps or repeats another finds nothing left to do."""
    run = jobs_patrol()
    return {"patrol_run": run.pk, "expired": run.expired, "stale_flagged": run.stale_flagged}


@shared_task
def insurance_lapses_task() -> int:
    """Tell employers whose job cover ended that new hiring is paused (docs/insurance.md)."""
    return insurance_lapses_notify()


@shared_task
def employers_reverification_task() -> dict[str, int]:
    """Remind employers due for re-verification; lapse the overdue and pause their jobs
    (docs/recruitment-rules.md). Idempotent."""
    return employers_reverification_sweep()
