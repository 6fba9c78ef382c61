"""Thin tasks: the nightly ledger integrity check (F3.3)."""

from celery import shared_task

from .services import integrity_run


@shared_task(acks_late=True)
def ledger_integrity_task() -> dict:
    """Run every check and record the result; finance staff are told of any problem."""
    run = integrity_run()
    return {"run": run.pk, "problems": run.problem_count}
