from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Customer service")

    def ready(self) -> None:
        # Cases the lifecycle apps open (a contested no-show, disputed hours)
        # become tickets here; applications does not know that support exists.
        from applications.signals import case_decided, case_opened

        from .receivers import ticket_for_case, ticket_resolved_with_case

        case_opened.connect(ticket_for_case, dispatch_uid="support.ticket_for_case")
        case_decided.connect(ticket_resolved_with_case, dispatch_uid="support.ticket_resolved_with_case")
