from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, FINANCE


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        FINANCE: ["finance.view_ledgeraccount", "finance.view_ledgertransaction", "finance.view_ledgerentry",
                  "finance.view_integrityrun", "finance.add_integrityrun",
                  "finance.view_fundingreference", "finance.view_bankstatementimport",
                  "finance.add_bankstatementimport", "finance.view_bankstatementline",
                  "finance.match_bankstatementline", "finance.view_escrowrefund", "finance.execute_escrowrefund"],
        # Read-only, like everything an auditor sees.
        AUDITOR: ["finance.view_ledgeraccount", "finance.view_ledgertransaction", "finance.view_ledgerentry",
                  "finance.view_integrityrun", "finance.view_fundingreference", "finance.view_bankstatementimport",
                  "finance.view_bankstatementline", "finance.view_escrowrefund"],
    }
