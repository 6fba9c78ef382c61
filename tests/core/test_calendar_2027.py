"""Deadlines after 2026 (DESIGN: Deadlines): `chinesecalendar` ships the State
Council's arrangements only to 2026, so 2027's statutory days come from the
`holidays` package and its make-up working days (调休上班) from staff overrides.

The 2027 statutory days used below are what `holidays` computes from
《全国年节及纪念日放假办法》 (2024 revision): 元旦 Fri 1 Jan; 除夕 and 春节
Fri 5 – Mon 8 Feb, with Sat 6 and Sun 7 made up on Tue 9 and Wed 10; 中秋
Wed 15 Sep; 国庆 Fri 1 – Sun 3 Oct, made up on Mon 4 and Tue 5. The State
Council's notice for 2027 could not be found (docs/calendar.md), so the
overrides in the Spring Festival and National Day tests are an example of the
kind a notice brings, entered as staff would, not the official arrangement."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.models import CalendarOverride
from core.working_days import is_working_day, working_days_after
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind
from settlements.funding import settlement_fund
from settlements.services import settlement_prepare
from tests.factories.settlements import worked_engagement

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def overrides(days_off=(), working=(), note="2027 notice (example)"):
    for day in days_off:
        CalendarOverride.objects.create(date=day, is_working_day=False, note=note)
    for day in working:
        CalendarOverride.objects.create(date=day, is_working_day=True, note=note)


# ------------------------------------------------------------------ New Year 2027
def test_deadlines_new_year_2027_is_a_statutory_holiday():
    assert not is_working_day(dt.date(2027, 1, 1))  # Friday, 元旦
    assert is_working_day(dt.date(2027, 1, 4))  # the Monday after


def test_s4_2_payout_three_working_days_after_31_december_2026_is_due_6_january_2027():
    # given: a statement funded on Thursday 31 Dec 2026 at 10:00 (P1 = 3 working days)
    funded_at = aware(2026, 12, 31, 10, 0)
    with time_machine.travel(funded_at, tick=False):
        engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500)
        settlement = settlement_prepare(engagement_id=engagement.pk)
        transaction_post(key="in-ny", kind="escrow_funding", memo="bank transfer", lines=[
            (platform_account(AccountKind.BANK_CLEARING), 10_000), (employer_escrow(settlement.employer_id), -10_000)])
        # when
        settlement = settlement_fund(settlement_id=settlement.pk)
    # then: Fri 1 Jan is 元旦 and Sat/Sun are the weekend: Mon 4, Tue 5, Wed 6 Jan — not Tue 5 Jan
    # as the Monday–Friday fallback computed
    assert settlement.payout_due_at == aware(2027, 1, 6, 10, 0)


# ------------------------------------------------------------------ Spring Festival 2027
def test_deadlines_spring_festival_2027_statutory_days_are_skipped():
    # 除夕 Fri 5 Feb to 初三 Mon 8 Feb, the weekend's two days made up on Tue 9 and Wed 10
    for day in range(5, 11):
        assert not is_working_day(dt.date(2027, 2, day)), day
    # Thursday 4 Feb + 1 working day → Thursday 11 Feb
    assert working_days_after(aware(2027, 2, 4, 15, 0), 1) == aware(2027, 2, 11, 15, 0)


def test_deadlines_spring_festival_2027_staff_overrides_add_days_off_and_make_up_days():
    # given: staff enter an arrangement like a notice's: Thu 11 and Fri 12 Feb off, Sat 20 Feb worked
    overrides(days_off=[dt.date(2027, 2, 11), dt.date(2027, 2, 12)], working=[dt.date(2027, 2, 20)])
    # then: 3 working days after Thu 4 Feb are Mon 15, Tue 16, Wed 17 Feb
    assert working_days_after(aware(2027, 2, 4, 9, 0), 3) == aware(2027, 2, 17, 9, 0)
    # and the make-up Saturday counts: Fri 19 + 1 → Sat 20 Feb
    assert working_days_after(aware(2027, 2, 19, 9, 0), 1) == aware(2027, 2, 20, 9, 0)


# ------------------------------------------------------------------ National Day 2027
def test_deadlines_national_day_2027_statutory_days_are_skipped():
    # 国庆 Fri 1 – Sun 3 Oct, the weekend's two days made up on Mon 4 and Tue 5 Oct; 中秋 Wed 15 Sep
    for day in range(1, 6):
        assert not is_working_day(dt.date(2027, 10, day)), day
    assert not is_working_day(dt.date(2027, 9, 15))
    # Thursday 30 Sep + 3 working days → Wed 6, Thu 7, Fri 8 Oct
    assert working_days_after(aware(2027, 9, 30, 10, 0), 3) == aware(2027, 10, 8, 10, 0)


def test_e3_2_national_day_2027_staff_overrides_add_days_off_and_make_up_days():
    # given: staff enter an arrangement like a notice's: Wed 6 and Thu 7 Oct off, Sat 9 Oct worked
    overrides(days_off=[dt.date(2027, 10, 6), dt.date(2027, 10, 7)], working=[dt.date(2027, 10, 9)])
    # then: an application on Thu 30 Sep gets its answer due on Fri 8, Sat 9 (make-up day), Mon 11 Oct
    assert working_days_after(aware(2027, 9, 30, 10, 0), 3) == aware(2027, 10, 11, 10, 0)
