"""Pure arithmetic on a job's schedule and pay: shift lengths, night work,
part-time limits, the equivalent hourly pay and the settlement delay.

Works on plain values so the compliance screen can run on unsaved form data
as the employer types, and the service can store the same figures on save."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from .models import (
    MAX_SHIFTS_PER_JOB,
    NIGHT_ENDS,
    NIGHT_STARTS,
    PayUnit,
    SettlementCycle,
)


@dataclass(frozen=True)
class ShiftSpec:
    date: dt.date
    start: dt.time
    end: dt.time

    @property
    def start_dt(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start)

    @property
    def end_dt(self) -> dt.datetime:
        day = self.date + dt.timedelta(days=1) if self.end <= self.start else self.date
        return dt.datetime.combine(day, self.end)

    @property
    def minutes(self) -> int:
        return int((self.end_dt - self.start_dt).total_seconds() // 60)

    @property
    def is_night(self) -> bool:
        """Overlaps 22:00–06:00 (no night work for minor workers)."""
        start, end = self.start_dt, self.end_dt
        day = self.date - dt.timedelta(days=1)
        while day <= end.date():
            night_from = dt.datetime.combine(day, NIGHT_STARTS)
            night_to = dt.datetime.combine(day + dt.timedelta(days=1), NIGHT_ENDS)
            if start < night_to and end > night_from:
                return True
            day += dt.timedelta(days=1)
        return False


def expand_weekly(*, days: list[int], start: dt.time, end: dt.time, date_from: dt.date,
                  date_until: dt.date) -> list[ShiftSpec]:
    """The shifts of a weekly pattern (ISO weekdays) between two dates, inclusive."""
    shifts, day = [], date_from
    while day <= date_until and len(shifts) <= MAX_SHIFTS_PER_JOB:
        if day.isoweekday() in days:
            shifts.append(ShiftSpec(day, start, end))
        day += dt.timedelta(days=1)
    return shifts


@dataclass(frozen=True)
class ScheduleFacts:
    total_minutes: int
    working_days: int
    daily_average_minutes: int
    max_week_minutes: int
    has_night_work: bool
    first_date: dt.date | None
    last_end: dt.datetime | None
    span_days: int


def schedule_facts(shifts: list[ShiftSpec]) -> ScheduleFacts:
    if not shifts:
        return ScheduleFacts(0, 0, 0, 0, False, None, None, 0)
    per_day: dict[dt.date, int] = defaultdict(int)
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    for shift in shifts:
        per_day[shift.date] += shift.minutes
        per_week[shift.date.isocalendar()[:2]] += shift.minutes
    total = sum(per_day.values())
    first = min(s.date for s in shifts)
    last_end = max(s.end_dt for s in shifts)
    return ScheduleFacts(
        total_minutes=total,
        working_days=len(per_day),
        daily_average_minutes=total // len(per_day),
        max_week_minutes=max(per_week.values()),
        has_night_work=any(s.is_night for s in shifts),
        first_date=first,
        last_end=last_end,
        span_days=(max(s.date for s in shifts) - first).days + 1,
    )


def hourly_pay_fen(*, pay_unit: str, base_rate_fen: int, facts: ScheduleFacts,
                   pieces_per_hour: int | None) -> int | None:
    """The pay per hour a student earns, for the minimum-wage check and sorting.

    None when it cannot be known (a piece rate without a pieces-per-hour figure)."""
    if pay_unit == PayUnit.HOUR:
        return base_rate_fen
    if pay_unit == PayUnit.PIECE:
        return base_rate_fen * pieces_per_hour if pieces_per_hour else None
    if not facts.total_minutes:
        return None
    if pay_unit == PayUnit.DAY:
        return base_rate_fen * 60 * facts.working_days // facts.total_minutes
    if pay_unit == PayUnit.JOB:
        return base_rate_fen * 60 // facts.total_minutes
    return None


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (四舍五入) to a whole fen; never below 0.
    The one rounding of money in the platform (settlements.statement, commission, tax)."""
    if numerator <= 0:
        return 0
    return (2 * numerator + denominator) // (2 * denominator)


def wage_for_minutes_fen(minutes: int, hourly_fen: int) -> int:
    """Pay for `minutes` at `hourly_fen` an hour, rounded once, half up. Each shift is one
    statement line (settlements.statement), so a total is the sum of these per shift —
    never the rounded product of the total minutes (which may differ by a fen per shift)."""
    return half_up(minutes * hourly_fen, 60)


def scheduled_wages_fen(*, pay_unit: str, base_rate_fen: int, pieces_per_hour: int | None,
                        shifts: list[ShiftSpec]) -> int | None:
    """The wages of one student who works every shift as scheduled, computed as the
    statement will charge them (issue 23: the job page and the statements agree):
    per hour or per piece (at its hourly equivalent) a line per shift; a day rate per
    calendar day with a shift; a whole-job fee once. None when it cannot be known."""
    if not shifts:
        return None
    if pay_unit == PayUnit.DAY:
        return base_rate_fen * len({s.date for s in shifts})
    if pay_unit == PayUnit.JOB:
        return base_rate_fen
    hourly = base_rate_fen if pay_unit == PayUnit.HOUR else (
        base_rate_fen * pieces_per_hour if pay_unit == PayUnit.PIECE and pieces_per_hour else None)
    if hourly is None:
        return None
    return sum(wage_for_minutes_fen(s.minutes, hourly) for s in shifts)


def settlement_delay_days(*, cycle: str, payment_days: int, facts: ScheduleFacts) -> int:
    """Longest time, in days, from a day of work to the employer's payment.

    The first day of a period waits for the period to end, then for the
    payment days: daily 0 + n, weekly 6 + n, on completion (span - 1) + n.
    Labour Contract Law art. 72 allows at most 15."""
    period = {SettlementCycle.DAILY: 1, SettlementCycle.WEEKLY: 7}.get(cycle, facts.span_days or 1)
    return period - 1 + payment_days
