"""Working days on the Chinese holiday calendar (DESIGN: Deadlines).

chinesecalendar knows the State Council's holidays and adjusted working
weekends (调休) for the years it ships; for later years we fall back to
Monday–Friday. Staff overrides (CalendarOverride) win over both."""

import datetime as dt

import chinese_calendar
from django.utils import timezone

from .models import CalendarOverride


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


def _library_says_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover yet
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    override = _overrides(day, day).get(day)
    return override if override is not None else _library_says_workday(day)


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `start`, at the same local clock time.

    A deadline of n working days counts whole working days after the day of
    the event: applied Thursday 25 Sep 2025, 3 working days → Fri 26, Sun 28 (调休
    working Sunday), Mon 29 Sep; applied Tue 30 Sep 2025, 3 working days →
    Sat 11 Oct (National Day runs 1–8 Oct; 11 Oct is a 调休 working Saturday)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    local = timezone.localtime(start)
    day = local.date()
    overrides = _overrides(day, day + dt.timedelta(days=days * 3 + 30))
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        override = overrides.get(day)
        if override if override is not None else _library_says_workday(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


# ------------------------------------------------------------------ working hours
# Service-level targets in "working hours" (job review, ticket first response)
# count the staff's office day on working days.
OFFICE_OPENS, OFFICE_CLOSES = dt.time(9, 0), dt.time(17, 0)
MAX_LOOKBACK_DAYS = 120


class WorkingCalendar:
    """Working days for a date range, with staff overrides loaded in one query."""

    def __init__(self, first: dt.date, last: dt.date):
        self._overrides = _overrides(first, last)

    def is_working_day(self, day: dt.date) -> bool:
        override = self._overrides.get(day)
        return override if override is not None else _library_says_workday(day)

    @staticmethod
    def office_hours(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return (timezone.make_aware(dt.datetime.combine(day, OFFICE_OPENS)),
                timezone.make_aware(dt.datetime.combine(day, OFFICE_CLOSES)))


def working_minutes_between(start: dt.datetime, end: dt.datetime, calendar: WorkingCalendar | None = None) -> int:
    """Office minutes on working days between two moments."""
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    calendar = calendar or WorkingCalendar(first, last)
    total, day = 0, first
    while day <= last:
        if calendar.is_working_day(day):
            opens, closes = calendar.office_hours(day)
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(0, int(overlap // 60))
        day += dt.timedelta(days=1)
    return total


def working_moment_before(end: dt.datetime, minutes: int, calendar: WorkingCalendar) -> dt.datetime:
    """The latest moment from which `minutes` office minutes have passed by `end`."""
    remaining, day = minutes, timezone.localtime(end).date()
    moment = end
    for _step in range(MAX_LOOKBACK_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.office_hours(day)
            until = min(closes, end)
            available = int((until - opens).total_seconds() // 60)
            if available > 0:
                if available >= remaining:
                    return until - dt.timedelta(minutes=remaining)
                remaining -= available
                moment = opens
        day -= dt.timedelta(days=1)
    return moment


def working_moment_after(start: dt.datetime, minutes: int, calendar: WorkingCalendar | None = None) -> dt.datetime:
    """The moment when `minutes` office minutes on working days have passed since `start`
    (a ticket opened on Friday at 16:00 with a 4-hour target is due Monday at 12:00)."""
    remaining = minutes
    day = timezone.localtime(start).date()
    calendar = calendar or WorkingCalendar(day, day + dt.timedelta(days=MAX_LOOKBACK_DAYS))
    for _step in range(MAX_LOOKBACK_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.office_hours(day)
            begin = max(opens, start)
            available = int((closes - begin).total_seconds() // 60)
            if available > 0:
                if available >= remaining:
                    return begin + dt.timedelta(minutes=remaining)
                remaining -= available
        day += dt.timedelta(days=1)
    return start + dt.timedelta(minutes=minutes)  # a calendar with no working day in four months
