"""Every write to tickets (P2.2): open (by the user on the site, or logged by an
agent from a phone call or an e-mail), reply, ask the user, internal notes,
assignment, escalation to moderation or finance, resolve, reopen, close, and
the user's satisfaction rating.

Each transition: check → lock → `core.transitions.run_transition` (state,
changed fields, history row) → tell the user. Opening a ticket for another app's case is idempotent
(`source_key`), so a case resent never opens a second ticket. Service levels
come from the policy and are stored on the ticket when it opens."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after, working_moment_after

from .models import HANDLE_PERMISSION, Ticket, TicketAction, TicketMessage

Category = Ticket.Category

# P2.2: the resolution target of each category, a policy field in working days.
# The cases other apps open (contested no-shows, disputed hours) are disputes.
RESOLVE_DAYS_FIELD = {
    Category.QUESTION: "ticket_resolve_days_question",
    Category.COMPLAINT: "ticket_resolve_days_complaint",
    Category.DISPUTE: "ticket_resolve_days_dispute",
    Category.REPORT: "ticket_resolve_days_report",
    Category.FEEDBACK: "ticket_resolve_days_feedback",
    Category.NO_SHOW_CONTEST: "ticket_resolve_days_dispute",
    Category.HOURS_DISPUTE: "ticket_resolve_days_dispute",
}
# What a user may choose on the form; the case categories are opened by the apps that own the case.
USER_CATEGORIES = (Category.QUESTION, Category.COMPLAINT, Category.DISPUTE, Category.REPORT, Category.FEEDBACK)
ESCALATION_ROLES = {Ticket.EscalatedTo.MODERATION: "moderator", Ticket.EscalatedTo.FINANCE: "finance"}


class TicketNotAllowed(DomainError):
    default_message = _("This cannot be done on this ticket.")


def service_levels(*, category: str, opened_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first answer due, resolution due) for a ticket opened now (P2.2)."""
    policy = get_policy()
    first = working_moment_after(opened_at, policy.ticket_first_response_working_hours * 60)
    days = getattr(policy, RESOLVE_DAYS_FIELD.get(category, "ticket_resolve_days_question"))
    return first, working_days_after(opened_at, days)


def can_reopen(ticket: Ticket, *, now: dt.datetime | None = None) -> bool:
    """A resolved ticket the user may still reopen (within the policy's window)."""
    if ticket.status != Ticket.Status.RESOLVED:
        return False
    window = dt.timedelta(days=get_policy().ticket_reopen_days)
    return ticket.resolved_at is None or ticket.resolved_at + window >= (now or timezone.now())


def can_rate(ticket: Ticket) -> bool:
    """Resolved or closed, and not rated yet: the user rates the service once."""
    return ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED) and ticket.rated_at is None


def _can_handle(actor) -> bool:
    return bool(actor and actor.is_active and actor.is_staff and actor.has_perm(HANDLE_PERMISSION))


def _require_handler(actor) -> None:
    if not _can_handle(actor):
        raise NotPermitted()


def _user_link(ticket: Ticket) -> str:
    return reverse("support:ticket", args=[ticket.pk])


def _admin_link(ticket: Ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def _text(value: str, *, limit: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequired(_("Please write a message."))
    return text[:limit]


def _ticket_open_check(*, category: str, subject: str, body: str, channel: str, priority: int,
                       logged_by: User | None) -> None:
    """A ticket can open: an agent logging it handles tickets, its category, priority
    and channel are known, and it has a subject and a message (P2.2)."""
    if logged_by is not None:
        _require_handler(logged_by)
    if category not in Category.values:
        raise TicketNotAllowed(_("Choose what your request is about."))
    if priority not in Ticket.Priority.values:
        raise TicketNotAllowed(_("Choose a priority."))
    if channel not in Ticket.Channel.values:
        raise TicketNotAllowed(_("Choose how the request reached us."))
    if not str(subject or "").strip():
        raise ReasonRequired(_("Please give your request a subject."))
    if not str(body or "").strip():
        raise ReasonRequired(_("Please write a message."))


@transaction.atomic
def ticket_open(*, user: User, category: str, subject: str, body: str, linked: models.Model | None = None,
                source_key: str | None = None, channel: str = Ticket.Channel.SITE, demand: str = "",
                priority: int = Ticket.Priority.NORMAL, logged_by: User | None = None) -> Ticket:
    """Open a ticket for `user`, optionally about `linked` (P2.2: every complaint
    and dispute is logged with the user's demand). The first answer and the
    resolution are due by the policy's targets, stored now. With `source_key`,
    a second call for the same case returns the first ticket. An agent logging
    a phone call or an e-mail passes `logged_by` (they must handle tickets)."""
    if source_key:
        existing = Ticket.objects.filter(source_key=source_key).first()
        if existing is not None:
            return existing
    _ticket_open_check(category=category, subject=subject, body=body, channel=channel, priority=priority,
                       logged_by=logged_by)
    now = timezone.now()
    first_due, resolution_due = service_levels(category=category, opened_at=now)
    ticket = Ticket(
        user=user, category=category, channel=channel, subject=str(subject).strip()[:200],
        body=str(body).strip()[:5000],
        source_key=source_key or None, demand=(demand or "").strip()[:2000], priority=priority,
        logged_by=logged_by, first_response_due_at=first_due, resolution_due_at=resolution_due,
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
    history_record(subject=ticket, transition=TicketAction.OPEN, from_state="", to_state=ticket.status,
                   actor=logged_by or user, reason=ticket.subject)
    if logged_by is not None:  # the user learns the ticket exists and where to follow it
        notify(recipient=user, subject=_("We noted your request: %(subject)s") % {"subject": ticket.subject},
               body=ticket.body, link=_user_link(ticket))
    return ticket


def _locked(pk: int) -> Ticket:
    return lock_row(Ticket, pk, related=("user",))


@transaction.atomic
def ticket_start(*, pk: int, actor: User, reason: str = "") -> Ticket:
    """A customer-service agent takes the ticket; it counts as the first answer (P2.2)."""
    ticket = _locked(pk)
    run_transition(ticket, "start", actor=actor, note=(reason or "").strip(), check_permission=True, by=actor)
    notify(recipient=ticket.user, subject=_("We are working on your request: %(subject)s") % {
        "subject": ticket.subject}, body=(reason or "").strip() or ticket.subject, link=_user_link(ticket),
        email=False)
    return ticket


@transaction.atomic
def ticket_resolve(*, pk: int, actor: User, reason: str) -> Ticket:
    """Resolve the ticket; the user is told how (P2.2: kept informed until resolved)."""
    resolution = (reason or "").strip()
    if not resolution:
        raise ReasonRequired()
    ticket = _locked(pk)
    run_transition(ticket, "resolve", actor=actor, note=resolution, check_permission=True, by=actor,
                   resolution=resolution)
    notify(recipient=ticket.user, subject=_("Your request was resolved: %(subject)s") % {"subject": ticket.subject},
           body=resolution, link=_user_link(ticket))
    return ticket


@transaction.atomic
def ticket_close(*, pk: int, actor: User, reason: str = "") -> Ticket:
    """Close a resolved ticket (nothing more to do): by an agent, or by the user who raised it."""
    ticket = _locked(pk)
    if not (_can_handle(actor) or actor.pk == ticket.user_id):
        raise NotPermitted()
    return run_transition(ticket, "close", actor=actor, note=(reason or "").strip())


def ticket_resolve_for_case(*, source_key: str, actor: User, resolution: str) -> Ticket | None:
    """Resolve the ticket that tracks a case decided in its own app (a contested
    no-show, disputed hours). The decision was authorised and the user told by
    that app's service, so this neither checks ticket permissions nor notifies."""
    # Locked by its unique case key (the case's app knows no ticket id).
    ticket = Ticket.objects.select_for_update().filter(source_key=source_key).first()
    if ticket is None:
        return None
    try:
        return run_transition(ticket, "resolve", actor=actor, note=resolution, by=actor,
                              resolution=resolution)
    except InvalidTransition:  # already resolved or closed: nothing left to do
        return ticket


# ------------------------------------------------------------------ the conversation (P2.2)
def _reply_transition(ticket: Ticket, *, ask_user: bool) -> str | None:
    """The state change an agent's reply makes, if any: asking the user makes the
    ticket wait (asked again, the wait starts over without a change); answering
    takes an open ticket into progress, or goes on without the user's answer."""
    if ask_user:
        return None if ticket.status == Ticket.Status.WAITING_FOR_USER else "ask_user"
    return {Ticket.Status.OPEN: "start", Ticket.Status.WAITING_FOR_USER: "user_answered"}.get(ticket.status)


@transaction.atomic
def ticket_reply(*, pk: int, actor: User, body: str, ask_user: bool = False) -> TicketMessage:
    """An agent answers the user (the first reply counts as the first answer, P2.2).

    With `ask_user` the ticket waits for the user; otherwise an open ticket is
    taken into progress. The user is told by e-mail and in the inbox."""
    _require_handler(actor)
    text = _text(body)
    ticket = _locked(pk)
    if not ticket.is_active:
        raise TicketNotAllowed(_("This ticket is resolved; reopen it before answering."))
    action = TicketAction.ASK_USER if ask_user else TicketAction.REPLY
    name = _reply_transition(ticket, ask_user=ask_user)
    if name is not None:
        run_transition(ticket, name, actor=actor, note=text[:500], action=action,
                       **({} if name == "user_answered" else {"by": actor}))
    # Whatever the state, the reply is an answer by this agent (P2.2: the first answer counts).
    answered = (ticket.first_responded_at, ticket.assigned_to_id)
    ticket.first_responded_at = ticket.first_responded_at or timezone.now()
    ticket.assigned_to = ticket.assigned_to or actor
    if name is None:  # no state change: the reply alone is recorded
        if ask_user:
            ticket.waiting_since = timezone.now()  # asked again: the wait starts over
        ticket.save(update_fields=["assigned_to", "first_responded_at", "waiting_since", "updated_at"])
        history_record(subject=ticket, transition=action, from_state=ticket.status, to_state=ticket.status,
                       actor=actor, reason=text[:500])
    elif answered != (ticket.first_responded_at, ticket.assigned_to_id):
        ticket.save(update_fields=["assigned_to", "first_responded_at", "updated_at"])
    message = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.REPLY, author=actor, body=text)
    subject = (_("We need something from you: %(subject)s") if ask_user
               else _("New answer to your request: %(subject)s")) % {"subject": ticket.subject}
    notify(recipient=ticket.user, subject=subject, body=text, link=_user_link(ticket))
    return message


@transaction.atomic
def ticket_note(*, pk: int, actor: User, body: str, channel: str = Ticket.Channel.SITE) -> TicketMessage:
    """An internal note only staff see; with a channel, what the user said on the phone or by e-mail."""
    _require_handler(actor)
    text = _text(body)
    ticket = _locked(pk)
    if channel not in Ticket.Channel.values:
        raise TicketNotAllowed(_("Choose how the message reached us."))
    kind = TicketMessage.Kind.NOTE if channel == Ticket.Channel.SITE else TicketMessage.Kind.USER
    action = TicketAction.NOTE if kind == TicketMessage.Kind.NOTE else TicketAction.USER_MESSAGE
    if kind == TicketMessage.Kind.USER and ticket.status == Ticket.Status.WAITING_FOR_USER:
        # The user answered by phone or e-mail: back to work.
        run_transition(ticket, "user_answered", actor=actor, action=action)
    else:
        history_record(subject=ticket, transition=action, from_state=ticket.status, to_state=ticket.status,
                       actor=actor)
    return TicketMessage.objects.create(ticket=ticket, kind=kind, author=actor, body=text, channel=channel)


@transaction.atomic
def ticket_user_message(*, pk: int, user: User, body: str) -> TicketMessage:
    """The user who raised the ticket writes on it; a ticket waiting for them goes back to work."""
    text = _text(body)
    ticket = _locked(pk)
    if ticket.user_id != user.pk:
        raise NotPermitted()
    if not ticket.is_active:
        raise TicketNotAllowed(_("This ticket is resolved. Reopen it if the problem is not solved."))
    if ticket.status == Ticket.Status.WAITING_FOR_USER:
        run_transition(ticket, "user_answered", actor=user, action=TicketAction.USER_MESSAGE)
    else:
        history_record(subject=ticket, transition=TicketAction.USER_MESSAGE, from_state=ticket.status,
                       to_state=ticket.status, actor=user)
    message = TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.USER, author=user, body=text)
    if ticket.assigned_to_id:
        notify(recipient=ticket.assigned_to, subject=_("The user wrote on ticket #%(pk)s") % {"pk": ticket.pk},
               body=text, link=_admin_link(ticket), email=False)
    return message


@transaction.atomic
def ticket_assign(*, pk: int, actor: User, assignee: User) -> Ticket:
    """Give the ticket to an agent (the queue's owner of the matter)."""
    _require_handler(actor)
    if assignee is None or not _can_handle(assignee):
        raise TicketNotAllowed(_("%(name)s does not handle tickets.") % {"name": assignee})
    ticket = _locked(pk)
    if not ticket.is_active:
        raise TicketNotAllowed(_("Only tickets still being worked on can be assigned."))
    ticket.assigned_to = assignee
    ticket.save(update_fields=["assigned_to", "updated_at"])
    history_record(subject=ticket, transition=TicketAction.ASSIGN, from_state=ticket.status,
                   to_state=ticket.status, actor=actor, reason=str(assignee))
    if assignee.pk != actor.pk:
        notify(recipient=assignee, subject=_("Ticket #%(pk)s was assigned to you") % {"pk": ticket.pk},
               body=ticket.subject, link=_admin_link(ticket), email=False)
    return ticket


@transaction.atomic
def ticket_escalate(*, pk: int, actor: User, to: str, reason: str) -> Ticket:
    """Hand the matter to moderation or finance (P2.2: coordinate); the ticket stays
    with customer service, who keep the user informed."""
    _require_handler(actor)
    if to not in ESCALATION_ROLES:
        raise TicketNotAllowed(_("Choose moderation or finance."))
    text = _text(reason, limit=2000)
    ticket = _locked(pk)
    if not ticket.is_active:
        raise TicketNotAllowed(_("Only tickets still being worked on can be escalated."))
    ticket.escalated_to, ticket.escalated_at = to, timezone.now()
    ticket.save(update_fields=["escalated_to", "escalated_at", "updated_at"])
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.NOTE, author=actor, body=text)
    history_record(subject=ticket, transition=TicketAction.ESCALATE, from_state=ticket.status,
                   to_state=ticket.status, actor=actor, reason=f"{to}: {text}")
    from accounts.services import staff_role_notify

    staff_role_notify(role=ESCALATION_ROLES[to],
                      subject=_("Ticket #%(pk)s needs you: %(subject)s") % {"pk": ticket.pk, "subject": ticket.subject},
                      link=_admin_link(ticket))
    return ticket


@transaction.atomic
def ticket_reopen(*, pk: int, user: User, reason: str) -> Ticket:
    """The user says a resolved ticket is not solved, within the reopen window (policy)."""
    text = _text(reason)
    ticket = _locked(pk)
    if ticket.user_id != user.pk:
        raise NotPermitted()
    if ticket.status != Ticket.Status.RESOLVED:
        raise TicketNotAllowed(_("Only a resolved ticket can be reopened; a closed one needs a new ticket."))
    if not can_reopen(ticket):
        raise TicketNotAllowed(_("This ticket can no longer be reopened; please open a new one."))
    run_transition(ticket, "reopen", actor=user, note=text[:500])
    TicketMessage.objects.create(ticket=ticket, kind=TicketMessage.Kind.USER, author=user, body=text)
    if ticket.assigned_to_id:
        notify(recipient=ticket.assigned_to, subject=_("Ticket #%(pk)s was reopened") % {"pk": ticket.pk},
               body=text, link=_admin_link(ticket), email=False)
    return ticket


@transaction.atomic
def ticket_rate(*, pk: int, user: User, satisfaction: int, comment: str = "") -> Ticket:
    """The user rates how the ticket was handled, once, after it was resolved (P2.2, P3)."""
    ticket = _locked(pk)
    if ticket.user_id != user.pk:
        raise NotPermitted()
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        raise TicketNotAllowed(_("You can rate the service once the ticket is resolved."))
    if ticket.rated_at is not None:
        raise TicketNotAllowed(_("You have already rated this ticket. Thank you!"))
    if not isinstance(satisfaction, int) or satisfaction not in range(1, 6):
        raise TicketNotAllowed(_("Choose from 1 to 5 stars."))
    ticket.satisfaction, ticket.satisfaction_comment = satisfaction, (comment or "").strip()[:1000]
    ticket.rated_at = timezone.now()
    ticket.save(update_fields=["satisfaction", "satisfaction_comment", "rated_at", "updated_at"])
    history_record(subject=ticket, transition=TicketAction.RATE, from_state=ticket.status,
                   to_state=ticket.status, actor=user, reason=str(satisfaction))
    return ticket
