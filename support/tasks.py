"""Thin tasks of customer service (P2.2), run by beat: close resolved tickets
whose reopen window has passed (hourly), and classify yesterday's tickets
(00:30 Asia/Shanghai). Both are idempotent by database state."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .sweeps import ticket_daily_summary_build, tickets_close_resolved


@shared_task(acks_late=True)
def tickets_close_resolved_task() -> int:
    return tickets_close_resolved()


@shared_task(acks_late=True)
def ticket_daily_summary_task(day: str | None = None) -> str:
    """Build the summary of `day` (ISO date), yesterday in Shanghai by default."""
    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return str(ticket_daily_summary_build(day=target))
