from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications and engagements")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["applications.view_application", "applications.view_engagement", "applications.view_attendance",
                    "applications.view_demandreport", "applications.view_lossclaim", "applications.decide_case",
                    # Changes the one gate held (G2, J1.4): moderators clear or reject them.
                    "applications.view_schedulechange",
                    # The service agreement of the engagements whose cases they decide (issue 19).
                    "applications.view_agreement"],
        CUSTOMER_SERVICE: ["applications.view_application", "applications.view_engagement",
                           "applications.view_attendance", "applications.view_demandreport",
                           "applications.view_lossclaim", "applications.decide_case", "applications.view_agreement"],
        MANAGER: ["applications.view_application", "applications.view_engagement", "applications.view_attendance",
                  "applications.view_demandreport", "applications.view_lossclaim", "applications.view_agreement"],
        # Finance decides payment disputes with customer service: the agreement states the pay (issue 19).
        FINANCE: ["applications.view_agreement"],
    }

    def ready(self) -> None:
        # Doors of the one gate (core.screening, G2): what a moderator's decision on a held text does.
        from core import screening

        from .services import applying, schedule_changes

        screening.register_door(schedule_changes.DOOR_SCHEDULE_CHANGE, label=_("Change of time or place"),
                                on_clear=schedule_changes.schedule_change_clear,
                                on_reject=schedule_changes.schedule_change_reject,
                                field_labels={"reason": _("Reason for the change"), "new_address": _("New place"),
                                              "new_time": _("New time"), "new_start": _("New time")})
        screening.register_door(applying.DOOR_INVITATION, label=_("Invitation to apply"),
                                on_clear=applying.invitation_clear, on_reject=applying.invitation_reject,
                                field_labels={"message": _("Message to the student")})
