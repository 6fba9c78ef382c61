from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import MANAGER, OPERATIONS


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        # P2.1: the daily check they sign off, the weekly report, campaigns; aggregates only.
        OPERATIONS: ["operations.view_dailycheck", "operations.add_dailycheck", "operations.sign_off_dailycheck",
                     "operations.view_taskfailure", "operations.view_weeklyreport", "operations.view_campaign",
                     "operations.add_campaign", "operations.change_campaign", "operations.view_campaignvisit",
                     "operations.view_campaignsignup"],
        # P3: appraisals, rewards and penalties, suggestions; the reports operations builds.
        MANAGER: ["operations.view_staffappraisal", "operations.add_staffappraisal",
                  "operations.view_rewardorpenalty", "operations.add_rewardorpenalty", "operations.view_suggestion",
                  "operations.decide_suggestion", "operations.view_weeklyreport", "operations.view_dailycheck",
                  "operations.view_campaign"],
    }

    def ready(self) -> None:
        from risk.indicators import kri_measure_register

        from . import receivers
        from .health import server_error_rate

        receivers.connect()
        # /metrics: task counters, and ledger postings, payouts, queue depth, failures read at scrape (issue 22).
        from .metrics import register

        register()
        # Operations keeps the server-error counter; risk's hourly K4 measurement reads it through this.
        kri_measure_register("error_rate", server_error_rate)
