from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and students")

    def ready(self):
        from . import staff_sessions  # noqa: F401  (connects the staff sign-in receiver, J3)
