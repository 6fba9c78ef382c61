"""Settlement figures for finance's reports (F3.3): aggregates only, no personal
data. Called by `backoffice.reports` through a lazy import (finance never imports
settlements at module level). Each figure is one grouped query."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .models import PaymentDispute, Payout, Settlement, SettlementAdjustment, SettlementStatus


def _figure(queryset: QuerySet[Any], amount_field: str) -> tuple[int, int]:
    row = queryset.aggregate(n=Count("pk"), total=Sum(amount_field))
    return row["n"] or 0, row["total"] or 0


def settlement_figures(*, start: dt.datetime, end: dt.datetime,
                       now: dt.datetime | None = None) -> dict[str, tuple[int, int]]:
    """(count, fen) per figure for the period [start, end):

    funded   — settlements funded in the period (from escrow or the guarantee), employer totals
    paid     — settlements paid in the period, student totals
    advances — settlements the guarantee fund advanced in the period, amounts advanced
    pending  — waiting for the employer's payment now (ready), ready before the period ended
    overdue  — of those, past their funding due date now
    disputed — payment disputes opened in the period, amounts claimed
    adjustments_paid — dispute adjustments paid in the period, extra pay"""
    now = now or timezone.now()
    settlements = Settlement.objects.order_by()
    ready = settlements.filter(status=SettlementStatus.READY, ready_at__lt=end)
    return {
        "funded": _figure(settlements.filter(funded_at__gte=start, funded_at__lt=end, employer_total_fen__gt=0),
                          "employer_total_fen"),
        "paid": _figure(settlements.filter(status=SettlementStatus.PAID, paid_at__gte=start, paid_at__lt=end),
                        "student_total_fen"),
        "advances": _figure(settlements.filter(advanced_at__gte=start, advanced_at__lt=end), "advanced_fen"),
        "pending": _figure(ready, "employer_total_fen"),
        "overdue": _figure(ready.filter(funding_due_at__lt=now), "employer_total_fen"),
        "disputed": _figure(PaymentDispute.objects.order_by().filter(created_at__gte=start, created_at__lt=end),
                            "claimed_fen"),
        "adjustments_paid": _figure(SettlementAdjustment.objects.order_by().filter(
            status=SettlementAdjustment.Status.PAID, paid_at__gte=start, paid_at__lt=end), "amount_fen"),
    }


def payouts_paid_figure(*, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """Payouts (settlements' and adjustments') confirmed paid in [start, end): (count, fen)."""
    return _figure(Payout.objects.order_by().filter(Q(status=Payout.Status.PAID), paid_at__gte=start,
                                                    paid_at__lt=end), "amount_fen")
