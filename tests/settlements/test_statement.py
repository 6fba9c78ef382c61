"""The statement arithmetic (S4.1, J1.2, S3.2, F1), on plain values: no database."""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from settlements.statement import (
    LineKind,
    MoneyItem,
    PayTerms,
    SetOffMonth,
    ShiftWork,
    statement_compute,
)

DAY = dt.date(2025, 10, 8)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def worked(n: int, minutes: int, overtime: int = 0, scheduled: int = 180) -> ShiftWork:
    return ShiftWork(date=day(n), scheduled_minutes=scheduled, minutes=minutes, overtime_minutes=overtime)


def no_show(n: int, scheduled: int = 180) -> ShiftWork:
    return ShiftWork(date=day(n), scheduled_minutes=scheduled, attended=False)


def compute(terms: PayTerms, shifts: list[ShiftWork], items: list[MoneyItem] | None = None, percent: int = 10):
    return statement_compute(terms=terms, shifts=shifts, items=items or [], commission_percent=percent)


def amounts(statement, kind: str) -> list[int]:
    return [line.amount_fen for line in statement.lines if line.kind == kind]


HOURLY = PayTerms(pay_unit="hour", base_rate_fen=2500, hourly_pay_fen=2500)


def oracle_half_up(numerator: int, denominator: int) -> int:
    """An independent check of the rounding: Decimal's ROUND_HALF_UP."""
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ per pay unit
def test_s4_1_hourly_wages_are_the_confirmed_minutes_at_the_rate_one_line_per_shift():
    # given: ¥25.00 an hour; 3 hours, then 2 h 05 min
    # when
    statement = compute(HOURLY, [worked(0, 180), worked(1, 125)])
    # then: 125 × 2500 / 60 = 5208.33 → 5208
    assert amounts(statement, LineKind.BASE) == [7500, 5208]
    assert [line.work_date for line in statement.lines] == [day(0), day(1)]
    assert statement.lines[1].quantity == "125 min × ¥25.00/h"
    assert statement.wages_fen == statement.student_total_fen == 12708


def test_j1_2_each_line_is_rounded_half_up_to_the_fen():
    # given: ¥25.01 an hour for 30 minutes = 1250.5 fen, and 10 minutes = 416.83 fen
    terms = PayTerms(pay_unit="hour", base_rate_fen=2501)
    # when
    statement = compute(terms, [worked(0, 30), worked(1, 10)])
    # then: half up per line, the total is the sum of the rounded lines
    assert amounts(statement, LineKind.BASE) == [1251, 417]
    assert statement.student_total_fen == 1668


def test_s4_1_a_day_rate_is_paid_once_per_calendar_day_worked():
    # given: ¥150 a day; two shifts on the first day, one on the second, a no-show on the third
    terms = PayTerms(pay_unit="day", base_rate_fen=15000, hourly_pay_fen=3750)
    shifts = [ShiftWork(date=day(0), scheduled_minutes=120, minutes=120),
              ShiftWork(date=day(0), scheduled_minutes=120, minutes=100),
              worked(1, 240), no_show(2)]
    # when
    statement = compute(terms, shifts)
    # then
    assert amounts(statement, LineKind.BASE) == [15000, 15000]
    assert [line.work_date for line in statement.lines] == [day(0), day(1)]


def test_s4_1_a_whole_job_fee_is_shared_by_scheduled_length_and_adds_up_to_the_fee():
    # given: ¥10.00 for a job of three equal shifts (333.33 fen each)
    terms = PayTerms(pay_unit="job", base_rate_fen=1000)
    shifts = [worked(0, 100, scheduled=100), worked(1, 100, scheduled=100), worked(2, 90, scheduled=100)]
    # when
    statement = compute(terms, shifts)
    # then: no fen lost or created
    assert amounts(statement, LineKind.BASE) == [333, 334, 333]
    assert statement.wages_fen == 1000


def test_s4_1_a_whole_job_fee_pays_only_the_shares_of_shifts_worked():
    # given: the student worked one of two equal shifts, then the engagement ended
    terms = PayTerms(pay_unit="job", base_rate_fen=20000)
    # when
    statement = compute(terms, [worked(0, 180), ShiftWork(date=day(1), scheduled_minutes=180, attended=False)])
    # then
    assert amounts(statement, LineKind.BASE) == [10000]


def test_s4_1_a_piece_rate_is_paid_at_its_stated_hourly_equivalent_until_pieces_are_counted():
    # given: ¥0.50 a piece, 40 pieces an hour (¥20.00 an hour); 90 minutes worked
    terms = PayTerms(pay_unit="piece", base_rate_fen=50, pieces_per_hour=40)
    # when
    statement = compute(terms, [worked(0, 90)])
    # then
    assert amounts(statement, LineKind.BASE) == [3000]
    assert "40 × ¥0.50" in statement.lines[0].quantity


# ------------------------------------------------------------------ overtime
def test_j1_2_overtime_is_paid_at_the_jobs_overtime_rate():
    # given: ¥40.00 an hour of overtime; 45 minutes
    terms = PayTerms(pay_unit="hour", base_rate_fen=2500, overtime_rate_fen=4000)
    # when
    statement = compute(terms, [worked(0, 180, overtime=45)])
    # then
    assert amounts(statement, LineKind.OVERTIME) == [3000]
    assert statement.wages_fen == 7500 + 3000


def test_j1_2_overtime_without_a_rate_is_150_percent_of_hourly_pay_labour_law_art_44():
    # given: no overtime rate; ¥25.01 an hour; 41 minutes of overtime
    terms = PayTerms(pay_unit="hour", base_rate_fen=2501)
    # when
    statement = compute(terms, [worked(0, 180, overtime=41)])
    # then: 41 × 2501 × 1.5 / 60 = 2563.525 → 2564
    assert amounts(statement, LineKind.OVERTIME) == [2564]
    assert "150%" in statement.lines[-1].quantity


def test_j1_2_overtime_of_a_day_rate_uses_the_jobs_equivalent_hourly_pay():
    # given: ¥160 a day for 4 hours = ¥40.00 an hour; 30 minutes of overtime, no overtime rate
    terms = PayTerms(pay_unit="day", base_rate_fen=16000, hourly_pay_fen=4000)
    # when
    statement = compute(terms, [worked(0, 240, overtime=30, scheduled=240)])
    # then: 30 × 4000 × 1.5 / 60
    assert amounts(statement, LineKind.OVERTIME) == [3000]


# ------------------------------------------------------------------ allowances and shifts not worked
def test_j1_2_meal_and_transport_allowances_are_paid_per_shift_worked():
    # given: ¥15 meal and ¥8 transport a shift; worked two of four shifts
    terms = PayTerms(pay_unit="hour", base_rate_fen=2500, meal_allowance_fen=1500, transport_allowance_fen=800)
    shifts = [worked(0, 180), no_show(1), worked(2, 60),
              ShiftWork(date=day(3), scheduled_minutes=180, attended=False)]
    # when
    statement = compute(terms, shifts)
    # then
    assert amounts(statement, LineKind.MEAL) == [3000]
    assert amounts(statement, LineKind.TRANSPORT) == [1600]
    assert statement.allowances_fen == 4600
    assert statement.student_total_fen == 7500 + 2500 + 4600


def test_s3_1_no_show_and_cancelled_shifts_pay_nothing():
    # given: every shift a no-show or cancelled, with allowances on offer
    terms = PayTerms(pay_unit="day", base_rate_fen=15000, meal_allowance_fen=1500)
    # when
    statement = compute(terms, [no_show(0), ShiftWork(date=day(1), scheduled_minutes=180, attended=False)])
    # then
    assert statement.lines == ()
    assert statement.student_total_fen == statement.employer_total_fen == statement.commission_fen == 0


def test_s4_1_hours_that_are_not_final_are_not_paid_yet():
    # given: the second shift's hours wait for the employer
    pending = ShiftWork(date=day(1), scheduled_minutes=180, minutes=180, final=False)
    # when
    statement = compute(HOURLY, [worked(0, 180), pending])
    # then
    assert amounts(statement, LineKind.BASE) == [7500]
    assert statement.pending_shifts == 1


# ------------------------------------------------------------------ compensation and losses
def test_e4_1_late_cancellation_compensation_is_a_line_of_its_own():
    # given
    items = [MoneyItem("late_cancellation", 3750, "50% of 180 minutes cancelled at short notice")]
    # when
    statement = compute(HOURLY, [worked(0, 180)], items)
    # then
    assert amounts(statement, LineKind.COMPENSATION) == [3750]
    assert statement.compensation_fen == 3750
    assert statement.student_total_fen == 7500 + 3750
    assert statement.commission_fen == 1125  # 10% of 11250, compensation included


def test_s3_2_a_loss_is_a_separate_negative_line_never_netted_into_wages():
    # given: a loss of ¥15.00 the student agreed to (20% of the ¥75.00 pay: within the art. 16 cap)
    items = [MoneyItem("loss", -1500, "Broken cup (claim 7)", claim_id=7)]
    # when
    statement = compute(HOURLY, [worked(0, 180)], items)
    # then: wages are shown in full, the loss apart, naming its claim
    assert amounts(statement, LineKind.BASE) == [7500]
    assert amounts(statement, LineKind.LOSS) == [-1500]
    assert statement.lines[-1].claim_id == 7
    assert statement.losses_fen == -1500
    assert statement.student_total_fen == 6000
    # the employer is credited the loss: pays gross − loss + commission on gross
    assert statement.commission_fen == 750
    assert statement.employer_total_fen == 7500 - 1500 + 750


def test_art16_loss_setoff_capped_at_20_percent_of_pay_on_the_line():
    # given: a decided loss of ¥100.00 against ¥25.00 of pay
    items = [MoneyItem("loss", -10000, "Lost scanner")]
    # when
    statement = compute(HOURLY, [worked(0, 60)], items)
    # then: 20% of the pay is set off and the line says what stays owed
    assert amounts(statement, LineKind.LOSS) == [-500]
    assert "¥5.00 of ¥100.00" in statement.lines[-1].quantity and "¥95.00" in statement.lines[-1].quantity
    assert statement.setoff is not None and statement.setoff.remainder_fen == 9500
    assert statement.student_total_fen == 2000
    assert statement.employer_total_fen == 2000 + 250


def test_art16_two_claims_in_one_statement_share_one_cap_the_first_claim_first():
    # given: ¥100.00 of pay, two claims of ¥15.00 each: the cap is ¥20.00
    items = [MoneyItem("loss", -1500, "cup", claim_id=1), MoneyItem("loss", -1500, "plate", claim_id=2)]
    # when
    statement = compute(HOURLY, [worked(0, 240)], items)
    # then
    assert amounts(statement, LineKind.LOSS) == [-1500, -500]
    assert statement.losses_fen == -2000 and statement.student_total_fen == 8000


def test_art16_the_month_before_counts_and_the_floor_uses_normal_hours_only():
    # given: ¥500 paid earlier in the month with ¥60 set off; now 4 h at ¥25 + 1 h overtime; minimum ¥20/h
    month = SetOffMonth(hourly_minimum_fen=2000, earlier_pay_fen=50000, earlier_counted_fen=50000,
                        earlier_minutes=20 * 60, earlier_setoff_fen=6000)
    items = [MoneyItem("loss", -50000, "till shortfall")]
    # when
    statement = statement_compute(terms=HOURLY, shifts=[worked(0, 240, overtime=60)], items=items,
                                  commission_percent=10, month=month)
    # then: pay 500 + 100 + 37.50 overtime; 20% = 127.50, less 60 earlier = 67.50; the floor:
    # counted 600 − 60 − (24 h × 20 = 480) = 60 → 60 is set off (the minimum wage binds)
    assert statement.counted_pay_fen == 10000 and statement.worked_minutes == 240
    assert amounts(statement, LineKind.LOSS) == [-6000]
    assert statement.setoff.reason == "capped_minimum_wage"


# ------------------------------------------------------------------ commission (F1)
def test_f1_commission_is_charged_to_the_employer_on_top_and_never_changes_what_the_student_receives():
    # given
    shifts = [worked(0, 180, overtime=30), worked(1, 95)]
    terms = PayTerms(pay_unit="hour", base_rate_fen=2333, meal_allowance_fen=1000)
    # when
    without, with_ = compute(terms, shifts, percent=0), compute(terms, shifts, percent=12)
    # then
    assert with_.student_total_fen == without.student_total_fen
    assert with_.lines == without.lines
    assert with_.commission.kind == LineKind.COMMISSION
    assert with_.commission_fen == (with_.gross_fen * 12 * 2 + 100) // 200  # half up
    assert with_.employer_total_fen == with_.student_total_fen + with_.commission_fen
    assert with_.employer_lines[-1] == with_.commission


# ------------------------------------------------------------------ the rounding proof
def _random_case(rng: random.Random):
    unit = rng.choice(["hour", "day", "piece", "job"])
    terms = PayTerms(
        pay_unit=unit, base_rate_fen=rng.randint(1, 50_000), hourly_pay_fen=rng.randint(0, 20_000),
        pieces_per_hour=rng.choice([None, rng.randint(1, 200)]),
        overtime_rate_fen=rng.choice([None, 0, rng.randint(1, 30_000)]),
        meal_allowance_fen=rng.choice([0, rng.randint(1, 5000)]),
        transport_allowance_fen=rng.choice([0, rng.randint(1, 5000)]))
    shifts = []
    for n in range(rng.randint(0, 12)):
        scheduled = rng.randint(1, 600)
        shifts.append(ShiftWork(date=day(n // 2), scheduled_minutes=scheduled,
                                minutes=rng.randint(0, scheduled), overtime_minutes=rng.choice([0, rng.randint(1, 240)]),
                                attended=rng.random() < 0.8, final=rng.random() < 0.9))
    items = [MoneyItem(rng.choice(["late_cancellation", "loss"]), rng.randint(1, 20_000) * rng.choice([1, -1]))
             for _ in range(rng.randint(0, 3))]
    items = [MoneyItem(i.kind, abs(i.amount_fen) * (-1 if i.kind == "loss" else 1)) for i in items]
    return terms, shifts, items, rng.randint(0, 30)


def test_s4_1_lines_and_totals_always_add_up_over_many_random_statements():
    rng = random.Random(20251008)
    for _ in range(3000):
        # given
        terms, shifts, items, percent = _random_case(rng)
        # when
        statement = statement_compute(terms=terms, shifts=shifts, items=items, commission_percent=percent)
        # then: the totals are exactly the sums of the lines, in int
        lines = statement.lines
        assert statement.student_total_fen == sum(line.amount_fen for line in lines)
        assert statement.employer_total_fen == sum(line.amount_fen for line in statement.employer_lines)
        assert statement.employer_total_fen == statement.student_total_fen + statement.commission_fen
        assert statement.student_total_fen >= 0
        values = [line.amount_fen for line in statement.employer_lines] + [
            statement.student_total_fen, statement.employer_total_fen, statement.commission_fen]
        assert all(type(v) is int for v in values)
        # a line never goes below zero, except a loss, which never goes above it
        assert all(line.amount_fen >= 0 for line in lines if line.kind != LineKind.LOSS)
        assert all(line.amount_fen <= 0 for line in lines if line.kind == LineKind.LOSS)
        # each hourly line is the exact amount rounded half up (checked with Decimal)
        rate = terms.hourly_equivalent_fen
        if terms.pay_unit in ("hour", "piece"):
            paid = [s for s in shifts if s.worked and s.minutes]
            assert [line.amount_fen for line in lines if line.kind == LineKind.BASE] == [
                oracle_half_up(s.minutes * rate, 60) for s in paid]
        # a whole-job fee is shared exactly when every shift is worked
        if terms.pay_unit == "job" and shifts and all(s.worked for s in shifts):
            assert statement.wages_fen - sum(amounts(statement, LineKind.OVERTIME)) == terms.base_rate_fen
        assert statement.commission_fen == oracle_half_up(statement.gross_fen * percent, 100)


def test_statement_refuses_floats():
    # given: an amount that slipped through as a float
    terms = PayTerms(pay_unit="hour", base_rate_fen=25.5)
    # when / then
    with pytest.raises(TypeError):
        compute(terms, [worked(0, 60)])
