"""P3: managers appraise staff, freezing the measured indicators; rewards and penalties."""

import datetime as dt

import pytest
import time_machine

from core.errors import DomainError, NotPermitted
from core.history import history_for
from core.models import Notification
from jobs.models import Job
from operations.appraisal import reward_or_penalty_record, staff_appraisal_create, staff_indicators
from operations.models import RewardOrPenalty, StaffAppraisal
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.operations import decision, local

OCTOBER = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}
MARKS = {"results": 4, "attitude": 5, "teamwork": 3}
NOVEMBER = local(2026, 11, 5)


@pytest.fixture
def manager(db):
    return StaffFactory(role="manager")


@pytest.fixture
def moderator(db):
    return StaffFactory(role="moderator")


def _appraise(actor, staff, **extra):
    with time_machine.travel(NOVEMBER, tick=False):
        return staff_appraisal_create(actor=actor, staff_id=staff.pk, **OCTOBER, **MARKS, **extra)


def test_p3_manager_appraises_and_the_indicators_are_frozen(manager, moderator):
    # given: two decisions in October
    for n in range(2):
        decision(model=Job, object_id=n, transition="approve", actor=moderator, at=local(2026, 10, 10 + n))
    # when
    appraisal = _appraise(manager, moderator, comments="Steady work.")
    # then
    assert appraisal.indicators["decisions"] == 2 and (appraisal.results, appraisal.attitude) == (4, 5)
    assert [h.transition for h in history_for(appraisal)] == ["appraise"]
    assert Notification.objects.filter(recipient=moderator, subject="You have a new appraisal").exists()
    # when: a late history row lands in October after the appraisal was written
    decision(model=Job, object_id=9, transition="reject", actor=moderator, at=local(2026, 10, 30))
    # then: the live figure moves, the saved appraisal does not
    assert staff_indicators(staff=moderator, start=OCTOBER["period_start"], end=OCTOBER["period_end"])[
        "decisions"] == 3
    appraisal.refresh_from_db()
    assert appraisal.indicators["decisions"] == 2


def test_p3_nobody_appraises_themselves(manager):
    with pytest.raises(DomainError, match="cannot appraise yourself"):
        _appraise(manager, manager)
    assert not StaffAppraisal.objects.exists()


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations", "finance", "auditor"])
def test_p3_only_managers_appraise(role, moderator):
    with pytest.raises(NotPermitted):
        _appraise(StaffFactory(role=role), moderator)


def test_p3_one_appraisal_per_staff_member_and_period(manager, moderator):
    # given
    _appraise(manager, moderator)
    # when / then: not by the same manager, nor by another
    for actor in (manager, StaffFactory(role="manager")):
        with pytest.raises(DomainError, match="already has an appraisal for this period"):
            _appraise(actor, moderator)
    assert StaffAppraisal.objects.count() == 1


def test_p3_only_staff_are_appraised_with_marks_from_1_to_5(manager, moderator):
    with pytest.raises(DomainError, match="Only staff"):
        _appraise(manager, UserFactory(kind="student"))
    with pytest.raises(DomainError, match="from 1 to 5"):
        with time_machine.travel(NOVEMBER, tick=False):
            staff_appraisal_create(actor=manager, staff_id=moderator.pk, **OCTOBER, results=6, attitude=5,
                                   teamwork=3)
    with pytest.raises(DomainError, match="period that has ended"):
        with time_machine.travel(local(2026, 10, 20), tick=False):
            staff_appraisal_create(actor=manager, staff_id=moderator.pk, **OCTOBER, **MARKS)


def test_p3_a_reward_recorded_with_the_appraisal(manager, moderator):
    # when
    appraisal = _appraise(manager, moderator, outcome_kind="reward", outcome_amount_fen=50000,
                          outcome_reason="Cleared the backlog.")
    # then
    record = RewardOrPenalty.objects.get()
    assert (record.staff, record.kind, record.amount_fen, record.appraisal) == (moderator, "reward", 50000, appraisal)
    assert record.recorded_by == manager


def test_p3_rewards_and_penalties_never_for_oneself(manager):
    with pytest.raises(DomainError, match="for yourself"):
        reward_or_penalty_record(actor=manager, staff_id=manager.pk, kind="reward", reason="me")
    assert not RewardOrPenalty.objects.exists()


def test_p3_a_penalty_needs_a_reason_and_a_manager(manager, moderator):
    with pytest.raises(DomainError):
        reward_or_penalty_record(actor=manager, staff_id=moderator.pk, kind="penalty", reason=" ")
    with pytest.raises(NotPermitted):
        reward_or_penalty_record(actor=StaffFactory(role="operations"), staff_id=moderator.pk, kind="penalty",
                                 reason="late")
    with pytest.raises(DomainError):
        reward_or_penalty_record(actor=manager, staff_id=moderator.pk, kind="penalty", reason="late",
                                 amount_fen=-1)
    record = reward_or_penalty_record(actor=manager, staff_id=moderator.pk, kind="penalty", reason="late",
                                      amount_fen=2000)
    assert record.kind == "penalty" and [h.transition for h in history_for(record)] == ["record"]
