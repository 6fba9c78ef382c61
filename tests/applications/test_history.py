"""The history of applications, engagements and attendance (DESIGN: state
changes): every change is one row in the app's vocabulary (ApplicationsAction),
read in the reader's language; a change that moves two states at once (hours
confirmed for a shift nobody checked out of) is one change, saved whole."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from applications.models import (
    Application,
    ApplicationsAction,
    Attendance,
    AttendanceStatus,
    Engagement,
    HoursStatus,
    ScheduleChange,
)
from applications.services import (
    application_apply,
    application_hire,
    attendance_mark_no_show,
    engagement_cancel_by_student,
    hours_confirm,
    offer_accept,
)
from core.history import history_for, history_record
from tests.factories.applications import EngagementFactory, approved_student
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 9, 25, 10, 0, tzinfo=SHANGHAI)  # Thursday before National Day 2025
FRIDAY = dt.date(2025, 9, 26)  # the shift: Friday 26 Sep 18:00–21:00
START, END = (dt.datetime(2025, 9, 26, 18, 0, tzinfo=SHANGHAI), dt.datetime(2025, 9, 26, 21, 0, tzinfo=SHANGHAI))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def owner(job):
    return job.employer.members.first().user


def test_g_every_applications_model_with_history_declares_the_vocabulary():
    for model in (Application, Engagement, Attendance, ScheduleChange):
        assert model.history_actions is ApplicationsAction
    with pytest.raises(ValueError):
        history_record(subject=Application(pk=1), transition="approve", from_state="applied", to_state="offered")


def test_s2_2_an_application_to_a_cancelled_engagement_reads_as_history_in_chinese(clock):
    # given: a student applies, is hired, accepts, then cancels with notice
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00")], headcount=2)
    student = approved_student()
    application = application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner(job))
    engagement = offer_accept(application_id=application.pk, student=student)
    engagement_cancel_by_student(engagement_id=engagement.pk, student=student, reason="学校考试")
    # then: one row per change, in the vocabulary, read in the reader's language
    rows = list(history_for(Application.objects.get(pk=application.pk)).order_by("id"))
    assert [(r.transition, r.from_state, r.to_state) for r in rows] == [
        (ApplicationsAction.APPLY, "", "applied"), (ApplicationsAction.OFFER, "applied", "offered"),
        (ApplicationsAction.ACCEPT_OFFER, "offered", "accepted")]
    assert rows[1].actor == owner(job)
    # the service agreement is issued and accepted with the offer (issue 19)
    [start, issued, accepted, cancel] = history_for(engagement).order_by("id")
    assert (start.transition, cancel.transition, cancel.reason) == ("start", "cancel_by_student", "学校考试")
    assert (issued.transition, accepted.transition, accepted.reason) == (
        "issue_agreement", "sign_agreement", "v1 student")
    with translation.override("zh-hans"):
        assert [r.action_label for r in rows] == ["已申请／已生效", "已发录用通知", "已接受录用"]
        assert cancel.action_label == "学生已取消"


def test_e4_hours_confirmed_for_a_shift_nobody_checked_out_of_are_one_change(clock):
    # given: a hired student the employer never marked in or out
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00")], headcount=2)
    engagement = EngagementFactory(application__job=job)
    attendance = Attendance.objects.get(engagement=engagement)
    # when: the employer confirms the hours after the shift
    clock.move_to(END)
    hours_confirm(attendance_id=attendance.pk, actor=owner(job), minutes=180)
    # then: attended to the shift's end and the hours confirmed, saved together, one history row
    attendance.refresh_from_db()
    assert (attendance.status, attendance.checked_in_at, attendance.checked_out_at, attendance.marked_by) == (
        AttendanceStatus.ATTENDED, START, END, owner(job))
    assert (attendance.hours_status, attendance.confirmed_minutes) == (HoursStatus.CONFIRMED, 180)
    [entry] = history_for(attendance)
    assert (entry.transition, entry.from_state, entry.to_state, entry.reason) == (
        "confirm_hours", "pending", "confirmed", "180+0 min")


def test_e4_a_no_show_has_no_hours_and_is_recorded_as_a_no_show(clock):
    # given
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00")], headcount=2)
    engagement = EngagementFactory(application__job=job)
    attendance = Attendance.objects.get(engagement=engagement)
    # when: past the grace period
    clock.move_to(START + dt.timedelta(minutes=30))
    attendance_mark_no_show(attendance_id=attendance.pk, actor=owner(job))
    # then
    attendance.refresh_from_db()
    assert (attendance.status, attendance.hours_status, attendance.confirmed_minutes) == (
        AttendanceStatus.NO_SHOW, HoursStatus.NONE, 0)
    [entry] = history_for(attendance)
    assert (entry.transition, entry.from_state, entry.to_state) == ("no_show", "expected", "no_show")
