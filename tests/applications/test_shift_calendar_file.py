"""Issue 20: "Add to calendar" for one shift — an .ics file with the event the
student's feed carries (the same UID), SEQUENCE raised by each change of time or
place in effect and by a cancellation, for the engaged student only, linked on the
engagement page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from applications.calendar import calendar_feed_for
from applications.models import ScheduleChange
from applications.services import engagement_cancel_by_employer
from tests.factories.accounts import StudentProfileFactory
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
STARTS = dt.datetime(2027, 3, 10, 14, 0, tzinfo=SHANGHAI)


def _engagement():
    job = JobFactory(published=True, address="上海市徐汇区漕溪北路 88 号",
                     shifts=[(STARTS.date(), "14:00", "18:00")])
    return EngagementFactory(application__job=job)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _event(content: bytes):
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return event


def _feed_event(student):
    feed = calendar_feed_for(student)
    return _event(Client().get(reverse("applications:calendar_feed", args=[feed.token])).content)


def test_i20_the_engaged_student_downloads_the_shift_with_the_feeds_uid():
    engagement = _engagement()
    attendance = engagement.attendances.get()
    url = reverse("applications:shift_ics", args=[attendance.pk])
    response = _signed_in(engagement.student).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == f'attachment; filename="jianzhi-shift-{attendance.pk}.ics"'
    event = _event(response.content)
    assert str(event["uid"]) == str(_feed_event(engagement.student)["uid"]) == f"attendance-{attendance.pk}@jianzhi"
    assert int(event["sequence"]) == 0 and str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstart") == STARTS and event.decoded("dtend") == STARTS + dt.timedelta(hours=4)
    assert str(event["location"]) == "上海市徐汇区漕溪北路 88 号"
    assert engagement.job.employer.name in str(event["summary"])


def test_i20_a_change_of_time_or_place_raises_the_sequence_in_the_file_and_the_feed():
    engagement = _engagement()
    attendance = engagement.attendances.get()
    client = _signed_in(engagement.student)
    url = reverse("applications:shift_ics", args=[attendance.pk])
    ScheduleChange.objects.create(job=engagement.job, shift=attendance.shift, new_start=dt.time(15, 0),
                                  reason="r", status="applied", respond_by=STARTS - dt.timedelta(days=1))
    type(attendance.shift).objects.filter(pk=attendance.shift_id).update(start_time=dt.time(15, 0))
    event = _event(client.get(url).content)
    assert int(event["sequence"]) == 1 == int(_feed_event(engagement.student)["sequence"])
    assert event.decoded("dtstart") == STARTS + dt.timedelta(hours=1)
    # A change of place for the whole job counts too; a proposal not in effect does not.
    ScheduleChange.objects.create(job=engagement.job, new_address="新地址 1 号", reason="r", status="applied",
                                  respond_by=STARTS - dt.timedelta(days=1))
    ScheduleChange.objects.create(job=engagement.job, new_address="未生效", reason="r",
                                  respond_by=STARTS - dt.timedelta(days=1))
    assert int(_event(client.get(url).content)["sequence"]) == 2


def test_i20_a_cancelled_shift_downloads_as_a_cancelled_event_with_a_higher_sequence():
    engagement = _engagement()
    attendance = engagement.attendances.get()
    member = engagement.employer.members.get().user
    engagement_cancel_by_employer(engagement_id=engagement.pk, actor=member, reason="店铺临时停业")
    event = _event(_signed_in(engagement.student).get(
        reverse("applications:shift_ics", args=[attendance.pk])).content)
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1
    assert str(event["uid"]) == f"attendance-{attendance.pk}@jianzhi"


def test_i20_only_the_engaged_student_gets_the_file():
    engagement = _engagement()
    url = reverse("applications:shift_ics", args=[engagement.attendances.get().pk])
    assert _signed_in(StudentProfileFactory(approved=True).user).get(url).status_code == 404
    assert _signed_in(engagement.employer.members.get().user).get(url).status_code == 403
    response = Client().get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert _signed_in(engagement.student).post(url).status_code == 405


def test_i20_the_engagement_page_links_each_coming_shift_to_its_file():
    engagement = _engagement()
    attendance = engagement.attendances.get()
    page = _signed_in(engagement.student).get(reverse("applications:student_engagement", args=[engagement.pk]))
    assert reverse("applications:shift_ics", args=[attendance.pk]) in page.content.decode()
