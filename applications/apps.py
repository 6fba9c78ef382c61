from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Applications and engagements")

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
