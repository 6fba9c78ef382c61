"""The daily check's holiday-calendar line (P2.1, K5; DESIGN: Deadlines): from
1 December it fails until staff confirmed next year's make-up working days
(调休上班), entered from the State Council's notice as calendar overrides."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.errors import NotPermitted
from core.history import history_for
from core.models import CalendarOverride, CalendarYearConfirmation
from core.working_days import (
    CalendarYearAlreadyConfirmed,
    CalendarYearNotConfirmable,
    calendar_year_confirm,
)
from operations import health
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = "国务院办公厅关于2027年部分节假日安排的通知 (test)"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def probe_at(moment: dt.datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        return health.probe_holiday_calendar(moment)


def test_p2_1_k5_calendar_line_passes_in_november_without_next_year():
    # 2026 is in chinesecalendar; 2027 is not due yet on 30 November (Shanghai time)
    result = probe_at(at(2026, 11, 30, 23, 59))
    assert result["level"] == "ok" and result["value"] == 2026


def test_p2_1_k5_calendar_line_fails_from_1_december_without_next_years_make_up_days():
    # given: 00:01 on 1 December 2026 in Shanghai (still 30 November in UTC), nothing confirmed
    moment = at(2026, 12, 1, 0, 1)
    # when
    result = probe_at(moment)
    with time_machine.travel(moment, tick=False):
        check = health.daily_check_run()
    # then: the line fails and says what operations must do; the day's check fails with it
    assert result["level"] == "failing"
    assert "2027" in result["detail"] and "calendar overrides" in result["detail"]
    assert check.results["holiday_calendar"]["level"] == "failing" and check.outcome == "failing"


def test_p2_1_k5_calendar_line_passes_after_operations_confirm_next_year():
    # given: today, 6 December 2026; operations entered the notice's make-up day and confirm 2027
    operations = StaffFactory(role="operations")
    CalendarOverride.objects.create(date=dt.date(2027, 2, 20), is_working_day=True, note="调休上班")
    today = at(2026, 12, 6, 9, 0)
    assert probe_at(today)["level"] == "failing"
    with time_machine.travel(today, tick=False):
        confirmation = calendar_year_confirm(actor=operations, year=2027, notice=NOTICE_2027)
    # then: the line passes, and the confirmation names who confirmed which notice
    result = probe_at(today)
    assert result["level"] == "ok" and result["value"] == 2027
    assert confirmation.confirmed_by == operations
    entry = history_for(confirmation).get()
    assert entry.transition == "confirm" and entry.actor == operations
    assert NOTICE_2027 in entry.reason and "1 overrides" in entry.reason
    # and on 1 December 2027 it fails again until 2028 is confirmed
    assert "2028" in probe_at(at(2027, 12, 1, 9, 0))["detail"]


def test_p2_1_k5_calendar_line_fails_in_january_when_this_year_is_unconfirmed():
    assert probe_at(at(2027, 1, 4, 9, 0))["level"] == "failing"


def test_p2_1_k5_a_year_is_confirmed_once_and_only_this_or_next_year():
    manager = StaffFactory(role="manager")
    with time_machine.travel(at(2026, 12, 6, 9, 0), tick=False):
        calendar_year_confirm(actor=manager, year=2027, notice=NOTICE_2027)
        with pytest.raises(CalendarYearAlreadyConfirmed):
            calendar_year_confirm(actor=manager, year=2027, notice="again")
        with pytest.raises(CalendarYearAlreadyConfirmed):  # chinesecalendar's year
            calendar_year_confirm(actor=manager, year=2026, notice="n")
        with pytest.raises(CalendarYearNotConfirmable):
            calendar_year_confirm(actor=manager, year=2029, notice="n")
    assert list(CalendarYearConfirmation.objects.values_list("year", flat=True)) == [2027]


@pytest.mark.parametrize("role", ["customer_service", "moderator", "finance", "auditor"])
def test_p2_1_k5_only_operations_or_managers_confirm_a_year(role):
    with pytest.raises(NotPermitted):
        calendar_year_confirm(actor=StaffFactory(role=role), year=2027, notice=NOTICE_2027)
    assert not CalendarYearConfirmation.objects.exists()


def test_p2_1_k5_operations_confirm_next_year_in_the_admin():
    # given: operations signed in on 6 December 2026
    user = StaffFactory(role="operations")
    client = login_with_mfa(Client(), user)
    url = reverse("admin:core_calendaryearconfirmation_add")
    with time_machine.travel(at(2026, 12, 6, 9, 0), tick=True):
        # when: a year that cannot be confirmed is a form error, not a 500
        refused = client.post(url, {"year": "2031", "notice": NOTICE_2027})
        response = client.post(url, {"year": "2027", "notice": NOTICE_2027})
    # then
    assert refused.status_code == 200 and b"Only this year or next year" in refused.content
    assert response.status_code == 302
    confirmation = CalendarYearConfirmation.objects.get()
    assert (confirmation.year, confirmation.confirmed_by) == (2027, user)
    assert history_for(confirmation).get().actor == user
    # and the record is not changed or deleted afterwards
    change = client.post(reverse("admin:core_calendaryearconfirmation_change", args=[confirmation.pk]),
                         {"year": "2028", "notice": "x"})
    confirmation.refresh_from_db()
    assert change.status_code in (302, 403) and confirmation.year == 2027
    assert client.post(reverse("admin:core_calendaryearconfirmation_delete", args=[confirmation.pk]),
                       {"post": "yes"}).status_code == 403
