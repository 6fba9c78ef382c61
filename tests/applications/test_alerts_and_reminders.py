"""Issue 20: alerts by the channels each user chose, quiet hours, and shift reminders.

- Defaults: SMS for the time-critical kinds (offer, shift reminder, change of time or
  place, cancellation, payout, sanction), e-mail for everything; a user's choice wins.
- SMS only to a verified number; non-urgent SMS wait for 08:00 Asia/Shanghai when
  sent between 22:00 and 08:00, and the held ones are released once, however often
  the release sweep runs.
- Shift reminders 24 h and 2 h before, sent once each even if the sweep runs twice."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from applications.models import ShiftReminder
from applications.sweeps import shift_reminders_send
from core import sms
from core.alerts import Channels, alert_channels, alert_preferences_set, alert_send, quiet_hours_end
from core.models import AlertKind, Notification, SmsMessage
from core.sms import sms_release_held
from tests.factories.accounts import UserFactory
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _with_phone(user, phone="+8613800138000", verified=True):
    type(user).objects.filter(pk=user.pk).update(phone=phone, phone_verified=verified)
    user.refresh_from_db()
    return user


def _at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


# ------------------------------------------------------------------ channels
def test_i20_defaults_sms_for_time_critical_kinds_email_for_all():
    user = UserFactory()
    for kind in (AlertKind.OFFER, AlertKind.SHIFT_REMINDER, AlertKind.SCHEDULE_CHANGE, AlertKind.CANCELLATION,
                 AlertKind.PAYOUT, AlertKind.SANCTION):
        assert alert_channels(user, kind) == Channels(email=True, sms=True)
    assert alert_channels(user, AlertKind.OTHER) == Channels(email=True, sms=False)


def test_i20_a_users_choice_wins_over_the_defaults(django_capture_on_commit_callbacks):
    user = _with_phone(UserFactory())
    alert_preferences_set(user=user, choices={AlertKind.OFFER: Channels(email=False, sms=False),
                                              AlertKind.OTHER: Channels(email=False, sms=True)})
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.OFFER, subject="offer", body="b", link="/x/", now=_at(12))
    assert Notification.objects.filter(recipient=user).count() == 1  # the inbox always keeps it
    assert not mail.outbox and not sms.outbox
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.OTHER, subject="other", body="b", link="/y/", now=_at(12))
    assert len(sms.outbox) == 1 and not mail.outbox
    assert sms.outbox[0]["params"]["link"].endswith("/y/")


def test_i20_no_sms_to_an_unverified_number(django_capture_on_commit_callbacks):
    user = _with_phone(UserFactory(), verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.OFFER, subject="offer", body="b", now=_at(12))
    assert not sms.outbox and len(mail.outbox) == 1


# ------------------------------------------------------------------ quiet hours
def test_i20_quiet_hours_are_22_to_08_shanghai():
    assert quiet_hours_end(_at(21, 59)) is None
    assert quiet_hours_end(_at(22, 0)) == _at(8, 0, day=8)
    assert quiet_hours_end(_at(3, 0)) == _at(8, 0)
    assert quiet_hours_end(_at(8, 0)) is None
    # A UTC instant is read in Shanghai time: 15:30 UTC is 23:30 there.
    assert quiet_hours_end(dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)) == _at(8, 0, day=8)


def test_i20_a_non_urgent_sms_at_night_waits_for_the_morning_and_goes_once(django_capture_on_commit_callbacks):
    user = _with_phone(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.PAYOUT, subject="paid", body="b", now=_at(23, 15))
    held = SmsMessage.objects.get(recipient=user)
    assert held.send_after == _at(8, 0, day=8) and held.status == "queued" and not sms.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_release_held(now=_at(7, 59, day=8)) == 0
    assert not sms.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert sms_release_held(now=_at(8, 0, day=8)) == 1
        assert sms_release_held(now=_at(8, 5, day=8)) == 0  # a second run releases nothing again
    held.refresh_from_db()
    assert held.status == "sent" and len(sms.outbox) == 1


def test_i20_an_urgent_sms_is_not_held(django_capture_on_commit_callbacks):
    user = _with_phone(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.SHIFT_REMINDER, subject="soon", body="b", urgent=True,
                   now=_at(23, 15))
    assert len(sms.outbox) == 1


# ------------------------------------------------------------------ shift reminders
def _hired_on_shift_at(starts: dt.datetime):
    job = JobFactory(published=True, shifts=[(starts.date(), starts.strftime("%H:%M"),
                                              (starts + dt.timedelta(hours=3)).strftime("%H:%M"))])
    engagement = EngagementFactory(application__job=job)
    _with_phone(engagement.student, phone="+8613900001111")
    return engagement


def test_i20_shift_reminders_24h_and_2h_before_are_sent_once_even_if_the_sweep_runs_twice(
        django_capture_on_commit_callbacks):
    starts = _at(14, 0, day=10)
    engagement = _hired_on_shift_at(starts)
    with time_machine.travel(starts - dt.timedelta(hours=30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert shift_reminders_send() == 0  # more than a day ahead
    with time_machine.travel(starts - dt.timedelta(hours=23), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert shift_reminders_send() == 1
            assert shift_reminders_send() == 0
    with time_machine.travel(starts - dt.timedelta(hours=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert shift_reminders_send() == 0
    with time_machine.travel(starts - dt.timedelta(minutes=90), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert shift_reminders_send() == 1
            assert shift_reminders_send() == 0
    kinds = sorted(ShiftReminder.objects.filter(attendance__engagement=engagement).values_list("kind", flat=True))
    assert kinds == ["24h", "2h"]
    texts = [m for m in sms.outbox if m["phone"] == "+8613900001111"]
    assert len(texts) == 2
    assert Notification.objects.filter(recipient=engagement.student).count() >= 2


def test_i20_a_shift_booked_an_hour_ahead_gets_only_the_2h_reminder(django_capture_on_commit_callbacks):
    starts = _at(14, 0, day=10)
    engagement = _hired_on_shift_at(starts)
    with time_machine.travel(starts - dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert shift_reminders_send() == 1
            assert shift_reminders_send() == 0
    assert list(ShiftReminder.objects.filter(attendance__engagement=engagement).values_list("kind", flat=True)) == [
        "2h"]


def test_i20_the_reminder_marker_is_unique_per_shift_and_kind():
    from django.db import IntegrityError, transaction

    engagement = _hired_on_shift_at(_at(14, 0, day=10))
    attendance = engagement.attendances.get()
    ShiftReminder.objects.create(attendance=attendance, kind="24h")
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftReminder.objects.create(attendance=attendance, kind="24h")


# ------------------------------------------------------------------ the preferences page
def test_i20_a_user_sets_their_alert_channels_on_their_page():
    from django.test import Client
    from django.urls import reverse

    user = UserFactory(verified_email=True)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("core:alert_preferences"))
    assert page.status_code == 200
    data = {f"{kind}_email": "on" for kind in AlertKind.values}
    data.pop("offer_email")
    data["other_sms"] = "on"
    response = client.post(reverse("core:alert_preferences"), data)
    assert response.status_code == 302
    assert alert_channels(user, AlertKind.OFFER) == Channels(email=False, sms=False)
    assert alert_channels(user, AlertKind.OTHER) == Channels(email=True, sms=True)
    assert alert_channels(UserFactory(), AlertKind.OFFER) == Channels(email=True, sms=True)  # others untouched


# ------------------------------------------------------------------ the shifts calendar
def test_i20_the_students_private_feed_lists_their_shifts_with_stable_uids_and_a_resettable_secret():
    from django.test import Client
    from django.urls import reverse
    from icalendar import Calendar

    from applications.calendar import calendar_feed_for
    from applications.models import ScheduleChange

    engagement = _hired_on_shift_at(_at(14, 0, day=10))
    attendance = engagement.attendances.get()
    feed = calendar_feed_for(engagement.student)
    url = reverse("applications:calendar_feed", args=[feed.token])
    response = Client().get(url)  # calendar apps send no cookie: the secret is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["uid"]) == f"attendance-{attendance.pk}@jianzhi" and int(event["sequence"]) == 0
    assert engagement.job.employer.name in str(event["summary"])
    assert event.decoded("dtstart") == _at(14, 0, day=10)

    # A change of time in effect: the same UID, a higher SEQUENCE, the new time.
    ScheduleChange.objects.create(job=engagement.job, shift=attendance.shift, new_start=dt.time(15, 0),
                                  reason="r", status="applied", respond_by=_at(12, 0, day=9))
    type(attendance.shift).objects.filter(pk=attendance.shift_id).update(start_time=dt.time(15, 0))
    (event,) = Calendar.from_ical(Client().get(url).content).walk("VEVENT")
    assert str(event["uid"]) == f"attendance-{attendance.pk}@jianzhi" and int(event["sequence"]) == 1
    assert event.decoded("dtstart") == _at(15, 0, day=10)

    # The student resets the address: the old one is gone.
    client = Client()
    client.force_login(engagement.student)
    assert client.get(reverse("applications:calendar_settings")).status_code == 200
    assert client.post(reverse("applications:calendar_settings")).status_code == 302
    assert Client().get(url).status_code == 404
    feed.refresh_from_db()
    assert Client().get(reverse("applications:calendar_feed", args=[feed.token])).status_code == 200
    assert Client().get(reverse("applications:calendar_feed", args=["guess"])).status_code == 404


# ------------------------------------------------------------------ wired events
def test_i20_a_cancellation_by_the_employer_reaches_the_students_phone(django_capture_on_commit_callbacks):
    from applications.services import engagement_cancel_by_employer

    engagement = _hired_on_shift_at(_at(14, 0, day=20))
    owner = engagement.job.employer.members.first().user
    with time_machine.travel(_at(12, 0, day=8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            engagement_cancel_by_employer(engagement_id=engagement.pk, actor=owner, reason="活动取消")
    texts = [m for m in sms.outbox if m["phone"] == "+8613900001111"]
    assert len(texts) == 1 and engagement.job.title in texts[0]["text"]
