from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CUSTOMER_SERVICE, MANAGER, MODERATOR, OPERATIONS

# The search's synonym table (S2.1) is kept by the staff who know the students' words.
SYNONYM_PERMISSIONS = ["jobs.view_searchsynonym", "jobs.add_searchsynonym", "jobs.change_searchsynonym",
                       "jobs.delete_searchsynonym"]


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["jobs.view_job", "jobs.moderate_job", "jobs.view_jobrevision", "jobs.view_jobflag",
                    "jobs.view_complianceterm", "jobs.add_complianceterm", "jobs.change_complianceterm",
                    "jobs.view_minimumwage", "jobs.add_minimumwage", "jobs.change_minimumwage",
                    "jobs.view_patrolrun"],
        CUSTOMER_SERVICE: ["jobs.view_job"],
        OPERATIONS: ["jobs.view_patrolrun", "jobs.view_minimumwage", *SYNONYM_PERMISSIONS],
        MANAGER: ["jobs.view_job", "jobs.view_complianceterm", "jobs.change_complianceterm", "jobs.view_minimumwage",
                  "jobs.change_minimumwage", "jobs.view_patrolrun"],
    }

    def ready(self) -> None:
        # The one gate (core.screening) runs the lexicon screen on every door (G2, J1.4).
        from accounts.services import staff_role_notify
        from core import screening

        from .compliance import screen_text

        screening.register_screener("jobs.lexicon", screen_text)
        screening.register_moderator_notifier(
            lambda *, subject, link: staff_role_notify(role="moderator", subject=subject, link=link))
        screening.register_door("jobs.job", label=_("Job posting"))
