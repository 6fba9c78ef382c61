"""The beat sweep that prepares statements (S4.1): every ended engagement whose
hours are final gets its statement, and a ready one is recomputed when an item
(a decided loss, a compensation) or an hours change came after it.

Selection is one set-based query; each engagement is then prepared in its own
short transaction (`settlement_prepare` locks it), so a crash loses nothing and
a concurrent or redelivered run prepares nothing twice."""

import datetime as dt

from django.utils import timezone

from .selectors import engagements_due_for_statement
from .services import settlement_prepare

# Engagements selected per query. Each is a few small queries (its attendance
# rows, items and lines), so a batch takes well under a second.
PREPARE_BATCH = 100
# Engagements per task run; the task re-queues itself when it hit this, so one
# run never holds a worker for long and a backlog still drains.
PREPARE_PER_RUN = 2000


def settlements_prepare_due(*, now: dt.datetime | None = None, limit: int = PREPARE_PER_RUN) -> int:
    """Prepare the statements that are due; returns how many were prepared.

    Walks the due engagements in primary-key order from a cursor, so an engagement
    whose statement stays due (its hours changed again meanwhile) is visited once
    per run, not forever."""
    now = now or timezone.now()
    done, after = 0, 0
    while done < limit:
        ids = list(engagements_due_for_statement(now=now).filter(pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:min(PREPARE_BATCH, limit - done)])
        if not ids:
            break
        for engagement_id in ids:
            settlement_prepare(engagement_id=engagement_id)
        done += len(ids)
        after = ids[-1]
    return done
