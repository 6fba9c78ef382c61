"""P2.3: each week a random sample of decisions is re-read by another moderator."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError

from core.errors import InvalidTransition, NotPermitted, ReasonRequired
from core.models import Notification
from jobs.models import Job
from moderation.decision_checks import (
    SAMPLE_SIZE,
    DecisionCheck,
    decision_check_agreement,
    decision_check_record,
    decision_check_sample,
)
from moderation.tasks import decision_check_sample_task
from tests.factories.accounts import StaffFactory
from tests.factories.operations import decision, local

WEEK = dt.date(2026, 11, 9)  # a Monday


def _decisions(moderator, count: int, *, day=WEEK, first_id=1):
    return [decision(model=Job, object_id=first_id + n, transition="approve", actor=moderator,
                     at=local(day.year, day.month, day.day, 10) + dt.timedelta(minutes=n)) for n in range(count)]


@pytest.fixture
def three_moderators(db):
    return [StaffFactory(role="moderator") for _ in range(3)]


def test_p2_3_sample_takes_n_of_last_weeks_decisions_each_for_another_moderator(three_moderators):
    # given: 20 decisions last week by two moderators, 5 the week before, 5 this week
    a, b, _c = three_moderators
    _decisions(a, 12, first_id=1)
    _decisions(b, 8, first_id=100)
    _decisions(a, 5, day=WEEK - dt.timedelta(days=7), first_id=200)
    _decisions(a, 5, day=WEEK + dt.timedelta(days=7), first_id=300)
    # when: beat runs on Monday 16 November 09:00
    with time_machine.travel(local(2026, 11, 16, 9), tick=False):
        result = decision_check_sample()
    # then
    checks = list(DecisionCheck.objects.select_related("decision"))
    assert result.week == WEEK and len(checks) == SAMPLE_SIZE
    assert all(WEEK <= r.decision.created_at.astimezone(local(2026, 1, 1).tzinfo).date() < WEEK + dt.timedelta(7)
               for r in checks)
    assert all(r.checker_id is not None and r.checker_id != r.decider_id for r in checks)
    assert all(r.decider_id == r.decision.actor_id and r.week == WEEK for r in checks)
    assert len({r.checker_id for r in checks}) == 3  # spread round robin over the moderators


def test_p2_3_sample_is_seeded_reproducible_and_idempotent_per_week(three_moderators):
    # given
    a, _b, _c = three_moderators
    entries = _decisions(a, 30)
    # when
    first = decision_check_sample(week=WEEK)
    again = decision_check_sample(week=WEEK)
    # then: the same week is never drawn twice
    assert len(first.created) == SAMPLE_SIZE and again.created == []
    assert DecisionCheck.objects.count() == SAMPLE_SIZE
    # and the draw is the week's seeded draw: running it afresh picks the same decisions
    drawn = set(DecisionCheck.objects.values_list("decision_id", flat=True))
    DecisionCheck.objects.all().delete()
    decision_check_sample(week=WEEK)
    assert set(DecisionCheck.objects.values_list("decision_id", flat=True)) == drawn
    assert drawn < {e.pk for e in entries}


def test_p2_3_a_decision_is_never_checked_by_its_decider_even_with_one_moderator(db):
    # given: the only moderator made every decision
    alone = StaffFactory(role="moderator")
    _decisions(alone, 3)
    # when
    result = decision_check_sample(week=WEEK)
    # then: left unassigned and reported
    assert len(result.unassigned) == 3
    assert not DecisionCheck.objects.filter(checker__isnull=False).exists()
    # when: a second moderator joins and the task runs again for the week
    colleague = StaffFactory(role="moderator")
    again = decision_check_sample(week=WEEK)
    # then: the same rows are now given to the colleague, nothing new drawn
    assert again.created == [] and len(again.assigned_late) == 3
    assert set(DecisionCheck.objects.values_list("checker_id", flat=True)) == {colleague.pk}


def test_p2_3_the_database_refuses_a_check_by_the_decider(three_moderators):
    a = three_moderators[0]
    entry = _decisions(a, 1)[0]
    with pytest.raises(IntegrityError):
        DecisionCheck.objects.create(decision=entry, decider=a, checker=a, week=WEEK)


def test_p2_3_beat_task_samples_last_week_and_tells_checkers(three_moderators):
    # given
    a, b, c = three_moderators
    _decisions(a, 2)
    # when
    with time_machine.travel(local(2026, 11, 16, 9), tick=False):
        summary = decision_check_sample_task()
    # then
    assert summary == {"week": "2026-11-09", "created": 2, "assigned_late": 0, "unassigned": 0}
    assert Notification.objects.filter(recipient__in=[b, c], subject="Decisions to check this week").count() == 2


@pytest.fixture
def assigned(three_moderators):
    a, b, c = three_moderators
    entry = _decisions(a, 1)[0]
    return DecisionCheck.objects.create(decision=entry, decider=a, checker=b, week=WEEK), a, b, c


def test_p2_3_the_assigned_moderator_records_agreement(assigned):
    # given
    check, _a, b, _c = assigned
    # when
    decision_check_record(check_id=check.pk, actor=b, agrees=True)
    # then
    check.refresh_from_db()
    assert check.agrees is True and check.checked_at is not None


def test_p2_3_a_disagreement_needs_notes_and_tells_the_decider(assigned):
    # given
    check, a, b, _c = assigned
    # when / then
    with pytest.raises(ReasonRequired):
        decision_check_record(check_id=check.pk, actor=b, agrees=False, notes=" ")
    decision_check_record(check_id=check.pk, actor=b, agrees=False, notes="The licence was expired.")
    check.refresh_from_db()
    assert check.agrees is False and check.notes == "The licence was expired."
    assert Notification.objects.filter(recipient=a, body__contains="The licence was expired.").exists()


def test_p2_3_only_the_assigned_moderator_records_and_only_once(assigned):
    # given
    check, a, b, c = assigned
    # when / then
    for other in (a, c, StaffFactory(role="manager")):
        with pytest.raises(NotPermitted):
            decision_check_record(check_id=check.pk, actor=other, agrees=True)
    decision_check_record(check_id=check.pk, actor=b, agrees=True)
    with pytest.raises(InvalidTransition):
        decision_check_record(check_id=check.pk, actor=b, agrees=False, notes="changed my mind")


def test_p2_3_agreement_rate_per_week_and_per_moderator(three_moderators):
    # given: A's decisions reviewed 3 agree / 1 disagree in one week; B's 1 disagree the next
    a, b, c = three_moderators
    for n, agrees in enumerate([True, True, True, False]):
        entry = _decisions(a, 1, first_id=10 + n)[0]
        DecisionCheck.objects.create(decision=entry, decider=a, checker=c, week=WEEK, agrees=agrees)
    entry = _decisions(b, 1, day=WEEK + dt.timedelta(days=7), first_id=50)[0]
    DecisionCheck.objects.create(decision=entry, decider=b, checker=c, week=WEEK + dt.timedelta(days=7),
                                  agrees=False)
    pending = _decisions(b, 1, first_id=60)[0]
    DecisionCheck.objects.create(decision=pending, decider=b, checker=c, week=WEEK)  # no verdict yet
    # when
    figures = decision_check_agreement(start=WEEK, end=WEEK + dt.timedelta(days=13))
    # then
    assert [(r["week"], r["checked"], r["agreed"], r["rate"]) for r in figures["by_week"]] == [
        (WEEK + dt.timedelta(days=7), 1, 0, 0.0), (WEEK, 4, 3, 75.0)]
    by_moderator = {r["decider_id"]: (r["checked"], r["agreed"], r["rate"]) for r in figures["by_moderator"]}
    assert by_moderator == {a.pk: (4, 3, 75.0), b.pk: (1, 0, 0.0)}


def test_p2_3_rows_left_unassigned_are_given_out_at_a_later_weeks_run(db):
    # given: last week's sample drawn while only its decider was a moderator
    alone = StaffFactory(role="moderator")
    _decisions(alone, 2)
    decision_check_sample(week=WEEK)
    colleague = StaffFactory(role="moderator")
    # when: the next Monday's run draws the following week (nothing to draw) …
    result = decision_check_sample(week=WEEK + dt.timedelta(days=7))
    # then: … and hands out the waiting rows
    assert result.created == [] and len(result.assigned_late) == 2 and result.unassigned == []
    assert set(DecisionCheck.objects.values_list("checker_id", flat=True)) == {colleague.pk}


def test_p2_3_beat_samples_every_monday_at_nine_shanghai_time():
    from django.conf import settings

    from config.celery import app

    entry = app.conf.beat_schedule["moderation-decision-check"]
    assert entry["task"] == "moderation.tasks.decision_check_sample_task"
    assert (entry["schedule"].hour, entry["schedule"].minute, entry["schedule"].day_of_week) == ({9}, {0}, {1})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
