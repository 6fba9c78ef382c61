"""Income tax withheld on students' remuneration and the loss set-off cap, on plain
values: no database. The worked examples are computed by hand from the texts
(docs/tax.md), not read off the code:

- 国家税务总局公告2025年第16号 §1(1) with the cumulative method and 预扣率表一 of
  公告2018年第61号 (tests `test_iit_16_…`);
- the per-payment method of 61号 art. 8 with 预扣率表二, one 次 per month and job
  per 个人所得税法实施条例 art. 14(1) (tests `test_iit_61_…`);
- 《工资支付暂行规定》 art. 16 (tests `test_wage_art16_…`).

Then Hypothesis over random years of pay (gaps, several payments a month, two
years) against an independent oracle in Decimal yuan."""

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from settlements.income_tax import (
    CumulativeReason,
    CumulativeWithholder,
    Remuneration,
    SetOffReason,
    cumulative_withholding,
    loss_setoff,
    per_payment_withholding,
)

YUAN = 100  # fen


def pay_months(*months_and_yuan, year: int = 2025):
    """(month, yuan) … → the withholding of each payment, in order."""
    return cumulative_withholding([Remuneration(year, month, round(yuan * YUAN)) for month, yuan in months_and_yuan])


# ------------------------------------------------------------------ the cumulative method (16号)
def test_iit_16_a_student_earning_1000_yuan_in_a_month_owes_nothing_and_the_statement_says_why():
    # given / when: October 2025 (16号 in force from 1 October), the first pay on the platform
    (october,) = pay_months((10, 1_000))
    # then: income 1,000; expenses 1,000 × 20% = 200; basic deduction 5,000 × 1 month = 5,000;
    #       taxable 1,000 − 200 − 5,000 = −4,200 → 0; tax 0; net 1,000
    assert october.cumulative_income_fen == 1_000 * YUAN
    assert october.cumulative_expenses_fen == 200 * YUAN
    assert october.cumulative_basic_deduction_fen == 5_000 * YUAN
    assert october.consecutive_months == 1
    assert october.taxable_fen == 0
    assert (october.tax_fen, october.net_fen) == (0, 1_000 * YUAN)
    assert october.reason == CumulativeReason.BELOW_DEDUCTION
    assert october.explanation == (
        "This year's pay after the 20% expenses (¥1,000.00 − ¥200.00) does not exceed the basic deduction of "
        "¥5,000.00 (¥5,000.00 × 1, the months in a row with pay from the platform): no tax is withheld this time.")


def test_iit_16_a_student_earning_6000_yuan_in_a_month_still_owes_nothing():
    # given / when
    (october,) = pay_months((10, 6_000))
    # then: expenses 6,000 × 20% = 1,200; taxable 6,000 − 1,200 − 5,000 = −200 → 0: no tax
    assert october.cumulative_expenses_fen == 1_200 * YUAN
    assert october.taxable_fen == 0
    assert (october.tax_fen, october.net_fen) == (0, 6_000 * YUAN)


def test_iit_16_a_student_earning_30000_yuan_in_a_month_pays_3_percent_of_the_taxable_part():
    # given / when
    (october,) = pay_months((10, 30_000))
    # then: expenses 30,000 × 20% = 6,000; taxable 30,000 − 6,000 − 5,000 = 19,000 (≤ 36,000: 3%, quick 0);
    #       tax 19,000 × 3% − 0 = 570; net 30,000 − 570 = 29,430
    assert october.taxable_fen == 19_000 * YUAN
    assert (october.rate_percent, october.quick_deduction_fen) == (3, 0)
    assert october.cumulative_tax_fen == 570 * YUAN
    assert (october.tax_fen, october.net_fen) == (570 * YUAN, 29_430 * YUAN)
    assert october.reason == CumulativeReason.WITHHELD
    assert october.explanation == (
        "Taxable this year: pay ¥30,000.00 − expenses (20%) ¥6,000.00 − basic deduction ¥5,000.00 (¥5,000.00 × 1, "
        "the months in a row with pay from the platform) = ¥19,000.00. Tax on it: ¥19,000.00 × 3% − quick "
        "deduction ¥0.00 = ¥570.00. Withheld earlier this year: ¥0.00; withheld now: ¥570.00.")


def test_iit_16_two_consecutive_months_deduct_5000_yuan_for_each():
    # given / when: 8,000 in October, 8,000 in November
    october, november = pay_months((10, 8_000), (11, 8_000))
    # then October: 8,000 − 1,600 − 5,000 = 1,400 taxable; 1,400 × 3% = 42
    assert (october.taxable_fen, october.tax_fen) == (1_400 * YUAN, 42 * YUAN)
    # November: cumulative 16,000 − 3,200 − 5,000 × 2 = 2,800; 2,800 × 3% = 84; 84 − 42 withheld = 42 now
    assert november.consecutive_months == 2
    assert november.cumulative_basic_deduction_fen == 10_000 * YUAN
    assert november.taxable_fen == 2_800 * YUAN
    assert november.cumulative_tax_fen == 84 * YUAN
    assert (november.withheld_before_fen, november.tax_fen) == (42 * YUAN, 42 * YUAN)


def test_iit_16_consecutive_months_cross_into_the_10_percent_bracket():
    # given / when: 30,000 in October and in November
    october, november = pay_months((10, 30_000), (11, 30_000))
    # then October: 570 (as above). November: 60,000 − 12,000 − 10,000 = 38,000 > 36,000: 10%, quick 2,520;
    #      38,000 × 10% − 2,520 = 1,280 for the year; 1,280 − 570 = 710 now
    assert october.tax_fen == 570 * YUAN
    assert november.taxable_fen == 38_000 * YUAN
    assert (november.rate_percent, november.quick_deduction_fen) == (10, 2_520 * YUAN)
    assert (november.cumulative_tax_fen, november.tax_fen) == (1_280 * YUAN, 710 * YUAN)
    assert november.net_fen == 30_000 * YUAN - 710 * YUAN


def test_iit_16_a_gap_month_restarts_the_count_of_months_in_a_row():
    # given / when: 8,000 in October, nothing in November, 8,000 in December
    october, december = pay_months((10, 8_000), (12, 8_000))
    # then October: 42 (as above). December: the run restarts at 1 month, so the basic deduction is 5,000
    #      (not 10,000); the year's income stays cumulative: 16,000 − 3,200 − 5,000 = 7,800; × 3% = 234;
    #      234 − 42 = 192 now (without the gap: 84 − 42 = 42)
    assert october.tax_fen == 42 * YUAN
    assert december.consecutive_months == 1
    assert december.cumulative_basic_deduction_fen == 5_000 * YUAN
    assert december.taxable_fen == 7_800 * YUAN
    assert (december.cumulative_tax_fen, december.tax_fen) == (234 * YUAN, 192 * YUAN)


def test_iit_16_the_run_counts_only_the_latest_unbroken_months():
    # given / when: pay in January, February, then April, May (March without pay)
    results = pay_months((1, 100), (2, 100), (4, 100), (5, 100))
    # then: the runs are 1, 2, then 1, 2 again
    assert [r.consecutive_months for r in results] == [1, 2, 1, 2]


def test_iit_16_january_starts_every_total_again():
    # given / when: 30,000 in December 2025, 30,000 in January 2026
    december, january = cumulative_withholding([Remuneration(2025, 12, 30_000 * YUAN),
                                                Remuneration(2026, 1, 30_000 * YUAN)])
    # then: January is the first month of a new year: 30,000 − 6,000 − 5,000 = 19,000 × 3% = 570 again,
    #       nothing carried from December (not 60,000 of income, not 570 withheld, 1 month in a row)
    assert december.tax_fen == january.tax_fen == 570 * YUAN
    assert january.cumulative_income_fen == 30_000 * YUAN
    assert (january.consecutive_months, january.withheld_before_fen) == (1, 0)


def test_iit_16_several_payments_in_one_month_recompute_the_year_each_time():
    # given / when: three payments in October: 3,000, 5,000, 2,000 (one month in a row throughout)
    first, second, third = pay_months((10, 3_000), (10, 5_000), (10, 2_000))
    # then 1st: 3,000 − 600 − 5,000 < 0 → 0
    #      2nd: 8,000 − 1,600 − 5,000 = 1,400 × 3% = 42; 42 now
    #      3rd: 10,000 − 2,000 − 5,000 = 3,000 × 3% = 90; 90 − 42 = 48 now
    assert [r.consecutive_months for r in (first, second, third)] == [1, 1, 1]
    assert [r.tax_fen for r in (first, second, third)] == [0, 42 * YUAN, 48 * YUAN]
    # the month withholds what one payment of 10,000 would: 90
    (whole,) = pay_months((10, 10_000))
    assert third.withheld_to_date_fen == whole.tax_fen == 90 * YUAN


def test_iit_61_art6_a_lower_cumulative_tax_is_not_refunded_during_the_year():
    # given / when: 30,000 in October, 1,000 in November
    october, november = pay_months((10, 30_000), (11, 1_000))
    # then November: 31,000 − 6,200 − 10,000 = 14,800 × 3% = 444 < 570 withheld: nothing now (暂不退税),
    #      the 126 withheld beyond the year's tax so far comes back through the annual return
    assert october.tax_fen == 570 * YUAN
    assert november.cumulative_tax_fen == 444 * YUAN
    assert (november.tax_fen, november.withheld_to_date_fen) == (0, 570 * YUAN)
    assert november.reason == CumulativeReason.COVERED
    assert "refunded through the annual income tax return" in november.explanation


def test_iit_16_the_36000_yuan_bracket_boundary():
    # given / when: 51,250 yuan in one month → 51,250 − 10,250 − 5,000 = exactly 36,000 taxable (3% bracket:
    #   不超过36,000); one fen more → 51,250.01 × 20% = 10,250.002 → 10,250.00; taxable 36,000.01 (10%)
    (at,) = pay_months((10, 51_250))
    (above,) = pay_months((10, Decimal("51250.01")))
    # then: 36,000 × 3% = 1,080; 36,000.01 × 10% − 2,520 = 1,080.001 → 1,080.00: the table is continuous
    assert (at.taxable_fen, at.rate_percent, at.tax_fen) == (36_000 * YUAN, 3, 1_080 * YUAN)
    assert (above.taxable_fen, above.rate_percent, above.tax_fen) == (36_000 * YUAN + 1, 10, 1_080 * YUAN)


def test_iit_16_a_few_fen_taxable_round_to_no_tax_and_the_statement_shows_the_sum():
    # given / when: 6,250.13 → expenses 1,250.026 → 1,250.03; taxable 6,250.13 − 1,250.03 − 5,000 = 0.10
    (october,) = pay_months((10, Decimal("6250.13")))
    # then: 0.10 × 3% = 0.003 → 0.00
    assert (october.taxable_fen, october.tax_fen, october.reason) == (10, 0, CumulativeReason.WITHHELD)
    assert october.explanation.endswith("Tax on it: ¥0.10 × 3% − quick deduction ¥0.00 = ¥0.00. Withheld earlier "
                                        "this year: ¥0.00; withheld now: ¥0.00.")


def test_iit_16_a_tax_relief_is_taken_off_the_years_tax():
    # given / when: 30,000 in October with 100 of relief: 570 − 100 = 470; with 600 of relief: nothing
    (relieved,) = cumulative_withholding([Remuneration(2025, 10, 30_000 * YUAN, relief_fen=100 * YUAN)])
    (covered,) = cumulative_withholding([Remuneration(2025, 10, 30_000 * YUAN, relief_fen=600 * YUAN)])
    # then
    assert (relieved.cumulative_tax_fen, relieved.tax_fen) == (470 * YUAN, 470 * YUAN)
    assert (covered.cumulative_tax_fen, covered.tax_fen, covered.reason) == (0, 0, CumulativeReason.RELIEVED)


def test_iit_16_tax_beyond_a_small_payment_is_withheld_from_the_next_one():
    # given / when: 10,000 in January and February; nothing in March; 1 yuan in April; 10,000 in April
    results = pay_months((1, 10_000), (2, 10_000), (4, 1), (4, 10_000))
    jan, feb, april_small, april = results
    # then January: 10,000 − 2,000 − 5,000 = 3,000 × 3% = 90
    #      February: 20,000 − 4,000 − 10,000 = 6,000 × 3% = 180; 90 now
    #      April (the run restarts): 20,001 − 4,000.20 − 5,000 = 11,000.80 × 3% = 330.024 → 330.02; due 150.02
    #      but the payment is 1 yuan: all of it is withheld, 149.02 stays due
    #      April again: 30,001 − 6,000.20 − 5,000 = 19,000.80 × 3% = 570.024 → 570.02; 570.02 − 181 = 389.02
    assert (jan.tax_fen, feb.tax_fen) == (90 * YUAN, 90 * YUAN)
    assert april_small.cumulative_tax_fen == 33_002
    assert (april_small.tax_fen, april_small.net_fen, april_small.outstanding_fen) == (100, 0, 14_902)
    assert april_small.reason == CumulativeReason.LIMITED
    assert april.cumulative_tax_fen == 57_002
    assert april.tax_fen == 57_002 - 18_100
    assert april.outstanding_fen == 0


def test_iit_16_a_set_off_does_not_reduce_the_income_but_limits_what_can_be_withheld():
    # given: January and February 10,000 each (90 + 90 withheld, as above); nothing in March
    withholder = CumulativeWithholder()
    for month in (1, 2):
        withholder.pay(year=2025, month=month, gross_fen=10_000 * YUAN)
    # when: April pays 500 gross, of which a set-off took 100 (20%): 400 is paid out
    april = withholder.pay(year=2025, month=4, gross_fen=500 * YUAN, available_fen=400 * YUAN)
    # then: income counts the gross 500: 20,500 − 4,100 − 5,000 (run restarted) = 11,400 × 3% = 342;
    #       due 342 − 180 = 162, within the 400 paid out: 162 now, net of tax 500 − 162 = 338
    assert april.cumulative_income_fen == 20_500 * YUAN
    assert (april.cumulative_tax_fen, april.tax_fen, april.net_fen) == (342 * YUAN, 162 * YUAN, 338 * YUAN)
    # and when only 100 is paid out, only 100 can be withheld: 342 − 180 − 100 = 62 stays due for the next payment
    again = CumulativeWithholder()
    for month in (1, 2):
        again.pay(year=2025, month=month, gross_fen=10_000 * YUAN)
    short = again.pay(year=2025, month=4, gross_fen=500 * YUAN, available_fen=100 * YUAN)
    assert (short.tax_fen, short.outstanding_fen, short.reason) == (100 * YUAN, 62 * YUAN, CumulativeReason.LIMITED)


def test_iit_16_payments_must_come_in_order_and_in_int_fen():
    withholder = CumulativeWithholder()
    withholder.pay(year=2025, month=11, gross_fen=100)
    with pytest.raises(ValueError, match="in order"):
        withholder.pay(year=2025, month=10, gross_fen=100)
    with pytest.raises(TypeError):
        withholder.pay(year=2025, month=11, gross_fen=100.0)
    with pytest.raises(ValueError):
        withholder.pay(year=2025, month=11, gross_fen=0)


def test_iit_16_the_withholder_resumes_from_the_last_stored_payment():
    # given: October and November computed in one go
    october, november = pay_months((10, 30_000), (11, 30_000))
    # when: November computed later from October's stored row alone
    resumed = CumulativeWithholder.resume(october).pay(year=2025, month=11, gross_fen=30_000 * YUAN)
    # then
    assert resumed == november


def test_iit_16_the_explanation_reads_in_chinese():
    below, withheld = pay_months((10, 6_000)), pay_months((10, 30_000))
    with translation.override("zh-hans"):
        assert below[0].explanation == ("本年累计收入¥6,000.00减除20%的费用¥1,200.00后，未超过累计减除费用¥5,000.00"
                                        "（5,000元 × 在本平台连续取得报酬的1个月），本次无需预扣税款。")
        assert withheld[0].explanation == (
            "本年累计应纳税所得额：累计收入¥30,000.00 − 累计费用（20%）¥6,000.00 − 累计减除费用¥5,000.00"
            "（5,000元 × 在本平台连续取得报酬的1个月）= ¥19,000.00。累计应预扣税额：¥19,000.00 × 3% − 速算扣除数"
            "¥0.00 = ¥570.00。本年此前已预扣¥0.00，本次预扣¥570.00。")


# ------------------------------------------------------------------ the per-payment method (61号 art. 8)
@pytest.mark.parametrize(("yuan", "expenses", "taxable", "rate", "tax"), [
    # ≤ 4,000: expenses 800 (不超过四千元的，减除费用按八百元计算); 20%
    (800, 800, 0, 20, 0),                  # 800 − 800 = 0 → no tax
    (3_000, 800, 2_200, 20, 440),          # (3,000 − 800) × 20% = 440
    (4_000, 800, 3_200, 20, 640),          # (4,000 − 800) × 20% = 640
    # > 4,000: expenses 20% (四千元以上的，减除费用按收入的百分之二十计算)
    (10_000, 2_000, 8_000, 20, 1_600),     # 10,000 × 80% = 8,000 × 20% = 1,600
    (25_000, 5_000, 20_000, 20, 4_000),    # 20,000 is still 不超过20,000: 20%
    (30_000, 6_000, 24_000, 30, 5_200),    # 24,000 × 30% − 2,000 = 5,200
    (62_500, 12_500, 50_000, 30, 13_000),  # 50,000 × 30% − 2,000 = 13,000
    (100_000, 20_000, 80_000, 40, 25_000), # 80,000 × 40% − 7,000 = 25,000
])
def test_iit_61_art8_per_payment_800_and_20_percent_branches_and_rate_table_2(yuan, expenses, taxable, rate, tax):
    # when
    result = per_payment_withholding(gross_fen=yuan * YUAN)
    # then
    assert result.expenses_fen == expenses * YUAN
    assert result.flat_expenses == (yuan <= 4_000)
    assert (result.taxable_fen, result.rate_percent, result.tax_fen) == (taxable * YUAN, rate, tax * YUAN)
    assert result.net_fen == (yuan - tax) * YUAN


def test_iit_61_art8_just_above_4000_yuan_the_20_percent_branch_gives_the_same_tax():
    # given / when: 4,000.01 → expenses 800.002 → 800.00; taxable 3,200.01 × 20% = 640.002 → 640.00
    result = per_payment_withholding(gross_fen=4_000 * YUAN + 1)
    # then
    assert (result.flat_expenses, result.expenses_fen, result.tax_fen) == (False, 800 * YUAN, 640 * YUAN)


def test_iit_61_one_job_in_one_month_is_one_payment_and_the_later_payment_withholds_the_difference():
    # given: 3,000 paid earlier this month for the same job: 440 withheld (as above)
    # when: 2,000 more for that job in the same month
    later = per_payment_withholding(gross_fen=2_000 * YUAN, earlier_payments_fen=[3_000 * YUAN])
    # then: one payment of 5,000 (> 4,000): 5,000 × 80% = 4,000 × 20% = 800 for the month; 800 − 440 = 360 now
    assert later.income_fen == 5_000 * YUAN
    assert (later.total_tax_fen, later.withheld_before_fen, later.tax_fen) == (800 * YUAN, 440 * YUAN, 360 * YUAN)
    assert later.explanation.endswith("Withheld from earlier payments for this job this month: ¥440.00; "
                                      "withheld now: ¥360.00.")
    # a different job (or another month) is its own payment: (2,000 − 800) × 20% = 240
    assert per_payment_withholding(gross_fen=2_000 * YUAN).tax_fen == 240 * YUAN


def test_iit_61_the_later_payment_uses_what_was_actually_withheld():
    # given: the earlier payment withheld 400 (say, by another system); the month's tax is 800
    # when / then: 800 − 400 = 400 now; never below 0 when more was withheld
    assert per_payment_withholding(gross_fen=2_000 * YUAN, earlier_payments_fen=[3_000 * YUAN],
                                   withheld_before_fen=400 * YUAN).tax_fen == 400 * YUAN
    assert per_payment_withholding(gross_fen=2_000 * YUAN, earlier_payments_fen=[3_000 * YUAN],
                                   withheld_before_fen=900 * YUAN).tax_fen == 0


def test_iit_61_per_payment_explanation():
    assert per_payment_withholding(gross_fen=3_000 * YUAN).explanation == (
        "Remuneration this month for this job: ¥3,000.00, not more than ¥4,000.00, so the expenses are ¥800.00: "
        "taxable ¥2,200.00. Tax: ¥2,200.00 × 20% − quick deduction ¥0.00 = ¥440.00.")


# ------------------------------------------------------------------ the set-off cap (工资支付暂行规定 art. 16)
def test_wage_art16_a_set_off_takes_at_most_20_percent_of_the_months_pay():
    # given: 2,000 pay for 40 hours at a minimum of 25/h (floor 1,000); a loss of 1,000 claimed
    # when
    result = loss_setoff(pay_fen=2_000 * YUAN, claimed_fen=1_000 * YUAN, minutes_worked=40 * 60,
                         hourly_minimum_fen=25 * YUAN)
    # then: 20% × 2,000 = 400 (the floor would allow 2,000 − 1,000 = 1,000): 400 now, 600 still owed
    assert (result.cap_fen, result.minimum_pay_fen) == (400 * YUAN, 1_000 * YUAN)
    assert (result.deductible_fen, result.remainder_fen) == (400 * YUAN, 600 * YUAN)
    assert result.reason == SetOffReason.CAPPED_20
    assert result.explanation == (
        "A month's set-offs for a loss may take at most 20% of that month's pay: ¥2,000.00 × 20% = ¥400.00. "
        "Set off now: ¥400.00 of the ¥1,000.00 claimed; ¥600.00 is still owed and is never taken from later pay "
        "beyond these limits.")


def test_wage_art16_what_remains_is_not_below_the_minimum_wage_for_the_hours_worked():
    # given: 1,100 pay for 40 hours (27.50/h) at a minimum of 25/h; a loss of 500 claimed
    # when
    result = loss_setoff(pay_fen=1_100 * YUAN, claimed_fen=500 * YUAN, minutes_worked=40 * 60,
                         hourly_minimum_fen=25 * YUAN)
    # then: 20% × 1,100 = 220, but 1,100 − 25 × 40 = 100 is all that can go: 100 now, 400 owed
    assert (result.cap_fen, result.minimum_pay_fen) == (220 * YUAN, 1_000 * YUAN)
    assert (result.deductible_fen, result.remainder_fen) == (100 * YUAN, 400 * YUAN)
    assert result.reason == SetOffReason.CAPPED_MINIMUM_WAGE


def test_wage_art16_a_claim_within_both_limits_is_set_off_in_full():
    # 2,000 pay, 40 h at 25/h: a claim of 300 is below 400 (20%) and leaves 1,700 ≥ 1,000
    result = loss_setoff(pay_fen=2_000 * YUAN, claimed_fen=300 * YUAN, minutes_worked=40 * 60,
                         hourly_minimum_fen=25 * YUAN)
    assert (result.deductible_fen, result.remainder_fen, result.reason) == (300 * YUAN, 0, SetOffReason.FULL)


def test_wage_art16_the_20_percent_is_for_the_whole_month_together():
    # given: 2,000 pay this month, 300 already set off against an earlier statement of the month
    # when: 500 more claimed
    result = loss_setoff(pay_fen=2_000 * YUAN, claimed_fen=500 * YUAN, minutes_worked=40 * 60,
                         hourly_minimum_fen=25 * YUAN, already_set_off_fen=300 * YUAN)
    # then: 400 − 300 = 100 now, 400 still owed
    assert (result.deductible_fen, result.remainder_fen) == (100 * YUAN, 400 * YUAN)


def test_wage_art16_overtime_pay_does_not_count_towards_the_minimum_wage():
    # given: 1,300 pay for 40 normal hours, of which 200 is overtime pay (最低工资规定 art. 12 leaves it out);
    #        minimum 25/h → 1,000; a loss of 500 claimed
    result = loss_setoff(pay_fen=1_300 * YUAN, claimed_fen=500 * YUAN, minutes_worked=40 * 60,
                         hourly_minimum_fen=25 * YUAN, minimum_wage_pay_fen=1_100 * YUAN)
    # then: 20% × 1,300 = 260, but 1,100 − 1,000 = 100 is all that can go: 100 now, 400 owed
    assert (result.cap_fen, result.deductible_fen, result.remainder_fen) == (260 * YUAN, 100 * YUAN, 400 * YUAN)
    assert result.reason == SetOffReason.CAPPED_MINIMUM_WAGE
    assert result.explanation.startswith(
        "The pay left after a set-off may not fall below the local minimum wage for the hours worked: 2400 min × "
        "¥25.00/h = ¥1,000.00 (the month's pay that counts towards it: ¥1,100.00).")


def test_wage_art16_limits_round_in_the_students_favour():
    # 20% of 10.03 = 2.006 → 2.00 (down); 7 min × 25.10/h = 2.928333 → 2.93 (up)
    result = loss_setoff(pay_fen=1_003, claimed_fen=1_003, minutes_worked=7, hourly_minimum_fen=2_510)
    assert (result.cap_fen, result.minimum_pay_fen) == (200, 293)


# ------------------------------------------------------------------ properties (Hypothesis)
# The oracle: the texts' tables typed again in yuan, Decimal arithmetic, the run of months
# counted from the set of months with pay — nothing shared with the code under test.
TABLE_1_YUAN = [(Decimal(36_000), 3, 0), (Decimal(144_000), 10, 2_520), (Decimal(300_000), 20, 16_920),
                (Decimal(420_000), 25, 31_920), (Decimal(660_000), 30, 52_920), (Decimal(960_000), 35, 85_920),
                (None, 45, 181_920)]
CENT = Decimal("0.01")


def oracle_year_tax_fen(income_fen: int, months_in_a_row: int) -> int:
    """The year's tax by 16号's formula, in yuan with Decimal, as fen."""
    income = Decimal(income_fen) / 100
    expenses = (income * Decimal("0.2")).quantize(CENT, rounding=ROUND_HALF_UP)
    taxable = max(Decimal(0), income - expenses - 5_000 * months_in_a_row)
    if taxable == 0:
        return 0
    rate, quick = next((r, q) for upper, r, q in TABLE_1_YUAN if upper is None or taxable <= upper)
    tax = (taxable * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) - quick
    return int(max(Decimal(0), tax) * 100)


def months_in_a_row(paid_months: set[int], month: int) -> int:
    run = 0
    while month - run in paid_months:
        run += 1
    return run


amounts = st.one_of(st.integers(1, 10_000 * YUAN), st.integers(1, 200_000 * YUAN))
a_year = st.dictionaries(st.integers(1, 12), st.lists(amounts, min_size=1, max_size=3), max_size=12)


def flatten(years: list[dict[int, list[int]]]) -> list[Remuneration]:
    return [Remuneration(2025 + n, month, amount) for n, year in enumerate(years)
            for month in sorted(year) for amount in year[month]]


@given(st.lists(a_year, min_size=1, max_size=2))
def test_iit_16_property_tax_is_never_negative_net_plus_tax_is_gross_all_in_int_fen(years):
    for result in cumulative_withholding(flatten(years)):
        figures = [result.gross_fen, result.tax_fen, result.net_fen, result.cumulative_income_fen,
                   result.cumulative_expenses_fen, result.cumulative_basic_deduction_fen, result.taxable_fen,
                   result.quick_deduction_fen, result.cumulative_tax_fen, result.withheld_before_fen]
        assert all(type(value) is int for value in figures)
        assert 0 <= result.tax_fen <= result.gross_fen
        assert result.net_fen + result.tax_fen == result.gross_fen


@given(st.lists(a_year, min_size=1, max_size=2))
def test_iit_16_property_withheld_at_every_month_end_is_the_formulas_result(years):
    results = cumulative_withholding(flatten(years))
    index = 0
    for n, year in enumerate(years):
        paid, income, withheld = set(), 0, 0  # January: everything starts again
        for month in sorted(year):
            paid.add(month)
            for amount in year[month]:
                income += amount
                # 61号 art. 6: withhold up to the year's tax by the formula, never refund; never more than paid
                due = max(0, oracle_year_tax_fen(income, months_in_a_row(paid, month)) - withheld)
                withheld += min(due, amount)
                result = results[index]
                assert (result.year, result.month) == (2025 + n, month)
                assert result.consecutive_months == months_in_a_row(paid, month)
                assert result.cumulative_tax_fen == oracle_year_tax_fen(income, result.consecutive_months)
                index += 1
            # at the month end: what was withheld this year is the formula's result
            assert results[index - 1].withheld_to_date_fen == withheld


@given(st.lists(a_year, min_size=1, max_size=2))
def test_iit_16_property_splitting_a_months_pay_into_payments_changes_nothing_at_the_month_end(years):
    split = cumulative_withholding(flatten(years))
    whole = cumulative_withholding(flatten([{m: [sum(amounts)] for m, amounts in year.items()} for year in years]))
    month_ends = {(r.year, r.month): r.withheld_to_date_fen for r in split}
    assert month_ends == {(r.year, r.month): r.withheld_to_date_fen for r in whole}


@given(st.lists(st.integers(1, 120_000 * YUAN), min_size=1, max_size=5))
def test_iit_61_property_the_payments_of_one_job_in_a_month_withhold_the_tax_on_their_total(payments):
    withheld = 0
    for n, amount in enumerate(payments):
        result = per_payment_withholding(gross_fen=amount, earlier_payments_fen=payments[:n])
        assert 0 <= result.tax_fen <= amount and result.net_fen + result.tax_fen == amount
        withheld += result.tax_fen
    assert withheld == per_payment_withholding(gross_fen=sum(payments)).tax_fen


@given(pay=st.integers(0, 50_000 * YUAN), claimed=st.integers(0, 100_000 * YUAN), minutes=st.integers(0, 250 * 60),
       hourly=st.integers(1_000, 4_000), already_share=st.integers(0, 100), counted_share=st.integers(50, 100))
def test_wage_art16_property_the_set_off_respects_both_limits_and_takes_what_they_allow(
        pay, claimed, minutes, hourly, already_share, counted_share):
    already = pay * already_share // 100 // 5  # earlier set-offs of the month, within 20%
    counted = pay * counted_share // 100  # the pay that counts towards the minimum wage (no overtime pay)
    result = loss_setoff(pay_fen=pay, claimed_fen=claimed, minutes_worked=minutes, hourly_minimum_fen=hourly,
                         already_set_off_fen=already, minimum_wage_pay_fen=counted)
    exact_minimum = Decimal(minutes * hourly) / 60
    assert 0 <= result.deductible_fen <= claimed
    assert result.deductible_fen + result.remainder_fen == claimed
    if result.deductible_fen:
        assert (already + result.deductible_fen) * 100 <= pay * 20  # ≤ 20% of the month's pay
        assert counted - already - result.deductible_fen >= exact_minimum  # not below the minimum wage
    # and no less than both limits allow
    assert result.deductible_fen == min(claimed, max(0, pay * 20 // 100 - already),
                                        max(0, counted - already - int(exact_minimum.to_integral_value(ROUND_CEILING))))
