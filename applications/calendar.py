"""The student's private iCalendar feed of their shifts (issue 20): one VEVENT per
shift they are hired for, with the place and the employer's name. The UID is
stable per attendance, and SEQUENCE counts the changes of time or place in effect
for it, so calendar apps update the event instead of adding another."""

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


def calendar_ics(student) -> bytes:
    """The feed: the shifts of the student's active engagements from 30 days back."""
    since = timezone.localdate() - dt.timedelta(days=30)
    attendances = (Attendance.objects
                   .filter(engagement__student=student, engagement__status=EngagementStatus.ACTIVE,
                           shift__date__gte=since)
                   .exclude(status=AttendanceStatus.CANCELLED)
                   .annotate(sequence=_changes_in_effect())
                   .select_related("shift__job__employer").order_by("shift__date", "shift__start_time"))
    calendar = Calendar()
    calendar.add("prodid", "-//Jianzhi//shifts//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "兼职班次")
    site = settings.SITE_URL.rstrip("/")
    for attendance in attendances:
        shift, job = attendance.shift, attendance.shift.job
        event = Event()
        event.add("uid", f"attendance-{attendance.pk}@jianzhi")
        event.add("sequence", attendance.sequence)
        event.add("dtstamp", timezone.now())
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"{job.title} · {job.employer.name}")
        event.add("location", job.address or job.city)
        event.add("url", site + reverse("applications:student_engagement", args=[attendance.engagement_id]))
        calendar.add_component(event)
    return calendar.to_ical()
