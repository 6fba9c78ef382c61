"""Attendance and hours (E4, S3.1): the rotating QR code and its limits, the
grace period before a no-show, contests decided by staff, hours the employer
confirms or the sweep confirms for it, disputes, and when an engagement is
complete."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing

from applications.models import (
    Attendance,
    AttendanceStatus,
    ContestStatus,
    EngagementStatus,
    HoursStatus,
)
from applications.services import (
    CHECK_IN,
    CHECK_OUT,
    CHECKIN_SALT,
    CHECKOUT_AFTER_CHECKIN,
    CheckInRefused,
    attendance_mark,
    attendance_mark_no_show,
    checkin_scan,
    checkin_token,
    engagement_cancel_by_student,
    hours_confirm,
    hours_dispute,
    hours_dispute_resolve,
    no_show_contest,
    no_show_contest_decide,
)
from applications.signals import case_opened
from applications.sweeps import applications_sweep
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_for
from core.models import CreditEvent, Notification
from tests.factories.accounts import StaffFactory
from tests.factories.applications import EngagementFactory, approved_student
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


NOW = aware(2025, 9, 25, 10, 0)  # Thursday before National Day 2025
FRIDAY = dt.date(2025, 9, 26)  # the shift: Friday 26 Sep 18:00–21:00
START, END = aware(2025, 9, 26, 18, 0), aware(2025, 9, 26, 21, 0)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hired(clock):
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00")], headcount=3)
    return EngagementFactory(application__job=job)


def attendance_of(engagement) -> Attendance:
    return Attendance.objects.select_related("shift").get(engagement=engagement)


def owner(engagement):
    return engagement.job.employer.members.first().user


def scan_at(clock, engagement, moment, *, shown_at=None, action=CHECK_IN, reason=""):
    """The employer's screen shows a code at `shown_at`; the student scans it at `moment`."""
    shift_id = attendance_of(engagement).shift_id
    clock.move_to(shown_at or moment)
    token = checkin_token(shift_id=shift_id, action=action)
    clock.move_to(moment)
    return checkin_scan(token=token, student=engagement.student, reason=reason)


def events(kind) -> list[CreditEvent]:
    return list(CreditEvent.objects.filter(kind=kind))


# ------------------------------------------------------------------ QR check-in
def test_e4_qr_check_in_opens_an_hour_before_the_shift(clock, hired):
    # when / then: 61 minutes before the start the code is refused, 60 minutes before it works
    with pytest.raises(CheckInRefused) as refused:
        scan_at(clock, hired, START - dt.timedelta(minutes=61))
    assert "opens an hour before" in str(refused.value.message)
    attendance = scan_at(clock, hired, START - dt.timedelta(minutes=60))
    assert attendance.status == AttendanceStatus.CHECKED_IN
    assert attendance.checked_in_at == START - dt.timedelta(minutes=60)


def test_e4_qr_check_in_closes_when_the_shift_ends(clock, hired):
    # given: a second student on the same shift
    other = EngagementFactory(application__job=hired.job)
    # when / then: at the end still possible, a minute later refused
    assert scan_at(clock, hired, END).status == AttendanceStatus.CHECKED_IN
    with pytest.raises(CheckInRefused):
        scan_at(clock, other, END + dt.timedelta(minutes=1))
    assert attendance_of(other).status == AttendanceStatus.EXPECTED


def test_e4_a_code_older_than_90_seconds_is_refused(clock, hired):
    # given: the code was photographed at 17:50:00
    shown = aware(2025, 9, 26, 17, 50)
    # when / then: scanned 91 s later it is refused; a code 90 s old still works
    with pytest.raises(CheckInRefused):
        scan_at(clock, hired, shown + dt.timedelta(seconds=91), shown_at=shown)
    attendance = scan_at(clock, hired, shown + dt.timedelta(seconds=90), shown_at=shown)
    assert attendance.status == AttendanceStatus.CHECKED_IN


def test_e4_a_forged_code_is_refused(clock, hired):
    # given: codes for the right shift, but tampered with or signed with another key/salt
    clock.move_to(START)
    shift_id = attendance_of(hired).shift_id
    genuine = checkin_token(shift_id=shift_id)
    forged = [
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        signing.dumps({"s": shift_id, "w": 0}, salt="another.salt", compress=True),
        signing.dumps({"s": shift_id, "w": 0}, key="not-our-secret", salt=CHECKIN_SALT, compress=True),
        "",
        "not a code",
    ]
    # when / then
    for token in forged:
        with pytest.raises(CheckInRefused):
            checkin_scan(token=token, student=hired.student)
    assert attendance_of(hired).status == AttendanceStatus.EXPECTED


def test_e4_a_student_not_hired_for_the_shift_cannot_check_in(clock, hired):
    # given: an approved student with no engagement on this job
    stranger = approved_student()
    clock.move_to(START)
    token = checkin_token(shift_id=attendance_of(hired).shift_id)
    # when / then
    with pytest.raises(CheckInRefused) as refused:
        checkin_scan(token=token, student=stranger)
    assert "not hired" in str(refused.value.message)
    assert not Attendance.objects.filter(engagement__student=stranger).exists()


def test_e4_check_in_within_the_grace_period_is_a_credit_event_for_the_student(clock, hired):
    # given: a second student who comes after the 15-minute grace period
    late = EngagementFactory(application__job=hired.job)
    # when
    scan_at(clock, hired, START + dt.timedelta(minutes=15))
    scan_at(clock, late, START + dt.timedelta(minutes=16))
    # then: one on-time fact, for the first student only
    on_time = events("on_time_check_in")
    assert [(e.subject_kind, e.subject_id) for e in on_time] == [("student", hired.student_id)]
    assert attendance_of(late).status == AttendanceStatus.CHECKED_IN


def test_e4_the_check_out_code_checks_out(clock, hired):
    # given
    scan_at(clock, hired, START)
    # when
    attendance = scan_at(clock, hired, END + dt.timedelta(minutes=5), action=CHECK_OUT)
    # then
    assert attendance.status == AttendanceStatus.ATTENDED
    assert attendance.checked_out_at == END + dt.timedelta(minutes=5)
    with pytest.raises(CheckInRefused):
        scan_at(clock, hired, END + dt.timedelta(minutes=6), action=CHECK_OUT)


def test_e4_the_check_in_code_never_checks_out(clock, hired):
    # given: checked in at the start
    scan_at(clock, hired, START)
    # when / then: a fresh check-in code at the end does not check out
    with pytest.raises(CheckInRefused) as refused:
        scan_at(clock, hired, END)
    assert "already checked in" in str(refused.value.message)
    assert attendance_of(hired).status == AttendanceStatus.CHECKED_IN


def test_e4_the_check_out_code_does_not_check_in(clock, hired):
    with pytest.raises(CheckInRefused) as refused:
        scan_at(clock, hired, START, action=CHECK_OUT)
    assert "not checked in yet" in str(refused.value.message)
    assert attendance_of(hired).status == AttendanceStatus.EXPECTED


def test_e4_check_out_opens_30_minutes_after_check_in(clock, hired):
    # given: the probe's attack: in, then out 30 ms later
    scan_at(clock, hired, START)
    with pytest.raises(CheckInRefused) as refused:
        scan_at(clock, hired, START + dt.timedelta(milliseconds=30), action=CHECK_OUT)
    assert "You can check out from 18:30" in str(refused.value.message)
    # when / then: 29 minutes later still refused, at 30 minutes it works
    with pytest.raises(CheckInRefused):
        scan_at(clock, hired, START + dt.timedelta(minutes=29, seconds=59), action=CHECK_OUT)
    attendance = scan_at(clock, hired, START + CHECKOUT_AFTER_CHECKIN, action=CHECK_OUT, reason="身体不适")
    assert attendance.status == AttendanceStatus.ATTENDED
    assert attendance.checked_out_at - attendance.checked_in_at == CHECKOUT_AFTER_CHECKIN


def test_e4_a_late_arrival_can_check_out_at_the_end_of_the_shift(clock, hired):
    # given: checked in ten minutes before the end
    scan_at(clock, hired, END - dt.timedelta(minutes=10))
    # when / then: check-out opens at the end, not 30 minutes later when the code is gone
    with pytest.raises(CheckInRefused):
        scan_at(clock, hired, END - dt.timedelta(minutes=1), action=CHECK_OUT)
    assert scan_at(clock, hired, END, action=CHECK_OUT, reason="公交晚点，迟到了").status == AttendanceStatus.ATTENDED


def test_e4_a_code_is_used_once_by_a_student(clock, hired):
    # given: one displayed check-in code, used by the hired student
    clock.move_to(START)
    token = checkin_token(shift_id=attendance_of(hired).shift_id)
    checkin_scan(token=token, student=hired.student)
    # when / then: the same code again (a second tap, the back button, a copy of the link) is refused
    with pytest.raises(CheckInRefused) as refused:
        checkin_scan(token=token, student=hired.student)
    assert "already been used" in str(refused.value.message)
    # and: another hired student may use the same displayed code (one QR code for everyone on site)
    colleague = EngagementFactory(application__job=hired.job)
    assert checkin_scan(token=token, student=colleague.student).status == AttendanceStatus.CHECKED_IN


def test_e4_a_used_check_out_code_is_refused_even_when_the_state_would_allow(clock, hired):
    # given: a check-out code refused for being too early is spent: the student scans a fresh one later
    scan_at(clock, hired, START)
    clock.move_to(START + dt.timedelta(minutes=5))
    token = checkin_token(shift_id=attendance_of(hired).shift_id, action=CHECK_OUT)
    with pytest.raises(CheckInRefused):
        checkin_scan(token=token, student=hired.student)
    # when / then: the same code later (still within its 90 s) is a replay
    clock.move_to(START + dt.timedelta(minutes=5, seconds=80))
    with pytest.raises(CheckInRefused) as refused:
        checkin_scan(token=token, student=hired.student)
    assert "already been used" in str(refused.value.message)
    assert attendance_of(hired).status == AttendanceStatus.CHECKED_IN


def test_e4_a_forwarded_code_does_not_work_for_a_student_not_hired_for_the_shift(clock, hired):
    # given: the hired student forwards the link of a check-in code to a friend
    stranger = approved_student()
    clock.move_to(START)
    token = checkin_token(shift_id=attendance_of(hired).shift_id)
    # when / then: the friend is signed in as themself; the scan is recorded against request.user
    with pytest.raises(CheckInRefused) as refused:
        checkin_scan(token=token, student=stranger)
    assert "not hired" in str(refused.value.message)
    assert attendance_of(hired).status == AttendanceStatus.EXPECTED


def test_e4_the_employer_marks_attendance_by_hand(clock, hired):
    # given
    attendance = attendance_of(hired)
    # when: too early, then at 18:05, then out at 21:00
    clock.move_to(START - dt.timedelta(minutes=61))
    with pytest.raises(DomainError):
        attendance_mark(attendance_id=attendance.pk, actor=owner(hired), checked_in=True)
    clock.move_to(START + dt.timedelta(minutes=5))
    attendance_mark(attendance_id=attendance.pk, actor=owner(hired), checked_in=True)
    clock.move_to(END)
    attendance_mark(attendance_id=attendance.pk, actor=owner(hired), checked_in=False)
    # then
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.ATTENDED
    assert (attendance.checked_in_at, attendance.checked_out_at) == (START + dt.timedelta(minutes=5), END)
    assert attendance.marked_by == owner(hired)
    assert [e.subject_id for e in events("on_time_check_in")] == [hired.student_id]


# ------------------------------------------------------------------ no-show and contest
def test_e4_a_no_show_can_be_marked_only_after_the_grace_period(clock, hired):
    # given
    attendance = attendance_of(hired)
    # when: 14 minutes after the start, then 15
    clock.move_to(START + dt.timedelta(minutes=14))
    with pytest.raises(DomainError):
        attendance_mark_no_show(attendance_id=attendance.pk, actor=owner(hired))
    clock.move_to(START + dt.timedelta(minutes=15))
    attendance_mark_no_show(attendance_id=attendance.pk, actor=owner(hired))
    # then: no hours, a credit fact, 48 h to contest, the student told
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.NO_SHOW
    assert attendance.hours_status == HoursStatus.NONE
    assert attendance.contest_due_at == START + dt.timedelta(minutes=15, hours=48)
    assert [(e.subject_id, e.kind) for e in events("no_show")] == [(hired.student_id, "no_show")]
    assert Notification.objects.filter(recipient=hired.student, subject__contains="no-show").count() == 1


def test_e4_a_student_who_checked_in_cannot_be_marked_a_no_show(clock, hired):
    # given
    scan_at(clock, hired, START + dt.timedelta(minutes=20))
    # when / then
    with pytest.raises(InvalidTransition):
        attendance_mark_no_show(attendance_id=attendance_of(hired).pk, actor=owner(hired))
    assert events("no_show") == []


@pytest.fixture
def no_show(clock, hired):
    clock.move_to(START + dt.timedelta(minutes=30))
    return attendance_mark_no_show(attendance_id=attendance_of(hired).pk, actor=owner(hired))


def test_e4_a_contest_within_the_window_opens_a_case(clock, hired, no_show):
    # given: a listener standing in for customer service
    opened = []

    def listener(**kwargs):
        opened.append((kwargs["kind"], kwargs["subject"].pk))

    case_opened.connect(listener)
    try:
        # when: one minute before the window closes
        clock.move_to(no_show.contest_due_at - dt.timedelta(minutes=1))
        no_show_contest(attendance_id=no_show.pk, student=hired.student, text="我 18:00 就到了，有照片")
    finally:
        case_opened.disconnect(listener)
    # then
    no_show.refresh_from_db()
    assert no_show.contest_status == ContestStatus.OPEN
    assert no_show.contest_text == "我 18:00 就到了，有照片"
    assert opened == [("no_show_contest", no_show.pk)]


def test_e4_a_contest_after_the_window_is_refused(clock, hired, no_show):
    # when / then
    clock.move_to(no_show.contest_due_at)
    with pytest.raises(DomainError):
        no_show_contest(attendance_id=no_show.pk, student=hired.student, text="我到了")
    no_show.refresh_from_db()
    assert no_show.contest_status == ContestStatus.NONE


def test_e4_only_the_student_contests_their_no_show(clock, hired, no_show):
    # when / then
    with pytest.raises(NotPermitted):
        no_show_contest(attendance_id=no_show.pk, student=approved_student(), text="x")


def test_e4_an_overturned_no_show_reverses_the_credit_event(clock, hired, no_show):
    # given: the student contested
    no_show_contest(attendance_id=no_show.pk, student=hired.student, text="我到了")
    # when: staff without the permission try; a moderator overturns
    with pytest.raises(NotPermitted):
        no_show_contest_decide(attendance_id=no_show.pk, actor=StaffFactory(role="operations"), overturn=True,
                               reason="x")
    clock.move_to(aware(2025, 9, 27, 10, 0))
    no_show_contest_decide(attendance_id=no_show.pk, actor=StaffFactory(role="moderator"), overturn=True,
                           reason="监控显示学生准时到岗")
    # then: attended; the no-show fact cancelled by a reversing fact; the hours back to the employer
    no_show.refresh_from_db()
    assert no_show.status == AttendanceStatus.ATTENDED
    assert no_show.contest_status == ContestStatus.OVERTURNED
    assert no_show.hours_status == HoursStatus.PENDING
    assert no_show.hours_due_at == aware(2025, 9, 29, 10, 0)
    original, reversal = sorted(events("no_show"), key=lambda e: e.pk)
    assert reversal.reverses == original
    assert Notification.objects.filter(recipient=hired.student, subject__contains="contest was decided").count() == 1


def test_e4_an_upheld_no_show_stands(clock, hired, no_show):
    # given
    no_show_contest(attendance_id=no_show.pk, student=hired.student, text="我到了")
    # when
    no_show_contest_decide(attendance_id=no_show.pk, actor=StaffFactory(role="moderator"), overturn=False,
                           reason="无到岗记录")
    # then
    no_show.refresh_from_db()
    assert (no_show.status, no_show.contest_status) == (AttendanceStatus.NO_SHOW, ContestStatus.UPHELD)
    assert len(events("no_show")) == 1
    with pytest.raises(InvalidTransition):
        no_show_contest_decide(attendance_id=no_show.pk, actor=StaffFactory(role="moderator"), overturn=True,
                               reason="再议")


# ------------------------------------------------------------------ hours
def test_e4_hours_are_confirmed_only_after_the_shift_ends(clock, hired):
    # given
    attendance = attendance_of(hired)
    # when / then
    clock.move_to(END - dt.timedelta(minutes=1))
    with pytest.raises(DomainError):
        hours_confirm(attendance_id=attendance.pk, actor=owner(hired), minutes=180)
    clock.move_to(END)
    hours_confirm(attendance_id=attendance.pk, actor=owner(hired), minutes=170, overtime_minutes=30, note="加班半小时")
    attendance.refresh_from_db()
    assert (attendance.hours_status, attendance.confirmed_minutes, attendance.overtime_minutes) == (
        HoursStatus.CONFIRMED, 170, 30)
    assert attendance.status == AttendanceStatus.ATTENDED
    assert attendance.dispute_due_at == END + dt.timedelta(hours=72)
    assert Notification.objects.filter(recipient=hired.student, subject__contains="hours were confirmed").count() == 1


@pytest.mark.parametrize("minutes, overtime, field", [(181, 0, "minutes"), (-1, 0, "minutes"),
                                                      (180, 241, "overtime_minutes")])
def test_e4_confirmed_minutes_stay_within_the_schedule_and_overtime_within_240(clock, hired, minutes, overtime,
                                                                                field):
    # given
    clock.move_to(END)
    attendance = attendance_of(hired)
    # when / then
    with pytest.raises(DomainError) as refused:
        hours_confirm(attendance_id=attendance.pk, actor=owner(hired), minutes=minutes, overtime_minutes=overtime)
    assert refused.value.field == field
    attendance.refresh_from_db()
    assert attendance.hours_status == HoursStatus.PENDING


def test_e4_the_most_overtime_is_240_minutes(clock, hired):
    # given
    clock.move_to(END)
    # when
    attendance = hours_confirm(attendance_id=attendance_of(hired).pk, actor=owner(hired), minutes=180,
                               overtime_minutes=240)
    # then
    assert attendance.overtime_minutes == 240


def test_e4_silence_auto_confirms_the_scheduled_hours_once(clock, hired):
    # given: hours due Sunday 28 Sep 21:00 (48 h after the shift)
    attendance = attendance_of(hired)
    assert attendance.hours_due_at == END + dt.timedelta(hours=48)
    # when: the sweep runs a minute before, at the deadline and again
    clock.move_to(attendance.hours_due_at - dt.timedelta(minutes=1))
    before = applications_sweep()["hours_auto_confirmed"]
    clock.move_to(attendance.hours_due_at)
    at_due = applications_sweep()["hours_auto_confirmed"]
    again = applications_sweep()["hours_auto_confirmed"]
    # then
    attendance.refresh_from_db()
    assert (before, at_due, again) == (0, 1, 0)
    assert (attendance.hours_status, attendance.confirmed_minutes, attendance.overtime_minutes) == (
        HoursStatus.AUTO_CONFIRMED, 180, 0)
    assert attendance.status == AttendanceStatus.ATTENDED
    assert attendance.dispute_due_at == attendance.hours_due_at + dt.timedelta(hours=72)
    assert Notification.objects.filter(recipient=hired.student, subject__contains="scheduled hours").count() == 1


def test_e4_worked_shifts_of_a_cancelled_engagement_are_still_confirmed(clock):
    # given: worked Friday (the employer never confirmed), then cancelled the Monday shift with notice
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00"), (dt.date(2025, 9, 29), "18:00", "21:00")])
    engagement = EngagementFactory(application__job=job)
    clock.move_to(aware(2025, 9, 27, 10, 0))
    engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason="课程冲突")
    # when: the Friday hours fall due
    clock.move_to(END + dt.timedelta(hours=48))
    applications_sweep()
    # then: Friday's scheduled hours count (to be paid); Monday has none
    rows = {a.shift.date: (a.hours_status, a.confirmed_minutes)
            for a in Attendance.objects.filter(engagement=engagement).select_related("shift")}
    assert rows == {FRIDAY: (HoursStatus.AUTO_CONFIRMED, 180), dt.date(2025, 9, 29): (HoursStatus.NONE, 0)}


def test_e4_the_student_disputes_confirmed_hours_within_the_window_only(clock, hired):
    # given: confirmed at the end of the shift; 72 hours to dispute
    other = EngagementFactory(application__job=hired.job)
    clock.move_to(END)
    first = hours_confirm(attendance_id=attendance_of(hired).pk, actor=owner(hired), minutes=120)
    second = hours_confirm(attendance_id=attendance_of(other).pk, actor=owner(hired), minutes=120)
    # when: one disputes just in time, the other too late
    clock.move_to(first.dispute_due_at - dt.timedelta(minutes=1))
    hours_dispute(attendance_id=first.pk, student=hired.student, text="我干满了三小时")
    clock.move_to(second.dispute_due_at)
    with pytest.raises(DomainError):
        hours_dispute(attendance_id=second.pk, student=other.student, text="我干满了三小时")
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.hours_status, second.hours_status) == (HoursStatus.DISPUTED, HoursStatus.CONFIRMED)
    # and staff settle it
    hours_dispute_resolve(attendance_id=first.pk, actor=StaffFactory(role="moderator"), minutes=180,
                          overtime_minutes=0, reason="考勤记录显示三小时")
    first.refresh_from_db()
    assert (first.hours_status, first.confirmed_minutes) == (HoursStatus.RESOLVED, 180)


# ------------------------------------------------------------------ completion
def test_e4_an_engagement_completes_once_hours_are_final_and_windows_passed(clock, hired):
    # given: checked in and out, the employer confirmed at 21:30 (dispute window until Mon 29 Sep 21:30)
    scan_at(clock, hired, START)
    scan_at(clock, hired, END, action=CHECK_OUT)
    clock.move_to(END + dt.timedelta(minutes=30))
    attendance = hours_confirm(attendance_id=attendance_of(hired).pk, actor=owner(hired), minutes=180)
    # when: the sweep runs inside the dispute window, then after it, then again
    clock.move_to(attendance.dispute_due_at - dt.timedelta(minutes=1))
    inside = applications_sweep()["completed"]
    clock.move_to(attendance.dispute_due_at)
    after = applications_sweep()["completed"]
    again = applications_sweep()["completed"]
    # then
    hired.refresh_from_db()
    assert (inside, after, again) == (0, 1, 0)
    assert hired.status == EngagementStatus.COMPLETED
    assert hired.completed_at == attendance.dispute_due_at
    completed = events("engagement_completed")
    assert [(e.subject_kind, e.subject_id) for e in completed] == [("student", hired.student_id)]


def test_e4_disputed_hours_hold_completion_until_resolved(clock, hired):
    # given
    clock.move_to(END)
    attendance = hours_confirm(attendance_id=attendance_of(hired).pk, actor=owner(hired), minutes=100)
    hours_dispute(attendance_id=attendance.pk, student=hired.student, text="少算了")
    # when: long after every window
    clock.move_to(END + dt.timedelta(days=10))
    applications_sweep()
    # then: still active; resolved, it completes
    hired.refresh_from_db()
    assert hired.status == EngagementStatus.ACTIVE
    hours_dispute_resolve(attendance_id=attendance.pk, actor=StaffFactory(role="moderator"), minutes=180,
                          overtime_minutes=0, reason="补足")
    applications_sweep()
    hired.refresh_from_db()
    assert hired.status == EngagementStatus.COMPLETED


def test_e4_a_no_show_holds_completion_while_it_may_be_or_is_contested(clock, hired, no_show):
    # given: the contest window runs until Sun 28 Sep 18:30
    # when: the sweep runs inside the window
    clock.move_to(no_show.contest_due_at - dt.timedelta(minutes=1))
    applications_sweep()
    hired.refresh_from_db()
    inside = hired.status
    # and the student contests in time; the sweep runs long after the window
    no_show_contest(attendance_id=no_show.pk, student=hired.student, text="我到了")
    clock.move_to(no_show.contest_due_at + dt.timedelta(days=5))
    applications_sweep()
    hired.refresh_from_db()
    while_open = hired.status
    # then: staff uphold it; the engagement completes without a completion credit (no shift attended)
    no_show_contest_decide(attendance_id=no_show.pk, actor=StaffFactory(role="moderator"), overturn=False,
                           reason="无记录")
    applications_sweep()
    hired.refresh_from_db()
    assert (inside, while_open, hired.status) == (EngagementStatus.ACTIVE, EngagementStatus.ACTIVE,
                                                  EngagementStatus.COMPLETED)
    assert events("engagement_completed") == []


def test_e4_an_engagement_does_not_complete_before_its_last_shift(clock):
    # given: two shifts, the first confirmed long ago
    job = JobFactory(published=True, shifts=[(FRIDAY, "18:00", "21:00"), (dt.date(2025, 10, 20), "18:00", "21:00")])
    engagement = EngagementFactory(application__job=job)
    clock.move_to(END)
    first = Attendance.objects.get(engagement=engagement, shift__date=FRIDAY)
    hours_confirm(attendance_id=first.pk, actor=owner(engagement), minutes=180)
    # when
    clock.move_to(aware(2025, 10, 10, 12, 0))
    applications_sweep()
    # then
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE


def test_e4_a_check_out_far_below_the_shifts_time_asks_for_a_reason(clock, hired):
    # given (issue 23): a late check-in one minute before the end of a 3-hour shift
    scan_at(clock, hired, END - dt.timedelta(minutes=1))
    clock.move_to(END + dt.timedelta(seconds=10))
    token = checkin_token(shift_id=attendance_of(hired).shift_id, action=CHECK_OUT)
    # when: checking out without a reason
    with pytest.raises(ReasonRequired):
        checkin_scan(token=token, student=hired.student)
    # then: still checked in, and the same code works with the reason, which the history keeps
    assert attendance_of(hired).status == AttendanceStatus.CHECKED_IN
    attendance = checkin_scan(token=token, student=hired.student, reason="地铁故障，迟到了")
    assert attendance.status == AttendanceStatus.ATTENDED
    assert [h.reason for h in history_for(attendance) if h.transition == "check_out"] == ["地铁故障，迟到了"]


def test_e4_a_check_out_after_most_of_the_shift_needs_no_reason(clock, hired):
    # given: 90 of 180 minutes worked (SHORT_CHECKOUT_PERCENT = 50)
    scan_at(clock, hired, START)
    assert scan_at(clock, hired, START + dt.timedelta(minutes=90), action=CHECK_OUT).status == \
        AttendanceStatus.ATTENDED
