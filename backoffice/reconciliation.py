"""The monthly reconciliation of the settlement account (F3.1, F3.3).

`reconciliation_prepare(month)` stores the ledger's figures at the month's end
(the settlement bank account, escrow, student payables, the guarantee fund,
payouts in transit, revenue not yet transferred, employers' receivables) and
whether the settlement account equals the sum of its parts; finance enters the
bank statement's closing balance, the difference is computed, and a finance
member signs it off, once. The beat prepares last month's on the 1st."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_record
from finance.models import AccountKind

from .models import BackofficeAction, MonthlyReconciliation
from .reports import trial_balance

SIGN_OFF_PERMISSION = "backoffice.sign_off_reconciliation"
# (figure name, account kind); receivables are subtracted from the parts.
PARTS = [("escrow", AccountKind.EMPLOYER_ESCROW), ("student_payables", AccountKind.STUDENT_PAYABLE),
         ("guarantee_fund", AccountKind.GUARANTEE_FUND), ("payouts_in_transit", AccountKind.PAYOUT_CLEARING),
         ("revenue_posting_fees", AccountKind.REVENUE_POSTING_FEES),
         ("revenue_commissions", AccountKind.REVENUE_COMMISSIONS)]
FIGURE_LABELS = {
    "settlement_account": _("Settlement bank account (ledger)"),
    "escrow": _("Employers' escrow"),
    "student_payables": _("Owed to students"),
    "guarantee_fund": _("Guarantee fund"),
    "payouts_in_transit": _("Payouts in transit"),
    "revenue_posting_fees": _("Revenue not yet transferred: posting fees"),
    "revenue_commissions": _("Revenue not yet transferred: commissions"),
    "receivables": _("Owed by employers (subtracted)"),
    "sum_of_parts": _("Sum of the parts"),
    "parts_difference": _("Settlement account less the sum of its parts"),
}


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def reconciliation_figures(month: dt.date) -> dict[str, int]:
    """The ledger's readable balances at the end of the month (one grouped query)."""
    balances = {row.kind: row.balance_fen for row in trial_balance(at=month_end(month)).rows}
    figures = {"settlement_account": balances[AccountKind.BANK_CLEARING]}
    figures.update({name: balances[kind] for name, kind in PARTS})
    figures["receivables"] = balances[AccountKind.EMPLOYER_RECEIVABLE]
    figures["sum_of_parts"] = sum(figures[name] for name, _kind in PARTS) - figures["receivables"]
    figures["parts_difference"] = figures["settlement_account"] - figures["sum_of_parts"]
    return figures


def figure_rows(reconciliation: MonthlyReconciliation) -> list[tuple[str, int]]:
    return [(str(FIGURE_LABELS.get(name, name)), value) for name, value in reconciliation.figures.items()]


def reconciliation_prepare(*, month: dt.date) -> MonthlyReconciliation:
    """Store (or refresh, while not signed off) the month's figures; finance told when the parts disagree."""
    month = month.replace(day=1)
    with transaction.atomic():
        reconciliation = MonthlyReconciliation.objects.select_for_update().filter(month=month).first()
        if reconciliation is not None and reconciliation.signed_off_at is not None:
            return reconciliation
        figures = reconciliation_figures(month)
        if reconciliation is None:
            try:
                with transaction.atomic():
                    reconciliation = MonthlyReconciliation.objects.create(month=month, figures=figures,
                                                                          prepared_at=timezone.now())
            except IntegrityError:  # prepared concurrently
                return MonthlyReconciliation.objects.get(month=month)
        else:
            reconciliation.figures, reconciliation.prepared_at = figures, timezone.now()
            if reconciliation.bank_closing_fen is not None:
                reconciliation.difference_fen = reconciliation.bank_closing_fen - figures["settlement_account"]
            reconciliation.save(update_fields=["figures", "prepared_at", "difference_fen"])
        history_record(subject=reconciliation, transition=BackofficeAction.PREPARE, from_state="",
                       to_state="prepared")
        if figures["parts_difference"]:
            transaction.on_commit(lambda: staff_role_notify(
                role="finance", subject=_("The settlement account does not equal the sum of its parts"),
                link=f"/admin/backoffice/monthlyreconciliation/{reconciliation.pk}/change/"))
    return reconciliation


def _ensure_finance(actor) -> None:
    if not (actor is not None and actor.is_active and actor.has_perm(SIGN_OFF_PERMISSION)):
        raise NotPermitted()


@transaction.atomic
def reconciliation_enter_bank(*, reconciliation_id: int, actor, bank_closing_fen: int,
                              notes: str = "") -> MonthlyReconciliation:
    """Finance enters the bank statement's closing balance; the difference is computed."""
    _ensure_finance(actor)
    if type(bank_closing_fen) is not int or abs(bank_closing_fen) > 10**15:  # noqa: E721
        raise DomainError(_("Enter the closing balance in yuan."), field="bank_closing")
    reconciliation = MonthlyReconciliation.objects.select_for_update().get(pk=reconciliation_id)
    if reconciliation.signed_off_at is not None:
        raise InvalidTransition(_("This reconciliation is signed off already."))
    reconciliation.bank_closing_fen = bank_closing_fen
    reconciliation.difference_fen = bank_closing_fen - reconciliation.figures["settlement_account"]
    if notes:
        reconciliation.notes = notes.strip()[:4000]
    reconciliation.save(update_fields=["bank_closing_fen", "difference_fen", "notes"])
    history_record(subject=reconciliation, transition=BackofficeAction.ENTER_BANK, from_state="prepared",
                   to_state="prepared", actor=actor, reason=str(bank_closing_fen))
    return reconciliation


@transaction.atomic
def reconciliation_sign_off(*, reconciliation_id: int, actor, notes: str = "") -> MonthlyReconciliation:
    """A finance member signs the month off, once; the bank balance must have been entered, and a
    difference needs a note explaining it."""
    _ensure_finance(actor)
    reconciliation = MonthlyReconciliation.objects.select_for_update().get(pk=reconciliation_id)
    if reconciliation.signed_off_at is not None:
        raise InvalidTransition(_("This reconciliation is signed off already."))
    if reconciliation.bank_closing_fen is None:
        raise DomainError(_("Enter the bank statement's closing balance first."), field="bank_closing")
    notes = (notes or "").strip() or reconciliation.notes
    if (reconciliation.difference_fen or reconciliation.figures.get("parts_difference")) and not notes:
        raise DomainError(_("Explain the difference in the notes before signing off."), field="notes")
    reconciliation.signed_off_by, reconciliation.signed_off_at = actor, timezone.now()
    reconciliation.notes = notes[:4000]
    reconciliation.save(update_fields=["signed_off_by", "signed_off_at", "notes"])
    history_record(subject=reconciliation, transition=BackofficeAction.SIGN_OFF, from_state="prepared",
                   to_state="signed_off", actor=actor, reason=notes[:300])
    return reconciliation


def last_month_start(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
