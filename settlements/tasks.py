"""Thin tasks: the statement sweep (S4.1), run by beat every 10 minutes; the
funding sweep (E5.1) and the funding deadlines with the guarantee (E5.2); the day's payout batch (S4.2, F3.2);
the quarterly tax information report (国务院令第810号 art. 4)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.working_days import is_working_day

from .dispute_money import adjustments_fund_ready
from .funding import settlements_fund_ready
from .guarantee import advances_recover_due, settlements_funding_watch
from .payouts import payout_batch_build
from .sweeps import PREPARE_PER_RUN, settlements_prepare_due
from .tax_report import tax_info_reports_due


@shared_task(acks_late=True)
def settlements_prepare_task() -> int:
    """Prepare the statements that are due; continue in a fresh task while a backlog remains.

    Idempotent by database state: a redelivered or overlapping run finds the
    statements up to date and changes nothing."""
    done = settlements_prepare_due()
    if done >= PREPARE_PER_RUN:
        settlements_prepare_task.delay()
    return done


@shared_task(acks_late=True)
def settlements_fund_ready_task() -> int:
    """Fund the ready settlements whose employer's escrow now holds the money (E5.1).

    Advances of the guarantee fund are recovered first (E5.2): the older debt is
    paid before new statements take the escrow. Returns how many statements were
    funded. Idempotent by database state: a funded settlement is no longer ready,
    a recovered advance has `recovered_at`, and every ledger key is unique."""
    advances_recover_due()
    return settlements_fund_ready()


@shared_task(acks_late=True)
def settlements_funding_watch_task() -> dict[str, int]:
    """Funding deadlines (E5.1, E5.2): remind, record lateness, advance from the
    guarantee fund or escalate. Idempotent: every step is marked on its row."""
    return settlements_funding_watch()


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             retry_backoff_max=60, max_retries=8)
def payout_batch_build_task() -> int | None:
    """Build the day's payout batch (S4.2, F3.2); nothing on non-working days, when
    banks do not execute bulk transfers. Returns the batch id, if any.

    Redelivered or run twice: the due settlements are paying by then (or locked by
    the other run), so the second run finds nothing to pay. A lost database connection
    (a failover, a terminated backend) rolls back the chunk in progress and the task is
    retried with backoff: the batch runs once a day, so a sweep's "next run" would be
    tomorrow (found by the chaos test, tests/chaos)."""
    if not is_working_day(timezone.localdate()):
        return None
    batch = payout_batch_build()
    return batch.pk if batch else None


@shared_task(acks_late=True)
def adjustments_fund_ready_task() -> int:
    """Fund the dispute adjustments whose employer's escrow now holds the money (S4.3).

    Idempotent by database state: a funded adjustment no longer awaits funding, and
    its ledger key is unique."""
    return adjustments_fund_ready()


@shared_task(acks_late=True)
def tax_info_report_task() -> int:
    """The last quarter's tax information report (国务院令第810号 art. 4), each day of the
    month after the quarter: generated once, every later run finds it and changes
    nothing. Returns the report's id."""
    return tax_info_reports_due().pk
