"""Individual income tax withheld on students' remuneration (劳务报酬), and the cap
on setting a loss the student caused off against their pay — the law as pure
functions on integer fen (no database, no floats). docs/tax.md cites the texts
and works the examples by hand.

Three rules:

- The cumulative method (国家税务总局公告2025年第16号 §1(1), applying the
  cumulative method of 公告2018年第61号): the platform withholds on what a
  student receives through it, recomputing the year's tax at every payment —
      taxable   = cumulative income − cumulative expenses (20 % of the income)
                  − cumulative tax-free income
                  − ¥5,000 × the months this year the student has received
                    remuneration from the platform without a break
                  − cumulative other lawful deductions             (never below 0)
      this time = taxable × rate − quick deduction (预扣率表一) − cumulative relief
                  − tax withheld earlier this year                 (never below 0)
  A negative result is not refunded by the platform (61号 art. 6: 暂不退税); the
  student gets it back in the annual reconciliation (汇算清缴). Nor is more
  withheld than the payment: the rest stays due and the next payment's
  recomputation takes it. January starts every total again; a month without
  pay restarts the month count.
- The per-payment method for 劳务报酬 (61号 art. 8, 预扣率表二), for a policy
  that names the employer as withholding agent: income of one payment up to
  ¥4,000 less ¥800, above it less 20 %; 20 %/30 %/40 % with quick deductions
  0/2,000/7,000. A payer's pay for one continuing job within a month is one
  payment (个人所得税法实施条例 art. 14(1)): each later payment withholds the
  tax on the month's total less what earlier payments withheld.
- The set-off cap (《工资支付暂行规定》 art. 16): a month's set-offs for a loss
  take at most 20 % of that month's pay, and leave at least the local minimum
  wage for the hours worked; the rest of the loss is still owed.

Rounding: every amount is computed from exact integers and rounded once to the
fen, half up (四舍五入), as the statement does (settlements.statement.half_up):
the 20 % expenses of an income and the tax on a taxable amount
(taxable × rate, then the quick deduction, an exact number of fen, is taken
off). So the figures a statement shows always recompute: taxable = income −
expenses − deductions, tax = taxable × rate − quick deduction. The set-off
limits round in the student's favour instead: 20 % of pay is rounded down (the
deduction never exceeds 20 %), the minimum pay for the minutes worked is rounded
up (what remains is never below it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from core.money import format_fen
from jobs.schedule import half_up  # the statement's rounding (settlements.statement re-exports it)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# ------------------------------------------------------------------ the law's numbers
# 公告2025年第16号 §1(1): 累计费用 = 累计收入 × 20 %; 累计减除费用 = ¥5,000 × months in a row.
CUMULATIVE_EXPENSE_PERCENT = 20
BASIC_DEDUCTION_PER_MONTH_FEN = 5_000_00

# 公告2018年第61号, 附件 个人所得税预扣率表一: (cumulative taxable up to, rate %, quick deduction).
# The last bracket has no upper bound.
WITHHOLDING_TABLE_1: tuple[tuple[int | None, int, int], ...] = (
    (36_000_00, 3, 0),
    (144_000_00, 10, 2_520_00),
    (300_000_00, 20, 16_920_00),
    (420_000_00, 25, 31_920_00),
    (660_000_00, 30, 52_920_00),
    (960_000_00, 35, 85_920_00),
    (None, 45, 181_920_00),
)

# 61号 art. 8: each payment's expenses are ¥800 up to ¥4,000 of income, 20 % above.
PER_PAYMENT_FLAT_UP_TO_FEN = 4_000_00
PER_PAYMENT_FLAT_EXPENSES_FEN = 800_00
PER_PAYMENT_EXPENSE_PERCENT = 20
# 61号, 附件 个人所得税预扣率表二 (劳务报酬): (taxable of one payment up to, rate %, quick deduction).
WITHHOLDING_TABLE_2: tuple[tuple[int | None, int, int], ...] = (
    (20_000_00, 20, 0),
    (50_000_00, 30, 2_000_00),
    (None, 40, 7_000_00),
)

# 《工资支付暂行规定》 art. 16: a month's set-off for a loss is at most 20 % of that month's pay.
SET_OFF_MAX_PERCENT = 20


def _require_int(name: str, value: object, *, minimum: int = 0) -> None:
    """Money and counts are int: a float rounds differently on every platform, a bool is a bug."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _sentences(figures: Mapping[str, object], parts: Iterable[StrOrPromise]) -> str:
    """The translated sentences with their figures, one after the other: a space
    between English sentences, none after a Chinese full stop."""
    text = ""
    for part in parts:
        sentence = str(part % figures)
        text += sentence if not text or text.endswith("。") else f" {sentence}"
    return text


def bracket(taxable_fen: int, table: tuple[tuple[int | None, int, int], ...]) -> tuple[int, int]:
    """The (rate percent, quick deduction fen) of `taxable_fen` in a rate table:
    the first bracket whose upper bound it does not exceed (不超过)."""
    for upper, rate, quick in table:
        if upper is None or taxable_fen <= upper:
            return rate, quick
    raise AssertionError("a rate table ends with an unbounded bracket")


def tax_on(taxable_fen: int, table: tuple[tuple[int | None, int, int], ...]) -> tuple[int, int, int]:
    """(tax, rate, quick deduction) on a taxable amount: taxable × rate, rounded half
    up to the fen, less the quick deduction; nothing on nothing."""
    rate, quick = bracket(taxable_fen, table)
    if taxable_fen <= 0:
        return 0, rate, quick
    return max(0, half_up(taxable_fen * rate, 100) - quick), rate, quick


# ------------------------------------------------------------------ the cumulative method (16号, 61号)
class CumulativeReason(StrEnum):
    """Why this payment withholds what it does, for the pay statement."""

    BELOW_DEDUCTION = "below_deduction"  # taxable is nothing: the deductions cover the year's income
    WITHHELD = "withheld"  # the year's tax exceeds what was withheld before: the difference now
    LIMITED = "limited"  # the difference exceeds this payment: all of it now, the rest from the next payment
    COVERED = "covered"  # the year's tax so far was withheld already (the rest is settled in 汇算清缴)
    RELIEVED = "relieved"  # taxable, but a tax relief covers the tax


@dataclass(frozen=True)
class CumulativeWithholding:
    """One payment under the cumulative method: every figure of the formula, cumulated
    over the year to this payment (this payment included)."""

    year: int
    month: int
    gross_fen: int  # this payment
    consecutive_months: int  # months this year with pay from the platform, without a break, to this one
    cumulative_income_fen: int
    cumulative_expenses_fen: int  # 20 % of the cumulative income
    cumulative_tax_free_fen: int
    cumulative_basic_deduction_fen: int  # ¥5,000 × consecutive_months
    cumulative_other_deductions_fen: int
    taxable_fen: int  # never below 0
    rate_percent: int
    quick_deduction_fen: int
    cumulative_relief_fen: int
    cumulative_tax_fen: int  # the year's tax so far: taxable × rate − quick deduction − relief (≥ 0)
    withheld_before_fen: int  # withheld this year before this payment
    tax_fen: int  # withheld from this payment
    reason: CumulativeReason

    @property
    def net_fen(self) -> int:
        """Gross less the tax withheld (a loss set off comes off this too)."""
        return self.gross_fen - self.tax_fen

    @property
    def withheld_to_date_fen(self) -> int:
        return self.withheld_before_fen + self.tax_fen

    @property
    def outstanding_fen(self) -> int:
        """The year's tax so far not withheld yet because it exceeded this payment
        (LIMITED): the next payment's recomputation withholds it."""
        return max(0, self.cumulative_tax_fen - self.withheld_to_date_fen)

    @property
    def explanation(self) -> str:
        """Why, in the active language, with the figures: for the pay statement."""
        figures = {
            "income": format_fen(self.cumulative_income_fen),
            "expenses": format_fen(self.cumulative_expenses_fen),
            "deduction": format_fen(self.cumulative_basic_deduction_fen),
            "months": self.consecutive_months,
            "other": format_fen(self.cumulative_tax_free_fen + self.cumulative_other_deductions_fen),
            "taxable": format_fen(self.taxable_fen),
            "rate": self.rate_percent,
            "quick": format_fen(self.quick_deduction_fen),
            "relief": format_fen(self.cumulative_relief_fen),
            "cumulative_tax": format_fen(self.cumulative_tax_fen),
            "before": format_fen(self.withheld_before_fen),
            "tax": format_fen(self.tax_fen),
            "due": format_fen(self.cumulative_tax_fen - self.withheld_before_fen),
            "outstanding": format_fen(self.outstanding_fen),
        }
        deducted = self.cumulative_tax_free_fen or self.cumulative_other_deductions_fen
        if deducted:
            taxable = _("Taxable this year: pay %(income)s − expenses (20%%) %(expenses)s − tax-free income and "
                        "other deductions %(other)s − basic deduction %(deduction)s (¥5,000.00 × %(months)s, the "
                        "months in a row with pay from the platform) = %(taxable)s.")
        else:
            taxable = _("Taxable this year: pay %(income)s − expenses (20%%) %(expenses)s − basic deduction "
                        "%(deduction)s (¥5,000.00 × %(months)s, the months in a row with pay from the platform) "
                        "= %(taxable)s.")
        if self.reason == CumulativeReason.BELOW_DEDUCTION:
            if deducted:
                parts = [taxable, _("No tax is withheld this time.")]
            else:
                parts = [_("This year's pay after the 20%% expenses (%(income)s − %(expenses)s) does not exceed "
                           "the basic deduction of %(deduction)s (¥5,000.00 × %(months)s, the months in a row with "
                           "pay from the platform): no tax is withheld this time.")]
            return _sentences(figures, parts)
        if self.cumulative_relief_fen:
            tax = _("Tax on it: %(taxable)s × %(rate)s%% − quick deduction %(quick)s − tax relief %(relief)s "
                    "= %(cumulative_tax)s.")
        else:
            tax = _("Tax on it: %(taxable)s × %(rate)s%% − quick deduction %(quick)s = %(cumulative_tax)s.")
        outcome = {
            CumulativeReason.WITHHELD: _("Withheld earlier this year: %(before)s; withheld now: %(tax)s."),
            CumulativeReason.LIMITED: _("Withheld earlier this year: %(before)s; still due %(due)s, more than "
                                        "this payment: %(tax)s is withheld now and the remaining %(outstanding)s "
                                        "from the next payment."),
            # 61号 art. 6: no refund during the year; the annual return settles it.
            CumulativeReason.COVERED: _("Withheld earlier this year: %(before)s, which covers it: nothing is "
                                        "withheld this time. Tax withheld beyond the year's tax is refunded "
                                        "through the annual income tax return."),
            CumulativeReason.RELIEVED: _("The tax relief covers it: nothing is withheld this time."),
        }[self.reason]
        return _sentences(figures, (taxable, tax, outcome))


@dataclass(frozen=True)
class Remuneration:
    """One payment to a student, in the month it is received (取得)."""

    year: int
    month: int
    gross_fen: int
    tax_free_fen: int = 0  # the part of gross that is exempt
    other_deductions_fen: int = 0  # 依法确定的其他扣除 granted with this payment
    relief_fen: int = 0  # 减免税额 granted with this payment
    available_fen: int | None = None  # paid out of gross, if a set-off took some (see CumulativeWithholder.pay)


class CumulativeWithholder:
    """One student's withholding at the platform, fed the payments of the year in the
    order they are received. Keeps only the running totals, so the state can be
    restored from the last stored payment (`resume`)."""

    def __init__(self) -> None:
        self._last: CumulativeWithholding | None = None

    @classmethod
    def resume(cls, last: CumulativeWithholding | None) -> CumulativeWithholder:
        """Continue after `last`, the student's latest payment (None: none yet)."""
        withholder = cls()
        withholder._last = last
        return withholder

    @property
    def last(self) -> CumulativeWithholding | None:
        return self._last

    def pay(self, *, year: int, month: int, gross_fen: int, tax_free_fen: int = 0, other_deductions_fen: int = 0,
            relief_fen: int = 0, available_fen: int | None = None) -> CumulativeWithholding:
        """Withhold on one payment received in `year`-`month` (16号 §1(1), 61号 art. 6).

        Several payments in one month each recompute the year: the month counts
        once. A payment in the month after the last one continues the run of
        months; after a month without pay the run starts again at 1; a payment
        in a new year starts every total again (当年).

        `available_fen`: the money this payment actually pays out, when less than
        gross (a loss set off against it): the most that can be withheld from
        it. The tax is computed on gross all the same — a set-off settles the
        student's debt, it does not reduce their income."""
        if available_fen is None:
            available_fen = gross_fen
        last = self._last
        _payment_check(last, year=year, month=month, gross_fen=gross_fen, tax_free_fen=tax_free_fen,
                       other_deductions_fen=other_deductions_fen, relief_fen=relief_fen,
                       available_fen=available_fen)

        months = _months_in_a_row(last, year=year, month=month)
        income, tax_free, other, relief, withheld = _totals_before(last, year=year)
        income += gross_fen
        tax_free += tax_free_fen
        other += other_deductions_fen
        relief += relief_fen

        expenses = half_up(income * CUMULATIVE_EXPENSE_PERCENT, 100)
        basic = BASIC_DEDUCTION_PER_MONTH_FEN * months
        taxable = max(0, income - expenses - tax_free - basic - other)
        gross_tax, rate, quick = tax_on(taxable, WITHHOLDING_TABLE_1)
        cumulative_tax = max(0, gross_tax - relief)
        # 61号 art. 6: a negative balance is not refunded during the year (暂不退税). Nor can
        # more be withheld than is paid: what exceeds the payment stays due, and the next
        # payment's recomputation withholds it (cumulative_tax − withheld includes it).
        due = max(0, cumulative_tax - withheld)
        tax = min(due, available_fen)
        reason = _cumulative_reason(tax=tax, due=due, withheld=withheld, taxable=taxable, gross_tax=gross_tax)
        self._last = CumulativeWithholding(
            year=year, month=month, gross_fen=gross_fen, consecutive_months=months,
            cumulative_income_fen=income, cumulative_expenses_fen=expenses, cumulative_tax_free_fen=tax_free,
            cumulative_basic_deduction_fen=basic, cumulative_other_deductions_fen=other, taxable_fen=taxable,
            rate_percent=rate, quick_deduction_fen=quick, cumulative_relief_fen=relief,
            cumulative_tax_fen=cumulative_tax, withheld_before_fen=withheld, tax_fen=tax, reason=reason)
        return self._last


def _payment_check(last: CumulativeWithholding | None, *, year: int, month: int, gross_fen: int,
                   tax_free_fen: int, other_deductions_fen: int, relief_fen: int, available_fen: int) -> None:
    """A payment the cumulative method can take: whole fen, a real month, more than
    nothing, parts within the whole, and not before the last payment."""
    for name, value in (("year", year), ("month", month), ("gross_fen", gross_fen),
                        ("tax_free_fen", tax_free_fen), ("other_deductions_fen", other_deductions_fen),
                        ("relief_fen", relief_fen), ("available_fen", available_fen)):
        _require_int(name, value)
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    if gross_fen <= 0:
        raise ValueError("a payment is remuneration received: more than 0 fen")
    if tax_free_fen > gross_fen:
        raise ValueError("the tax-free part cannot exceed the payment")
    if available_fen > gross_fen:
        raise ValueError("a payment cannot pay out more than its gross")
    if last is not None and (year, month) < (last.year, last.month):
        raise ValueError(f"payments must come in order: {year}-{month:02d} after {last.year}-{last.month:02d}")


def _months_in_a_row(last: CumulativeWithholding | None, *, year: int, month: int) -> int:
    """The months this year with pay from the platform without a break, this one
    included (16号 §1(1)): a second payment in a month counts once."""
    if last is None or last.year != year:
        return 1
    if month == last.month:
        return last.consecutive_months
    if month == last.month + 1:
        return last.consecutive_months + 1
    return 1  # a month (or more) without pay: the run starts again (16号: 连续取得)


def _totals_before(last: CumulativeWithholding | None, *, year: int) -> tuple[int, int, int, int, int]:
    """(income, tax-free income, other deductions, relief, tax withheld) earlier this
    year; a new year starts every total again (当年)."""
    if last is None or last.year != year:
        return 0, 0, 0, 0, 0
    return (last.cumulative_income_fen, last.cumulative_tax_free_fen, last.cumulative_other_deductions_fen,
            last.cumulative_relief_fen, last.withheld_to_date_fen)


def _cumulative_reason(*, tax: int, due: int, withheld: int, taxable: int,
                       gross_tax: int) -> CumulativeReason:
    """Why this payment withholds what it does (the statement explains each)."""
    if tax < due:
        return CumulativeReason.LIMITED
    if tax:
        return CumulativeReason.WITHHELD
    if withheld:
        return CumulativeReason.COVERED
    if not taxable:
        return CumulativeReason.BELOW_DEDUCTION
    if gross_tax:
        return CumulativeReason.RELIEVED
    return CumulativeReason.WITHHELD  # a few fen taxable, whose tax rounds to nothing


def cumulative_withholding(payments: Iterable[Remuneration]) -> list[CumulativeWithholding]:
    """Every payment of one student at the platform, in order, withheld by the cumulative method."""
    withholder = CumulativeWithholder()
    return [withholder.pay(year=p.year, month=p.month, gross_fen=p.gross_fen, tax_free_fen=p.tax_free_fen,
                           other_deductions_fen=p.other_deductions_fen, relief_fen=p.relief_fen,
                           available_fen=p.available_fen)
            for p in payments]


# ------------------------------------------------------------------ the per-payment method (61号 art. 8)
@dataclass(frozen=True)
class PerPaymentWithholding:
    """One payment of 劳务报酬 withheld by the per-payment method. `income_fen` is the
    whole 次: the month's pay from this payer for this job, this payment included."""

    gross_fen: int  # this payment
    income_fen: int
    expenses_fen: int
    flat_expenses: bool  # True: ¥800 (income up to ¥4,000); False: 20 %
    taxable_fen: int
    rate_percent: int
    quick_deduction_fen: int
    total_tax_fen: int  # on income_fen
    withheld_before_fen: int  # by the earlier payments of the same 次
    tax_fen: int  # withheld from this payment

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.tax_fen

    @property
    def explanation(self) -> str:
        figures = {"income": format_fen(self.income_fen), "expenses": format_fen(self.expenses_fen),
                   "taxable": format_fen(self.taxable_fen), "rate": self.rate_percent,
                   "quick": format_fen(self.quick_deduction_fen), "total": format_fen(self.total_tax_fen),
                   "before": format_fen(self.withheld_before_fen), "tax": format_fen(self.tax_fen)}
        if self.flat_expenses:
            base = _("Remuneration this month for this job: %(income)s, not more than ¥4,000.00, so the expenses "
                     "are ¥800.00: taxable %(taxable)s.")
        else:
            base = _("Remuneration this month for this job: %(income)s, more than ¥4,000.00, so the expenses are "
                     "20%% (%(expenses)s): taxable %(taxable)s.")
        tax = _("Tax: %(taxable)s × %(rate)s%% − quick deduction %(quick)s = %(total)s.")
        parts = [base, tax]
        if self.withheld_before_fen:
            parts.append(_("Withheld from earlier payments for this job this month: %(before)s; withheld now: "
                           "%(tax)s."))
        return _sentences(figures, parts)


def per_payment_expenses_fen(income_fen: int) -> tuple[int, bool]:
    """(expenses, flat) of one payment's income: ¥800 up to ¥4,000 (不超过四千元), else 20 %
    rounded half up. An income below ¥800 has nothing taxable (never a negative taxable)."""
    if income_fen <= PER_PAYMENT_FLAT_UP_TO_FEN:
        return PER_PAYMENT_FLAT_EXPENSES_FEN, True
    return half_up(income_fen * PER_PAYMENT_EXPENSE_PERCENT, 100), False


def per_payment_withholding(*, gross_fen: int, earlier_payments_fen: Sequence[int] = (),
                            withheld_before_fen: int | None = None) -> PerPaymentWithholding:
    """Withhold on one payment of 劳务报酬 by the per-payment method (61号 art. 8, 预扣率表二).

    `earlier_payments_fen`: this month's earlier payments from the same payer for the
    same continuing job — with this one they are one 次 (实施条例 art. 14(1)).
    `withheld_before_fen`: what those payments had withheld (default: the tax on
    their total, which is what this function withheld on them). The tax now is
    the tax on the month's total less that, never below 0."""
    _require_int("gross_fen", gross_fen, minimum=1)
    for amount in earlier_payments_fen:
        _require_int("earlier payment", amount, minimum=1)
    earlier = sum(earlier_payments_fen)
    if withheld_before_fen is None:
        withheld_before_fen = per_payment_withholding(gross_fen=earlier).total_tax_fen if earlier else 0
    _require_int("withheld_before_fen", withheld_before_fen)
    income = earlier + gross_fen
    expenses, flat = per_payment_expenses_fen(income)
    taxable = max(0, income - expenses)
    total, rate, quick = tax_on(taxable, WITHHOLDING_TABLE_2)
    return PerPaymentWithholding(
        gross_fen=gross_fen, income_fen=income, expenses_fen=expenses, flat_expenses=flat, taxable_fen=taxable,
        rate_percent=rate, quick_deduction_fen=quick, total_tax_fen=total, withheld_before_fen=withheld_before_fen,
        tax_fen=max(0, total - withheld_before_fen))


# ------------------------------------------------------------------ the set-off cap (工资支付暂行规定 art. 16)
class SetOffReason(StrEnum):
    FULL = "full"  # the whole claim fits within both limits
    CAPPED_20 = "capped_20"  # 20 % of the month's pay is the limit
    CAPPED_MINIMUM_WAGE = "capped_minimum_wage"  # the minimum wage for the hours worked is the limit
    CAPPED_PAY = "capped_pay"  # this payment is all there is to set off against
    NO_MINIMUM_WAGE = "no_minimum_wage"  # no local minimum wage on file: the floor is unknown, nothing is set off


@dataclass(frozen=True)
class LossSetOff:
    """How much of a loss may be set off against pay now, and what stays owed."""

    pay_fen: int  # the month's pay from this employer, this statement included
    claimed_fen: int  # the loss claimed now
    minutes_worked: int  # in the month, for this employer
    hourly_minimum_fen: int | None  # the local minimum hourly wage (非全日制小时最低工资); None: not on file
    already_set_off_fen: int  # set off against earlier pay of the same month
    minimum_wage_pay_fen: int  # the part of pay that counts towards the minimum wage
    cap_fen: int  # 20 % of pay, rounded down: the month's set-offs together
    minimum_pay_fen: int  # minimum wage × hours worked, rounded up: what pay must keep
    available_fen: int | None  # this payment: what can be set off against now (None: no such limit)
    deductible_fen: int  # set off now
    remainder_fen: int  # still owed by the student (claimed − deductible)
    reason: SetOffReason

    @property
    def explanation(self) -> str:
        figures = {"claimed": format_fen(self.claimed_fen), "pay": format_fen(self.pay_fen),
                   "cap": format_fen(self.cap_fen), "minutes": self.minutes_worked,
                   "hourly": format_fen(self.hourly_minimum_fen), "minimum": format_fen(self.minimum_pay_fen),
                   "already": format_fen(self.already_set_off_fen), "deductible": format_fen(self.deductible_fen),
                   "counted": format_fen(self.minimum_wage_pay_fen),
                   "remainder": format_fen(self.remainder_fen), "available": format_fen(self.available_fen)}
        if self.reason == SetOffReason.NO_MINIMUM_WAGE:
            parts = [_("No local minimum wage for this place of work is on file, so the pay that must be left "
                       "cannot be checked: nothing is set off until staff add it.")]
        elif self.reason == SetOffReason.FULL:
            parts = [_("The loss of %(claimed)s is set off in full: a month's set-offs may take at most 20%% of "
                       "that month's pay (%(pay)s × 20%% = %(cap)s) and must leave at least the local minimum "
                       "wage for the hours worked (%(minutes)s min × %(hourly)s/h = %(minimum)s).")]
        elif self.reason == SetOffReason.CAPPED_PAY:
            parts = [_("This statement pays %(available)s: nothing more can be set off against it.")]
        elif self.reason == SetOffReason.CAPPED_20:
            parts = [_("A month's set-offs for a loss may take at most 20%% of that month's pay: %(pay)s × 20%% "
                       "= %(cap)s.")]
        else:
            parts = [_("The pay left after a set-off may not fall below the local minimum wage for the hours "
                       "worked: %(minutes)s min × %(hourly)s/h = %(minimum)s (the month's pay that counts towards "
                       "it: %(counted)s).")]
        if self.already_set_off_fen:
            parts.append(_("Set off earlier this month: %(already)s."))
        if self.reason != SetOffReason.FULL:
            parts.append(_("Set off now: %(deductible)s of the %(claimed)s claimed; %(remainder)s is still owed "
                           "and is never taken from later pay beyond these limits."))
        return _sentences(figures, parts)

    @property
    def summary(self) -> str:
        """The rule in one sentence, and what stays owed: the first thing a statement with a loss says."""
        if self.remainder_fen:
            part = _("Under art. 16 of the Provisional Regulations on the Payment of Wages, this month's deduction "
                     "for a loss may not exceed 20%% of the month's pay, and the pay left may not fall below the "
                     "local minimum wage; the other %(remainder)s is still owed by you and is never deducted from "
                     "later pay beyond these limits.")
        else:
            part = _("Under art. 16 of the Provisional Regulations on the Payment of Wages, this month's deduction "
                     "for a loss may not exceed 20%% of the month's pay, and the pay left may not fall below the "
                     "local minimum wage: the %(claimed)s is within these limits and set off in full.")
        return _sentences({"remainder": format_fen(self.remainder_fen), "claimed": format_fen(self.claimed_fen)},
                          [part])


def minimum_pay_fen(*, minutes_worked: int, hourly_minimum_fen: int) -> int:
    """The minimum wage for the minutes worked, rounded up to the fen (never below the standard)."""
    return -(-(minutes_worked * hourly_minimum_fen) // 60)


def loss_setoff(*, pay_fen: int, claimed_fen: int, minutes_worked: int, hourly_minimum_fen: int | None,
                already_set_off_fen: int = 0, minimum_wage_pay_fen: int | None = None,
                available_fen: int | None = None) -> LossSetOff:
    """How much of a loss the student caused may be set off against the month's pay
    (《工资支付暂行规定》 art. 16): the month's set-offs together at most 20 % of
    the month's pay, and the pay left not below the local minimum hourly wage ×
    the hours worked. The rest of the claim stays owed (`remainder_fen`).

    `pay_fen` and `minutes_worked` are the month's, from this employer, this
    statement included; `already_set_off_fen` what earlier statements of the
    month set off. `minimum_wage_pay_fen`: the part of pay that counts towards
    the minimum wage (最低工资规定 art. 12 leaves out overtime pay and some
    allowances), compared with the minimum after the set-offs; by default all
    of pay. `available_fen`: what this payment pays, the most that can be set
    off against it (by default no such limit). `hourly_minimum_fen` None: no
    local standard is on file, so the floor cannot be checked and nothing is
    set off (NO_MINIMUM_WAGE)."""
    if minimum_wage_pay_fen is None:
        minimum_wage_pay_fen = pay_fen
    for name, value in (("pay_fen", pay_fen), ("claimed_fen", claimed_fen), ("minutes_worked", minutes_worked),
                        ("hourly_minimum_fen", 0 if hourly_minimum_fen is None else hourly_minimum_fen),
                        ("already_set_off_fen", already_set_off_fen), ("minimum_wage_pay_fen", minimum_wage_pay_fen),
                        ("available_fen", 0 if available_fen is None else available_fen)):
        _require_int(name, value)
    if already_set_off_fen > pay_fen:
        raise ValueError("more was set off this month than the month's pay")
    if minimum_wage_pay_fen > pay_fen:
        raise ValueError("the pay counted towards the minimum wage is part of pay")
    cap = pay_fen * SET_OFF_MAX_PERCENT // 100
    if hourly_minimum_fen is None:
        return LossSetOff(pay_fen=pay_fen, claimed_fen=claimed_fen, minutes_worked=minutes_worked,
                          hourly_minimum_fen=None, already_set_off_fen=already_set_off_fen,
                          minimum_wage_pay_fen=minimum_wage_pay_fen, cap_fen=cap, minimum_pay_fen=0,
                          available_fen=available_fen, deductible_fen=0, remainder_fen=claimed_fen,
                          reason=SetOffReason.FULL if not claimed_fen else SetOffReason.NO_MINIMUM_WAGE)
    minimum = minimum_pay_fen(minutes_worked=minutes_worked, hourly_minimum_fen=hourly_minimum_fen)
    room_cap = max(0, cap - already_set_off_fen)
    room_minimum = max(0, minimum_wage_pay_fen - already_set_off_fen - minimum)
    room_pay = claimed_fen if available_fen is None else max(0, available_fen)
    deductible = min(claimed_fen, room_cap, room_minimum, room_pay)
    if deductible == claimed_fen:
        reason = SetOffReason.FULL
    elif room_pay < min(room_cap, room_minimum):
        reason = SetOffReason.CAPPED_PAY
    elif room_cap <= room_minimum:
        reason = SetOffReason.CAPPED_20
    else:
        reason = SetOffReason.CAPPED_MINIMUM_WAGE
    return LossSetOff(pay_fen=pay_fen, claimed_fen=claimed_fen, minutes_worked=minutes_worked,
                      hourly_minimum_fen=hourly_minimum_fen, already_set_off_fen=already_set_off_fen,
                      minimum_wage_pay_fen=minimum_wage_pay_fen, cap_fen=cap,
                      minimum_pay_fen=minimum, available_fen=available_fen, deductible_fen=deductible,
                      remainder_fen=claimed_fen - deductible,
                      reason=reason)
