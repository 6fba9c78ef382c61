"""Thin tasks: the nightly ledger integrity check (F3.3)."""

from celery import shared_task

from .services import integrity_run


@shared_task(acks_late=True)
def ledger_integrity_task() -> dict:
    """Run every check and record the result; finance staff are told of any problem."""
    run = integrity_run()
    return {"run": run.pk, "problems": run.problem_count}


@shared_task(acks_late=True)
def monthly_reconciliation_task() -> dict:
    """On the 1st: store last month's settlement-account figures for finance to reconcile (F3.1)."""
    from .reconciliation import last_month_start, reconciliation_prepare

    reconciliation = reconciliation_prepare(month=last_month_start())
    return {"reconciliation": reconciliation.pk, "difference": reconciliation.figures.get("parts_difference")}


# ---------------------------------------------------------------- audits (F4) — H11
@shared_task(acks_late=True)
def audit_findings_sweep_task() -> dict:
    """Daily: remind owners before the due date (once), escalate overdue findings (once)."""
    from .audits import audit_findings_sweep

    result = audit_findings_sweep()
    return {"reminded": result.reminded, "escalated": result.escalated}
