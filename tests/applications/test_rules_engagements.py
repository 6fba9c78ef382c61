"""Engagements after the hire: changes of time or place need every hired
student's consent (J1.3), cancellations with and without notice (S3.1, E4.1),
reports of unlawful demands (S3.3) and loss claims (S3.2)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.models import (
    Attendance,
    AttendanceStatus,
    DemandReport,
    Engagement,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    LossClaim,
    ScheduleChange,
    ScheduleChangeAnswer,
)
from applications.services import (
    application_apply,
    application_hire,
    demand_report_accept,
    demand_report_dismiss,
    demand_report_file,
    engagement_cancel_by_employer,
    engagement_cancel_by_student,
    loss_claim_answer,
    loss_claim_decide,
    loss_claim_file,
    offer_accept,
    schedule_change_answer,
    schedule_change_propose,
    schedule_change_withdraw,
)
from applications.sweeps import applications_sweep
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.models import CreditEvent, Notification
from core.policy import policy_update
from jobs.models import Shift
from tests.factories.accounts import StaffFactory
from tests.factories.applications import EngagementFactory, approved_student
from tests.factories.jobs import JobFactory
from tests.support.files import pdf_upload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


NOW = aware(2025, 9, 25, 10, 0)  # Thursday before National Day 2025
FRIDAY, SATURDAY, MONDAY = dt.date(2025, 9, 26), dt.date(2025, 9, 27), dt.date(2025, 9, 29)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def job_with(shifts, **kwargs):
    return JobFactory(published=True, shifts=shifts, **kwargs)


def hire_on(job, **profile) -> Engagement:
    return EngagementFactory(application__job=job, application__student=approved_student(**profile))


def owner(job):
    return job.employer.members.first().user


def student_events(student) -> list[str]:
    return list(CreditEvent.objects.filter(subject_kind="student", subject_id=student.pk)
                .values_list("kind", flat=True))


def employer_events(employer) -> list[str]:
    return list(CreditEvent.objects.filter(subject_kind="employer", subject_id=employer.pk)
                .values_list("kind", flat=True))


# ------------------------------------------------------------------ changes of time or place (J1.3)
@pytest.fixture
def two_hired(clock):
    """A job with a Saturday shift 09:00–12:00 and two hired students."""
    job = job_with([(SATURDAY, "09:00", "12:00"), (MONDAY, "18:00", "21:00")], headcount=2)
    return job, hire_on(job), hire_on(job)


def propose_move(job, **kwargs):
    shift = job.shifts.get(date=SATURDAY)
    values = {"new_date": SATURDAY, "new_start": dt.time(13, 0), "new_end": dt.time(17, 0), **kwargs}
    return schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整", shift_id=shift.pk, **values)


def test_j1_3_nothing_changes_until_every_hired_student_answers(two_hired):
    # given
    job, first, second = two_hired
    # when: the employer proposes, one student accepts
    change = propose_move(job)
    schedule_change_answer(change_id=change.pk, student=first.student, accept=True)
    # then: the shift and the hours are as they were; both were asked
    change.refresh_from_db()
    shift = job.shifts.get(date=SATURDAY)
    assert change.status == ScheduleChange.Status.PROPOSED
    assert (shift.start_time, shift.end_time) == (dt.time(9), dt.time(12))
    assert set(Attendance.objects.filter(shift=shift).values_list("scheduled_minutes", flat=True)) == {180}
    for engagement in (first, second):
        assert Notification.objects.filter(recipient=engagement.student, subject__contains="change").count() == 1


def test_j1_3_all_accept_the_shift_moves_and_the_hours_follow(two_hired):
    # given
    job, first, second = two_hired
    change = propose_move(job)
    # when
    schedule_change_answer(change_id=change.pk, student=first.student, accept=True)
    schedule_change_answer(change_id=change.pk, student=second.student, accept=True)
    # then: 13:00–17:00, 240 minutes, hours due 48 h after the new end
    change.refresh_from_db()
    shift = Shift.objects.get(pk=change.shift_id)
    assert change.status == ScheduleChange.Status.APPLIED
    assert (shift.date, shift.start_time, shift.end_time) == (SATURDAY, dt.time(13), dt.time(17))
    rows = Attendance.objects.filter(shift=shift)
    assert [(r.scheduled_minutes, r.hours_due_at) for r in rows] == [(240, aware(2025, 9, 29, 17, 0))] * 2
    job.refresh_from_db()
    assert job.total_minutes == 240 + 180
    assert all(e.is_active for e in Engagement.objects.filter(job=job))


def test_j1_3_a_student_who_declines_is_released_without_penalty(two_hired):
    # given
    job, stays, leaves = two_hired
    change = propose_move(job)
    # when
    schedule_change_answer(change_id=change.pk, student=leaves.student, accept=False)
    after_decline = Engagement.objects.get(pk=leaves.pk).status
    schedule_change_answer(change_id=change.pk, student=stays.student, accept=True)
    # then: declining alone changed nothing; on apply the decliner is released, no credit event against them
    assert after_decline == EngagementStatus.ACTIVE
    leaves.refresh_from_db()
    stays.refresh_from_db()
    assert leaves.status == EngagementStatus.RELEASED
    assert stays.status == EngagementStatus.ACTIVE
    assert student_events(leaves.student) == []
    assert set(leaves.attendances.values_list("status", "hours_status")) == {
        (AttendanceStatus.CANCELLED, HoursStatus.NONE)}
    assert Notification.objects.filter(recipient=leaves.student, subject__contains="released").count() == 1
    assert Shift.objects.get(pk=change.shift_id).start_time == dt.time(13)


def test_j1_3_an_unanswered_change_lapses_and_nothing_changes(two_hired, clock):
    # given: only one student answered
    job, first, second = two_hired
    change = propose_move(job)
    schedule_change_answer(change_id=change.pk, student=first.student, accept=True)
    # when: the answer time passes and the sweep runs (twice)
    clock.move_to(change.respond_by)
    swept = applications_sweep()["changes_lapsed"]
    again = applications_sweep()["changes_lapsed"]
    # then
    change.refresh_from_db()
    assert (swept, again) == (1, 0)
    assert change.status == ScheduleChange.Status.LAPSED
    assert job.shifts.get(date=SATURDAY).start_time == dt.time(9)
    assert all(e.is_active for e in Engagement.objects.filter(job=job))
    with pytest.raises(InvalidTransition):
        schedule_change_answer(change_id=change.pk, student=second.student, accept=True)
    assert Notification.objects.filter(recipient=owner(job), subject__contains="lapsed").count() == 1


def test_j1_3_the_answer_time_ends_before_the_shift_moved_earlier(clock):
    # given: a shift on Monday, hired; the employer wants it on Friday instead
    job = job_with([(MONDAY, "18:00", "21:00")])
    hire_on(job)
    # when
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="提前", shift_id=job.shifts.get().pk,
                                     new_date=FRIDAY, new_start=dt.time(9), new_end=dt.time(12))
    # then: the students must answer before the new start, not only before the old one
    assert change.respond_by <= aware(2025, 9, 26, 9, 0)


def test_j1_3_a_night_time_change_is_refused_when_a_minor_is_hired(clock):
    # given: a 17-year-old hired for a day shift
    job = job_with([(SATURDAY, "09:00", "12:00")])
    hire_on(job, is_minor_worker=True, date_of_birth=dt.date(2008, 5, 1))
    # when / then
    with pytest.raises(DomainError) as refused:
        propose_move(job, new_start=dt.time(20, 0), new_end=dt.time(23, 0))
    assert refused.value.field == "new_start"
    assert not ScheduleChange.objects.exists()


def test_j1_3_a_change_of_workplace_takes_effect_once_all_accept(two_hired):
    # given
    job, first, second = two_hired
    # when
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="搬迁", new_address="天钥桥路 1 号")
    schedule_change_answer(change_id=change.pk, student=first.student, accept=True)
    job.refresh_from_db()
    before = job.address
    schedule_change_answer(change_id=change.pk, student=second.student, accept=True)
    # then
    job.refresh_from_db()
    assert before == "漕溪北路 88 号"
    assert job.address == "天钥桥路 1 号"


def test_j1_3_a_student_hired_while_a_change_is_open_is_asked_too(clock):
    # given: one hired student, one offer open; the employer proposes a change
    job = job_with([(SATURDAY, "09:00", "12:00")], headcount=2)
    first = hire_on(job)
    newcomer = approved_student()
    application = application_apply(job_id=job.pk, student=newcomer, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner(job))
    change = propose_move(job)
    # when: the newcomer accepts the offer, then the first student accepts the change
    engagement = offer_accept(application_id=application.pk, student=newcomer)
    schedule_change_answer(change_id=change.pk, student=first.student, accept=True)
    # then: the change waits for the newcomer's consent too
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.PROPOSED
    assert change.answers.get(engagement=engagement).answer == ScheduleChangeAnswer.Answer.PENDING
    schedule_change_answer(change_id=change.pk, student=newcomer, accept=True)
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.APPLIED


def test_j1_3_only_hired_students_answer_and_only_members_withdraw(two_hired):
    # given
    job, first, _second = two_hired
    change = propose_move(job)
    # when / then
    with pytest.raises(NotPermitted):
        schedule_change_answer(change_id=change.pk, student=approved_student(), accept=True)
    with pytest.raises(NotPermitted):
        schedule_change_withdraw(change_id=change.pk, actor=first.student)
    schedule_change_withdraw(change_id=change.pk, actor=owner(job))
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.WITHDRAWN
    assert job.shifts.get(date=SATURDAY).start_time == dt.time(9)


# ------------------------------------------------------------------ cancellation (S3.1, E4.1)
def test_s3_1_a_student_cancelling_with_notice_is_not_penalised(clock):
    # given: the next shift starts Friday 26 Sep 10:00, exactly 24 hours (policy) from now
    job = job_with([(FRIDAY, "10:00", "13:00"), (SATURDAY, "10:00", "13:00")])
    engagement = hire_on(job)
    # when
    engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason="家里有事")
    # then
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CANCELLED_BY_STUDENT
    assert engagement.late_cancellation is False
    assert engagement.end_reason == "家里有事"
    assert student_events(engagement.student) == ["cancellation_with_notice"]
    assert set(engagement.attendances.values_list("status", flat=True)) == {AttendanceStatus.CANCELLED}
    assert Notification.objects.filter(recipient=owner(job), subject__contains="cancelled").count() == 1


def test_s3_1_a_student_cancelling_later_is_a_late_cancellation(clock):
    # given: the shift starts in 23 h 59 min
    job = job_with([(FRIDAY, "09:59", "12:00")])
    engagement = hire_on(job)
    # when
    engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason="生病")
    # then
    engagement.refresh_from_db()
    assert engagement.late_cancellation is True
    assert student_events(engagement.student) == ["late_cancellation"]
    assert EngagementItem.objects.count() == 0


def test_s3_1_a_cancellation_needs_a_reason(clock):
    # given
    engagement = hire_on(job_with([(FRIDAY, "18:00", "21:00")]))
    # when / then
    with pytest.raises(ReasonRequired):
        engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason=" ")
    with pytest.raises(ReasonRequired):
        engagement_cancel_by_employer(engagement_id=engagement.pk, actor=owner(engagement.job), reason="")
    engagement.refresh_from_db()
    assert engagement.is_active


def test_e4_1_an_employers_late_cancellation_owes_the_student_compensation(clock):
    # given: 25.37 yuan an hour; a 125-minute shift tomorrow morning (short notice) and one next week
    policy_update(actor=None, changes={"late_cancel_compensation_percent": 30})
    job = job_with([(FRIDAY, "08:00", "10:05"), (dt.date(2025, 10, 9), "08:00", "10:00")], base_rate_fen=2537)
    engagement = hire_on(job)
    # when
    engagement_cancel_by_employer(engagement_id=engagement.pk, actor=owner(job), reason="活动取消")
    # then: only the short-notice shift counts; integer fen, rounded down at each step
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CANCELLED_BY_EMPLOYER
    assert engagement.late_cancellation is True
    item = EngagementItem.objects.get(engagement=engagement)
    assert item.kind == EngagementItem.Kind.LATE_CANCELLATION
    assert item.amount_fen == 2537 * 125 // 60 * 30 // 100 == 1585
    assert employer_events(job.employer) == ["late_cancellation"]
    assert student_events(engagement.student) == []
    assert Notification.objects.filter(recipient=engagement.student, subject__contains="cancelled").count() == 1


def test_e4_1_an_employers_cancellation_with_notice_owes_nothing(clock):
    # given: the first shift is two days away
    job = job_with([(SATURDAY, "18:00", "21:00")])
    engagement = hire_on(job)
    # when
    engagement_cancel_by_employer(engagement_id=engagement.pk, actor=owner(job), reason="人员调整")
    # then
    engagement.refresh_from_db()
    assert engagement.late_cancellation is False
    assert not EngagementItem.objects.exists()
    assert employer_events(job.employer) == ["cancellation_with_notice"]


def test_e4_1_only_the_employers_members_cancel_for_it(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    other = hire_on(job_with([(SATURDAY, "09:00", "12:00")]))
    # when / then
    with pytest.raises(NotPermitted):
        engagement_cancel_by_employer(engagement_id=engagement.pk, actor=owner(other.job), reason="x")
    with pytest.raises(NotPermitted):
        engagement_cancel_by_student(engagement_id=engagement.pk, student=other.student, reason="x")


# ------------------------------------------------------------------ unlawful demands (S3.3)
def report(engagement, *, leaves: bool) -> DemandReport:
    return demand_report_file(engagement_id=engagement.pk, student=engagement.student, kind="unpaid_overtime",
                              description="要求每天多干两小时不给钱", refuses_and_leaves=leaves)


def test_s3_3_a_confirmed_report_releases_the_refusing_student_without_penalty(clock):
    # given: the student refuses the demand and wants to leave
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = report(engagement, leaves=True)
    moderator = StaffFactory(role="moderator")
    # when
    demand_report_accept(pk=filed.pk, actor=moderator, reason="核实属实")
    # then
    filed.refresh_from_db()
    engagement.refresh_from_db()
    assert filed.status == DemandReport.Status.ACCEPTED
    assert filed.due_at == NOW + dt.timedelta(hours=24)
    assert engagement.status == EngagementStatus.RELEASED
    assert student_events(engagement.student) == []
    assert employer_events(engagement.employer) == ["violation_unpaid_overtime"]


def test_s3_3_a_confirmed_report_of_a_student_who_stays_keeps_the_engagement(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = report(engagement, leaves=False)
    # when
    demand_report_accept(pk=filed.pk, actor=StaffFactory(role="moderator"), reason="核实属实")
    # then
    engagement.refresh_from_db()
    assert engagement.is_active
    assert employer_events(engagement.employer) == ["violation_unpaid_overtime"]


def test_s3_3_the_employer_is_not_penalised_until_a_report_is_confirmed(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = report(engagement, leaves=True)
    # when: staff without the case permission try; then a moderator dismisses it
    with pytest.raises(NotPermitted):
        demand_report_accept(pk=filed.pk, actor=StaffFactory(role="operations"), reason="x")
    with pytest.raises(NotPermitted):
        demand_report_accept(pk=filed.pk, actor=owner(engagement.job), reason="x")
    demand_report_dismiss(pk=filed.pk, actor=StaffFactory(role="moderator"), reason="证据不足")
    # then
    filed.refresh_from_db()
    engagement.refresh_from_db()
    assert filed.status == DemandReport.Status.DISMISSED
    assert engagement.is_active
    assert CreditEvent.objects.count() == 0


# ------------------------------------------------------------------ losses (S3.2)
def claim(engagement, amount=20000) -> LossClaim:
    return loss_claim_file(engagement_id=engagement.pk, actor=owner(engagement.job), amount_fen=amount,
                           description="打碎了一台平板", evidence=pdf_upload("receipt.pdf"))


def test_s3_2_nothing_is_deducted_until_the_student_agrees(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = claim(engagement)
    # then: filed, nothing owed yet
    assert not EngagementItem.objects.exists()
    # when: the student agrees
    loss_claim_answer(claim_id=filed.pk, student=engagement.student, agree=True, answer="是我的责任")
    # then: a separate, visible negative item for the amount claimed
    filed.refresh_from_db()
    assert filed.status == LossClaim.Status.AGREED
    item = EngagementItem.objects.get(engagement=engagement)
    assert (item.kind, item.amount_fen) == (EngagementItem.Kind.LOSS, -20000)


def test_s3_2_a_contested_claim_waits_for_staff_whose_amount_is_capped_at_the_claim(clock):
    # given: the student contests
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = claim(engagement)
    loss_claim_answer(claim_id=filed.pk, student=engagement.student, agree=False, answer="平板本来就坏了")
    assert not EngagementItem.objects.exists()
    moderator = StaffFactory(role="moderator")
    # when: staff try more than claimed, then uphold part of it
    with pytest.raises(DomainError):
        loss_claim_decide(pk=filed.pk, actor=moderator, uphold=True, reason="部分责任", amount_fen=20001)
    loss_claim_decide(pk=filed.pk, actor=moderator, uphold=True, reason="部分责任", amount_fen=8000)
    # then
    filed.refresh_from_db()
    assert (filed.status, filed.decided_amount_fen) == (LossClaim.Status.UPHELD, 8000)
    assert list(EngagementItem.objects.values_list("amount_fen", flat=True)) == [-8000]
    assert student_events(engagement.student) == ["loss_caused"]


def test_s3_2_a_dismissed_claim_costs_the_student_nothing(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    filed = claim(engagement)
    loss_claim_answer(claim_id=filed.pk, student=engagement.student, agree=False, answer="不是我")
    # when: an employer cannot decide; staff dismiss
    with pytest.raises(NotPermitted):
        loss_claim_decide(pk=filed.pk, actor=owner(engagement.job), uphold=True, reason="x")
    loss_claim_decide(pk=filed.pk, actor=StaffFactory(role="moderator"), uphold=False, reason="证据不足")
    # then
    filed.refresh_from_db()
    assert filed.status == LossClaim.Status.DISMISSED
    assert not EngagementItem.objects.exists()
    assert student_events(engagement.student) == []


def test_s3_2_a_claim_needs_evidence_and_an_amount(clock):
    # given
    engagement = hire_on(job_with([(SATURDAY, "18:00", "21:00")]))
    # when / then
    with pytest.raises(DomainError) as no_evidence:
        loss_claim_file(engagement_id=engagement.pk, actor=owner(engagement.job), amount_fen=100,
                        description="损坏", evidence=None)
    with pytest.raises(DomainError) as no_amount:
        loss_claim_file(engagement_id=engagement.pk, actor=owner(engagement.job), amount_fen=0,
                        description="损坏", evidence=pdf_upload())
    assert (no_evidence.value.field, no_amount.value.field) == ("evidence", "amount_fen")
    assert not LossClaim.objects.exists()
