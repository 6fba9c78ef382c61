"""A job's life through the services (E2.1, E2.2, J1.4, J2.1, J2.2): drafts,
the compliance screen on submit, moderation with reasons, revisions of live
jobs that students do not see until approved, employer controls, take-downs."""

import datetime as dt

import pytest
from django.core import mail

from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_for
from jobs import services
from jobs.models import Job, JobFlag, JobRevision, JobStatus
from jobs.schedule import ShiftSpec
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory
from tests.factories.jobs import JobFactory, next_weekday

pytestmark = pytest.mark.django_db


def job_data(**overrides):
    data = {
        "title": "周末商场促销员", "category": "promotion", "description": "在商场门口派发传单并介绍新品。",
        "requirements_skills": "普通话流利", "requirements_certificates": "", "minor_restricted_work": [], "minor_restricted_venue": "",
        "is_remote": False, "city": "上海市", "district": "静安区", "address": "南京西路 1618 号",
        "schedule_kind": "shifts", "weekly_days": "", "weekly_start": None, "weekly_end": None,
        "weekly_from": None, "weekly_until": None,
        "pay_unit": "hour", "base_rate_fen": 3000, "pieces_per_hour": None, "overtime_rate_fen": 4500,
        "bonus_rules": "", "meal_allowance_fen": 1500, "transport_allowance_fen": 0,
        "settlement_cycle": "daily", "payment_days": 2, "headcount": 3,
        "application_deadline": dt.datetime.combine(next_weekday(3), dt.time(12), tzinfo=dt.UTC),
    }
    data.update(overrides)
    return data


def shifts(n=1, start="10:00", end="14:00"):
    day = next_weekday(7)
    return [ShiftSpec(day + dt.timedelta(days=i), dt.time.fromisoformat(start), dt.time.fromisoformat(end))
            for i in range(n)]


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def owner(employer):
    return employer.members.get().user


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def draft(employer, owner, **overrides):
    return services.job_save_draft(employer_id=employer.pk, actor=owner, data=job_data(**overrides),
                                   shifts=shifts())


# ------------------------------------------------------------------ drafting and submitting
def test_e2_1_a_member_drafts_a_job_with_derived_facts(employer, owner):
    job = services.job_save_draft(employer_id=employer.pk, actor=owner, data=job_data(), shifts=shifts(2))
    assert job.status == JobStatus.DRAFT
    assert (job.total_minutes, job.hourly_pay_fen, job.shifts.count()) == (480, 3000, 2)
    assert employer.name in job.search_document and "促销员" in job.search_document


def test_e2_1_a_weekly_pattern_expands_into_shifts(employer, owner):
    start = next_weekday(7)
    job = services.job_save_draft(employer_id=employer.pk, actor=owner, data=job_data(
        schedule_kind="weekly", weekly_days="1,3,5", weekly_start=dt.time(18), weekly_end=dt.time(20),
        weekly_from=start, weekly_until=start + dt.timedelta(days=13)))
    assert job.shifts.count() == 6 and {s.date.isoweekday() for s in job.shifts.all()} == {1, 3, 5}


def test_e2_1_someone_outside_the_employer_cannot_draft_for_it(employer):
    outsider = EmployerFactory(approved=True).members.get().user
    with pytest.raises(NotPermitted):
        services.job_save_draft(employer_id=employer.pk, actor=outsider, data=job_data(), shifts=shifts())
    assert not Job.objects.exists()


def test_e1_2_only_approved_employers_submit(owner, employer):
    pending = EmployerFactory()
    job = services.job_save_draft(employer_id=pending.pk, actor=pending.members.get().user, data=job_data(),
                                  shifts=shifts())
    with pytest.raises(services.EmployerCannotPost):
        services.job_submit(job_id=job.pk, actor=pending.members.get().user)
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_g2_a_deposit_demand_blocks_submission_and_saves_no_flags(employer, owner):
    job = draft(employer, owner, description="上岗前交押金 100 元")
    with pytest.raises(services.ComplianceBlocked) as blocked:
        services.job_submit(job_id=job.pk, actor=owner)
    assert [f.code for f in blocked.value.findings] == ["fee"]
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and not JobFlag.objects.exists()


def test_j1_2_pay_below_minimum_blocks_submission(employer, owner):
    job = draft(employer, owner, base_rate_fen=2000)
    with pytest.raises(services.ComplianceBlocked) as blocked:
        services.job_submit(job_id=job.pk, actor=owner)
    assert blocked.value.findings[0].code == "min_wage"


def test_j1_4_flags_go_to_the_moderator_with_the_matched_text(employer, owner, moderator):
    job = draft(employer, owner, requirements_skills="女生优先，形象气质佳")
    services.job_submit(job_id=job.pk, actor=owner)
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW
    assert set(JobFlag.objects.values_list("code", "matched_text")) == {("gender", "女生优先"),
                                                                      ("appearance", "形象气质佳")}
    assert moderator.notifications.filter(link__contains=f"/admin/jobs/job/{job.pk}/").exists()


# ------------------------------------------------------------------ moderation
def test_e2_2_approval_publishes_resolves_flags_and_tells_the_employer(employer, owner, moderator,
                                                                        django_capture_on_commit_callbacks):
    job = draft(employer, owner, requirements_skills="女生优先")
    services.job_submit(job_id=job.pk, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_approve(pk=job.pk, actor=moderator, reason="性别要求已与单位确认删除")
    job.refresh_from_db()
    assert job.status == JobStatus.PUBLISHED and job.published_at and job.decided_by == moderator
    assert not JobFlag.objects.filter(resolved_at__isnull=True).exists()
    assert [h.transition for h in history_for(job)][:2] == ["approve", "submit"]
    assert any("published" in m.subject for m in mail.outbox if m.to == [owner.email])


@pytest.mark.parametrize("service,status", [(services.job_reject, JobStatus.REJECTED),
                                            (services.job_request_changes, JobStatus.CHANGES_REQUESTED)])
def test_e2_2_rejection_and_change_requests_carry_a_reason_into_the_email(
        employer, owner, moderator, service, status, django_capture_on_commit_callbacks):
    job = draft(employer, owner)
    services.job_submit(job_id=job.pk, actor=owner)
    with pytest.raises(ReasonRequired):
        service(pk=job.pk, actor=moderator, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        service(pk=job.pk, actor=moderator, reason="请写明具体工作地点")
    job.refresh_from_db()
    assert job.status == status and job.decision_reason == "请写明具体工作地点"
    assert any("请写明具体工作地点" in m.body for m in mail.outbox)


def test_e2_2_a_rejected_job_can_be_corrected_and_resubmitted(employer, owner, moderator):
    job = draft(employer, owner)
    services.job_submit(job_id=job.pk, actor=owner)
    services.job_reject(pk=job.pk, actor=moderator, reason="地址不完整")
    services.job_save_draft(employer_id=employer.pk, actor=owner, job_id=job.pk,
                            data=job_data(address="南京西路 1618 号 久光百货 1 楼"), shifts=shifts())
    services.job_submit(job_id=job.pk, actor=owner)
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW and "久光" in job.address


@pytest.mark.parametrize("role", ["customer_service", "operations", "finance", "auditor", "manager"])
def test_e2_2_only_moderators_decide_on_jobs(employer, owner, role):
    job = draft(employer, owner)
    services.job_submit(job_id=job.pk, actor=owner)
    with pytest.raises(NotPermitted):
        services.job_approve(pk=job.pk, actor=StaffFactory(role=role))


def test_j2_1_a_draft_cannot_be_approved_without_review(employer, owner, moderator):
    job = draft(employer, owner)
    with pytest.raises(InvalidTransition):
        services.job_approve(pk=job.pk, actor=moderator)


def test_e4_2_taking_down_an_employer_takes_down_all_its_live_jobs(moderator):
    employer = EmployerFactory(approved=True)
    live = [JobFactory(employer=employer, published=True) for _ in range(2)]
    paused = JobFactory(employer=employer, status=JobStatus.PAUSED)
    pending = JobFactory(employer=employer, status=JobStatus.PENDING_REVIEW)
    draft_job = JobFactory(employer=employer)
    other = JobFactory(published=True)
    count = services.employer_jobs_take_down(employer_id=employer.pk, actor=moderator, reason="收取学生押金")
    assert count == 4
    for job in [*live, paused, pending]:
        job.refresh_from_db()
        assert job.status == JobStatus.TAKEN_DOWN and job.decision_reason == "收取学生押金"
    draft_job.refresh_from_db()
    other.refresh_from_db()
    assert draft_job.status == JobStatus.DRAFT and other.status == JobStatus.PUBLISHED


# ------------------------------------------------------------------ employer controls
def test_e2_1_the_employer_pauses_resumes_and_closes_a_live_job(employer, owner):
    job = JobFactory(employer=employer, published=True)
    services.job_pause(job_id=job.pk, actor=owner)
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED and not job.is_visible_to_students
    services.job_resume(job_id=job.pk, actor=owner)
    services.job_close(job_id=job.pk, actor=owner)
    job.refresh_from_db()
    assert job.status == JobStatus.CLOSED
    with pytest.raises(InvalidTransition):
        services.job_resume(job_id=job.pk, actor=owner)


def test_e2_1_a_colleague_may_manage_but_an_outsider_may_not(employer):
    job = JobFactory(employer=employer, published=True)
    colleague = EmployerMemberFactory(employer=employer).user
    services.job_pause(job_id=job.pk, actor=colleague)
    outsider = EmployerFactory(approved=True).members.get().user
    with pytest.raises(NotPermitted):
        services.job_resume(job_id=job.pk, actor=outsider)


# ------------------------------------------------------------------ revisions (J2.2)
def test_j2_2_a_material_edit_waits_for_review_while_students_see_the_approved_version(
        employer, owner, moderator):
    job = JobFactory(employer=employer, published=True, base_rate_fen=6000)
    data = {**{f: getattr(job, f) for f in services.ALL_FIELDS}, "base_rate_fen": 7000, "headcount": 5}
    revision = services.job_revise(job_id=job.pk, actor=owner, data=data,
                                   shifts=[ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()])
    job.refresh_from_db()
    # then: headcount changed at once, the pay waits for review
    assert isinstance(revision, JobRevision) and revision.status == JobRevision.Status.PENDING
    assert (job.headcount, job.base_rate_fen, job.status) == (5, 6000, JobStatus.PUBLISHED)
    # when: a moderator approves
    services.job_revision_approve(pk=revision.pk, actor=moderator)
    job.refresh_from_db()
    assert job.base_rate_fen == 7000 and job.hourly_pay_fen == 7000


def test_j2_2_a_rejected_revision_leaves_the_published_job_as_it_was(employer, owner, moderator):
    job = JobFactory(employer=employer, published=True)
    data = {**{f: getattr(job, f) for f in services.ALL_FIELDS}, "title": "新标题：周末数学家教"}
    revision = services.job_revise(job_id=job.pk, actor=owner, data=data,
                                   shifts=[ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()])
    services.job_revision_reject(pk=revision.pk, actor=moderator, reason="标题与内容不符")
    job.refresh_from_db()
    revision.refresh_from_db()
    assert job.title != "新标题：周末数学家教" and revision.status == JobRevision.Status.REJECTED


def test_j2_2_a_revision_demanding_fees_is_blocked(employer, owner):
    job = JobFactory(employer=employer, published=True)
    data = {**{f: getattr(job, f) for f in services.ALL_FIELDS}, "description": "需先交培训费 200 元"}
    with pytest.raises(services.ComplianceBlocked):
        services.job_revise(job_id=job.pk, actor=owner, data=data,
                            shifts=[ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()])
    assert not JobRevision.objects.exists()


def test_j2_2_a_new_revision_replaces_the_pending_one(employer, owner):
    job = JobFactory(employer=employer, published=True)
    current = [ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()]
    base = {f: getattr(job, f) for f in services.ALL_FIELDS}
    first = services.job_revise(job_id=job.pk, actor=owner, data={**base, "title": "版本一"}, shifts=current)
    second = services.job_revise(job_id=job.pk, actor=owner, data={**base, "title": "版本二"}, shifts=current)
    first.refresh_from_db()
    assert first.status == JobRevision.Status.WITHDRAWN and second.status == JobRevision.Status.PENDING


def test_e2_1_a_schedule_needs_shifts(employer, owner):
    with pytest.raises(DomainError):
        services.job_save_draft(employer_id=employer.pk, actor=owner, data=job_data(), shifts=[])
