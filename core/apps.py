from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from . import lookups
        from .forms import install_control_character_check

        lookups.register()
        install_control_character_check()
