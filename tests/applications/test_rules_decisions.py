"""The employer's answer (E3.2) and the offer (E3.1), around National Day 2025:
the P3 deadline in working days on the Chinese calendar, the half-time
reminder, expiry with its credit event, rejections with reasons, offers that
lapse, and contact details that appear only after the student accepts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.models import Application, ApplicationStatus, Attendance, Engagement, EngagementStatus
from applications.selectors import applicants_ranked, places_taken
from applications.services import (
    JobFull,
    application_apply,
    application_hire,
    application_reject,
    job_invite_student,
    offer_accept,
    offer_decline,
)
from applications.sweeps import applications_sweep
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.models import CreditEvent, HistoryEntry, Notification
from tests.factories.applications import StudentIntentionFactory, approved_student
from tests.factories.employers import EmployerFactory, EmployerMemberFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


THURSDAY = aware(2025, 9, 25, 10, 0)  # Sun 28 Sep is a 调休 working day
EVE_OF_NATIONAL_DAY = aware(2025, 9, 30, 10, 0)  # 1–8 Oct off; Sat 11 Oct is a 调休 working day


@pytest.fixture
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def open_job(**kwargs):
    kwargs.setdefault("shifts", [(dt.date(2025, 10, 20), "18:00", "21:00")])
    kwargs.setdefault("application_deadline", aware(2025, 10, 15, 12, 0))
    return JobFactory(published=True, **kwargs)


def owner(job):
    return job.employer.members.first().user


def apply(job, student=None):
    return application_apply(job_id=job.pk, student=student or approved_student(), confirms_requirements=True,
                             commits_to_work=True)


def unanswered_events(application) -> int:
    return CreditEvent.objects.filter(kind="application_unanswered", subject_kind="employer",
                                      subject_id=application.job.employer_id).count()


# ------------------------------------------------------------------ the P3 deadline
def test_e3_2_answer_due_in_p3_working_days_counting_the_adjusted_sunday(clock):
    # given: Thursday 25 Sep 2025, 10:00
    job = open_job()
    # when
    application = apply(job)
    # then: Fri 26, Sun 28 (调休), Mon 29 — due Monday 10:00; reminder at half of the time
    assert application.response_due_at == aware(2025, 9, 29, 10, 0)
    assert application.reminder_due_at == aware(2025, 9, 27, 10, 0)


def test_e3_2_answer_due_after_national_day_2025(clock):
    # given: Tuesday 30 Sep 2025, the eve of National Day
    clock.move_to(EVE_OF_NATIONAL_DAY)
    job = open_job()
    # when
    application = apply(job)
    # then: 1–8 Oct off; Thu 9, Fri 10, Sat 11 (调休) — due Saturday 11 Oct 10:00
    assert application.response_due_at == aware(2025, 10, 11, 10, 0)
    assert application.reminder_due_at == aware(2025, 10, 5, 22, 0)


# ------------------------------------------------------------------ reminder at half-time
def test_e3_2_the_employer_is_reminded_once_at_half_time(clock):
    # given: an employer with two members; an application due Mon 29 Sep 10:00
    job = open_job()
    colleague = EmployerMemberFactory(employer=job.employer).user
    application = apply(job)
    members = [owner(job), colleague]

    def reminders(user) -> int:
        return Notification.objects.filter(recipient=user, subject__startswith="Reminder").count()

    # when: the sweep runs just before half-time, at half-time and again later
    clock.move_to(aware(2025, 9, 27, 9, 59))
    before = applications_sweep()["reminded"]
    clock.move_to(aware(2025, 9, 27, 10, 0))
    at_half = applications_sweep()["reminded"]
    clock.move_to(aware(2025, 9, 28, 10, 0))
    again = applications_sweep()["reminded"]
    # then: each member is reminded exactly once
    assert (before, at_half, again) == (0, 1, 0)
    assert [reminders(m) for m in members] == [1, 1]
    application.refresh_from_db()
    assert application.reminded_at == aware(2025, 9, 27, 10, 0)
    assert application.status == ApplicationStatus.APPLIED


def test_e3_2_an_answered_application_gets_no_reminder(clock):
    # given
    job = open_job()
    application = apply(job)
    application_reject(application_id=application.pk, actor=owner(job), reason="时间安排不匹配")
    # when
    clock.move_to(aware(2025, 9, 27, 11, 0))
    swept = applications_sweep()
    # then
    assert swept["reminded"] == 0
    assert not Notification.objects.filter(subject__startswith="Reminder").exists()


# ------------------------------------------------------------------ expiry
def test_e3_2_unanswered_application_expires_after_p3_working_days_once(clock):
    # given: applied Thu 25 Sep, due Mon 29 Sep 10:00
    job = open_job()
    student = approved_student()
    application = apply(job, student)
    # when: the sweep runs a minute before the deadline, a minute after, and again
    clock.move_to(aware(2025, 9, 29, 9, 59))
    early = applications_sweep()["expired"]
    clock.move_to(aware(2025, 9, 29, 10, 1))
    first = applications_sweep()["expired"]
    clock.move_to(aware(2025, 9, 29, 10, 6))
    second = applications_sweep()["expired"]
    # then: expired once, the student told, one credit event against the employer
    assert (early, first, second) == (0, 1, 0)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert application.closed_at == aware(2025, 9, 29, 10, 1)
    assert Notification.objects.filter(recipient=student, subject__contains="did not answer").count() == 1
    assert unanswered_events(application) == 1
    event = CreditEvent.objects.get(kind="application_unanswered")
    assert event.occurred_at == application.response_due_at
    assert event.source == application
    assert HistoryEntry.objects.filter(transition="expire", object_id=str(application.pk)).count() == 1


def test_e3_2_over_national_day_the_application_is_still_open_on_10_october(clock):
    # given: applied on the eve of National Day
    clock.move_to(EVE_OF_NATIONAL_DAY)
    application = apply(open_job())
    # when: the sweep runs on Friday 10 Oct (a calendar week later)
    clock.move_to(aware(2025, 10, 10, 18, 0))
    applications_sweep()
    # then: still waiting for the employer; it expires only after Sat 11 Oct 10:00
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED
    clock.move_to(aware(2025, 10, 11, 10, 0))
    applications_sweep()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert unanswered_events(application) == 1


def test_e3_2_an_expired_student_is_free_to_apply_elsewhere(clock):
    # given: the first employer never answered
    student = approved_student()
    apply(open_job(), student)
    clock.move_to(aware(2025, 9, 29, 10, 5))
    applications_sweep()
    # when: the student applies to another job at the same time of day
    other = apply(open_job(), student)
    # then
    assert other.status == ApplicationStatus.APPLIED


def test_e3_2_the_employer_cannot_answer_after_the_deadline(clock):
    # given: the deadline passed, the sweep has not run yet
    job = open_job()
    application = apply(job)
    clock.move_to(aware(2025, 9, 29, 10, 1))
    # when / then: neither a hire nor a rejection goes through
    with pytest.raises(DomainError):
        application_hire(application_id=application.pk, actor=owner(job))
    with pytest.raises(DomainError):
        application_reject(application_id=application.pk, actor=owner(job), reason="名额已满")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED
    # and the sweep then expires it as usual
    applications_sweep()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED


# ------------------------------------------------------------------ rejection
def test_e3_2_rejection_needs_a_reason_the_student_sees(clock):
    # given
    job = open_job()
    student = approved_student()
    application = apply(job, student)
    # when: no reason, then a reason
    with pytest.raises(ReasonRequired):
        application_reject(application_id=application.pk, actor=owner(job), reason="   ")
    application_reject(application_id=application.pk, actor=owner(job), reason="您可工作的时间与本岗位班次不一致。")
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "您可工作的时间与本岗位班次不一致。"
    note = Notification.objects.get(recipient=student, subject__contains="not successful")
    assert "您可工作的时间与本岗位班次不一致。" in note.body
    # and an answered application never expires nor costs the employer credit
    clock.move_to(aware(2025, 9, 30, 10, 0))
    applications_sweep()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert unanswered_events(application) == 0


def test_e3_1_only_the_employers_own_members_decide(clock):
    # given: a member of another employer
    job = open_job()
    application = apply(job)
    stranger = EmployerFactory(approved=True).members.first().user
    # when / then
    with pytest.raises(NotPermitted):
        application_hire(application_id=application.pk, actor=stranger)
    with pytest.raises(NotPermitted):
        application_reject(application_id=application.pk, actor=stranger, reason="不合适")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ offers (E3.1)
def test_e3_1_a_hire_is_an_offer_open_for_offer_accept_hours(clock):
    # given
    job = open_job()
    student = approved_student()
    application = apply(job, student)
    # when
    clock.move_to(aware(2025, 9, 26, 15, 0))
    application_hire(application_id=application.pk, actor=owner(job))
    # then: 24 hours (policy) to accept; the place is held meanwhile
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED
    assert application.offer_expires_at == aware(2025, 9, 27, 15, 0)
    assert application.decided_by == owner(job)
    assert places_taken(job.pk) == 1
    assert not Engagement.objects.exists()
    assert Notification.objects.filter(recipient=student, subject__contains="offer").count() == 1


def test_e3_1_accepting_creates_the_engagement_and_one_attendance_per_remaining_shift(clock):
    # given: a job whose first shift is already over when the student accepts
    job = open_job(shifts=[(dt.date(2025, 9, 25), "18:00", "21:00"), (dt.date(2025, 9, 27), "09:00", "12:00"),
                           (dt.date(2025, 9, 28), "22:00", "01:00")])
    student = approved_student()
    application = apply(job, student)
    application_hire(application_id=application.pk, actor=owner(job))
    # when
    clock.move_to(aware(2025, 9, 26, 8, 0))
    engagement = offer_accept(application_id=application.pk, student=student)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert engagement.status == EngagementStatus.ACTIVE
    assert (engagement.job, engagement.employer, engagement.student) == (job, job.employer, student)
    rows = list(Attendance.objects.filter(engagement=engagement).select_related("shift"))
    assert [(a.shift.date, a.scheduled_minutes) for a in rows] == [
        (dt.date(2025, 9, 27), 180), (dt.date(2025, 9, 28), 180)]
    assert rows[1].hours_due_at == aware(2025, 9, 29, 1, 0) + dt.timedelta(hours=48)
    assert places_taken(job.pk) == 1
    assert Notification.objects.filter(recipient=owner(job), subject__contains="accepted").count() == 1


def test_e3_1_an_offer_not_accepted_in_time_lapses_and_frees_the_place(clock):
    # given: one place, offered to the first applicant; the second waits
    job = open_job(headcount=1)
    first_student = approved_student()
    first, second = apply(job, first_student), apply(job)
    application_hire(application_id=first.pk, actor=owner(job))
    with pytest.raises(JobFull):
        application_hire(application_id=second.pk, actor=owner(job))
    # when: 24 hours pass; accepting is refused even before the sweep runs
    clock.move_to(aware(2025, 9, 26, 10, 0))
    with pytest.raises(DomainError):
        offer_accept(application_id=first.pk, student=first_student)
    swept = applications_sweep()
    again = applications_sweep()
    # then
    first.refresh_from_db()
    assert (swept["offers_lapsed"], again["offers_lapsed"]) == (1, 0)
    assert first.status == ApplicationStatus.OFFER_EXPIRED
    assert places_taken(job.pk) == 0
    assert Notification.objects.filter(recipient=first_student, subject__contains="lapsed").count() == 1
    assert Notification.objects.filter(recipient=owner(job), subject__contains="offer lapsed").count() == 1
    application_hire(application_id=second.pk, actor=owner(job))
    second.refresh_from_db()
    assert second.status == ApplicationStatus.OFFERED


def test_e3_1_a_declined_offer_frees_the_place(clock):
    # given
    job = open_job(headcount=1)
    student = approved_student()
    first, second = apply(job, student), apply(job)
    application_hire(application_id=first.pk, actor=owner(job))
    # when
    offer_decline(application_id=first.pk, student=student)
    # then
    first.refresh_from_db()
    assert first.status == ApplicationStatus.OFFER_DECLINED
    assert places_taken(job.pk) == 0
    application_hire(application_id=second.pk, actor=owner(job))


def test_e3_1_only_the_student_may_accept_their_offer(clock):
    # given
    job = open_job()
    application = apply(job)
    application_hire(application_id=application.pk, actor=owner(job))
    # when / then
    with pytest.raises(NotPermitted):
        offer_accept(application_id=application.pk, student=approved_student())
    assert not Engagement.objects.exists()


def test_e3_1_contact_details_are_visible_only_after_the_student_accepts(clock):
    # given: one applicant waiting, one with an open offer, one who accepted
    job = open_job(headcount=3)
    waiting, offered, hired = apply(job), apply(job), apply(job)
    for application in (offered, hired):
        application_hire(application_id=application.pk, actor=owner(job))
    offer_accept(application_id=hired.pk, student=hired.student)
    # when
    visible = {r.application.pk: r.contact_visible for r in applicants_ranked(job=job)}
    # then
    assert visible == {waiting.pk: False, offered.pk: False, hired.pk: True}


def test_e3_1_hiring_after_a_lapsed_offer_counts_places_right(clock):
    # given: two places; one hired, one offer lapsed
    job = open_job(headcount=2)
    hired, lapsed, third = apply(job), apply(job), apply(job)
    application_hire(application_id=hired.pk, actor=owner(job))
    offer_accept(application_id=hired.pk, student=hired.student)
    application_hire(application_id=lapsed.pk, actor=owner(job))
    clock.move_to(aware(2025, 9, 26, 11, 0))
    applications_sweep()
    # when
    application_hire(application_id=third.pk, actor=owner(job))
    # then
    assert places_taken(job.pk) == 2
    assert Application.objects.get(pk=lapsed.pk).status == ApplicationStatus.OFFER_EXPIRED


# ------------------------------------------------------------------ invitations (E3.1)
def test_e3_1_the_employer_invites_a_student_who_then_decides(clock):
    # given
    job = open_job()
    student = approved_student()
    StudentIntentionFactory(student=student, discoverable=True)  # reachable: chose to be discoverable
    # when
    invitation = job_invite_student(job_id=job.pk, student_id=student.pk, actor=owner(job), message="欢迎申请")
    again = job_invite_student(job_id=job.pk, student_id=student.pk, actor=owner(job))
    application = apply(job, student)
    # then: one invitation, one notification; the application remembers it was invited
    assert again == invitation
    assert Notification.objects.filter(recipient=student, subject__contains="invites you").count() == 1
    assert application.invited is True


def test_s2_2_minors_are_not_invited_to_night_work(clock):
    # given
    job = open_job(shifts=[(dt.date(2025, 10, 20), "20:00", "23:00")])
    minor = approved_student(is_minor_worker=True, date_of_birth=dt.date(2008, 5, 1))
    # when / then
    with pytest.raises(DomainError):
        job_invite_student(job_id=job.pk, student_id=minor.pk, actor=owner(job))
    assert not Notification.objects.filter(recipient=minor).exists()


def test_e3_2_answer_due_never_later_than_the_start_of_the_first_shift(clock):
    # given: Thursday 25 Sep 2025 10:00; the only shift starts on Saturday 27 Sep at 09:00,
    # before the P3 deadline (Monday 29 Sep 10:00) (issue 23)
    job = open_job(shifts=[(dt.date(2025, 9, 27), "09:00", "12:00")], application_deadline=aware(2025, 9, 26, 20, 0))
    # when
    application = apply(job)
    # then: the employer must answer before the work starts; the reminder at half of that time
    assert application.response_due_at == aware(2025, 9, 27, 9, 0)
    assert application.reminder_due_at == aware(2025, 9, 26, 9, 30)
