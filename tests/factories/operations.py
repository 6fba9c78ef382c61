"""Factories of staff management (P3 and P2.3): decisions as history
rows at a given moment, handled tickets with exact timestamps, suggestions."""

import datetime as dt

import factory
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.models import HistoryEntry
from operations.models import Suggestion
from support.models import Ticket
from tests.factories.accounts import StaffFactory, UserFactory


def local(year, month, day, hour=12, minute=0) -> dt.datetime:
    """An aware moment in Shanghai time."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def decision(*, model, object_id, transition: str, actor, at: dt.datetime, reason: str = "") -> HistoryEntry:
    """A history row as the moderation services write it, at `at`."""
    with time_machine.travel(at, tick=False):
        return HistoryEntry.objects.create(content_type=ContentType.objects.get_for_model(model),
                                           object_id=str(object_id), transition=transition, from_state="",
                                           to_state="", actor=actor, reason=reason)


def handled_ticket(*, by, first_due: dt.datetime, first_at: dt.datetime | None = None,
                   resolution_due: dt.datetime | None = None, resolved_at: dt.datetime | None = None,
                   satisfaction: int | None = None) -> Ticket:
    """A ticket worked on by `by`, with the exact service-level timestamps given."""
    status = Ticket.Status.RESOLVED if resolved_at else Ticket.Status.IN_PROGRESS
    return Ticket.objects.create(
        user=UserFactory(kind="student"), category=Ticket.Category.QUESTION, subject="s", body="b",
        status=status, first_response_due_at=first_due, first_responded_at=first_at, assigned_to=by,
        resolution_due_at=resolution_due, resolved_at=resolved_at, satisfaction=satisfaction)


class SuggestionFactory(DjangoModelFactory):
    class Meta:
        model = Suggestion

    author = factory.SubFactory(StaffFactory, role="customer_service")
    title = factory.Sequence(lambda n: f"Suggestion {n}")
    body = "Answer phone tickets within the hour by adding an evening shift."
