"""The history row every state-changing service writes."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import HistoryEntry


def history_record(
    *, subject: models.Model, transition: str, from_state: str, to_state: str, actor=None, reason: str = ""
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
        transition=transition,
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason or "",
    )


def history_for(subject: models.Model):
    return HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
    ).select_related("actor")
