"""Deadlines count working days on the official calendar (DESIGN: Deadlines)."""

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.models import CalendarOverride
from core.working_days import is_working_day, working_days_after

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLIDAYS_CSV = Path(__file__).resolve().parents[2] / "data" / "reference" / "cn-holidays-2025-2026.csv"


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_e3_2_three_working_days_skip_national_day_2025():
    # given: an application on Tuesday 30 Sep 2025, the eve of National Day (1–8 Oct off)
    applied = aware(2025, 9, 30, 10, 0)
    # when
    due = working_days_after(applied, 3)
    # then: Thu 9, Fri 10 and the adjusted working Saturday 11 Oct
    assert due == aware(2025, 10, 11, 10, 0)


@pytest.mark.django_db
def test_s4_2_adjusted_working_sunday_counts():
    # given: Thursday 25 Sep 2025; Sunday 28 Sep is a 调休 working day
    due = working_days_after(aware(2025, 9, 25, 9, 30), 2)
    # then: Fri 26, Sun 28
    assert due == aware(2025, 9, 28, 9, 30)


@pytest.mark.django_db
def test_official_calendar_agrees_with_reference_file():
    # given: every statutory day off and adjusted working day of 2025–2026
    rows = list(csv.DictReader(HOLIDAYS_CSV.open(encoding="utf-8")))
    assert rows, "reference data missing"
    # then
    for row in rows:
        day = dt.date.fromisoformat(row["date"])
        assert is_working_day(day) == (row["kind"] == "workday"), row


@pytest.mark.django_db
def test_staff_override_wins_over_the_library():
    # given: staff declare a normal Monday a day off
    CalendarOverride.objects.create(date=dt.date(2026, 3, 9), is_working_day=False, note="test")
    # then: Friday 6 Mar + 1 working day skips the weekend and the overridden Monday
    assert not is_working_day(dt.date(2026, 3, 9))
    assert working_days_after(aware(2026, 3, 6, 12), 1) == aware(2026, 3, 10, 12)


@pytest.mark.django_db
def test_years_the_library_lacks_use_the_statutory_days_not_monday_to_friday():
    # 2027 is beyond chinesecalendar: Friday 8 Jan → Monday 11 Jan as before, but
    # Thursday 31 Dec 2026 + 1 skips 元旦 (Fri 1 Jan 2027) and the weekend (tests/core/test_calendar_2027.py)
    assert working_days_after(aware(2027, 1, 8, 12), 1) == aware(2027, 1, 11, 12)
    assert working_days_after(aware(2026, 12, 31, 12), 1) == aware(2027, 1, 4, 12)
