from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, CUSTOMER_SERVICE, MANAGER, MODERATOR


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and students")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        MODERATOR: ["accounts.view_user", "accounts.view_studentprofile", "accounts.vet_studentprofile",
                    "accounts.view_studentverification", "accounts.reveal_personal_data",
                    # minors (docs/minors.md): the guardian's consent and what the guardian was told
                    "accounts.view_guardianconsent", "accounts.view_guardiannotice"],
        CUSTOMER_SERVICE: ["accounts.view_user", "accounts.view_studentprofile"],
        AUDITOR: ["accounts.view_personaldataaccess", "accounts.view_minorsdataaudit"],
        MANAGER: ["accounts.view_user", "accounts.view_studentprofile", "accounts.view_personaldataaccess",
                  "accounts.view_consent", "accounts.view_deletionrequest",
                  "accounts.view_guardianconsent", "accounts.view_guardiannotice", "accounts.view_minorsdataaudit",
                  # J3: a colleague who lost their authenticator gets it reset by a manager (logged),
                  # never by themselves.
                  "accounts.reset_second_factor"],
    }

    def ready(self):
        from . import staff_sessions  # noqa: F401  (connects the staff sign-in receiver, J3)
        from .roles import role_groups_sync_receiver

        # The role groups get each app's declared permissions after every migrate (P1). Receivers run
        # in the order they were connected: after django.contrib.auth's create_permissions (its
        # ready() runs first), so on each app's post_migrate that app's permissions exist already.
        labels = [config.label for config in apps.get_app_configs()]
        if labels.index("auth") > labels.index(self.label):
            raise ImproperlyConfigured("django.contrib.auth must come before accounts in INSTALLED_APPS")
        post_migrate.connect(role_groups_sync_receiver, dispatch_uid="accounts.role_groups_sync")
