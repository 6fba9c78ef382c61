"""Working days on the Chinese holiday calendar (DESIGN: Deadlines).

Three sources, the most specific winning:
1. staff overrides (CalendarOverride): the make-up working days (调休上班) and
   the extra days off that the State Council General Office's notice for each
   year announces, entered by operations, who then confirm the year
   (CalendarYearConfirmation; the daily check fails from 1 December until next
   year is confirmed, P2.1/K5);
2. `chinesecalendar` for the years it ships (to 2026): the notices' full
   arrangement, checked against data/reference/cn-holidays-2025-2026.csv;
3. for later years, the `holidays` package's China calendar: the statutory days
   of 《全国年节及纪念日放假办法》 (元旦, 除夕 and 春节, 清明, 劳动节, 端午, 中秋,
   国庆) computed on the lunar calendar, with a statutory day on a weekend made
   up on the next working day (the 办法's 补假 rule). It knows no make-up working days for a
   year whose notice it lacks: those come from the overrides.
See docs/calendar.md."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

import chinese_calendar
import holidays
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, NotPermitted
from .history import history_record
from .models import CalendarOverride, CalendarYearConfirmation, CoreAction

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it

CONFIRM_PERMISSION = "core.add_calendaryearconfirmation"
# From this day of December, next year's make-up days must be confirmed (P2.1/K5);
# the State Council's notice normally comes out in late October or November.
CONFIRM_NEXT_YEAR_FROM = (12, 1)


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


def library_last_year() -> int:
    """The last year whose official arrangement `chinesecalendar` ships."""
    return max(chinese_calendar.constants.holidays).year


@lru_cache(maxsize=16)
def statutory_calendar(year: int) -> holidays.HolidayBase:
    """China's statutory days off of `year` (public category only: not the half days
    of 妇女节, 青年节, 儿童节 and 建军节, which do not move deadlines)."""
    return holidays.China(years=year)


def _library_says_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year chinesecalendar does not cover: the statutory days
        return statutory_calendar(day.year).is_working_day(day)


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


# ------------------------------------------------------------------ staff confirm a year
class CalendarYearAlreadyConfirmed(DomainError):
    default_message = _("This year's calendar is already confirmed.")


class CalendarYearNotConfirmable(DomainError):
    default_message = _("Only this year or next year can be confirmed.")


def calendar_confirmed_through() -> int:
    """The last year whose make-up working days are known: the library's years,
    then each following year that staff confirmed."""
    confirmed = set(CalendarYearConfirmation.objects.values_list("year", flat=True))
    year = library_last_year()
    while year + 1 in confirmed:
        year += 1
    return year


def calendar_year_required(today: dt.date) -> int:
    """The year whose calendar must be confirmed by `today`: next year from 1 December."""
    return today.year + 1 if (today.month, today.day) >= CONFIRM_NEXT_YEAR_FROM else today.year


def calendar_year_confirm_check(*, year: int, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if year <= library_last_year() or CalendarYearConfirmation.objects.filter(year=year).exists():
        raise CalendarYearAlreadyConfirmed(field="year")
    if year not in (today.year, today.year + 1):
        raise CalendarYearNotConfirmable(field="year")


@transaction.atomic
def calendar_year_confirm(*, actor: User, year: int, notice: str) -> CalendarYearConfirmation:
    """Operations (or a manager) confirm that `year`'s make-up working days and extra
    days off from the State Council's notice are entered as overrides (P2.1/K5):
    one record per year, with a history row naming who confirmed which notice."""
    if not actor.has_perm(CONFIRM_PERMISSION):
        raise NotPermitted()
    calendar_year_confirm_check(year=year)
    overrides = CalendarOverride.objects.filter(date__year=year).count()
    try:
        with transaction.atomic():
            confirmation = CalendarYearConfirmation.objects.create(year=year, notice=notice.strip(),
                                                                   confirmed_by=actor)
    except IntegrityError as error:  # confirmed by a colleague at the same moment
        raise CalendarYearAlreadyConfirmed(field="year") from error
    history_record(subject=confirmation, transition=CoreAction.CONFIRM, from_state="", to_state="confirmed", actor=actor,
                   reason=f"{notice.strip()} ({overrides} overrides)")
    return confirmation
