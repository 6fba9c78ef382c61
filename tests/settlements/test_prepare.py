"""Preparing statements from final hours (S4.1, J1.2, E4.1, S3.2, F1): the
service, the sweep and its task."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.models import EngagementStatus
from applications.services import engagement_cancel_by_employer, engagement_cancel_by_student, hours_confirm
from core.history import history_for
from core.models import Notification
from core.policy import policy_update
from settlements.models import Settlement, SettlementStatus
from settlements.services import settlement_prepare
from settlements.statement import LineKind
from settlements.sweeps import settlements_prepare_due
from settlements.tasks import settlements_prepare_task
from tests.factories.accounts import StaffFactory
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory
from tests.factories.settlements import CANCELLED, NO_SHOW, agreed_loss, low_minimum_city, worked_engagement

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


NOW = aware(2025, 9, 22, 10, 0)  # a Monday
TUESDAY, WEDNESDAY = dt.date(2025, 9, 23), dt.date(2025, 9, 24)


def kinds_and_amounts(settlement: Settlement) -> list[tuple[str, int]]:
    return list(settlement.lines.order_by("order").values_list("kind", "amount_fen"))


# ------------------------------------------------------------------ the service
def test_s4_1_a_completed_engagement_gets_a_ready_statement_from_its_final_hours():
    # given: ¥25.00 an hour, ¥15 meal a shift; 3 h worked, then a no-show
    engagement = worked_engagement(hours=[(180, 30), NO_SHOW], base_rate_fen=2500, meal_allowance_fen=1500)
    # when
    settlement = settlement_prepare(engagement_id=engagement.pk)
    # then
    assert settlement.status == SettlementStatus.READY
    assert kinds_and_amounts(settlement) == [
        (LineKind.BASE, 7500), (LineKind.OVERTIME, 1875), (LineKind.MEAL, 1500), (LineKind.COMMISSION, 1088)]
    assert settlement.student_total_fen == 7500 + 1875 + 1500
    assert settlement.employer_total_fen == settlement.student_total_fen + 1088
    assert (settlement.student_id, settlement.employer_id) == (engagement.student_id, engagement.employer_id)
    assert [(h.from_state, h.to_state) for h in history_for(settlement)] == [("", "ready")]
    assert Notification.objects.filter(recipient=engagement.student, subject__contains="pay statement").count() == 1


def test_s4_1_preparing_again_changes_nothing():
    # given: a ready statement
    engagement = worked_engagement(hours=[(180, 0), (120, 0)])
    first = settlement_prepare(engagement_id=engagement.pk)
    line_ids = list(first.lines.values_list("pk", flat=True))
    # when: prepared again (a redelivered task, a second worker)
    second = settlement_prepare(engagement_id=engagement.pk)
    # then: the same settlement and lines, one history row, one notification
    assert second.pk == first.pk and Settlement.objects.count() == 1
    assert list(second.lines.values_list("pk", flat=True)) == line_ids
    assert history_for(second).count() == 1
    assert Notification.objects.filter(recipient=engagement.student).count() == 1


def test_f1_the_commission_percent_comes_from_the_policy():
    # given: the policy charges 12%
    policy_update(actor=StaffFactory(role="manager"), changes={"commission_percent": 12})
    engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500)
    # when
    settlement = settlement_prepare(engagement_id=engagement.pk)
    # then: on top of the student's 7500
    assert (settlement.commission_percent, settlement.commission_fen) == (12, 900)
    assert (settlement.student_total_fen, settlement.employer_total_fen) == (7500, 8400)


def test_s4_1_an_engagement_with_no_shift_worked_still_gets_a_zero_statement_when_completed():
    # given: every shift a no-show
    engagement = worked_engagement(hours=[NO_SHOW, NO_SHOW])
    # when
    settlement = settlement_prepare(engagement_id=engagement.pk)
    # then: the student sees that nothing is owed, and why
    assert settlement.status == SettlementStatus.READY
    assert settlement.student_total_fen == settlement.employer_total_fen == 0
    assert kinds_and_amounts(settlement) == [(LineKind.COMMISSION, 0)]
    assert not Notification.objects.filter(subject__contains="pay statement").exists()


def test_s4_1_a_cancelled_engagement_with_worked_hours_gets_a_statement():
    # given: one shift worked, then the student cancelled the rest
    engagement = worked_engagement(hours=[(180, 0), CANCELLED], status=EngagementStatus.CANCELLED_BY_STUDENT,
                                   base_rate_fen=2500)
    # when
    settlement = settlement_prepare(engagement_id=engagement.pk)
    # then: the hours worked before the cancellation are paid
    assert settlement.status == SettlementStatus.READY
    assert kinds_and_amounts(settlement)[0] == (LineKind.BASE, 7500)


def test_s4_1_an_engagement_cancelled_before_any_work_gets_no_statement():
    # given
    engagement = worked_engagement(hours=[CANCELLED], status=EngagementStatus.CANCELLED_BY_STUDENT)
    # when
    result = settlement_prepare(engagement_id=engagement.pk)
    # then
    assert result is None
    assert not Settlement.objects.exists()


def test_s4_1_an_active_engagement_has_a_draft_statement_until_its_hours_are_final():
    # given: hired, nothing worked yet
    engagement = EngagementFactory()
    # when
    settlement = settlement_prepare(engagement_id=engagement.pk)
    # then
    assert settlement.status == SettlementStatus.DRAFT
    assert settlement.pending_shifts == 1
    assert not Notification.objects.filter(subject__contains="pay statement").exists()


# ------------------------------------------------------------------ with the real services and the sweep
def test_s4_1_hours_worked_before_a_cancellation_are_settled_once_their_dispute_window_closes():
    # given: two shifts; the employer confirms the first, then the student cancels the second late
    with time_machine.travel(NOW, tick=False):
        job = JobFactory(published=True, base_rate_fen=2500,
                         shifts=[(TUESDAY, "18:00", "21:00"), (WEDNESDAY, "18:00", "21:00")])
        engagement = EngagementFactory(application__job=job)
    member = job.employer.members.get().user
    first = engagement.attendances.order_by("shift__date").first()
    with time_machine.travel(aware(2025, 9, 23, 21, 30), tick=False):
        hours_confirm(attendance_id=first.pk, actor=member, minutes=170)
    with time_machine.travel(aware(2025, 9, 23, 22, 0), tick=False):
        engagement_cancel_by_student(engagement_id=engagement.pk, student=engagement.student, reason="生病了")
        # when: the sweep runs while the student may still dispute the hours (72 h)
        assert settlements_prepare_due() == 0
        draft = settlement_prepare(engagement_id=engagement.pk)
    # then: a provisional statement only
    assert draft.status == SettlementStatus.DRAFT and draft.pending_shifts == 1
    # when: the dispute window has closed
    with time_machine.travel(aware(2025, 9, 27, 10, 0), tick=False):
        prepared = settlements_prepare_due()
    # then: 170 minutes at ¥25.00 = 7083.33 → 7083
    draft.refresh_from_db()
    assert prepared == 1
    assert draft.status == SettlementStatus.READY
    assert kinds_and_amounts(draft)[0] == (LineKind.BASE, 7083)
    assert [(h.from_state, h.to_state) for h in history_for(draft).order_by("created_at", "id")] == [
        ("", "draft"), ("draft", "ready")]


def test_e4_1_compensation_for_an_employers_late_cancellation_is_settled():
    # given: the employer cancels 8 hours before the only shift (notice: 24 h)
    with time_machine.travel(NOW, tick=False):
        job = JobFactory(published=True, base_rate_fen=2500, shifts=[(TUESDAY, "18:00", "21:00")])
        engagement = EngagementFactory(application__job=job)
    with time_machine.travel(aware(2025, 9, 23, 10, 0), tick=False):
        engagement_cancel_by_employer(engagement_id=engagement.pk, actor=job.employer.members.get().user,
                                      reason="活动取消")
        # when
        settlements_prepare_due()
    # then: 50% of the 3 hours' pay, with commission on it
    settlement = Settlement.objects.get(engagement=engagement)
    assert settlement.status == SettlementStatus.READY
    assert kinds_and_amounts(settlement) == [(LineKind.COMPENSATION, 3750), (LineKind.COMMISSION, 375)]


def test_s3_2_a_loss_decided_after_the_statement_is_ready_is_added_as_its_own_line():
    # given: a ready statement
    with time_machine.travel(NOW, tick=False):
        engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500, city=low_minimum_city())
        settlement = settlement_prepare(engagement_id=engagement.pk)
    # when: a loss the student agreed to is recorded, and the sweep runs
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        claim = agreed_loss(engagement, 1500)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        assert settlements_prepare_due() == 1
        # then: up to date, so the next run finds nothing
        assert settlements_prepare_due() == 0
    settlement.refresh_from_db()
    assert kinds_and_amounts(settlement) == [(LineKind.BASE, 7500), (LineKind.LOSS, -1500),
                                             (LineKind.COMMISSION, 750)]
    assert settlement.lines.get(kind=LineKind.LOSS).loss_claim == claim
    assert (settlement.student_total_fen, settlement.employer_total_fen) == (6000, 6750)
    recompute = history_for(settlement).filter(transition="recompute").get()
    assert recompute.reason == "¥75.00 → ¥60.00"


def test_s4_1_the_task_prepares_each_due_statement_once_however_often_it_runs():
    # given: two completed engagements, one cancelled without work, one still active
    worked_engagement(hours=[(180, 0)])
    worked_engagement(hours=[NO_SHOW])
    worked_engagement(hours=[CANCELLED], status=EngagementStatus.CANCELLED_BY_EMPLOYER)
    EngagementFactory()
    # when: beat fires twice (or the message is redelivered)
    first, second = settlements_prepare_task.delay().get(), settlements_prepare_task.delay().get()
    # then
    assert (first, second) == (2, 0)
    assert Settlement.objects.filter(status=SettlementStatus.READY).count() == 2


def test_s4_1_the_sweep_selects_due_engagements_in_one_query(django_assert_num_queries):
    # given: nothing due
    worked_engagement(hours=[CANCELLED], status=EngagementStatus.RELEASED)
    # when / then: the selection is a single set-based query
    with django_assert_num_queries(1):
        assert settlements_prepare_due() == 0
