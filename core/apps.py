from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .roles import AUDITOR, CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR, OPERATIONS


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["core.view_historyentry", "core.view_reasontemplate", "core.add_reasontemplate",
                    "core.change_reasontemplate", "core.view_creditevent",
                    # Texts the one gate held (G2, J1.4): moderators clear or reject them before anyone
                    # reads them.
                    "core.view_heldtext", "core.moderate_heldtext"],
        CUSTOMER_SERVICE: ["core.view_historyentry", "core.view_creditevent"],
        OPERATIONS: ["core.view_policy", "core.view_policychange", "core.view_calendaroverride",
                     "core.add_calendaroverride", "core.change_calendaroverride",
                     # Deadlines, P2.1/K5: they confirm next year's make-up working days once entered.
                     "core.view_calendaryearconfirmation", "core.add_calendaryearconfirmation",
                     # K5, on the daily check page (P2.1).
                     "core.view_backuprecord"],
        FINANCE: ["core.view_policy", "core.view_backuprecord",
                  # Four eyes on who withholds income tax (docs/tax.md): finance or a manager requests,
                  # another of them approves (never the requester).
                  "core.view_policychangerequest", "core.add_policychangerequest",
                  "core.approve_policychangerequest"],
        AUDITOR: ["core.view_policy", "core.view_policychange", "core.view_historyentry", "core.view_backuprecord",
                  "core.view_policychangerequest"],
        MANAGER: ["core.view_creditevent", "core.view_policy", "core.change_policy", "core.view_policychange",
                  "core.view_historyentry", "core.view_calendaroverride", "core.view_calendaryearconfirmation",
                  "core.add_calendaryearconfirmation", "core.view_backuprecord",
                  "core.view_policychangerequest", "core.add_policychangerequest",
                  "core.approve_policychangerequest"],
    }

    def ready(self) -> None:
        from . import lookups
        from .forms import install_control_character_check, install_text_limit_counter

        lookups.register()
        install_control_character_check()
        install_text_limit_counter()
        # Names Django made up ("decided at", "patrol runs") read in the user's language (issue 21). Every
        # app's models are loaded before any ready() runs.
        from .labels import translate_made_up_labels

        translate_made_up_labels()
