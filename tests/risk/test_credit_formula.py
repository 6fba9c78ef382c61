"""The published credit formula (K3.1): base and verification, Bayesian reviews,
reliability and sanctions from the one table of weights, third-party flags (K3.3),
decay counted from the most recent event, reversed events and tier thresholds."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import VerificationLevel
from core.policy import get_policy, policy_update
from employers.models import Employer
from risk import scoring
from risk.scoring import credit_score_refresh
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.risk import credit_event

pytestmark = pytest.mark.django_db


def score_of(subject):
    if isinstance(subject, Employer):
        return credit_score_refresh(subject_kind="employer", subject_id=subject.pk)
    return credit_score_refresh(subject_kind="student", subject_id=subject.user_id)


@pytest.fixture
def student():
    return StudentProfileFactory(approved=True)


# ---------------------------------------------------------------- base and verification
def test_k3_1_a_newcomer_starts_at_60_in_the_neutral_tier(student):
    # when
    score = score_of(student)
    # then
    assert score.score == 60 and score.tier == 2
    assert score.parts == {"base": 60, "verification": 0, "reviews": 0.0, "reliability": 0.0, "sanctions": 0.0,
                           "external": 0.0}
    student.refresh_from_db()
    assert student.credit_tier == 2


@pytest.mark.parametrize(("level", "expected"), [(VerificationLevel.NONE, 60), (VerificationLevel.REAL_NAME, 65),
                                                 (VerificationLevel.REAL_NAME_AND_STUDENT, 70)])
def test_k3_1_student_verification_adds_5_or_10(student, level, expected):
    # given
    student.verification_level = level
    student.save(update_fields=["verification_level"])
    # then
    assert score_of(student).score == expected


def test_k3_1_a_verified_employer_gets_10_more():
    # given
    plain, verified = EmployerFactory(approved=True), EmployerFactory(approved=True)
    Employer.objects.filter(pk=verified.pk).update(verification_level=Employer.VerificationLevel.VERIFIED)
    # then
    assert score_of(plain).score == 60
    assert score_of(verified).score == 70 and score_of(verified).parts["verification"] == 10


# ---------------------------------------------------------------- reviews
def test_k3_1_three_reviews_cannot_swing_a_score(student):
    # given: three one-star reviews
    at = timezone.now()
    for _ in range(3):
        credit_event(student, "review_received", value=1, at=at)
    # when
    score = score_of(student)
    # then: average (5·4 + 3·1)/8 = 2.875 → −11.3 points, not the −30 a plain average would give
    assert score.parts["reviews"] == -11.3
    assert score.score == 49


def test_k3_1_thirty_bad_reviews_weigh_much_more_than_three(student):
    # given: thirty one-star reviews on the same day
    at = timezone.now()
    for _ in range(30):
        credit_event(student, "review_received", value=1, at=at)
    # when
    score = score_of(student)
    # then: (20 + 30)/35 = 1.43 → −25.7
    assert score.parts["reviews"] == -25.7
    assert score.score == 34 and score.tier == 0


def test_k3_1_perfect_reviews_add_at_most_10(student):
    for _ in range(200):
        credit_event(student, "review_received", value=5)
    assert 9.5 < score_of(student).parts["reviews"] <= 10


# ---------------------------------------------------------------- reliability and sanctions
def test_k3_1_reliability_follows_the_table_of_weights(student):
    # given: on the same day
    credit_event(student, "engagement_completed")
    credit_event(student, "on_time_check_in")
    credit_event(student, "no_show")
    credit_event(student, "cancellation_with_notice")
    # when
    score = score_of(student)
    # then: 2 + 0.5 − 8 + 0
    assert score.parts["reliability"] == -5.5
    assert score.score == 55 and score.events_counted == 4


def test_k3_1_reliability_is_clamped_so_nobody_gets_rich_on_volume(student):
    for _ in range(40):
        credit_event(student, "engagement_completed")
    assert score_of(student).parts["reliability"] == 20
    for _ in range(30):
        credit_event(student, "no_show")
    assert score_of(student).parts["reliability"] == -40


def test_k3_1_employer_reliability_kinds_including_a_confirmed_demand_report():
    # given
    employer = EmployerFactory(approved=True)
    for kind in ("application_unanswered", "late_funding", "guarantee_advanced", "payment_dispute_lost",
                 "violation_unpaid_overtime"):
        credit_event(employer, kind)
    # then: −1 −5 −10 −5 −10
    assert score_of(employer).parts["reliability"] == -31


def test_k3_1_student_kinds_do_not_count_for_an_employer():
    employer = EmployerFactory(approved=True)
    credit_event(employer, "no_show")
    credit_event(employer, "something_unknown")
    assert score_of(employer).score == 60


@pytest.mark.parametrize(("kind", "points"), [("sanction_warning", -5), ("sanction_restriction", -10),
                                              ("sanction_suspension", -20), ("sanction_termination", -60),
                                              ("false_information_confirmed", -10)])
def test_k3_1_sanctions_lower_the_score(student, kind, points):
    credit_event(student, kind)
    score = score_of(student)
    assert score.parts["sanctions"] == points
    assert score.score == max(0, 60 + points)


def test_k3_1_sanctions_are_clamped_at_minus_60(student):
    credit_event(student, "sanction_termination")
    credit_event(student, "sanction_suspension")
    score = score_of(student)
    assert score.parts["sanctions"] == -60 and score.score == 0 and score.tier == 0


# ---------------------------------------------------------------- external flags (K3.3)
def test_k3_3_external_flags_add_their_points_clamped_per_flag(student):
    credit_event(student, "external_flag", value=-50)
    credit_event(student, "external_flag", value=8)
    credit_event(student, "external_flag", value=25)
    # −30 + 8 + 10
    assert score_of(student).parts["external"] == -12


# ---------------------------------------------------------------- decay
def test_k3_1_an_older_event_weighs_less(student):
    # given: a no-show one half-life before the most recent event
    half_life = get_policy().credit_half_life_days
    credit_event(student, "no_show", days_ago=half_life)
    credit_event(student, "cancellation_with_notice", days_ago=0)
    # then: it counts half
    assert score_of(student).parts["reliability"] == -4


def test_k3_1_inactivity_alone_changes_nothing(student):
    # given: a mix of events in the past
    credit_event(student, "no_show", days_ago=400)
    credit_event(student, "engagement_completed", days_ago=30)
    credit_event(student, "review_received", value=2, days_ago=20)
    before = score_of(student)
    # when: scored again a year later with nothing new
    with time_machine.travel(dt.timedelta(days=365)):
        later = score_of(student)
    # then: identical
    assert (later.score, later.parts) == (before.score, before.parts)


# ---------------------------------------------------------------- reversed events
def test_k3_1_a_reversed_event_and_its_reversal_count_for_nothing(student):
    # given: a no-show overturned on appeal
    no_show = credit_event(student, "no_show", days_ago=2)
    credit_event(student, "no_show", reverses=no_show)
    credit_event(student, "engagement_completed", days_ago=5)
    # when
    score = score_of(student)
    # then: only the completed job counts, at full weight
    assert score.parts["reliability"] == 2 and score.events_counted == 1


# ---------------------------------------------------------------- tiers
@pytest.mark.parametrize(("score", "tier"), [(0, 0), (39, 0), (40, 1), (54, 1), (55, 2), (69, 2), (70, 3),
                                             (84, 3), (85, 4), (100, 4)])
def test_k3_1_tiers_follow_the_default_thresholds(score, tier):
    assert scoring.tier_for(score, get_policy()) == tier


def test_k3_1_tier_thresholds_follow_the_policy(student):
    # given: the manager raises the bar for tier 2
    policy_update(actor=StaffFactory(role="manager"), changes={"credit_tier2_min": 61})
    # when
    score = score_of(student)
    # then: 60 is now tier 1, written onto the profile
    assert score.score == 60 and score.tier == 1
    student.refresh_from_db()
    assert student.credit_tier == 1


def test_k3_1_the_help_page_table_is_the_scoring_table():
    # every rule the page renders is the one the code applies
    index = scoring.rule_index()
    for rule in scoring.rules():
        part, points = scoring.event_points(subject_kind=rule.subject_kind, kind=rule.kind, value=None, weight=1,
                                            index=index)
        assert (part, points) == (rule.part, rule.points)
