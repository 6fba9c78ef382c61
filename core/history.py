"""The history row every state-changing service writes, in a typed vocabulary.

Each model with history declares `history_actions`, a `TextChoices` of the
actions recorded for it (one per app, beside its models). Recording an action
outside it is a programming error, caught by the tests at once; readers see
the action's translated label and the states' translated names, never codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .models import HistoryEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it


def history_actions_of(model: type[models.Model]) -> type[models.TextChoices]:
    actions: type[models.TextChoices] | None = getattr(model, "history_actions", None)
    if actions is None:
        raise ImproperlyConfigured(f"{model._meta.label} records history but declares no history_actions")
    return actions


def history_record(
    *, subject: models.Model, transition: str, from_state: str, to_state: str,
    actor: User | None = None, reason: str = "",
) -> HistoryEntry:
    actions = history_actions_of(type(subject))
    if transition not in actions.values:
        raise ValueError(f"{transition!r} is not in {type(subject)._meta.label}'s history vocabulary")
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
        transition=str(transition),
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason or "",
    )


def history_for(subject: models.Model) -> models.QuerySet[HistoryEntry]:
    return HistoryEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        object_id=str(subject.pk),
    ).select_related("actor", "content_type")
