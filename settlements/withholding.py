"""Income tax withheld from students' pay, in the database (国家税务总局公告2025年第16号;
docs/tax.md). The arithmetic is `settlements.income_tax`; this module stores each
payment's figures and moves the tax in the ledger.

- `tax_withhold` runs inside the posting that credits a student's pay (funding,
  the guarantee advance, a dispute's extra pay): it locks the student's row, so two
  payments of one student are withheld one after the other, reads the student's
  latest TaxWithholding, continues from it (`CumulativeWithholder.resume`) and
  inserts the next. The month is the month the pay is credited (funding or
  advance), so a retried bank transfer does not move the tax.
- `pay_credit_lines` splits that credit: net to the student's payable, tax to
  TAX_PAYABLE (net + tax = what the student receives).
- When the policy names the employer as withholding agent (Policy.tax_withholding_agent,
  changed only with four eyes), `settlement_tax_withhold` withholds nothing and
  records instead what the employer withholds by the per-payment method
  (`employer_withhold`, 61号 art. 8): one EmployerWithholding row, shown on the
  employer's statement.
- `tax_remit` records that finance paid a month's tax to the tax authority:
  `tax-remit:<yyyy-mm>`, Dr tax payable, Cr the settlement bank account, once."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError, NotPermitted
from core.models import TaxWithholdingAgent
from core.money import format_fen
from core.policy import get_policy
from finance.ledger import platform_account, student_payable, transaction_post
from finance.models import AccountKind, LedgerAccount

from .income_tax import (
    CumulativeReason,
    CumulativeWithholder,
    CumulativeWithholding,
    PerPaymentWithholding,
    per_payment_withholding,
)
from .models import (
    EmployerWithholding,
    Settlement,
    SettlementAdjustment,
    TaxMethod,
    TaxRemittance,
    TaxWithholding,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REMIT_PERMISSION = "settlements.remit_tax"
# The figures a TaxWithholding row shares with income_tax.CumulativeWithholding.
FIGURES = ("year", "month", "gross_fen", "consecutive_months", "cumulative_income_fen", "cumulative_expenses_fen",
           "cumulative_tax_free_fen", "cumulative_basic_deduction_fen", "cumulative_other_deductions_fen",
           "taxable_fen", "rate_percent", "quick_deduction_fen", "cumulative_relief_fen", "cumulative_tax_fen",
           "withheld_before_fen", "tax_fen")


def remit_key(year: int, month: int) -> str:
    return f"tax-remit:{year:04d}-{month:02d}"


def as_computed(row: TaxWithholding) -> CumulativeWithholding:
    """A stored row as the pure computation's result (to resume from, or to explain)."""
    return CumulativeWithholding(**{name: getattr(row, name) for name in FIGURES},
                                 reason=CumulativeReason(row.reason))


def tax_explanation(row: TaxWithholding) -> str:
    """Why this payment withheld what it did, in the active language (the statement shows it)."""
    return as_computed(row).explanation


# ------------------------------------------------------------------ withholding
def tax_withhold(*, student_id: int, settlement_id: int, gross_fen: int, available_fen: int,
                 now: dt.datetime, adjustment_id: int | None = None) -> TaxWithholding | None:
    """Withhold income tax from one payment (16号 §1(1), cumulative method); call it
    inside the transaction that credits the pay. Returns the stored row (the one
    already stored for this payment, if any: idempotent), or None when the payment
    carries no income (gross 0).

    `gross_fen` is the income (a loss set off does not reduce it); `available_fen`
    what is paid out of it, the most that can be withheld."""
    if gross_fen <= 0:
        return None
    # The per-student lock: the student's row, held to the end of the crediting transaction.
    User.objects.select_for_update().filter(pk=student_id).values_list("pk").get()
    existing = TaxWithholding.objects.filter(settlement_id=settlement_id, adjustment_id=adjustment_id).first()
    if existing is not None:
        return existing
    latest = TaxWithholding.objects.filter(student_id=student_id).order_by("-id").first()
    last = as_computed(latest) if latest is not None else None
    month = timezone.localdate(now)
    if last is not None and (month.year, month.month) < (last.year, last.month):
        month = dt.date(last.year, last.month, 1)  # a clock set back never reorders the year
    result = CumulativeWithholder.resume(last).pay(year=month.year, month=month.month, gross_fen=gross_fen,
                                                   available_fen=available_fen)
    return TaxWithholding.objects.create(
        student_id=student_id, settlement_id=settlement_id, adjustment_id=adjustment_id,
        method=TaxMethod.CUMULATIVE, available_fen=available_fen, reason=str(result.reason),
        **{name: getattr(result, name) for name in FIGURES})


def pay_credit_lines(*, student_id: int, student_total_fen: int,
                     tax_fen: int) -> list[tuple[LedgerAccount, int]]:
    """The credit of a student's pay, split: net to their payable, the tax withheld to
    TAX_PAYABLE (credits negative; zero lines left out). Net + tax = the student's total."""
    lines = [(student_payable(student_id), -(student_total_fen - tax_fen))]
    if tax_fen:
        lines.append((platform_account(AccountKind.TAX_PAYABLE), -tax_fen))
    return [(account, amount) for account, amount in lines if amount]


def employer_is_agent() -> bool:
    """Whether the policy names the employer as withholding agent (docs/tax.md, method 2)."""
    return get_policy().tax_withholding_agent == TaxWithholdingAgent.EMPLOYER


def as_per_payment(row: EmployerWithholding) -> PerPaymentWithholding:
    return PerPaymentWithholding(
        gross_fen=row.gross_fen, income_fen=row.income_fen, expenses_fen=row.expenses_fen,
        flat_expenses=row.flat_expenses, taxable_fen=row.taxable_fen, rate_percent=row.rate_percent,
        quick_deduction_fen=row.quick_deduction_fen, total_tax_fen=row.total_tax_fen,
        withheld_before_fen=row.withheld_before_fen, tax_fen=row.tax_fen)


def employer_withhold(*, settlement: Settlement, gross_fen: int, now: dt.datetime,
                      adjustment_id: int | None = None) -> EmployerWithholding | None:
    """What the employer withholds from one payment by the per-payment method (61号
    art. 8), stored; call it inside the transaction that credits the pay. The month's
    earlier payments from this employer to this student for the same job are the
    same 次 (实施条例 art. 14(1)): the tax on their total less what they withheld.
    Idempotent per payment; None when the payment carries no income."""
    if gross_fen <= 0:
        return None
    User.objects.select_for_update().filter(pk=settlement.student_id).values_list("pk").get()
    existing = EmployerWithholding.objects.filter(settlement_id=settlement.pk, adjustment_id=adjustment_id).first()
    if existing is not None:
        return existing
    month = timezone.localdate(now)
    job_id = settlement.engagement.job_id
    earlier = list(EmployerWithholding.objects.filter(
        student_id=settlement.student_id, employer_id=settlement.employer_id, job_id=job_id, year=month.year,
        month=month.month).values_list("gross_fen", "tax_fen"))
    result = per_payment_withholding(gross_fen=gross_fen, earlier_payments_fen=[g for g, _t in earlier],
                                     withheld_before_fen=sum(t for _g, t in earlier))
    return EmployerWithholding.objects.create(
        student_id=settlement.student_id, employer_id=settlement.employer_id, job_id=job_id,
        settlement_id=settlement.pk, adjustment_id=adjustment_id, year=month.year, month=month.month,
        gross_fen=gross_fen, income_fen=result.income_fen, expenses_fen=result.expenses_fen,
        flat_expenses=result.flat_expenses, taxable_fen=result.taxable_fen, rate_percent=result.rate_percent,
        quick_deduction_fen=result.quick_deduction_fen, total_tax_fen=result.total_tax_fen,
        withheld_before_fen=result.withheld_before_fen, tax_fen=result.tax_fen)


def settlement_tax_withhold(settlement: Settlement, *, now: dt.datetime) -> int:
    """Withhold on a settlement's pay being credited (funding or advance); sets, saves
    and returns `settlement.tax_fen` (in the caller's transaction: undone with it).
    With the employer as withholding agent the platform withholds nothing (0) and
    records what the employer withholds."""
    if employer_is_agent():
        employer_withhold(settlement=settlement, gross_fen=settlement.gross_fen, now=now)
        settlement.tax_fen = 0
        return 0
    row = tax_withhold(student_id=settlement.student_id, settlement_id=settlement.pk,
                       gross_fen=settlement.gross_fen, available_fen=settlement.student_total_fen, now=now)
    settlement.tax_fen = row.tax_fen if row is not None else 0
    Settlement.objects.filter(pk=settlement.pk).update(tax_fen=settlement.tax_fen)
    return settlement.tax_fen


def adjustment_tax_withhold(adjustment: SettlementAdjustment, *, now: dt.datetime) -> int:
    """Withhold on a dispute's extra pay being funded: a payment in the month it is funded."""
    if employer_is_agent():
        employer_withhold(settlement=adjustment.settlement, gross_fen=adjustment.amount_fen, now=now,
                          adjustment_id=adjustment.pk)
        adjustment.tax_fen = 0
        return 0
    row = tax_withhold(student_id=adjustment.student_id, settlement_id=adjustment.settlement_id,
                       adjustment_id=adjustment.pk, gross_fen=adjustment.amount_fen,
                       available_fen=adjustment.amount_fen, now=now)
    adjustment.tax_fen = row.tax_fen if row is not None else 0
    SettlementAdjustment.objects.filter(pk=adjustment.pk).update(tax_fen=adjustment.tax_fen)
    return adjustment.tax_fen


# ------------------------------------------------------------------ remittance to the tax authority
class TaxAlreadyRemitted(DomainError):
    default_message = _("The income tax of this month has already been remitted.")


def month_tax_fen(year: int, month: int) -> int:
    """The income tax withheld in a month (what its remittance pays)."""
    return TaxWithholding.objects.filter(year=year, month=month).aggregate(t=Sum("tax_fen"))["t"] or 0


@transaction.atomic
def tax_remit(*, year: int, month: int, actor: User, reference: str = "") -> TaxRemittance:
    """Finance records that a month's withheld income tax was paid to the tax authority.

    Effects: posts `tax-remit:<yyyy-mm>` — Dr tax payable, Cr the settlement bank
    account, the month's withheld tax — and a TaxRemittance row; exactly once per
    month. Refuses (nothing saved) a month already remitted, a month not over yet,
    or one with nothing withheld."""
    if not (actor is not None and actor.is_active and actor.has_perm(REMIT_PERMISSION)):
        raise NotPermitted()
    if not 1 <= month <= 12 or year < 2000:
        raise DomainError(_("Choose a month."), field="month")
    key = remit_key(year, month)
    done = TaxRemittance.objects.filter(year=year, month=month).first()
    if done is not None:
        raise TaxAlreadyRemitted(_("The income tax of %(month)s was already remitted (%(amount)s, recorded on "
                                   "%(date)s); it is remitted once.") % {
            "month": f"{year:04d}-{month:02d}", "amount": format_fen(done.amount_fen),
            "date": timezone.localdate(done.created_at).isoformat()})
    today = timezone.localdate()
    if (year, month) >= (today.year, today.month):
        raise DomainError(_("A month's tax is remitted after the month has ended."), field="month")
    amount = month_tax_fen(year, month)
    if amount <= 0:
        raise DomainError(_("No income tax was withheld in %(month)s: there is nothing to remit.") % {
            "month": f"{year:04d}-{month:02d}"}, field="month")
    try:
        with transaction.atomic():
            remittance = TaxRemittance.objects.create(year=year, month=month, amount_fen=amount, ledger_key=key,
                                                      reference=(reference or "").strip()[:80], recorded_by=actor)
    except IntegrityError as error:  # recorded concurrently
        raise TaxAlreadyRemitted() from error
    transaction_post(key=key, kind="tax_remit", actor=actor, source=remittance,
                     memo=f"income tax withheld in {year:04d}-{month:02d}, remitted",
                     lines=[(platform_account(AccountKind.TAX_PAYABLE), amount),
                            (platform_account(AccountKind.BANK_CLEARING), -amount)])
    return remittance


def no_tax_reason(row: TaxWithholding | None) -> StrOrPromise:
    """The short reason a payment withheld nothing (the statement's headline)."""
    if row is None or row.reason == CumulativeReason.BELOW_DEDUCTION:
        return _("This year's pay after expenses does not exceed the basic deduction: no income tax is withheld.")
    if row.reason == CumulativeReason.COVERED:
        return _("The tax withheld earlier this year already covers this year's tax: nothing is withheld now.")
    return _("No income tax is withheld from this payment.")
