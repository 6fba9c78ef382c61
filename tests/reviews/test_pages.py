"""Review pages (S5.1, E6.1, G3): "My reviews" for each side, the review form with
its errors, the double-blind rule on pages, the one answer, reporting, the
rating blocks on the job page and the applicant page, and the moderators' queue."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.roles import CUSTOMER_SERVICE, MODERATOR
from core.models import Notification
from moderation.models import Report
from moderation.services import ReportNotAllowed, report_create
from reviews.models import Direction, Review
from reviews.services import review_submit, reviews_sweep
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.applications import ApplicationFactory
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
def engagement(frozen):
    engagement = completed_engagement()
    reviews_sweep()
    return engagement


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def write_url(engagement, *, employer=False) -> str:
    return reverse("reviews:employer_write" if employer else "reviews:student_write", args=[engagement.pk])


def test_s5_1_my_reviews_lists_what_waits_with_its_closing_date(engagement):
    # when
    response = signed_in(engagement.student).get(reverse("reviews:student_home"))
    # then
    assert response.status_code == 200
    page = html(response)
    assert engagement.job.title in page and write_url(engagement) in page
    assert "Review by 2026-03-08" in page  # completed a day before NOW, plus 7 days


def test_s5_1_the_student_writes_a_review_through_the_form(engagement):
    client = signed_in(engagement.student)
    # when: a rating is missing
    response = client.post(write_url(engagement), {"overall": "5", "comment": "好"})
    # then: the form again with the errors, nothing stored
    assert response.status_code == 200
    assert "Give a rating from 1 to 5." in html(response) and not Review.objects.exists()
    # when: complete
    response = client.post(write_url(engagement), {**{k: str(v) for k, v in STUDENT_RATINGS.items()},
                                                   "comment": "工作内容和描述一致"})
    # then
    assert response.status_code == 302 and response["Location"] == reverse("reviews:student_home")
    review = Review.objects.get()
    assert (review.direction, review.overall, review.comment) == (Direction.STUDENT_REVIEWS_EMPLOYER, 5,
                                                                  "工作内容和描述一致")
    # and the form is gone: the page shows the review the student wrote
    page = html(client.get(write_url(engagement)))
    assert "You have reviewed this engagement." in page and 'id="review-form"' not in page
    assert "Not shown yet" in html(client.get(reverse("reviews:student_home")))


def test_s5_1_an_engagement_not_completed_shows_no_form(frozen):
    engagement = completed_engagement(status="active")
    response = signed_in(engagement.student).get(write_url(engagement))
    assert response.status_code == 200 and "once the engagement is completed" in html(response)
    response = signed_in(engagement.student).post(write_url(engagement), STUDENT_RATINGS)
    assert response.status_code == 302 and not Review.objects.exists()


def test_s5_1_pages_keep_the_other_review_hidden_until_both_have_written(engagement, frozen):
    student, member = engagement.student, member_of(engagement)
    review_submit(engagement_id=engagement.pk, author=student, ratings=STUDENT_RATINGS, comment="秘密的评价内容")
    employer_client = signed_in(member)
    # then: the employer's pages and the public job page do not show it
    assert "秘密的评价内容" not in html(employer_client.get(reverse("reviews:employer_home")))
    assert "秘密的评价内容" not in html(Client().get(reverse("jobs:detail", args=[engagement.job_id])))
    review = Review.objects.get()
    assert employer_client.get(reverse("moderation:report_review", args=[review.pk])).status_code == 404
    # when: the employer writes theirs through the form
    response = employer_client.post(write_url(engagement, employer=True),
                                    {**{k: str(v) for k, v in EMPLOYER_RATINGS.items()}, "comment": "很认真"})
    assert response.status_code == 302
    # then: each side reads the other's review
    assert "秘密的评价内容" in html(employer_client.get(reverse("reviews:employer_home")))
    assert "很认真" in html(signed_in(student).get(reverse("reviews:student_home")))


def test_s5_1_the_reviewee_answers_once_on_the_page(engagement):
    student, member = engagement.student, member_of(engagement)
    review_submit(engagement_id=engagement.pk, author=member, ratings=EMPLOYER_RATINGS, comment="迟到了一次")
    review_submit(engagement_id=engagement.pk, author=student, ratings=STUDENT_RATINGS, comment="好")
    about_student = Review.objects.get(direction=Direction.EMPLOYER_REVIEWS_STUDENT)
    client = signed_in(student)
    url = reverse("reviews:reply", args=[about_student.pk])
    assert f'action="{url}"' in html(client.get(reverse("reviews:student_home")))
    # when: empty, then an answer, then another
    client.post(url, {f"r{about_student.pk}-text": ""})
    client.post(url, {f"r{about_student.pk}-text": "那天地铁故障"})
    response = client.post(url, {f"r{about_student.pk}-text": "再补充"}, follow=True)
    # then
    assert Review.objects.get(pk=about_student.pk).reply == "那天地铁故障"
    assert "answered once" in html(response) and f'action="{url}"' not in html(response)
    # and the employer (the author) cannot answer it
    assert signed_in(member).post(url, {f"r{about_student.pk}-text": "x"}).status_code == 404


def test_g3_a_reader_reports_a_review_once_and_the_moderator_decides_it_in_the_admin(frozen):
    # given: a published review of an employer, read by another student on the employer's job page
    review = ReviewFactory(comment="辱骂内容")
    reader = StudentProfileFactory(approved=True).user
    client = signed_in(reader)
    url = reverse("moderation:report_review", args=[review.pk])
    card = html(client.get(reverse("jobs:detail", args=[review.engagement.job_id])))
    # the card links to the one report page, once (the former review report page is gone)
    assert card.count(f'href="{url}"') == 1 and "/reviews/" not in card.split(url)[0][-60:]
    # when: without details, then with them
    assert "describe what is wrong" in html(client.post(url, {"category": "abuse", "details": ""}))
    response = client.post(url, {"category": "abuse", "details": "人身攻击"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.review, report.category, report.details) == (review, "abuse", "人身攻击")
    # then: customer service may not decide; a moderator may, in moderation's queue
    confirm = reverse("admin:moderation_report_transition",
                      kwargs={"object_id": report.pk, "transition_name": "confirm"})
    cs_client = login_with_mfa(Client(), StaffFactory(role=CUSTOMER_SERVICE))
    assert cs_client.post(confirm, {"note": "x"}).status_code == 403
    moderator = login_with_mfa(Client(), StaffFactory(role=MODERATOR))
    assert moderator.get(reverse("admin:moderation_report_changelist")).status_code == 200
    assert moderator.get(reverse("admin:moderation_report_change", args=[report.pk])).status_code == 200
    response = moderator.post(confirm, {"note": "违反社区规则"})
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).hidden_at is not None
    assert Notification.objects.filter(recipient=reader, subject__contains="confirmed").exists()
    # and the hidden review is gone from the report link
    assert client.get(url).status_code == 404


def test_s5_1_the_job_page_shows_the_employers_rating(frozen):
    review = ReviewFactory(overall=5)
    engagement = completed_engagement(employer=review.employer)
    ReviewFactory(engagement=engagement, overall=4)
    page = html(Client().get(reverse("jobs:detail", args=[review.engagement.job_id])))
    assert "4.5 ★" in page and "(2 reviews)" in page and review.comment in page
    # and a review's author is not named to the public
    assert review.student.student_profile.real_name not in page


def test_e6_1_the_applicant_page_shows_the_students_rating(frozen):
    # given: a student an earlier employer rated 3, applying to a new job
    earlier = ReviewFactory(about_student=True, overall=3, comment="还可以")
    application = ApplicationFactory(student=earlier.student)
    owner = application.job.employer.members.get().user
    # when
    response = signed_in(owner).get(reverse("applications:employer_application", args=[application.pk]))
    # then
    assert response.status_code == 200
    page = html(response)
    assert "3.0 ★" in page and "还可以" in page and earlier.employer.name in page


def test_e6_1_the_employer_side_pages(engagement):
    member = member_of(engagement)
    client = signed_in(member)
    page = html(client.get(reverse("reviews:employer_home")))
    assert write_url(engagement, employer=True) in page
    # the engagement page links to the form once completed
    page = html(client.get(reverse("applications:employer_engagement", args=[engagement.pk])))
    assert write_url(engagement, employer=True) in page
    page = html(signed_in(engagement.student).get(reverse("applications:student_engagement", args=[engagement.pk])))
    assert write_url(engagement) in page
    # a student account may not use the employer's pages, nor the reverse
    assert signed_in(engagement.student).get(reverse("reviews:employer_home")).status_code == 403
    assert client.get(reverse("reviews:student_home")).status_code == 403


def test_s5_1_a_report_of_an_unpublished_review_is_not_found(engagement):
    review_submit(engagement_id=engagement.pk, author=engagement.student, ratings=STUDENT_RATINGS, comment="c")
    review = Review.objects.get()
    outsider = signed_in(StudentProfileFactory(approved=True).user)
    assert outsider.post(reverse("moderation:report_review", args=[review.pk]), {"category": "abuse",
                                                                                 "details": "r"}).status_code == 404
    with pytest.raises(ReportNotAllowed):  # the service refuses too
        report_create(target_kind="review", target_id=review.pk, reporter=member_of(engagement), category="abuse",
                      details="r")
    assert not Report.objects.exists()


def test_g3_review_text_is_escaped_wherever_it_is_shown(frozen):
    # given: a review comment and an answer carrying markup
    payload = "<script>alert('xss')</script>"
    review = ReviewFactory(comment=payload, reply=payload, replied_at=NOW)
    report = Report.objects.create(review=review, reporter=StudentProfileFactory(approved=True).user,
                                   category="abuse", details=payload)
    moderator = login_with_mfa(Client(), StaffFactory(role=MODERATOR))
    pages = [
        Client().get(reverse("jobs:detail", args=[review.engagement.job_id])),
        signed_in(member_of(review.engagement)).get(reverse("reviews:employer_home")),
        signed_in(review.student).get(reverse("reviews:student_home")),
        moderator.get(reverse("admin:moderation_report_change", args=[report.pk])),
        moderator.get(reverse("admin:reviews_review_change", args=[review.pk])),
    ]
    # then
    for response in pages:
        assert response.status_code == 200
        assert "<script>alert" not in html(response)
