"""The credit journey in a real browser (K3.1, S5.1): a student one point
below tier 3 cannot see a job still in its early-access window; the employer has
already reviewed them (hidden: double-blind); the student writes their review on
a phone, both reviews are revealed, the review received lifts the score to tier 3,
and the fresh job appears with the "Early access" badge and can be applied for."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from core.credit import credit_event_record
from core.models import CreditEvent, CreditTier
from core.policy import get_policy
from reviews.models import Direction, Review
from reviews.services import review_submit
from risk import scoring
from risk.models import CreditScore
from tests.factories.accounts import StudentProfileFactory
from tests.factories.jobs import JobFactory
from tests.factories.reviews import completed_engagement, member_of

from .helpers import PHONE, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts"))
FRESH_JOB = "新店开业促销员（抢先看）"
OPEN_JOB = "超市周末理货员"
COMPLETED_JOBS = 2  # "Job completed" events recorded before the journey: +2 each
EMPLOYER_RATINGS = {"work_performance": 5, "communication": 5, "overall": 5}
STUDENT_STARS = ("work_as_described", "treatment_and_safety", "communication", "overall")


def _tier_text(tier: int) -> str:
    """The #tier-name badge as the page renders it in Chinese."""
    with translation.override("zh-hans"):
        return translation.gettext("Tier %(tier)s: %(name)s") % {"tier": tier, "name": str(CreditTier(tier).label)}


def _expected(level: int, events: list[tuple[str, int | None, dt.datetime]]) -> scoring.Result:
    return scoring.compute(subject_kind=scoring.STUDENT, level=level, events=events, policy=get_policy())


def test_k3_1_s5_1_review_revealed_lifts_score_to_tier_3_and_early_access_appears_on_phone(
        make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    policy = get_policy()
    assert policy.credit_tier3_min == 70 and policy.early_access_hours > 0

    # given: a real-name verified student (+5) with two completed jobs (+2 each): 60 + 5 + 4 = 69, tier 2
    profile = StudentProfileFactory(approved=True, real_name="赵一鸣", verification_level=1)
    student = profile.user
    earlier = timezone.now() - dt.timedelta(minutes=30)
    for number in range(COMPLETED_JOBS):
        credit_event_record(key=f"e2e:credit-journey:{number}", subject_kind="student", subject_id=student.pk,
                            kind="engagement_completed", reason="Job completed", occurred_at=earlier)
    before = _expected(1, [("engagement_completed", None, earlier)] * COMPLETED_JOBS)
    assert before.parts == {"base": 60, "verification": 5, "reviews": 0.0, "reliability": 4.0, "sanctions": 0.0,
                            "external": 0.0}
    assert (before.score, before.tier) == (69, CreditTier.GOOD)
    scoring.credit_score_refresh(subject_kind="student", subject_id=student.pk)
    profile.refresh_from_db()
    assert profile.credit_tier == CreditTier.GOOD
    assert CreditScore.objects.get(subject_kind="student", subject_id=student.pk).score == 69

    # and: a completed engagement the employer has already reviewed with 5 stars (hidden until the student writes)
    engagement = completed_engagement(student=student)
    employer_review = review_submit(engagement_id=engagement.pk, author=member_of(engagement),
                                    ratings=EMPLOYER_RATINGS, comment="认真负责，准时到岗。")
    assert employer_review.published_at is None
    # and: a job in the student's city published ten minutes ago, inside the early-access window
    fresh = JobFactory(published=True, title=FRESH_JOB, city="上海市",
                       published_at=timezone.now() - dt.timedelta(minutes=10),
                       first_published_at=timezone.now() - dt.timedelta(minutes=10),
                       application_deadline=timezone.now() + dt.timedelta(days=3))

    # and: a job published long enough ago that everybody sees it
    JobFactory(published=True, title=OPEN_JOB, city="上海市")

    # when: the student signs in on a phone and opens the job list
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("jobs:list"))

    # then: other jobs are listed, the fresh one is not
    expect(phone.locator(".job-card", has_text=OPEN_JOB)).to_have_count(1)
    expect(phone.locator(".job-card", has_text=FRESH_JOB)).to_have_count(0)

    # and: /credit/ shows 69, tier 2 "Good"
    phone.goto(reverse("risk:credit_home"))
    expect(phone.locator("#score-value")).to_have_text("69")
    expect(phone.locator("#tier-name")).to_have_text(_tier_text(CreditTier.GOOD))
    assert_no_horizontal_scroll(phone)

    # when: the student opens their reviews: the employer's review is not shown (double-blind)
    phone.goto(reverse("reviews:student_home"))
    expect(phone.locator(f"#review-{employer_review.pk}")).to_have_count(0)
    expect(phone.locator("#received")).not_to_contain_text("认真负责")
    window = phone.locator("#waiting article.card", has_text=engagement.job.title)
    expect(window).to_have_count(1)
    assert_no_horizontal_scroll(phone)

    # and: writes their own review of the employer, five stars everywhere, and submits it
    window.locator("a.button").click()
    phone.wait_for_url(f"**{reverse('reviews:student_write', args=[engagement.pk])}")
    assert_no_horizontal_scroll(phone)
    for name in STUDENT_STARS:
        phone.locator(f"#review-form input[name={name}][value='5']").check()
    phone.fill("#id_comment", "工资按时发放，店长很友善。")
    phone.locator("#review-form [type=submit]").click()
    phone.wait_for_load_state()

    # then: both reviews are published, and both show on /reviews/
    student_review = Review.objects.get(engagement=engagement, direction=Direction.STUDENT_REVIEWS_EMPLOYER)
    employer_review.refresh_from_db()
    assert employer_review.published_at is not None and student_review.published_at is not None
    phone.goto(reverse("reviews:student_home"))
    expect(phone.locator(f"#received #review-{employer_review.pk}")).to_contain_text("认真负责")
    expect(phone.locator(f"#written #review-{student_review.pk}")).to_contain_text("店长很友善")

    # and: the review received is a credit fact: 5/5 lifts the Bayesian average to (5·4 + 5) / 6,
    # +1.7 points, so the score is 60 + 5 + 4 + 1.7 = 70.7 → 71, tier 3 "Very good"
    received = CreditEvent.objects.get(key=f"review:{employer_review.pk}:received")
    assert (received.subject_id, received.kind, received.value) == (student.pk, "review_received", 5)
    after = _expected(1, [*[("engagement_completed", None, earlier)] * COMPLETED_JOBS,
                          ("review_received", 5, received.occurred_at)])
    assert after.parts["reviews"] == 1.7 and after.parts["reliability"] == 4.0
    assert (after.score, after.tier) == (71, CreditTier.VERY_GOOD)
    profile.refresh_from_db()
    assert profile.credit_tier == CreditTier.VERY_GOOD  # rescored in the request (Celery is eager)

    phone.goto(reverse("risk:credit_home"))
    expect(phone.locator("#score-value")).to_have_text("71")
    expect(phone.locator("#tier-name")).to_have_text(_tier_text(CreditTier.VERY_GOOD))
    expect(phone.locator(f"#credit-history #event-{received.pk}")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS_DIR / "credit_journey-credit_home.png"), full_page=True)

    phone.goto(reverse("risk:credit_how_it_works"))
    assert_no_horizontal_scroll(phone)

    # when: the student opens the job list again
    phone.goto(reverse("jobs:list"))

    # then: the fresh job is listed, with the "Early access" badge
    card = phone.locator(".job-card", has_text=FRESH_JOB)
    expect(card).to_have_count(1)
    expect(card.locator(".badge.early-access")).to_be_visible()
    expect(phone.locator(".job-card", has_text=OPEN_JOB).locator(".badge.early-access")).to_have_count(0)
    assert_no_horizontal_scroll(phone)

    # and: the student opens it and reaches the apply form, with no "open to you from" refusal
    card.locator("h2 a").click()
    phone.wait_for_url(f"**{reverse('jobs:detail', args=[fresh.pk])}")
    expect(phone.locator("#apply-refusal")).to_have_count(0)
    expect(phone.locator("#apply-early-access")).to_be_visible()
    phone.locator("#job-apply a.button").click()
    phone.wait_for_url(f"**{reverse('applications:apply', args=[fresh.pk])}")
    expect(phone.locator("#apply-form")).to_be_visible()
    assert_no_horizontal_scroll(phone)
