"""Every write to tickets (P2.2): open, start, resolve, close.

Each transition: check → lock → transition → save changed fields → history
row → tell the user. Opening a ticket for another app's case is idempotent
(`source_key`), so a case resent never opens a second ticket."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from accounts.models import User
from core.errors import InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.working_days import working_days_after

from .models import Ticket

# P2.2: customer service answers a ticket first within one working day (Chinese
# calendar). A constant until the customer-service issue makes it a policy parameter.
FIRST_RESPONSE_WORKING_DAYS = 1


@transaction.atomic
def ticket_open(*, user: User, category: str, subject: str, body: str, linked: models.Model | None = None,
                source_key: str | None = None, channel: str = Ticket.Channel.SITE) -> Ticket:
    """Open a ticket for `user`, optionally about `linked` (P2.2: every complaint
    and dispute is logged with the user's demand). The first answer is due
    FIRST_RESPONSE_WORKING_DAYS working days later. With `source_key`, a second
    call for the same case returns the first ticket."""
    if source_key:
        existing = Ticket.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    ticket = Ticket(
        user=user, category=category, channel=channel, subject=str(subject)[:200], body=str(body)[:5000],
        source_key=source_key or None,
        first_response_due_at=working_days_after(now, FIRST_RESPONSE_WORKING_DAYS),
    )
    if linked is not None:
        ticket.content_type = ContentType.objects.get_for_model(linked)
        ticket.object_id = str(linked.pk)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:  # the same case, opened concurrently
        if source_key:
            return Ticket.objects.get(source_key=source_key)
        raise
    history_record(subject=ticket, transition="open", from_state="", to_state=ticket.status, actor=user,
                   reason=ticket.subject)
    return ticket


def _locked_for_transition(*, pk: int, actor: User, name: str) -> Ticket:
    ticket = Ticket.objects.select_for_update().select_related("user").get(pk=pk)
    method = getattr(ticket, name)
    if not has_transition_perm(method, actor):
        raise NotPermitted()
    if not can_proceed(method):
        raise InvalidTransition()
    return ticket


@transaction.atomic
def ticket_start(*, pk: int, actor: User, reason: str = "") -> Ticket:
    """A customer-service agent takes the ticket; it counts as the first answer (P2.2)."""
    ticket = _locked_for_transition(pk=pk, actor=actor, name="start")
    before = ticket.status
    ticket.start(by=actor)
    ticket.save(update_fields=["status", "assigned_to", "first_responded_at", "updated_at"])
    history_record(subject=ticket, transition="start", from_state=before, to_state=ticket.status, actor=actor,
                   reason=(reason or "").strip())
    notify(recipient=ticket.user, subject=_("We are working on your request: %(subject)s") % {
        "subject": ticket.subject}, body=(reason or "").strip() or ticket.subject, email=False)
    return ticket


@transaction.atomic
def ticket_resolve(*, pk: int, actor: User, reason: str) -> Ticket:
    """Resolve the ticket; the user is told how (P2.2: kept informed until resolved)."""
    resolution = (reason or "").strip()
    if not resolution:
        raise ReasonRequired()
    ticket = _locked_for_transition(pk=pk, actor=actor, name="resolve")
    before = ticket.status
    ticket.resolve(by=actor, resolution=resolution)
    ticket.save(update_fields=["status", "assigned_to", "first_responded_at", "resolved_at", "resolution",
                               "updated_at"])
    history_record(subject=ticket, transition="resolve", from_state=before, to_state=ticket.status, actor=actor,
                   reason=resolution)
    notify(recipient=ticket.user, subject=_("Your request was resolved: %(subject)s") % {"subject": ticket.subject},
           body=resolution)
    return ticket


@transaction.atomic
def ticket_close(*, pk: int, actor: User, reason: str = "") -> Ticket:
    """Close a resolved ticket (nothing more to do)."""
    ticket = _locked_for_transition(pk=pk, actor=actor, name="close")
    before = ticket.status
    ticket.close()
    ticket.save(update_fields=["status", "closed_at", "updated_at"])
    history_record(subject=ticket, transition="close", from_state=before, to_state=ticket.status, actor=actor,
                   reason=(reason or "").strip())
    return ticket


def ticket_resolve_for_case(*, source_key: str, actor: User, resolution: str) -> Ticket | None:
    """Resolve the ticket that tracks a case decided in its own app (a contested
    no-show, disputed hours). The decision was authorised and the user told by
    that app's service, so this neither checks ticket permissions nor notifies."""
    ticket = Ticket.objects.select_for_update().filter(source_key=source_key).first()
    if ticket is None or not can_proceed(ticket.resolve):
        return ticket
    before = ticket.status
    ticket.resolve(by=actor, resolution=resolution)
    ticket.save(update_fields=["status", "assigned_to", "first_responded_at", "resolved_at", "resolution",
                               "updated_at"])
    history_record(subject=ticket, transition="resolve", from_state=before, to_state=ticket.status, actor=actor,
                   reason=resolution)
    return ticket
