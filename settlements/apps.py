from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementsConfig(AppConfig):
    name = "settlements"
    verbose_name = _("Settlements and payouts")

    def ready(self) -> None:
        # The user's PIPL rights over payout methods (accounts sends, settlements answers).
        from accounts.signals import personal_data_collect, personal_data_erase

        from .receivers import payout_methods_erase, payout_methods_for_export

        personal_data_collect.connect(payout_methods_for_export, dispatch_uid="settlements.export")
        personal_data_erase.connect(payout_methods_erase, dispatch_uid="settlements.erase")
