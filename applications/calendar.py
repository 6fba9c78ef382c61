"""The student's private iCalendar feed of their shifts (issue 20): one VEVENT per
shift they are hired for, with the place and the employer's name. The UID is
stable per attendance, and SEQUENCE counts the changes of time or place in effect
for it, so calendar apps update the event instead of adding another. The same event,
with the same UID, comes as a single .ics file from the shift's "Add to calendar" link."""

import datetime as dt
import secrets

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Attendance, AttendanceStatus, CalendarFeed, EngagementStatus, ScheduleChange


def calendar_feed_for(student) -> CalendarFeed:
    """The student's feed, created with a fresh secret on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(student=student,
                                                        defaults={"token": secrets.token_urlsafe(32)})
    return feed


def calendar_feed_reset(*, student) -> CalendarFeed:
    """A new secret: the old address stops working at once."""
    feed = calendar_feed_for(student)
    feed.token = secrets.token_urlsafe(32)
    feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    return CalendarFeed.objects.select_related("student").filter(token=token, student__is_active=True).first()


def _changes_in_effect():
    applied = ScheduleChange.objects.filter(status=ScheduleChange.Status.APPLIED, job=OuterRef("shift__job"))
    applied = applied.filter(Q(shift=OuterRef("shift")) | Q(shift__isnull=True))
    return Coalesce(Subquery(applied.order_by().values("job").annotate(n=Count("pk")).values("n")[:1]), 0)


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Jianzhi//shifts//ZH")
    calendar.add("version", "2.0")
    return calendar


def _event(attendance: Attendance, *, cancelled: bool = False) -> Event:
    """One shift as a VEVENT: the UID is the attendance's (the feed and the single file share it), SEQUENCE
    the changes of time or place in effect (one more once cancelled, so the cancellation wins)."""
    shift, job = attendance.shift, attendance.shift.job
    event = Event()
    event.add("uid", f"attendance-{attendance.pk}@jianzhi")
    event.add("sequence", attendance.sequence + (1 if cancelled else 0))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", shift.starts_at)
    event.add("dtend", shift.ends_at)
    event.add("summary", f"{job.title} · {job.employer.name}")
    event.add("location", job.address or job.city)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("url", settings.SITE_URL.rstrip("/")
              + reverse("applications:student_engagement", args=[attendance.engagement_id]))
    return event


def _attendances():
    return (Attendance.objects.annotate(sequence=_changes_in_effect())
            .select_related("shift__job__employer", "engagement"))


def calendar_ics(student) -> bytes:
    """The feed: the shifts of the student's active engagements from 30 days back."""
    since = timezone.localdate() - dt.timedelta(days=30)
    attendances = (_attendances()
                   .filter(engagement__student=student, engagement__status=EngagementStatus.ACTIVE,
                           shift__date__gte=since)
                   .exclude(status=AttendanceStatus.CANCELLED)
                   .order_by("shift__date", "shift__start_time"))
    calendar = _calendar()
    calendar.add("x-wr-calname", "兼职班次")
    for attendance in attendances:
        calendar.add_component(_event(attendance))
    return calendar.to_ical()


def shift_ics_for_student(*, student, attendance_id: int) -> bytes | None:
    """"Add to calendar" for one shift: a file with its event, for the student engaged on it only
    (None for anyone else's). A cancelled shift or engagement gives the cancelled event."""
    attendance = _attendances().filter(pk=attendance_id, engagement__student=student).first()
    if attendance is None:
        return None
    cancelled = attendance.status == AttendanceStatus.CANCELLED or attendance.engagement.status in (
        EngagementStatus.CANCELLED_BY_STUDENT, EngagementStatus.CANCELLED_BY_EMPLOYER, EngagementStatus.RELEASED)
    calendar = _calendar()
    calendar.add_component(_event(attendance, cancelled=cancelled))
    return calendar.to_ical()
