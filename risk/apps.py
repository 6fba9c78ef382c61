from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Credit and sanctions")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (rescore on each new credit event)
