"""Applying for a job (S2.2), proved at the service level: who may apply, to
which jobs, with which confirmations, and how often."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from applications.models import Application, ApplicationStatus
from applications.selectors import apply_refusal
from applications.services import (
    CannotApply,
    JobFull,
    ScheduleOverlap,
    application_apply,
    application_hire,
    application_withdraw,
)
from core.errors import DomainError, InvalidTransition
from core.models import Notification
from jobs.models import JobStatus
from tests.factories.accounts import GuardianConsentFactory, StudentProfileFactory, UserFactory
from tests.factories.applications import ApplicationFactory, EngagementFactory, approved_student
from tests.factories.employers import EmployerMemberFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 9, 25, 10, 0, tzinfo=SHANGHAI)  # Thursday before National Day 2025
FRIDAY = dt.date(2025, 9, 26)
SATURDAY = dt.date(2025, 9, 27)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def apply(job, student, **kwargs):
    kwargs = {"confirms_requirements": True, "commits_to_work": True, **kwargs}
    return application_apply(job_id=job.pk, student=student, **kwargs)


def open_job(**kwargs):
    kwargs.setdefault("shifts", [(FRIDAY, "18:00", "21:00")])
    return JobFactory(published=True, **kwargs)


# ------------------------------------------------------------------ who may apply
def test_s2_2_only_approved_students_can_apply():
    # given: a student still under review, an employer member, and an approved student
    job = open_job()
    pending = StudentProfileFactory().user
    employer_user = EmployerMemberFactory(employer=job.employer).user
    approved = approved_student()
    # when / then: the first two are refused with the reason the job page shows
    for user in (pending, employer_user):
        with pytest.raises(CannotApply) as refused:
            apply(job, user)
        assert "approved" in str(refused.value.message)
    application = apply(job, approved)
    assert application.status == ApplicationStatus.APPLIED
    assert Application.objects.filter(job=job).count() == 1


def test_s2_2_a_student_without_a_profile_cannot_apply():
    # given
    job = open_job()
    bare = UserFactory(kind="student")
    # when / then
    assert apply_refusal(job=job, student=bare) is not None
    with pytest.raises(CannotApply):
        apply(job, bare)


@pytest.mark.parametrize("status", [JobStatus.DRAFT, JobStatus.PENDING_REVIEW, JobStatus.PAUSED,
                                    JobStatus.CLOSED, JobStatus.EXPIRED, JobStatus.TAKEN_DOWN])
def test_s2_2_only_published_jobs_take_applications(status):
    # given
    job = JobFactory(status=status, shifts=[(FRIDAY, "18:00", "21:00")])
    # when / then
    with pytest.raises(CannotApply) as refused:
        apply(job, approved_student())
    assert "not taking applications" in str(refused.value.message)


def test_s2_2_applications_close_at_the_job_deadline(clock):
    # given: applications close at 12:00 today
    job = open_job(application_deadline=NOW + dt.timedelta(hours=2))
    early, late = approved_student(), approved_student()
    apply(job, early)
    # when: the deadline passes
    clock.move_to(NOW + dt.timedelta(hours=2))
    # then
    with pytest.raises(CannotApply) as refused:
        apply(job, late)
    assert "closed" in str(refused.value.message)


def test_s2_2_a_full_job_takes_no_more_applications():
    # given: one place, already offered to someone
    job = open_job(headcount=1)
    first = apply(job, approved_student())
    application_hire(application_id=first.pk, actor=job.employer.members.first().user)
    # when / then
    with pytest.raises(JobFull):
        apply(job, approved_student())


def test_s2_2_open_applications_do_not_fill_a_job():
    # given: one place, one application waiting for an answer
    job = open_job(headcount=1)
    apply(job, approved_student())
    # when: another student applies
    second = apply(job, approved_student())
    # then: the employer chooses among applicants; only offers and hires hold places
    assert second.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ overlap with engagements
def test_s2_2_shifts_overlapping_an_engagement_are_refused():
    # given: hired on Friday 18:00–21:00
    engagement = EngagementFactory(application__job=open_job())
    student = engagement.student
    overlapping = open_job(shifts=[(SATURDAY, "09:00", "12:00"), (FRIDAY, "20:30", "22:00")])
    # when / then
    with pytest.raises(ScheduleOverlap):
        apply(overlapping, student)
    assert not Application.objects.filter(job=overlapping).exists()


def test_s2_2_the_shift_being_worked_right_now_counts_as_busy(clock):
    # given: hired Friday 18:00–21:00 and checked in
    from applications.services import attendance_mark

    job = open_job()
    engagement = EngagementFactory(application__job=job)
    clock.move_to(dt.datetime(2025, 9, 26, 18, 0, tzinfo=SHANGHAI))
    attendance_mark(attendance_id=engagement.attendances.get().pk, actor=job.employer.members.first().user,
                    checked_in=True)
    # when / then: a job tonight 20:00–21:30 overlaps
    later_tonight = open_job(shifts=[(FRIDAY, "20:00", "21:30")], application_deadline=NOW + dt.timedelta(days=3))
    with pytest.raises(ScheduleOverlap):
        apply(later_tonight, engagement.student)


def test_s2_2_back_to_back_shifts_do_not_overlap():
    # given: hired on Friday 18:00–21:00
    engagement = EngagementFactory(application__job=open_job())
    # when: a job from 21:00 and one ending at 18:00 on the same day
    after = apply(open_job(shifts=[(FRIDAY, "21:00", "21:45")]), engagement.student)
    before = apply(open_job(shifts=[(FRIDAY, "15:00", "18:00")]), engagement.student)
    # then
    assert after.status == before.status == ApplicationStatus.APPLIED


def test_s2_2_an_overnight_shift_overlaps_the_next_morning():
    # given: hired for Friday 22:00 – Saturday 02:00 (an overnight shift)
    engagement = EngagementFactory(application__job=open_job(shifts=[(FRIDAY, "22:00", "02:00")]))
    early_saturday = open_job(shifts=[(SATURDAY, "01:00", "03:00")])
    # when / then
    with pytest.raises(ScheduleOverlap):
        apply(early_saturday, engagement.student)


def test_s2_2_a_new_overnight_shift_overlapping_an_engagement_is_refused():
    # given: hired on Saturday 00:30–04:00; the new job runs Friday 23:00 – Saturday 01:00
    engagement = EngagementFactory(application__job=open_job(shifts=[(SATURDAY, "00:30", "04:00")]))
    overnight = open_job(shifts=[(FRIDAY, "23:00", "01:00")])
    # when / then
    with pytest.raises(ScheduleOverlap):
        apply(overnight, engagement.student)


def test_s2_2_ended_engagements_do_not_block_their_times():
    # given: an engagement the student cancelled
    from applications.services import engagement_cancel_by_student

    engagement = EngagementFactory(application__job=open_job())
    engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason="考试")
    # when: a job at the same time
    application = apply(open_job(), engagement.student)
    # then
    assert application.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ minors
@pytest.mark.parametrize("kind", ["night", "art3"])
def test_s2_2_minors_cannot_apply_to_night_or_hazardous_work(kind):
    # given: a 17-year-old student (minor worker)
    minor = approved_student(is_minor_worker=True, date_of_birth=dt.date(2008, 5, 1))
    if kind == "night":
        job = open_job(shifts=[(FRIDAY, "21:00", "23:00")])
        assert job.has_night_work
    else:
        job = open_job(minor_restricted_work=["heavy_physical"])
    # when / then
    with pytest.raises(CannotApply) as refused:
        apply(job, minor)
    assert "16–17" in str(refused.value.message)


def test_s2_2_minors_may_apply_to_day_work_and_adults_to_night_work():
    # given
    minor = approved_student(is_minor_worker=True, date_of_birth=dt.date(2008, 5, 1))
    GuardianConsentFactory(student=minor)  # Civil Code art. 19: before the first application
    night = open_job(shifts=[(FRIDAY, "21:00", "23:00")])
    # when
    minor_day = apply(open_job(shifts=[(SATURDAY, "09:00", "12:00")]), minor)
    adult_night = apply(night, approved_student())
    # then
    assert minor_day.status == adult_night.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ confirmations, message
@pytest.mark.parametrize("confirms, commits", [(False, True), (True, False), (False, False)])
def test_s2_2_both_confirmations_are_required(confirms, commits):
    # given
    job = open_job()
    # when / then
    with pytest.raises(DomainError) as refused:
        apply(job, approved_student(), confirms_requirements=confirms, commits_to_work=commits)
    assert refused.value.field == "confirms_requirements"
    assert not Application.objects.filter(job=job).exists()


def test_s2_2_confirmations_and_message_are_stored_and_the_employer_told():
    # given: an employer with two members
    job = open_job()
    colleague = EmployerMemberFactory(employer=job.employer).user
    # when
    application = apply(job, approved_student(), message="  我有三年家教经验。 ")
    # then
    application.refresh_from_db()
    assert (application.confirms_requirements, application.commits_to_work) == (True, True)
    assert application.message == "我有三年家教经验。"
    for member in (job.employer.members.first().user, colleague):
        assert Notification.objects.filter(recipient=member, subject__contains=job.title).count() == 1


def test_s2_2_the_database_refuses_an_application_without_confirmations():
    # given
    job = open_job()
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(job=job, confirms_requirements=False)


# ------------------------------------------------------------------ withdraw
def test_s2_2_a_student_withdraws_before_the_decision():
    # given
    job = open_job()
    student = approved_student()
    application = apply(job, student)
    # when
    application_withdraw(application_id=application.pk, student=student)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.closed_at == NOW


def test_s2_2_no_withdrawal_after_the_decision():
    # given: the employer already made an offer
    job = open_job()
    student = approved_student()
    application = apply(job, student)
    application_hire(application_id=application.pk, actor=job.employer.members.first().user)
    # when / then
    with pytest.raises(InvalidTransition):
        application_withdraw(application_id=application.pk, student=student)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED


def test_s2_2_a_student_cannot_withdraw_someone_elses_application():
    # given
    application = apply(open_job(), approved_student())
    # when / then
    with pytest.raises(DomainError):
        application_withdraw(application_id=application.pk, student=approved_student())
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ one per job
def test_s2_2_one_application_per_job_per_student():
    # given: applied and withdrew
    job = open_job()
    student = approved_student()
    first = apply(job, student)
    application_withdraw(application_id=first.pk, student=student)
    # when / then: a second application is refused, also after withdrawing
    with pytest.raises(CannotApply) as refused:
        apply(job, student)
    assert "already applied" in str(refused.value.message)
    assert Application.objects.filter(job=job, student=student).count() == 1


def test_s2_2_the_database_keeps_one_application_per_job_per_student():
    # given
    existing = ApplicationFactory()
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(job=existing.job, student=existing.student)
