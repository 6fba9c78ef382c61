"""P3: the indicators measured per staff member, on a hand-made month."""

import datetime as dt

import pytest

from accounts.models import StudentProfile
from employers.models import Employer
from jobs.models import Job
from moderation.decision_checks import DecisionCheck
from moderation.models import Report
from operations.appraisal import last_month, staff_indicators, staff_indicators_all
from tests.factories.accounts import StaffFactory
from tests.factories.operations import decision, handled_ticket, local

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@pytest.fixture
def moderators(db):
    return StaffFactory(role="moderator"), StaffFactory(role="moderator")


@pytest.fixture
def october_decisions(moderators):
    """Moderator A's October: seven decisions, three of them reversed."""
    a, b = moderators
    # 1. A approves job 1; B takes it down 15 days later → reversed.
    decision(model=Job, object_id=1, transition="approve", actor=a, at=local(2026, 10, 5))
    decision(model=Job, object_id=1, transition="take_down", actor=b, at=local(2026, 10, 20))
    # 2. A rejects a student; B approves the registration a week later → reversed.
    decision(model=StudentProfile, object_id=1, transition="reject", actor=a, at=local(2026, 10, 5))
    decision(model=StudentProfile, object_id=1, transition="approve", actor=b, at=local(2026, 10, 12))
    # 3. A asks for changes to job 2; B approves the corrected job → the normal course, not a reversal.
    asked = decision(model=Job, object_id=2, transition="request_changes", actor=a, at=local(2026, 10, 6))
    decision(model=Job, object_id=2, transition="approve", actor=b, at=local(2026, 10, 8))
    # 4. A approves job 3 and takes it down herself → two decisions, nothing reversed by someone else.
    decision(model=Job, object_id=3, transition="approve", actor=a, at=local(2026, 10, 7))
    decision(model=Job, object_id=3, transition="take_down", actor=a, at=local(2026, 10, 9))
    # 5. A rejects an employer; B approves it 44 days later → outside the 30-day window.
    decision(model=Employer, object_id=1, transition="reject", actor=a, at=local(2026, 10, 2))
    decision(model=Employer, object_id=1, transition="approve", actor=b, at=local(2026, 11, 15))
    # 6. A confirms a report; the decision check disagrees → reversed.
    confirmed = decision(model=Report, object_id=1, transition="confirm", actor=a, at=local(2026, 10, 10))
    DecisionCheck.objects.create(decision=confirmed, decider=a, checker=b, week=dt.date(2026, 10, 5),
                                  agrees=False, notes="n")
    DecisionCheck.objects.create(decision=asked, decider=a, checker=b, week=dt.date(2026, 10, 5), agrees=True)
    # Not counted: a decision the evening before the month (Shanghai time), and A's non-decision rows.
    decision(model=Job, object_id=4, transition="approve", actor=a, at=local(2026, 9, 30, 23, 30))
    decision(model=Job, object_id=5, transition="create", actor=a, at=local(2026, 10, 3))
    return a, b


def test_p3_decisions_and_reversal_rate_count_exactly_what_was_undone(october_decisions):
    # given
    a, b = october_decisions
    # when
    mine = staff_indicators(staff=a, start=OCTOBER[0], end=OCTOBER[1])
    theirs = staff_indicators(staff=b, start=OCTOBER[0], end=OCTOBER[1])
    # then
    assert (mine["decisions"], mine["reversed"], mine["reversal_rate"]) == (7, 3, 42.9)
    assert (theirs["decisions"], theirs["reversed"], theirs["reversal_rate"]) == (3, 0, 0.0)


def test_p2_3_decision_check_agreement_counts_checked_decisions_of_the_period(october_decisions):
    # given
    a, _b = october_decisions
    # when
    mine = staff_indicators(staff=a, start=OCTOBER[0], end=OCTOBER[1])
    # then: two of A's October decisions were re-read; one agreed with
    assert (mine["decision_checks"], mine["decision_checks_agreed"], mine["decision_check_agreement_rate"]) == (2, 1, 50.0)


def test_p3_ticket_indicators_on_a_hand_made_month(db):
    # given: four tickets a customer-service agent handled around October
    agent = StaffFactory(role="customer_service")
    handled_ticket(by=agent, first_due=local(2026, 10, 3, 12), first_at=local(2026, 10, 3, 10),
                   resolution_due=local(2026, 10, 5), resolved_at=local(2026, 10, 4), satisfaction=5)
    handled_ticket(by=agent, first_due=local(2026, 10, 10, 12), first_at=local(2026, 10, 10, 15),
                   resolution_due=local(2026, 10, 15), resolved_at=local(2026, 10, 20), satisfaction=2)
    handled_ticket(by=agent, first_due=local(2026, 10, 31), first_at=local(2026, 10, 30))
    handled_ticket(by=agent, first_due=local(2026, 9, 29, 18), first_at=local(2026, 9, 29, 9),
                   resolved_at=local(2026, 10, 2), satisfaction=4)
    handled_ticket(by=agent, first_due=local(2026, 11, 2), first_at=local(2026, 11, 2, 9),
                   resolved_at=local(2026, 11, 3), satisfaction=1)
    handled_ticket(by=StaffFactory(role="customer_service"), first_due=local(2026, 10, 3),
                   first_at=local(2026, 10, 2), resolved_at=local(2026, 10, 2), satisfaction=1)
    # when
    figures = staff_indicators(staff=agent, start=OCTOBER[0], end=OCTOBER[1])
    # then
    assert figures["tickets_resolved"] == 3
    assert (figures["first_answers"], figures["first_answers_on_time"], figures["first_answer_sla_rate"]) == (
        3, 2, 66.7)
    assert (figures["resolutions_with_target"], figures["resolutions_on_time"],
            figures["resolution_target_rate"]) == (2, 1, 50.0)
    assert (figures["satisfaction_count"], figures["satisfaction_avg"]) == (3, 3.67)
    assert figures["decisions"] == 0 and figures["reversal_rate"] is None


def test_p3_indicators_for_all_staff_take_a_fixed_number_of_queries(october_decisions,
                                                                    django_assert_max_num_queries):
    # given
    a, b = october_decisions
    agent = StaffFactory(role="customer_service")
    handled_ticket(by=agent, first_due=local(2026, 10, 3, 12), first_at=local(2026, 10, 3, 10))
    # when: decisions, tickets, decision-check agreement — one grouped query each (+ content types, cached)
    with django_assert_max_num_queries(4):
        figures = staff_indicators_all(start=OCTOBER[0], end=OCTOBER[1], staff_ids=[a.pk, b.pk, agent.pk])
    # then
    assert figures[a.pk]["decisions"] == 7 and figures[b.pk]["decisions"] == 3
    assert figures[agent.pk]["first_answers"] == 1


def test_p3_default_period_is_the_last_calendar_month():
    assert last_month(dt.date(2026, 3, 15)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert last_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
