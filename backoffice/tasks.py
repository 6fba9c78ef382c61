"""Thin tasks of the back office: the monthly reconciliation (F3.1) and the audit findings sweep (F4)."""

from celery import shared_task


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
