"""Keeping scores current (K3.1, K3.2): the incremental rescore after each new
credit event, the nightly set-based recompute (equal to the incremental one,
touching only what changed), and the facts other apps record — reviews shown
(and hidden by moderation), verification granted."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import StudentProfile, VerificationLevel
from accounts.roles import MODERATOR
from core.credit import credit_event_record, credit_event_reverse
from core.models import CreditEvent
from core.policy import get_policy
from employers.models import Employer
from moderation.services import report_create, report_resolve
from reviews.services import review_submit, reviews_sweep
from risk.models import CreditScore
from risk.scoring import credit_score_refresh, credit_scores_recompute
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory, EmployerVerificationFactory
from tests.factories.reviews import EMPLOYER_RATINGS, STUDENT_RATINGS, completed_engagement, member_of
from tests.factories.risk import credit_event

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def record(subject_kind, subject_id, kind, n=1, **kwargs):
    for i in range(n):
        credit_event_record(key=f"t:{subject_kind}:{subject_id}:{kind}:{CreditEvent.objects.count()}:{i}",
                            subject_kind=subject_kind, subject_id=subject_id, kind=kind, reason=kind, **kwargs)


# ---------------------------------------------------------------- incremental
def test_k3_2_a_new_event_rescores_the_student_and_moves_the_profiles_tier(django_capture_on_commit_callbacks):
    # given: a student in the neutral tier
    profile = StudentProfileFactory(approved=True)
    assert profile.credit_tier == 2
    # when: three no-shows are recorded (each commit queues a rescore)
    with django_capture_on_commit_callbacks(execute=True):
        record("student", profile.user_id, "no_show", n=3)
    # then: 60 − 24 = 36 → tier 0, on the profile too
    score = CreditScore.objects.get(subject_kind="student", subject_id=profile.user_id)
    assert (score.score, score.tier, score.events_counted) == (36, 0, 3)
    profile.refresh_from_db()
    assert profile.credit_tier == 0


def test_k3_2_a_reversal_rescores_back(django_capture_on_commit_callbacks):
    # given
    employer = EmployerFactory(approved=True)
    with django_capture_on_commit_callbacks(execute=True):
        credit_event_record(key="g:1", subject_kind="employer", subject_id=employer.pk, kind="guarantee_advanced",
                            reason="r")
        credit_event_record(key="g:2", subject_kind="employer", subject_id=employer.pk, kind="sanction_suspension",
                            reason="r")
    employer.refresh_from_db()
    assert employer.credit_tier == 0  # 60 − 10 − 20 = 30
    # when: the suspension is overturned
    with django_capture_on_commit_callbacks(execute=True):
        credit_event_reverse(key="g:2", reason="overturned on appeal")
    # then
    employer.refresh_from_db()
    assert CreditScore.objects.get(subject_kind="employer", subject_id=employer.pk).score == 50
    assert employer.credit_tier == 1


# ---------------------------------------------------------------- full recompute
@pytest.fixture
def population():
    """Students and employers with a variety of histories, some with no events at all."""
    students = [StudentProfileFactory(approved=True) for _ in range(6)]
    StudentProfile.objects.filter(pk=students[1].pk).update(verification_level=VerificationLevel.REAL_NAME)
    employers = [EmployerFactory(approved=True) for _ in range(3)]
    Employer.objects.filter(pk=employers[0].pk).update(verification_level=1)
    for days in (1, 50, 200, 400):
        credit_event(students[0], "engagement_completed", days_ago=days)
        credit_event(students[0], "review_received", value=5, days_ago=days)
    no_show = credit_event(students[2], "no_show", days_ago=3)
    credit_event(students[2], "no_show", reverses=no_show)
    for _ in range(4):
        credit_event(students[3], "no_show", days_ago=10)
    credit_event(students[4], "external_flag", value=-20, days_ago=100)
    credit_event(students[4], "sanction_warning", days_ago=1)
    credit_event(employers[1], "late_funding", days_ago=7)
    credit_event(employers[1], "review_received", value=2)
    credit_event(employers[2], "violation_harassment")
    return students, employers


def _all_scores():
    return {(s.subject_kind, s.subject_id): (s.score, s.tier, s.parts, s.events_counted)
            for s in CreditScore.objects.all()}


def test_k3_1_the_full_recompute_equals_the_incremental_one_for_every_subject(population):
    students, employers = population
    # when: the nightly recompute
    counts = credit_scores_recompute()
    full = _all_scores()
    # then: everyone is scored (also those without events) …
    assert counts["subjects"] == len(full) == len(students) + len(employers)
    # … exactly as the incremental rescore does it
    CreditScore.objects.all().delete()
    for profile in students:
        credit_score_refresh(subject_kind="student", subject_id=profile.user_id)
    for employer in employers:
        credit_score_refresh(subject_kind="employer", subject_id=employer.pk)
    assert _all_scores() == full
    # and the tiers were written onto the profiles and employers
    tiers = dict(StudentProfile.objects.values_list("user_id", "credit_tier"))
    assert all(tiers[p.user_id] == full[("student", p.user_id)][1] for p in students)
    assert tiers[students[3].user_id] == 0
    employer_tiers = dict(Employer.objects.values_list("pk", "credit_tier"))
    assert all(employer_tiers[e.pk] == full[("employer", e.pk)][1] for e in employers)


def test_k3_1_the_full_recompute_touches_only_what_changed(population):
    students, _employers = population
    credit_scores_recompute()
    # given: one new event since the last run
    credit_event(students[5], "no_show")
    # when
    with CaptureQueriesContext(connection) as queries:
        counts = credit_scores_recompute()
    # then: one score written, one tier changed, in a handful of queries
    assert counts["scores_written"] == 1 and counts["tiers_changed"] == 1
    assert len(queries) <= 24
    assert CreditScore.objects.get(subject_kind="student", subject_id=students[5].user_id).score == 52
    # and nothing to do the next time
    assert credit_scores_recompute()["scores_written"] == 0


def test_k3_1_the_recompute_is_set_based_whatever_the_number_of_subjects(population):
    def queries_of_a_fresh_recompute() -> int:
        CreditScore.objects.all().delete()
        StudentProfile.objects.update(credit_tier=2)
        with CaptureQueriesContext(connection) as queries:
            credit_scores_recompute()
        return len(queries)

    get_policy()  # created once, outside the count
    few = queries_of_a_fresh_recompute()
    # given: many more students with events
    for _ in range(15):
        credit_event(StudentProfileFactory(approved=True), "no_show")
    # then: the query count does not grow with the subjects (reads, one upsert, one UPDATE per tier)
    assert queries_of_a_fresh_recompute() <= few <= 24


def test_k3_1_manage_py_credit_recompute(population, capsys):
    call_command("credit_recompute")
    assert "Recomputed 9 credit scores" in capsys.readouterr().out
    assert CreditScore.objects.count() == 9


# ---------------------------------------------------------------- facts other apps record
def test_k3_1_reviews_shown_become_review_received_events(frozen, django_capture_on_commit_callbacks):
    # given: a completed engagement both sides review
    engagement = completed_engagement()
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(engagement_id=engagement.pk, author=engagement.student, ratings=STUDENT_RATINGS, comment="好")
        # the first review is not shown yet: no credit event
        assert not CreditEvent.objects.filter(kind="review_received").exists()
        review_submit(engagement_id=engagement.pk, author=member_of(engagement), ratings=EMPLOYER_RATINGS,
                      comment="认真")
    # then: one event per reviewee, carrying the overall rating
    about_employer = CreditEvent.objects.get(kind="review_received", subject_kind="employer")
    about_student = CreditEvent.objects.get(kind="review_received", subject_kind="student")
    assert (about_employer.subject_id, about_employer.value) == (engagement.employer_id, STUDENT_RATINGS["overall"])
    assert (about_student.subject_id, about_student.value) == (engagement.student_id, EMPLOYER_RATINGS["overall"])
    assert "4/5" in about_student.reason
    # and the scores moved: 5 stars lifts the employer, 4 stars (the prior) leaves the student
    assert CreditScore.objects.get(subject_kind="employer", subject_id=engagement.employer_id).parts["reviews"] == 1.7
    assert CreditScore.objects.get(subject_kind="student", subject_id=engagement.student_id).parts["reviews"] == 0


def test_k3_1_a_lone_review_revealed_by_the_sweep_is_recorded(frozen):
    # given: only the employer reviewed
    engagement = completed_engagement()
    reviews_sweep()
    review_submit(engagement_id=engagement.pk, author=member_of(engagement), ratings=EMPLOYER_RATINGS, comment="c")
    # when: the window closes
    frozen.shift(dt.timedelta(days=30))
    reviews_sweep()
    # then
    assert CreditEvent.objects.filter(kind="review_received", subject_kind="student",
                                      subject_id=engagement.student_id, value=4).count() == 1


def test_k3_1_a_review_hidden_by_moderation_counts_for_nothing(frozen, django_capture_on_commit_callbacks):
    # given: the student's 1-star review of the employer is shown
    engagement = completed_engagement()
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(engagement_id=engagement.pk, author=engagement.student,
                      ratings={**STUDENT_RATINGS, "overall": 1}, comment="差")
        review = review_submit(engagement_id=engagement.pk, author=member_of(engagement), ratings=EMPLOYER_RATINGS,
                               comment="c")
    about_employer = engagement.reviews.get(direction="student_reviews_employer")
    score = CreditScore.objects.get(subject_kind="employer", subject_id=engagement.employer_id)
    assert score.parts["reviews"] < 0
    # when: a moderator upholds the employer's report
    report = report_create(target_kind="review", target_id=about_employer.pk, reporter=member_of(engagement),
                           category="other", details="不实")
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(pk=report.pk, actor=StaffFactory(role=MODERATOR), outcome="confirmed", note="无证据")
    # then: the event is reversed and the score is back to neutral
    original = CreditEvent.objects.get(key=f"review:{about_employer.pk}:received")
    assert CreditEvent.objects.filter(reverses=original).exists()
    score.refresh_from_db()
    assert score.parts["reviews"] == 0 and score.score == 60
    assert review.pk  # the employer's review of the student is unaffected
    assert not CreditEvent.objects.filter(key=f"review:{review.pk}:received:reversed").exists()


def test_k3_1_verification_granted_shows_in_the_history_and_raises_the_score(django_capture_on_commit_callbacks):
    # given
    verification = EmployerVerificationFactory()
    employer = verification.employer
    from employers.services import employer_verification_approve

    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_verification_approve(pk=verification.pk, actor=StaffFactory(role=MODERATOR), reason="ok")
    # then
    event = CreditEvent.objects.get(subject_kind="employer", subject_id=employer.pk, kind="verified")
    assert "verified" in event.reason.lower()
    assert CreditScore.objects.get(subject_kind="employer", subject_id=employer.pk).score == 70
