from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import MODERATOR


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        # S5.1, G3: moderators read reviews; reports of a review are moderation reports.
        MODERATOR: ["reviews.view_review", "reviews.view_reviewwindow"],
    }

    def ready(self) -> None:
        # A door of the one gate (core.screening, G2): public answers to reviews.
        from core import screening

        from . import services

        screening.register_door(services.DOOR_REVIEW_ANSWER, label=_("Answer to a review"),
                                on_clear=services.review_reply_clear, on_reject=services.review_reply_reject,
                                field_labels={"text": _("Answer")})
