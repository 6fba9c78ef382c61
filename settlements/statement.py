"""The statement of one engagement (S4.1, J1.2): what the student earned and
what the employer pays, line by line, in integer fen.

Pure functions on plain values — no database, no floats (only `int`) — so the
arithmetic is tested on its own and the service stores exactly what was
computed.

Rounding. Each line is computed from exact integers and rounded once, half up
to the whole fen (四舍五入): n / d becomes (2n + d) // 2d. Totals are sums of
the rounded lines and are never rounded again, so a statement always adds up:
`student_total_fen == sum(line.amount_fen for line in lines)` and
`employer_total_fen == student_total_fen + commission_fen`.

Who gets and pays what:
    gross           = wages (base + overtime) + allowances (meal + transport)
                      + compensation (an employer's late cancellation, E4.1)
    losses          = agreed or staff-decided compensation for a loss the student
                      caused (S3.2): negative lines of their own (one per loss
                      claim), never netted into the wage lines, and within the
                      limits of 《工资支付暂行规定》 art. 16 (income_tax.loss_setoff):
                      the month's set-offs together at most 20 % of the month's
                      pay from this employer (wages + allowances), and the month's
                      wages for normal hours less the set-offs never below the
                      local minimum hourly wage × the minutes worked. `SetOffMonth`
                      carries what the month held before this statement. What
                      the limits leave of a claim stays owed (the claim's
                      outstanding amount) and is never set off beyond them later.
    student_total   = gross + losses                          (never below 0)
    commission      = commission_percent % of gross, half up: charged to the
                      employer ON TOP of what the student earns, never deducted (F1)
    employer_total  = student_total + commission
The loss is credited to the employer as a set-off: the employer owes gross +
commission, and pays into escrow that amount less the losses set off, exactly
what the student receives less. Commission is charged on gross, before the
set-off: the work was done and the platform's service with it.

Bonuses: `Job.bonus_rules` is free text the platform cannot compute; a bonus
reaches the statement only as an item once an amount is agreed (a later step)."""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import format_fen, yuan_decimal
from jobs.models import PayUnit
from jobs.schedule import half_up as half_up  # re-exported: commission, disputes, income tax
from jobs.schedule import wage_for_minutes_fen

from .income_tax import LossSetOff, loss_setoff

# Labour Law art. 44(1): hours beyond the normal working time are paid at no less
# than 150% of the wage. A job without its own overtime rate pays exactly that,
# on its equivalent hourly pay.
DEFAULT_OVERTIME_PERCENT = 150
# EngagementItem.Kind of a loss set off against pay (S3.2); every other kind is owed to the student.
LOSS_ITEM_KIND = "loss"


class LineKind(models.TextChoices):
    BASE = "base", _("Wages")
    OVERTIME = "overtime", _("Overtime")
    MEAL = "meal", _("Meal allowance")
    TRANSPORT = "transport", _("Transport allowance")
    COMPENSATION = "compensation", _("Compensation for a late cancellation")
    LOSS = "loss", _("Compensation for a loss, set off against pay")
    COMMISSION = "commission", _("Platform commission, paid by the employer on top")


# ------------------------------------------------------------------ inputs
@dataclass(frozen=True)
class PayTerms:
    """A job's pay structure (J1.2), as the job states it."""

    pay_unit: str
    base_rate_fen: int
    hourly_pay_fen: int = 0  # the job's equivalent hourly pay (jobs.schedule.hourly_pay_fen)
    pieces_per_hour: int | None = None
    overtime_rate_fen: int | None = None
    meal_allowance_fen: int = 0  # per shift worked
    transport_allowance_fen: int = 0  # per shift worked

    @property
    def hourly_equivalent_fen(self) -> int:
        """Pay for an hour of this job: the base for hourly pay; base × pieces an hour
        for piece rates; otherwise the job's stored equivalent."""
        if self.pay_unit == PayUnit.HOUR:
            return self.base_rate_fen
        if self.pay_unit == PayUnit.PIECE and self.pieces_per_hour:
            return self.base_rate_fen * self.pieces_per_hour
        return self.hourly_pay_fen


@dataclass(frozen=True)
class ShiftWork:
    """One shift of the engagement, in the job's order: its scheduled length and
    the hours confirmed for it. Only final hours (confirmed, auto-confirmed,
    resolved) are paid; a no-show or cancelled shift pays nothing."""

    date: dt.date
    scheduled_minutes: int
    minutes: int = 0
    overtime_minutes: int = 0
    attended: bool = True
    final: bool = True

    @property
    def worked(self) -> bool:
        return self.final and self.attended and (self.minutes > 0 or self.overtime_minutes > 0)


@dataclass(frozen=True)
class MoneyItem:
    """An EngagementItem: positive is owed to the student, a loss is owed by them
    (for a loss: what is still outstanding of its claim, `claim_id`)."""

    kind: str
    amount_fen: int
    description: str = ""
    claim_id: int | None = None


@dataclass(frozen=True)
class SetOffMonth:
    """What the month (this student, this employer) held before this statement, for
    the set-off limits of 《工资支付暂行规定》 art. 16, and the local minimum hourly
    wage (None: none on file, nothing is set off). The defaults: a month with
    nothing before and no floor, for computations without a database."""

    hourly_minimum_fen: int | None = 0
    earlier_pay_fen: int = 0  # wages + allowances of the month's earlier statements
    earlier_counted_fen: int = 0  # their wages for normal hours (count towards the minimum wage)
    earlier_minutes: int = 0  # their normal minutes worked
    earlier_setoff_fen: int = 0  # what they set off


# ------------------------------------------------------------------ output
@dataclass(frozen=True)
class Line:
    kind: str
    amount_fen: int
    description: str = ""
    quantity: str = ""
    work_date: dt.date | None = None
    claim_id: int | None = None  # a loss line: the loss claim it sets off


@dataclass(frozen=True)
class Statement:
    lines: tuple[Line, ...]  # what the student receives, in order (losses negative)
    commission: Line  # shown to the employer only
    commission_percent: int
    wages_fen: int
    allowances_fen: int
    compensation_fen: int
    losses_fen: int  # ≤ 0
    commission_fen: int
    student_total_fen: int
    employer_total_fen: int
    pending_shifts: int  # shifts whose hours are not final yet: not paid in this statement
    worked_minutes: int = 0  # normal minutes worked (overtime apart): the minimum wage's hours
    counted_pay_fen: int = 0  # base wages: the pay that counts towards the minimum wage
    setoff: LossSetOff | None = None  # the art. 16 limits applied to the losses, when there are any

    @property
    def gross_fen(self) -> int:
        return self.wages_fen + self.allowances_fen + self.compensation_fen

    @property
    def employer_lines(self) -> tuple[Line, ...]:
        return (*self.lines, self.commission)


# ------------------------------------------------------------------ arithmetic
def _minutes_at(minutes: int, rate_fen: int) -> str:
    """"180 分钟 × 32.00 元/小时": minutes at an hourly rate, in the words of the active language."""
    return str(_("%(minutes)s min × ¥%(rate)s/h") % {"minutes": minutes, "rate": yuan_decimal(rate_fen)})


def _check_ints(terms: PayTerms, shifts: list[ShiftWork], items: list[MoneyItem], commission_percent: int) -> None:
    """Money and minutes are integers: a float here would round differently on every platform."""
    values = [terms.base_rate_fen, terms.hourly_pay_fen, terms.pieces_per_hour or 0, terms.overtime_rate_fen or 0,
              terms.meal_allowance_fen, terms.transport_allowance_fen, commission_percent]
    values += [v for s in shifts for v in (s.scheduled_minutes, s.minutes, s.overtime_minutes)]
    values += [i.amount_fen for i in items]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        raise TypeError("statement inputs must be int (fen, minutes, percent), never float")
    if any(v < 0 for v in values[:7]) or any(v < 0 for s in shifts for v in (s.scheduled_minutes, s.minutes,
                                                                             s.overtime_minutes)):
        raise ValueError("rates, minutes and percentages cannot be negative")


def _base_lines(terms: PayTerms, shifts: list[ShiftWork]) -> list[Line]:
    worked = [s for s in shifts if s.worked]
    unit = terms.pay_unit
    if unit == PayUnit.DAY:
        # The day rate is paid for each calendar day with a shift worked, however the
        # day is split into shifts (the job's equivalent hourly pay counts days the same way).
        days = sorted({s.date for s in worked})
        return [Line(LineKind.BASE, terms.base_rate_fen, day.isoformat(), f"1 × {format_fen(terms.base_rate_fen)}",
                     day) for day in days]
    if unit == PayUnit.JOB:
        # The whole-job fee is shared over the engagement's shifts by scheduled length;
        # each worked shift earns its share. Shares are differences of rounded running
        # totals, so all shares together are exactly the fee (no fen lost or created),
        # and each share is within one fen of its exact value.
        total = sum(s.scheduled_minutes for s in shifts)
        if not total:
            return []
        lines, running = [], 0
        for shift in shifts:
            before = half_up(terms.base_rate_fen * running, total)
            running += shift.scheduled_minutes
            share = half_up(terms.base_rate_fen * running, total) - before
            if shift.worked:
                lines.append(Line(LineKind.BASE, share, shift.date.isoformat(),
                                  str(_("%(minutes)s/%(total)s min × %(amount)s") % {
                                      "minutes": shift.scheduled_minutes, "total": total,
                                      "amount": format_fen(terms.base_rate_fen)}),
                                  shift.date))
        return lines
    # Per hour, and per piece: pieces are not counted on the platform yet, so a piece
    # rate is paid at its hourly equivalent (rate × pieces a student can do in an hour,
    # the figure the employer stated and the minimum-wage check used) for the
    # confirmed minutes. When piece counts are recorded this becomes pieces × rate.
    rate = terms.hourly_equivalent_fen
    quantity_note = ""
    if unit == PayUnit.PIECE and terms.pieces_per_hour:
        quantity_note = f" ({terms.pieces_per_hour} × {format_fen(terms.base_rate_fen)})"
    return [Line(LineKind.BASE, wage_for_minutes_fen(s.minutes, rate), s.date.isoformat(),
                 f"{_minutes_at(s.minutes, rate)}{quantity_note}", s.date)
            for s in worked if s.minutes > 0]


def _overtime_lines(terms: PayTerms, shifts: list[ShiftWork]) -> list[Line]:
    lines = []
    hourly = terms.hourly_equivalent_fen
    for s in shifts:
        if not (s.worked and s.overtime_minutes > 0):
            continue
        if terms.overtime_rate_fen:
            amount = wage_for_minutes_fen(s.overtime_minutes, terms.overtime_rate_fen)
            quantity = _minutes_at(s.overtime_minutes, terms.overtime_rate_fen)
        else:  # Labour Law art. 44(1): 150% of the hourly pay
            amount = half_up(s.overtime_minutes * hourly * DEFAULT_OVERTIME_PERCENT, 60 * 100)
            quantity = str(_("%(minutes)s min × %(percent)s%% × ¥%(rate)s/h") % {
                "minutes": s.overtime_minutes, "percent": DEFAULT_OVERTIME_PERCENT, "rate": yuan_decimal(hourly)})
        lines.append(Line(LineKind.OVERTIME, amount, s.date.isoformat(), quantity, s.date))
    return lines


def _allowance_lines(terms: PayTerms, shifts: list[ShiftWork]) -> list[Line]:
    """Meal and transport allowances per shift worked: a flat sum, so no rounding."""
    worked = sum(1 for s in shifts if s.worked)
    lines = []
    for kind, per_shift in ((LineKind.MEAL, terms.meal_allowance_fen),
                            (LineKind.TRANSPORT, terms.transport_allowance_fen)):
        if per_shift and worked:
            lines.append(Line(kind, worked * per_shift, "", f"{worked} × {format_fen(per_shift)}"))
    return lines


def _loss_lines(items: list[MoneyItem], setoff: LossSetOff) -> list[Line]:
    """One line per claim, in order, sharing what the limits allow: the first claim first."""
    available = setoff.deductible_fen
    lines = []
    for item in items:
        claimed = abs(item.amount_fen)
        applied = min(claimed, available)
        available -= applied
        quantity = "" if applied == claimed else str(
            _("%(applied)s of %(claimed)s set off (wage payment rules art. 16); %(rest)s still owed") % {
                "applied": format_fen(applied), "claimed": format_fen(claimed),
                "rest": format_fen(claimed - applied)})
        lines.append(Line(LineKind.LOSS, -applied, item.description, quantity, claim_id=item.claim_id))
    return lines


def statement_compute(*, terms: PayTerms, shifts: list[ShiftWork], items: list[MoneyItem],
                      commission_percent: int, month: SetOffMonth | None = None) -> Statement:
    """The itemised statement of one engagement (S4.1), from the job's pay terms,
    its shifts in order, its money items (losses: what is outstanding of each
    claim), the policy's commission percent, and what the month held before it
    for the set-off limits (《工资支付暂行规定》 art. 16)."""
    month = month or SetOffMonth()
    _check_ints(terms, shifts, items, commission_percent)
    base = _base_lines(terms, shifts)
    overtime = _overtime_lines(terms, shifts)
    allowances = _allowance_lines(terms, shifts)
    wages_fen = sum(line.amount_fen for line in (*base, *overtime))
    allowances_fen = sum(line.amount_fen for line in allowances)
    compensation = [Line(LineKind.COMPENSATION, i.amount_fen, i.description)
                    for i in items if i.kind != LOSS_ITEM_KIND and i.amount_fen > 0]
    counted_pay_fen = sum(line.amount_fen for line in base)
    worked_minutes = sum(s.minutes for s in shifts if s.worked)
    loss_items = [i for i in items if i.kind == LOSS_ITEM_KIND and i.amount_fen]
    setoff = None
    if loss_items:
        # 工资 (art. 3 of the same rules): wages and allowances; compensation for a
        # cancellation is not pay for work and does not raise the limit.
        setoff = loss_setoff(
            pay_fen=month.earlier_pay_fen + wages_fen + allowances_fen,
            claimed_fen=sum(abs(i.amount_fen) for i in loss_items),
            minutes_worked=month.earlier_minutes + worked_minutes, hourly_minimum_fen=month.hourly_minimum_fen,
            already_set_off_fen=month.earlier_setoff_fen,
            minimum_wage_pay_fen=month.earlier_counted_fen + counted_pay_fen,
            available_fen=wages_fen + allowances_fen + sum(line.amount_fen for line in compensation))
    losses = _loss_lines(loss_items, setoff) if setoff else []
    compensation_fen = sum(line.amount_fen for line in compensation)
    losses_fen = sum(line.amount_fen for line in losses)
    gross_fen = wages_fen + allowances_fen + compensation_fen
    commission_fen = half_up(gross_fen * commission_percent, 100)
    lines = (*base, *overtime, *allowances, *compensation, *losses)
    student_total_fen = sum(line.amount_fen for line in lines)
    return Statement(
        lines=lines,
        commission=Line(LineKind.COMMISSION, commission_fen, f"{commission_percent}%",
                        f"{commission_percent}% × {format_fen(gross_fen)}"),
        commission_percent=commission_percent,
        wages_fen=wages_fen, allowances_fen=allowances_fen, compensation_fen=compensation_fen,
        losses_fen=losses_fen, commission_fen=commission_fen,
        student_total_fen=student_total_fen, employer_total_fen=student_total_fen + commission_fen,
        pending_shifts=sum(1 for s in shifts if not s.final),
        worked_minutes=worked_minutes, counted_pay_fen=counted_pay_fen, setoff=setoff,
    )
