from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The platform's back office (F1, F2, F3.1, F3.3 reports, F4): above settlements,
    it reads settlements and the ledger; the ledger (finance) never imports it."""

    name = "backoffice"
    verbose_name = _("Finance back office")
