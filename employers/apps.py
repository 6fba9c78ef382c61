from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = _("Employers")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["employers.view_employer", "employers.vet_employer", "employers.view_employerverification",
                    "employers.view_employermember"],
        CUSTOMER_SERVICE: ["employers.view_employer", "employers.view_employermember"],
        FINANCE: ["employers.view_employer"],
        MANAGER: ["employers.view_employer"],
    }
