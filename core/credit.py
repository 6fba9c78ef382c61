"""Recording credit facts (K3.2). Lifecycle apps call this; the risk app reads
the facts and scores them, so nothing below `risk` needs to import it."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import CreditEvent

# Sent after the transaction that recorded a new fact commits, with subject_kind
# and subject_id: the risk app recomputes that one score (incremental, K3.2).
credit_event_recorded = Signal()


def credit_event_record(
    *, key: str, subject_kind: str, subject_id: int, kind: str, reason: str,
    source: models.Model | None = None,
    occurred_at: dt.datetime | None = None, reverses: CreditEvent | None = None, value: int | None = None,
) -> CreditEvent:
    """Record a fact once: a second call with the same `key` returns the first row.

    Once the surrounding transaction commits, `credit_event_recorded` tells the
    risk app to rescore the subject."""
    existing = CreditEvent.objects.filter(key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            event = CreditEvent.objects.create(
                key=key, subject_kind=subject_kind, subject_id=subject_id, kind=kind, reason=str(reason),
                source_type=ContentType.objects.get_for_model(source) if source is not None else None,
                source_id=str(source.pk) if source is not None else "",
                occurred_at=occurred_at or timezone.now(), reverses=reverses, value=value,
            )
    except IntegrityError:  # a concurrent sweep recorded it first
        return CreditEvent.objects.get(key=key)
    transaction.on_commit(lambda: credit_event_recorded.send(
        sender=CreditEvent, subject_kind=subject_kind, subject_id=subject_id))
    return event


def credit_event_reverse(*, key: str, reason: str) -> CreditEvent | None:
    """Cancel a recorded fact (e.g. a no-show overturned on appeal) by a reversing fact."""
    original = CreditEvent.objects.filter(key=key).first()
    if original is None:
        return None
    return credit_event_record(
        key=f"{key}:reversed", subject_kind=original.subject_kind, subject_id=original.subject_id,
        kind=original.kind, reason=reason, source=original.source, reverses=original, value=original.value,
    )
