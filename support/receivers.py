"""Reactions to other apps' signals: a case a student opened from an engagement
(a contested no-show, disputed hours) becomes a customer-service ticket linked
to the Attendance. The deciding stays with applications (its admin and
services); the ticket is where customer service keeps the user informed."""

from django.utils.translation import gettext_lazy as _

from .models import Ticket
from .services import ticket_open, ticket_resolve_for_case

CASE_SUBJECTS = {
    Ticket.Category.NO_SHOW_CONTEST: _("Contested no-show"),
    Ticket.Category.HOURS_DISPUTE: _("Disputed hours"),
}


def _case_subject(category: str, attendance) -> str:
    label = str(CASE_SUBJECTS.get(category, _("Case")))
    try:
        return f"{label}: {attendance.engagement.job.title} · {attendance.shift.date:%Y-%m-%d}"
    except AttributeError:  # a case about another kind of record
        return f"{label}: {attendance}"


def _source_key(kind: str, subject) -> str:
    return f"{kind}:{subject._meta.label_lower}:{subject.pk}"


def ticket_for_case(sender, *, kind: str, user, subject, summary: str = "", **kwargs) -> Ticket:
    """Runs inside the service's transaction: if the case rolls back, so does its ticket."""
    category = kind if kind in Ticket.Category.values else Ticket.Category.DISPUTE
    return ticket_open(
        user=user, category=category, subject=_case_subject(category, subject), body=summary or "—",
        linked=subject, source_key=_source_key(kind, subject),
    )


def ticket_resolved_with_case(sender, *, kind: str, subject, actor, outcome: str, **kwargs) -> None:
    """The case was decided where it lives; its ticket is resolved with the same words."""
    ticket_resolve_for_case(source_key=_source_key(kind, subject), actor=actor, resolution=outcome)
