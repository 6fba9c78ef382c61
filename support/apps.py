from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR, OPERATIONS


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Customer service")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["support.view_ticket"],
        # Customer service (P2.2): the tickets, the conversation, the FAQ they keep, the daily classification.
        CUSTOMER_SERVICE: ["support.view_ticket", "support.change_ticket", "support.view_ticketmessage",
                           "support.view_faqentry", "support.add_faqentry", "support.change_faqentry",
                           "support.view_ticketdailysummary"],
        OPERATIONS: ["support.view_ticketdailysummary"],
        # Tickets escalated to finance (P2.2): they open the ticket from the notification.
        FINANCE: ["support.view_ticket", "support.view_ticketmessage"],
        MANAGER: ["support.view_ticket", "support.view_ticketdailysummary"],
    }

    def ready(self) -> None:
        # Cases the lifecycle apps open (a contested no-show, disputed hours)
        # become tickets here; applications does not know that support exists.
        from applications.signals import case_decided, case_opened

        from .receivers import ticket_for_case, ticket_resolved_with_case

        case_opened.connect(ticket_for_case, dispatch_uid="support.ticket_for_case")
        case_decided.connect(ticket_resolved_with_case, dispatch_uid="support.ticket_resolved_with_case")

        # Payment disputes (S4.3) the same way: settlements sends, support keeps the ticket.
        from settlements.signals import payment_dispute_closed, payment_dispute_opened

        from .receivers_settlements import ticket_for_payment_dispute, ticket_resolved_with_payment_dispute

        payment_dispute_opened.connect(ticket_for_payment_dispute,
                                       dispatch_uid="support.ticket_for_payment_dispute")
        payment_dispute_closed.connect(ticket_resolved_with_payment_dispute,
                                       dispatch_uid="support.ticket_resolved_with_payment_dispute")
