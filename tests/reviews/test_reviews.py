"""Double-blind mutual reviews (S5.1, E6.1) and reports of abusive or false
reviews (G3): who may review what and when, the reveal, payment timeliness
from the settlement, the one public answer, moderation, the aggregates and the
sweep that opens and closes review windows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.roles import CUSTOMER_SERVICE, MODERATOR
from applications.models import Engagement, EngagementStatus
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.models import Notification
from core.policy import policy_update
from employers.models import EmployerMember
from moderation.models import Report
from moderation.services import ReportNotAllowed, report_create, report_resolve
from reviews import selectors
from reviews.models import Direction, Review, ReviewWindow
from reviews.services import (
    AlreadyReplied,
    AlreadyReviewed,
    NotReviewable,
    ReviewWindowClosed,
    payment_timeliness_for,
    review_reply,
    review_submit,
    reviews_sweep,
)
from reviews.tasks import reviews_sweep_task
from settlements.models import Settlement
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.applications import EngagementFactory
from tests.factories.employers import EmployerUserFactory
from tests.factories.reviews import (
    EMPLOYER_RATINGS,
    STUDENT_RATINGS,
    ReviewFactory,
    completed_engagement,
    member_of,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def engagement(frozen) -> Engagement:
    return completed_engagement()


def student_writes(engagement, **kwargs) -> Review:
    return review_submit(engagement_id=engagement.pk, author=engagement.student,
                         ratings=kwargs.pop("ratings", STUDENT_RATINGS), comment=kwargs.pop("comment", "很好"))


def employer_writes(engagement, **kwargs) -> Review:
    return review_submit(engagement_id=engagement.pk, author=kwargs.pop("author", member_of(engagement)),
                         ratings=EMPLOYER_RATINGS, comment=kwargs.pop("comment", "认真负责"))


def inbox(user, contains: str = ""):
    return Notification.objects.filter(recipient=user, subject__contains=contains)


# ---------------------------------------------------------------- who and when
@pytest.mark.parametrize("status", [EngagementStatus.ACTIVE, EngagementStatus.CANCELLED_BY_EMPLOYER,
                                    EngagementStatus.RELEASED])
def test_s5_1_only_a_completed_engagement_can_be_reviewed(frozen, status):
    # given: an engagement that did not complete
    engagement = completed_engagement(status=status)
    # when / then: neither side may review it, and no window opens for it
    with pytest.raises(NotReviewable):
        student_writes(engagement)
    with pytest.raises(NotReviewable):
        employer_writes(engagement)
    reviews_sweep()
    assert not Review.objects.exists() and not ReviewWindow.objects.exists()


def test_s5_1_only_the_parties_of_the_engagement_may_review(engagement):
    # given: another student, a member of another employer, a staff member
    outsiders = [StudentProfileFactory(approved=True).user, member_of(completed_engagement()),
                 StaffFactory(role=MODERATOR)]
    # when / then
    for outsider in outsiders:
        with pytest.raises(NotPermitted):
            review_submit(engagement_id=engagement.pk, author=outsider, ratings=EMPLOYER_RATINGS, comment="")
    assert not Review.objects.exists()


def test_s5_1_one_review_per_side_whichever_member_writes_it(engagement):
    # given: a second member of the employer
    colleague = EmployerUserFactory()
    EmployerMember.objects.create(employer=engagement.employer, user=colleague)
    student_writes(engagement)
    employer_writes(engagement)
    # when / then: neither side writes a second one
    with pytest.raises(AlreadyReviewed):
        student_writes(engagement)
    with pytest.raises(AlreadyReviewed):
        employer_writes(engagement, author=colleague)
    assert Review.objects.filter(engagement=engagement).count() == 2


def test_s5_1_ratings_are_required_from_1_to_5_and_payment_timeliness_is_not_the_users(engagement):
    with pytest.raises(DomainError) as error:
        student_writes(engagement, ratings={**STUDENT_RATINGS, "overall": 6})
    assert error.value.field == "overall"
    with pytest.raises(DomainError) as error:
        student_writes(engagement, ratings={k: v for k, v in STUDENT_RATINGS.items() if k != "communication"})
    assert error.value.field == "communication"
    # when: the student tries to rate payment timeliness themselves
    review = student_writes(engagement, ratings={**STUDENT_RATINGS, "payment_timeliness": 5})
    # then: it comes from the settlement, and there is none yet
    assert review.payment_timeliness is None


def test_s5_1_a_review_is_refused_once_the_window_has_closed(engagement, frozen):
    # given: the policy's 7 days after completion have passed
    reviews_sweep()
    window = ReviewWindow.objects.get(engagement=engagement)
    assert window.closes_at == engagement.completed_at + dt.timedelta(days=7)
    frozen.move_to(window.closes_at + dt.timedelta(seconds=1))
    # when / then
    with pytest.raises(ReviewWindowClosed):
        student_writes(engagement)


def test_s5_1_the_window_follows_the_policy_days(frozen, engagement):
    # given: staff shorten the window to 3 days
    policy_update(actor=None, changes={"review_window_days": 3})
    # when: the first review opens the window before the sweep ran
    student_writes(engagement)
    # then
    assert ReviewWindow.objects.get(engagement=engagement).closes_at == engagement.completed_at + dt.timedelta(days=3)


# ---------------------------------------------------------------- double-blind
def test_s5_1_neither_side_sees_the_other_review_until_both_have_written(engagement, frozen):
    student, member = engagement.student, member_of(engagement)
    # when: the student reviews first
    review = student_writes(engagement, comment="老板人很好")
    # then: unpublished; the employer's pages and every aggregate leave it out; the author sees theirs
    assert review.published_at is None
    assert list(selectors.employer_received(employer_id=engagement.employer_id)) == []
    assert selectors.employer_rating_summary(engagement.employer_id).count == 0
    assert selectors.visible_review(pk=review.pk) is None
    assert not selectors.review_visible_to(review=review, user=member)
    assert selectors.review_visible_to(review=review, user=student)
    assert list(selectors.student_written(student=student)) == [review]
    # and the employer is told a review waits, with the last day, but not what it says
    waiting = inbox(member, "waits for yours").get()
    closes = (engagement.completed_at + dt.timedelta(days=7)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert closes.strftime("%Y-%m-%d %H:%M") in waiting.body and "老板人很好" not in waiting.body
    assert not inbox(student, "waits for yours").exists()
    # when: the employer writes theirs an hour later
    frozen.shift(dt.timedelta(hours=1))
    theirs = employer_writes(engagement)
    # then: both are published at the same moment and both sides told
    both = Review.objects.filter(engagement=engagement)
    assert {r.published_at for r in both} == {NOW + dt.timedelta(hours=1)}
    assert theirs.published_at == NOW + dt.timedelta(hours=1)
    assert [r.pk for r in selectors.employer_received(employer_id=engagement.employer_id)] == [review.pk]
    assert [r.pk for r in selectors.student_received(student=student)] == [theirs.pk]
    assert inbox(student, "now shown").count() == 1 and inbox(member, "now shown").count() == 1
    assert ReviewWindow.objects.get(engagement=engagement).revealed_at == NOW + dt.timedelta(hours=1)


def test_s5_1_a_lone_review_is_shown_when_the_window_closes(engagement, frozen):
    # given: only the employer reviewed
    reviews_sweep()
    review = employer_writes(engagement)
    student = engagement.student
    assert inbox(student, "waits for yours").count() == 1
    window = ReviewWindow.objects.get(engagement=engagement)
    # when: the sweep runs just before, then just after the window closes, then again
    frozen.move_to(window.closes_at - dt.timedelta(minutes=1))
    assert reviews_sweep()["revealed"] == 0
    frozen.move_to(window.closes_at + dt.timedelta(minutes=1))
    assert reviews_sweep()["revealed"] == 1
    assert reviews_sweep()["revealed"] == 0
    # then: published, counted, both sides told once
    review = Review.objects.get(pk=review.pk)
    assert review.published_at == window.closes_at + dt.timedelta(minutes=1)
    assert selectors.student_rating_summary(student.pk).count == 1
    assert inbox(student, "now shown").count() == 1 and inbox(member_of(engagement), "now shown").count() == 1


def test_s5_1_a_window_closing_without_reviews_tells_nobody(engagement, frozen):
    reviews_sweep()
    window = ReviewWindow.objects.get(engagement=engagement)
    frozen.move_to(window.closes_at + dt.timedelta(minutes=1))
    # when
    assert reviews_sweep()["revealed"] == 1
    # then
    assert ReviewWindow.objects.get(pk=window.pk).revealed_at is not None
    assert not Notification.objects.filter(subject__contains="now shown").exists()


# ---------------------------------------------------------------- payment timeliness (E6.1)
def _settle(engagement, **fields) -> None:
    Settlement.objects.create(engagement=engagement, student=engagement.student, employer=engagement.employer,
                              wages_fen=7500, student_total_fen=7500, employer_total_fen=8250, commission_fen=750)
    Settlement.objects.filter(engagement=engagement).update(**fields)


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, None),  # statement not funded yet: nothing to judge
    ({"funding_due_at": NOW, "funded_at": NOW - dt.timedelta(hours=1)}, 5),  # by the due date
    ({"funding_due_at": NOW, "funded_at": NOW + dt.timedelta(hours=1)}, 3),  # after it
    ({"funding_due_at": NOW, "funded_at": NOW, "funding_late_at": NOW}, 3),  # recorded late by the watch
    ({"funding_due_at": NOW, "funded_at": NOW + dt.timedelta(days=3), "advanced_fen": 7500}, 1),  # guarantee
])
def test_e6_1_payment_timeliness_comes_from_the_settlement(engagement, fields, expected):
    # given
    _settle(engagement, **fields)
    # when: the student reviews
    review = student_writes(engagement)
    # then
    assert payment_timeliness_for(engagement.pk) == expected
    assert review.payment_timeliness == expected


def test_e6_1_payment_timeliness_is_read_again_when_the_review_is_published(engagement, frozen):
    # given: the student reviews before the statement is funded; the guarantee fund advances it later
    _settle(engagement)
    review = student_writes(engagement)
    assert review.payment_timeliness is None
    Settlement.objects.filter(engagement=engagement).update(funded_at=NOW, advanced_fen=7500)
    # when: the employer reviews too, which publishes both
    employer_writes(engagement)
    # then
    assert Review.objects.get(pk=review.pk).payment_timeliness == 1
    assert Review.objects.filter(direction=Direction.EMPLOYER_REVIEWS_STUDENT).get().payment_timeliness is None


# ---------------------------------------------------------------- the one public answer
def test_s5_1_the_reviewee_answers_once_after_publication(engagement):
    student, member = engagement.student, member_of(engagement)
    about_employer = student_writes(engagement)
    # when: the employer tries to answer before it is published
    with pytest.raises(NotPermitted):
        review_reply(review_id=about_employer.pk, author=member, text="谢谢")
    employer_writes(engagement)
    # when: the author tries to answer their own review, then the reviewee answers twice
    with pytest.raises(NotPermitted):
        review_reply(review_id=about_employer.pk, author=student, text="补充")
    review = review_reply(review_id=about_employer.pk, author=member, text="谢谢你的评价")
    with pytest.raises(AlreadyReplied):
        review_reply(review_id=about_employer.pk, author=member, text="再说一次")
    # then: one answer, the author told
    assert (review.reply, review.replied_by) == ("谢谢你的评价", member)
    assert inbox(student, "was answered").get().body == "谢谢你的评价"


# ---------------------------------------------------------------- reports (S5.1, G3): moderation's one report
def _published_pair(engagement) -> tuple[Review, Review]:
    return student_writes(engagement, comment="老板是骗子"), employer_writes(engagement)


def _report(review, reporter, category="abuse", details="侮辱"):
    return report_create(target_kind="review", target_id=review.pk, reporter=reporter, category=category,
                         details=details)


def test_g3_a_confirmed_report_of_abuse_hides_the_review_and_tells_reporters_and_author(engagement):
    # given: a published review, reported by two readers for its own faults and by the employer as false
    about_employer, _theirs = _published_pair(engagement)
    member = member_of(engagement)
    reader, other_reader = StudentProfileFactory(approved=True).user, StudentProfileFactory(approved=True).user
    moderator = StaffFactory(role=MODERATOR)
    abuse = _report(about_employer, reader)
    _report(about_employer, other_reader, category="personal_data", details="写了我的电话")
    false = _report(about_employer, member, category="false_information", details="不实指控")
    assert Notification.objects.filter(recipient=moderator, subject__contains="was reported").count() == 2
    assert Notification.objects.filter(recipient=moderator, subject__contains="false information").count() == 1
    # when: the moderator confirms the abuse report
    decided = report_resolve(pk=abuse.pk, actor=moderator, outcome="confirmed", note="侮辱性言论")
    # then: the review hidden from pages and aggregates, the other fault confirmed along, the
    # false-information report left for its own decision (a violation, G3), everybody concerned told
    assert decided.status == Report.Status.RESOLVED and decided.decided_by == moderator
    assert Report.objects.get(reporter=other_reader).status == Report.Status.RESOLVED
    assert Report.objects.get(pk=false.pk).status == Report.Status.OPEN
    review = Review.objects.get(pk=about_employer.pk)
    assert review.hidden_at is not None and review.hidden_reason == "侮辱性言论"
    assert selectors.employer_rating_summary(engagement.employer_id).count == 0
    assert list(selectors.employer_received(employer_id=engagement.employer_id)) == []
    assert selectors.visible_review(pk=review.pk) is None
    assert "侮辱性言论" in inbox(engagement.student, "was hidden").get().body
    assert "breaks our rules" in inbox(reader, "confirmed").get().body
    assert inbox(other_reader, "confirmed").count() == 1 and not inbox(member, "confirmed").exists()


def test_g3_a_dismissed_report_keeps_the_review_and_tells_the_reporter(engagement):
    about_employer, _theirs = _published_pair(engagement)
    member = member_of(engagement)
    report = _report(about_employer, member, details="不公平")
    # when
    report_resolve(pk=report.pk, actor=StaffFactory(role=MODERATOR), outcome="dismissed", note="属于意见")
    # then
    assert Review.objects.get(pk=about_employer.pk).hidden_at is None
    assert "属于意见" in inbox(member, "was reviewed").get().body
    assert not inbox(engagement.student, "was hidden").exists()


def test_g3_only_moderators_decide_reports_and_each_once(engagement):
    about_employer, _theirs = _published_pair(engagement)
    report = _report(about_employer, member_of(engagement))
    # when / then: customer service, the employer, the student are refused
    for actor in (StaffFactory(role=CUSTOMER_SERVICE), member_of(engagement), engagement.student):
        with pytest.raises(NotPermitted):
            report_resolve(pk=report.pk, actor=actor, outcome="confirmed", note="n")
    moderator = StaffFactory(role=MODERATOR)
    with pytest.raises(ReasonRequired):
        report_resolve(pk=report.pk, actor=moderator, outcome="confirmed", note=" ")
    report_resolve(pk=report.pk, actor=moderator, outcome="dismissed", note="n")
    with pytest.raises(DomainError):
        report_resolve(pk=report.pk, actor=moderator, outcome="confirmed", note="n")
    assert Review.objects.get(pk=about_employer.pk).hidden_at is None


def test_g3_reports_need_a_visible_review_a_reason_and_one_open_per_reporter(engagement):
    about_employer = student_writes(engagement)
    member = member_of(engagement)
    # when / then: not published yet — nobody but its author can see it, so nobody reports it
    with pytest.raises(ReportNotAllowed):
        _report(about_employer, member)
    employer_writes(engagement)
    with pytest.raises(DomainError) as missing:
        _report(about_employer, member, details="")
    assert missing.value.field == "details"
    with pytest.raises(ReportNotAllowed):
        _report(about_employer, engagement.student)  # its author
    _report(about_employer, member)
    with pytest.raises(ReportNotAllowed, match="already reported"):
        _report(about_employer, member, details="again")
    assert Report.objects.filter(review=about_employer).count() == 1


# ---------------------------------------------------------------- aggregates
def test_s5_1_aggregates_count_only_published_and_not_hidden_reviews(frozen, django_assert_num_queries):
    # given: four students' reviews of one employer: two shown, one unpublished, one hidden
    first = ReviewFactory(overall=5, communication=4)
    employer = first.employer
    engagements = [completed_engagement(employer=employer) for _ in range(3)]
    ReviewFactory(engagement=engagements[0], overall=2, communication=3, work_as_described=3)
    ReviewFactory(engagement=engagements[1], overall=1, published_at=None)
    ReviewFactory(engagement=engagements[2], overall=1, hidden_at=NOW, hidden_reason="abuse")
    # when: one query
    with django_assert_num_queries(1):
        summary = selectors.employer_rating_summary(employer.pk)
    # then
    averages = {str(label): value for label, value in summary.averages}
    assert summary.count == 2 and str(summary.overall) == "3.5"
    assert str(averages["communication"]) == "3.5" and str(averages["work as described"]) == "4.0"
    assert "payment timeliness" not in averages  # no statement funded: nothing to average
    assert {r.overall for r in summary.latest} == {5, 2}
    # and nothing about this employer says anything about its students
    assert selectors.student_rating_summary(first.student_id).count == 0


def test_s5_1_the_student_summary_shows_the_latest_five(frozen):
    student = StudentProfileFactory(approved=True).user
    for i in range(7):
        frozen.shift(dt.timedelta(minutes=1))
        ReviewFactory(engagement=completed_engagement(student=student), about_student=True, overall=1 + i % 5)
    summary = selectors.student_rating_summary(student.pk)
    assert summary.count == 7 and len(summary.latest) == 5
    assert [r.overall for r in summary.latest] == [2, 1, 5, 4, 3]  # newest first


# ---------------------------------------------------------------- the sweep
def test_s5_1_the_sweep_opens_one_window_and_invites_each_side_once(engagement, frozen):
    student, member = engagement.student, member_of(engagement)
    # when: the sweep runs twice (and once as the beat task)
    first = reviews_sweep()
    second = reviews_sweep()
    reviews_sweep_task()
    # then
    assert (first["opened"], first["invited"]) == (1, 1)
    assert (second["opened"], second["invited"]) == (0, 0)
    window = ReviewWindow.objects.get()
    assert (window.opens_at, window.closes_at) == (engagement.completed_at,
                                                   engagement.completed_at + dt.timedelta(days=7))
    assert inbox(student, "Write a review").count() == 1 and inbox(member, "Write a review").count() == 1


def test_s5_1_an_engagement_completed_long_ago_gets_a_closed_window_and_no_invitation(frozen):
    # given: completed 30 days ago (before reviews existed, say)
    engagement = completed_engagement()
    Engagement.objects.filter(pk=engagement.pk).update(completed_at=NOW - dt.timedelta(days=30))
    # when
    reviews_sweep()
    # then
    window = ReviewWindow.objects.get()
    assert window.revealed_at == NOW and window.invited_at == NOW
    assert not Notification.objects.filter(subject__contains="Write a review").exists()
    with pytest.raises(ReviewWindowClosed):
        student_writes(engagement)


def test_s5_1_the_first_review_opens_the_window_if_the_sweep_has_not(engagement):
    # when: the student writes before the sweep ran; then the sweep runs
    student_writes(engagement)
    reviews_sweep()
    # then: one window; only the side that has not written is asked to
    assert ReviewWindow.objects.count() == 1
    assert not inbox(engagement.student, "Write a review").exists()
    assert inbox(member_of(engagement), "Write a review").count() == 1


def test_s5_1_an_active_engagement_never_gets_a_window(frozen):
    EngagementFactory()
    assert reviews_sweep()["opened"] == 0


def test_s5_1_beat_runs_the_review_sweep_every_ten_minutes_with_late_acks():
    from config.celery import app as celery_app

    entry = celery_app.conf.beat_schedule["reviews-sweep"]
    assert entry["task"] == reviews_sweep_task.name == "reviews.tasks.reviews_sweep_task"
    assert entry["schedule"].minute == set(range(0, 60, 10))
    assert reviews_sweep_task.acks_late is True
