from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from risk.indicators import kri_measure_register

        from . import receivers
        from .health import server_error_rate

        receivers.connect()
        # Operations keeps the server-error counter; risk's hourly K4 measurement reads it through this.
        kri_measure_register("error_rate", server_error_rate)
