from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, CUSTOMER_SERVICE, MANAGER, MODERATOR


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["moderation.view_report", "moderation.resolve_report", "moderation.view_verificationstep",
                    "moderation.add_verificationstep",
                    # Decision checks (P2.3): each moderator checks a sample of others' decisions again.
                    "moderation.view_decisioncheck", "moderation.check_decision",
                    # The 2026 recruitment notice: abnormal employer accounts are surfaced to moderators.
                    "moderation.view_employerwatch"],
        CUSTOMER_SERVICE: ["moderation.view_report"],
        AUDITOR: ["moderation.view_report", "moderation.view_verificationstep"],
        MANAGER: ["moderation.view_report", "moderation.view_verificationstep",
                  # P2.3: every decision check and the agreement rates.
                  "moderation.view_decisioncheck", "moderation.view_decisioncheck_report",
                  "moderation.view_employerwatch"],
    }
