"""Beat's work on tickets (P2.2): close resolved tickets whose reopen window has
passed, and classify the day's tickets. Set-based and idempotent."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from core.models import HistoryEntry
from core.policy import get_policy

from .models import Ticket, TicketAction, TicketDailySummary

# Tickets closed per statement: one UPDATE and one history INSERT each, a few ms.
CLOSE_BATCH = 1000


def tickets_close_resolved(*, now: dt.datetime | None = None) -> int:
    """Close resolved tickets the user can no longer reopen; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=get_policy().ticket_reopen_days)
    content_type = ContentType.objects.get_for_model(Ticket)
    closed = 0
    while True:
        with transaction.atomic():
            ids = list(Ticket.objects.select_for_update(skip_locked=True)
                       .filter(status=Ticket.Status.RESOLVED, resolved_at__lt=cutoff)
                       .order_by("id").values_list("id", flat=True)[:CLOSE_BATCH])
            if not ids:
                return closed
            # Guarded by state: a ticket reopened meanwhile is no longer "resolved" and is left alone.
            count = Ticket.objects.filter(pk__in=ids, status=Ticket.Status.RESOLVED).update(
                status=Ticket.Status.CLOSED, closed_at=now, updated_at=now)
            HistoryEntry.objects.bulk_create([
                HistoryEntry(content_type=content_type, object_id=str(pk), transition=TicketAction.CLOSE,
                             from_state=Ticket.Status.RESOLVED, to_state=Ticket.Status.CLOSED, actor=None,
                             reason="reopen window passed") for pk in ids])
            closed += count


def ticket_daily_summary_build(*, day: dt.date) -> TicketDailySummary:
    """Classify one day's tickets (P2.2): per category, opened that day, resolved that
    day, still unresolved at the end of it, targets missed, and the satisfaction given."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    opened = Q(created_at__gte=start, created_at__lt=end)
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    unresolved = Q(created_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    rows = (Ticket.objects.filter(opened | resolved | unresolved)
            .values("category")
            .annotate(opened=Count("id", filter=opened), resolved=Count("id", filter=resolved),
                      unresolved=Count("id", filter=unresolved),
                      first_answer_late=Count("id", filter=opened & Q(first_response_due_at__lt=end) & (
                          Q(first_responded_at__isnull=True) | Q(first_responded_at__gt=F("first_response_due_at")))),
                      resolution_late=Count("id", filter=resolved & Q(resolved_at__gt=F("resolution_due_at"))),
                      satisfaction=Avg("satisfaction", filter=resolved)))
    counts = {row["category"]: {
        "opened": row["opened"], "resolved": row["resolved"], "unresolved": row["unresolved"],
        "first_answer_late": row["first_answer_late"], "resolution_late": row["resolution_late"],
        "satisfaction": round(row["satisfaction"], 2) if row["satisfaction"] is not None else None,
    } for row in rows}
    summary, _created = TicketDailySummary.objects.update_or_create(date=day, defaults={"counts": counts})
    return summary

