"""J1.2, S4.1 (issue 23): the total the employer's job page shows is what the
statements computed from the same shifts charge, to the fen — one arithmetic
(jobs.schedule.wage_for_minutes_fen, a line per shift rounded once half up)."""

import datetime as dt
import random

import pytest

from jobs.models import PayUnit, SettlementCycle
from jobs.schedule import ShiftSpec
from jobs.views.employer import pay_summary
from settlements.statement import PayTerms, ShiftWork, statement_compute

MONDAY = dt.date(2026, 11, 2)


def shifts_of(lengths: list[int]) -> list[ShiftSpec]:
    start = dt.datetime.combine(MONDAY, dt.time(9))
    return [ShiftSpec(MONDAY + dt.timedelta(days=n), start.time(), (start + dt.timedelta(minutes=m)).time())
            for n, m in enumerate(lengths)]


def page_total(unit: str, base: int, shifts: list[ShiftSpec], *, meal: int = 0, pieces: int | None = None) -> int:
    data = {"pay_unit": unit, "base_rate_fen": base, "settlement_cycle": SettlementCycle.WEEKLY, "payment_days": 3,
            "meal_allowance_fen": meal, "pieces_per_hour": pieces}
    summary = pay_summary(data, shifts, payout_working_days=2)
    assert summary is not None and summary.estimated_total_fen is not None
    return summary.estimated_total_fen


def statement_total(unit: str, base: int, shifts: list[ShiftSpec], *, meal: int = 0, pieces: int | None = None,
                    commission: int = 0) -> int:
    terms = PayTerms(pay_unit=unit, base_rate_fen=base, pieces_per_hour=pieces, meal_allowance_fen=meal,
                     hourly_pay_fen=base)
    work = [ShiftWork(date=s.date, scheduled_minutes=s.minutes, minutes=s.minutes) for s in shifts]
    return statement_compute(terms=terms, shifts=work, items=[], commission_percent=commission).student_total_fen


def test_j1_2_job_page_total_is_the_statements_total_to_the_fen():
    # given: ¥33.33 an hour, three shifts of 50 minutes. Each line is 2777.5 fen → 2778 (half up);
    # the old page rounded the product of the total minutes: 3333 × 150 / 60 = 8332.5 → 8332.
    shifts = shifts_of([50, 50, 50])
    # when / then
    assert statement_total(PayUnit.HOUR, 3333, shifts) == 3 * 2778
    assert page_total(PayUnit.HOUR, 3333, shifts) == 3 * 2778


@pytest.mark.parametrize("unit, pieces", [(PayUnit.HOUR, None), (PayUnit.PIECE, 7), (PayUnit.DAY, None),
                                          (PayUnit.JOB, None)])
def test_j1_2_job_page_and_statement_agree_over_random_schedules(unit, pieces):
    rng = random.Random(23)
    for _case in range(200):
        shifts = shifts_of([rng.choice([45, 50, 95, 100, 125, 170, 185, 235]) for _n in range(rng.randint(1, 8))])
        base, meal = rng.randint(100, 9999), rng.choice([0, 1500])
        assert page_total(unit, base, shifts, meal=meal, pieces=pieces) == \
            statement_total(unit, base, shifts, meal=meal, pieces=pieces), (unit, base, shifts)
