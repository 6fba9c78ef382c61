"""Reactions to settlements' signals: a payment dispute (S4.3) is tracked by a
customer-service ticket (P2.2) from the moment the student opens it until it is
decided or withdrawn. The deciding stays with settlements (its admin and
services); the ticket is where customer service keeps the student informed.
The ticket is keyed by the dispute's own key, so a signal sent twice opens one."""

from django.utils.translation import gettext_lazy as _

from .models import Ticket
from .services import ticket_open, ticket_resolve_for_case


def ticket_for_payment_dispute(sender, *, dispute, key: str, user, job_title: str, summary: str,
                               **kwargs) -> Ticket:
    """Runs inside the dispute's transaction: if opening it rolls back, so does its ticket."""
    return ticket_open(user=user, category=Ticket.Category.DISPUTE, linked=dispute, source_key=key,
                       subject=_("Payment dispute: %(job)s") % {"job": job_title}, body=summary)


def ticket_resolved_with_payment_dispute(sender, *, key: str, actor, outcome: str, **kwargs) -> None:
    """The dispute was decided (or withdrawn) in settlements; its ticket is resolved with the same words."""
    ticket_resolve_for_case(source_key=key, actor=actor, resolution=outcome)
