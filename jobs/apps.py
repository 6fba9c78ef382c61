from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        # The one gate (core.screening) runs the lexicon screen on every door (G2, J1.4).
        from accounts.services import staff_role_notify
        from core import screening

        from .compliance import screen_text

        screening.register_screener("jobs.lexicon", screen_text)
        screening.register_moderator_notifier(
            lambda *, subject, link: staff_role_notify(role="moderator", subject=subject, link=link))
        screening.register_door("jobs.job", label=_("Job posting"))
