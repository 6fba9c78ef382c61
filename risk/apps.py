from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR, OPERATIONS


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Credit and sanctions")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        # Credit and sanctions (E4.2, K3): moderators impose sanctions and decide appeals (a different
        # moderator from the one who imposed it), import third-party credit flags (K3.3).
        MODERATOR: ["risk.view_creditscore", "risk.view_sanction", "risk.add_sanction", "risk.view_appeal",
                    "risk.decide_appeal", "risk.view_externalflagimport", "risk.add_externalflagimport"],
        CUSTOMER_SERVICE: ["risk.view_creditscore", "risk.view_sanction", "risk.view_appeal"],
        # The indicators on the daily check page (K1, P2.1).
        OPERATIONS: ["risk.view_keyriskindicator", "risk.view_krireading"],
        FINANCE: ["risk.view_riskitem", "risk.view_keyriskindicator", "risk.view_krireading"],
        AUDITOR: ["risk.view_riskitem", "risk.view_keyriskindicator", "risk.view_krireading", "risk.view_legalopinion",
                  "risk.view_contingencyplan"],
        # The risk register with its indicators, legal opinions and contingency plans (K1, K2, K4, K5).
        MANAGER: ["risk.view_riskitem", "risk.add_riskitem", "risk.change_riskitem", "risk.view_keyriskindicator",
                  "risk.add_keyriskindicator", "risk.change_keyriskindicator", "risk.view_krireading",
                  "risk.view_legalopinion", "risk.add_legalopinion", "risk.change_legalopinion",
                  "risk.view_contingencyplan", "risk.add_contingencyplan", "risk.change_contingencyplan"],
    }

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (rescore on each new credit event)
