from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import CUSTOMER_SERVICE, FINANCE

if TYPE_CHECKING:  # models are not loadable when the app config is imported
    from employers.models import Employer
    from jobs.models import Job


class SettlementsConfig(AppConfig):
    name = "settlements"
    verbose_name = _("Settlements and payouts")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        # Payment disputes (S4.3): customer service mediates and decides them, with finance.
        CUSTOMER_SERVICE: ["settlements.view_paymentdispute", "settlements.change_paymentdispute",
                           "settlements.view_settlementadjustment"],
        FINANCE: ["settlements.view_settlement", "settlements.view_settlementline", "settlements.view_payoutmethod",
                  "settlements.view_payoutbatch", "settlements.view_payout", "settlements.execute_payoutbatch",
                  # Payment disputes (S4.3): decided by finance or customer service; the adjustments
                  # they fund.
                  "settlements.view_paymentdispute", "settlements.change_paymentdispute",
                  "settlements.view_settlementadjustment",
                  # Income tax (docs/tax.md): the monthly withholding list and the remittance of a month.
                  "settlements.view_taxwithholding", "settlements.view_taxremittance", "settlements.remit_tax",
                  # The quarterly tax information report (国务院令第810号 art. 4): download, review, mark filed.
                  "settlements.view_taxinforeport", "settlements.submit_taxinforeport",
                  # What employers withhold when the policy names them withholding agent.
                  "settlements.view_employerwithholding"],
    }

    def ready(self) -> None:
        # The user's PIPL rights over payout methods (accounts sends, settlements answers).
        from accounts.signals import personal_data_collect, personal_data_erase

        from .receivers import payout_methods_erase, payout_methods_for_export

        personal_data_collect.connect(payout_methods_for_export, dispatch_uid="settlements.export")
        personal_data_erase.connect(payout_methods_erase, dispatch_uid="settlements.erase")

        # Finance runs these with its own checks (F3.3) and keeps committed escrow out of refunds
        # (E5.1); it never imports settlements, settlements registers here.
        from finance import hooks

        from . import integrity

        hooks.register_integrity_check("settlement_payouts", integrity.payouts_exactly_once_check)
        hooks.register_integrity_check("settlement_postings", integrity.funding_postings_check)
        hooks.register_integrity_check("settlement_income_tax", integrity.income_tax_check)
        hooks.register_integrity_check("settlement_loss_setoff", integrity.loss_setoff_check)
        hooks.register_escrow_commitments(_employer_committed_fen)

        # E5.1: an employer below the prefunding credit tier hires only with the pay in escrow.
        from applications.hooks import register_hire_check

        register_hire_check(_prefund_check)


def _employer_committed_fen(employer_id: int) -> int:
    # A lazy import: the selector imports models of other apps, not loadable at ready() time of every setup.
    from .selectors import employer_committed_fen

    return employer_committed_fen(employer_id)


def _prefund_check(*, employer: Employer, job: Job) -> None:
    from .funding import prefund_check  # lazily, like the selector above

    prefund_check(employer=employer, job=job)
