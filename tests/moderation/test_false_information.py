"""False information (G3): any signed-in user reports false information on a job,
an employer's profile, a student's profile (as an employer sees it) or a review;
staff verify; confirmed false information is a violation on the sanctions ladder
and a credit event against whoever gave it, and the reporter is told the outcome."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from applications.models import Application
from core.errors import DomainError
from core.models import CreditEvent, Notification
from moderation.models import Report
from moderation.services import (
    ReportNotAllowed,
    report_create,
    report_job_create,
    report_resolve,
    violator_of,
)
from reviews.models import Review
from risk.models import Sanction
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.applications import ApplicationFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.factories.reviews import ReviewFactory

pytestmark = pytest.mark.django_db

FALSE = Report.Category.FALSE_INFORMATION


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(kind, target, reporter, category=FALSE, details="资料与事实不符"):
    return report_create(target_kind=kind, target_id=target.pk, reporter=reporter, category=category,
                         details=details)


def confirm(report_, moderator, note="核实：信息虚假。"):
    return report_resolve(pk=report_.pk, actor=moderator, outcome="confirmed", note=note)


def sanctions_of(kind, subject_id):
    return list(Sanction.objects.filter(subject_kind=kind, subject_id=subject_id))


def false_info_events(kind, subject_id):
    return list(CreditEvent.objects.filter(subject_kind=kind, subject_id=subject_id,
                                           kind="false_information_confirmed"))


@pytest.fixture
def applicant():
    """A student who applied to an employer's job, and a member of that employer."""
    application = ApplicationFactory(job=JobFactory(published=True))
    profile = application.student.student_profile
    return profile, application.job.employer.members.get().user


# ------------------------------------------------------------------ filing reports of each kind
def test_g3_any_signed_in_user_reports_an_employer_profile_from_the_job_page(student, student_client):
    # given
    job = JobFactory(published=True)
    page = student_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    url = reverse("moderation:report_employer", args=[job.employer_id])
    assert url in page
    # when
    response = student_client.post(url, {"category": FALSE, "details": "营业执照上的名称与实际不符"})
    # then
    assert response.status_code == 302
    filed = Report.objects.get()
    assert (filed.employer, filed.job, filed.reporter, filed.category) == (job.employer, None, student, FALSE)


def test_g3_an_employer_reports_a_profile_of_a_student_who_applied(applicant):
    # given
    profile, member = applicant
    client = client_for(member)
    url = reverse("moderation:report_student", args=[profile.pk])
    # when
    form = client.get(url)
    response = client.post(url, {"category": FALSE, "details": "自称有两年经验，实际没有"})
    # then
    assert form.status_code == 200 and profile.real_name in form.content.decode()
    assert response.status_code == 302
    assert Report.objects.get().student == profile


def test_g3_the_applicant_page_links_to_the_student_report(applicant):
    # given
    profile, member = applicant
    application = Application.objects.get(student=profile.user)
    # when
    page = client_for(member).get(reverse("applications:employer_application", args=[application.pk]))
    # then
    assert reverse("moderation:report_student", args=[profile.pk]) in page.content.decode()


def test_g3_a_reader_reports_a_published_review():
    # given
    review = ReviewFactory()
    reader = UserFactory(kind="student")
    # when
    response = client_for(reader).post(reverse("moderation:report_review", args=[review.pk]),
                                       {"category": FALSE, "details": "该学生从未在这里工作过"})
    # then
    assert response.status_code == 302 and Report.objects.get().review == review


def test_g3_a_job_can_still_be_reported_for_false_information(student):
    job = JobFactory(published=True)
    filed = report_job_create(job_id=job.pk, reporter=student, category=FALSE, details="工资与面试时说的不同")
    assert (filed.job, filed.target_kind) == (job, "job")


# ------------------------------------------------------------------ scoping
def test_g3_only_an_employer_the_student_applied_to_may_report_the_profile(applicant, student):
    # given: another employer, the student themself, another student
    profile, _member = applicant
    other_member = EmployerFactory(approved=True).members.get().user
    url = reverse("moderation:report_student", args=[profile.pk])
    # when / then: a 404 on the page, a refusal in the service, nothing saved
    for user in (other_member, profile.user, student):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(url, {"category": FALSE, "details": "x"}).status_code == 404
        with pytest.raises(ReportNotAllowed):
            report("student", profile, user)
    assert not Report.objects.exists()


def test_g3_an_unpublished_or_hidden_review_cannot_be_reported_nor_by_its_author(student):
    # given
    unpublished = ReviewFactory(published_at=None)
    hidden = ReviewFactory(hidden_reason="x")
    Review.objects.filter(pk=hidden.pk).update(hidden_at=hidden.submitted_at)
    own = ReviewFactory()
    # when / then
    for review, user in ((unpublished, student), (hidden, student), (own, own.author)):
        assert client_for(user).get(reverse("moderation:report_review", args=[review.pk])).status_code == 404
        with pytest.raises(ReportNotAllowed):
            report("review", review, user)
    assert not Report.objects.exists()


def test_g3_an_employer_not_approved_cannot_be_reported(student, student_client):
    pending = EmployerFactory()
    assert student_client.get(reverse("moderation:report_employer", args=[pending.pk])).status_code == 404
    with pytest.raises(ReportNotAllowed):
        report("employer", pending, student)


def test_g3_anonymous_visitors_are_sent_to_sign_in():
    employer = EmployerFactory(approved=True)
    response = Client().post(reverse("moderation:report_employer", args=[employer.pk]), {"category": FALSE})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Report.objects.exists()


def test_g3_a_second_open_report_of_the_same_target_is_refused(student):
    # given
    employer = EmployerFactory(approved=True)
    report("employer", employer, student)
    # when / then
    with pytest.raises(ReportNotAllowed, match="already reported this employer"):
        report("employer", employer, student)
    assert Report.objects.count() == 1


def test_g3_the_database_keeps_exactly_one_target_and_one_open_report_per_target(student):
    employer = EmployerFactory(approved=True)
    job = JobFactory(published=True, employer=employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=student, category=FALSE, job=job, employer=employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=student, category=FALSE)
    Report.objects.create(reporter=student, category=FALSE, employer=employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=student, category=FALSE, employer=employer)


def test_g3_a_student_profile_and_a_review_take_only_false_information_or_other(applicant):
    profile, member = applicant
    with pytest.raises(DomainError, match="Choose what is wrong"):
        report("student", profile, member, category=Report.Category.FEES_DEMANDED)


# ------------------------------------------------------------------ deciding
@pytest.mark.parametrize("kind", ["job", "employer"])
def test_g3_confirmed_false_information_on_a_job_or_employer_is_a_violation_of_the_employer(
        kind, student, moderator, django_capture_on_commit_callbacks):
    # given
    job = JobFactory(published=True)
    filed = report(kind, job if kind == "job" else job.employer, student)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        confirm(filed, moderator)
    # then: a sanction on the ladder and a credit event for the employer; the reporter thanked
    assert violator_of(filed) == ("employer", job.employer_id)
    [sanction] = sanctions_of("employer", job.employer_id)
    assert sanction.category == "false_information" and sanction.imposed_by == moderator
    assert len(false_info_events("employer", job.employer_id)) == 1
    told = Notification.objects.get(recipient=student)
    assert "your report was confirmed" in told.subject and "核实：信息虚假。" in told.body


def test_g3_confirmed_false_information_in_a_student_profile_is_a_violation_of_the_student(
        applicant, moderator):
    # given
    profile, member = applicant
    filed = report("student", profile, member)
    # when
    confirm(filed, moderator)
    # then
    assert len(sanctions_of("student", profile.user_id)) == 1
    assert len(false_info_events("student", profile.user_id)) == 1
    assert Notification.objects.filter(recipient=member, subject__contains="confirmed").exists()


@pytest.mark.parametrize("about_student", [False, True])
def test_g3_a_confirmed_false_review_is_hidden_and_counts_against_its_author_side(about_student, moderator):
    # given: a student's review of an employer, or an employer's review of a student
    review = ReviewFactory(about_student=about_student)
    reader = UserFactory(kind="student")
    filed = report("review", review, reader)
    # when
    confirm(filed, moderator)
    # then: hidden, and the author's side sanctioned and charged
    review.refresh_from_db()
    assert review.hidden_at is not None and review.hidden_reason == "核实：信息虚假。"
    kind, subject_id = ("employer", review.employer_id) if about_student else ("student", review.student_id)
    assert len(sanctions_of(kind, subject_id)) == 1 and len(false_info_events(kind, subject_id)) == 1
    other_kind, other_id = ("student", review.student_id) if about_student else ("employer", review.employer_id)
    assert sanctions_of(other_kind, other_id) == []


def test_g3_a_dismissed_report_changes_nothing_but_tells_the_reporter(student, moderator):
    # given
    review = ReviewFactory()
    filed = report("review", review, student)
    # when
    report_resolve(pk=filed.pk, actor=moderator, outcome="dismissed", note="经核实评价属实。")
    # then
    review.refresh_from_db()
    assert review.hidden_at is None
    assert not Sanction.objects.exists()
    assert not CreditEvent.objects.filter(kind="false_information_confirmed").exists()
    told = Notification.objects.get(recipient=student)
    assert "did not find a breach" in told.body and "经核实评价属实。" in told.body


def test_g3_confirming_another_category_records_no_violation(student, moderator):
    job = JobFactory(published=True)
    filed = report_job_create(job_id=job.pk, reporter=student, category=Report.Category.SCAM)
    confirm(filed, moderator)
    assert not Sanction.objects.exists()


def test_g3_the_admin_queue_shows_each_kind_of_target_with_a_link(applicant, student, staff_client):
    # given
    client, _moderator = staff_client("moderator")
    profile, member = applicant
    job = JobFactory(published=True)
    review = ReviewFactory()
    report("job", job, student), report("employer", job.employer, student)
    report("student", profile, member), report("review", review, student)
    # when
    page = client.get(reverse("admin:moderation_report_changelist")).content.decode()
    # then
    for url in (reverse("admin:jobs_job_change", args=[job.pk]),
                reverse("admin:employers_employer_change", args=[job.employer_id]),
                reverse("admin:accounts_studentprofile_change", args=[profile.pk]),
                reverse("admin:reviews_review_change", args=[review.pk])):
        assert f'href="{url}"' in page
    filed = Report.objects.get(review=review)
    detail = client.get(reverse("admin:moderation_report_change", args=[filed.pk]))
    assert detail.status_code == 200


def test_g3_several_reports_of_the_same_falsehood_make_one_violation_and_every_reporter_is_told(moderator):
    # given: three users report the same employer's profile as false
    employer = EmployerFactory(approved=True)
    reporters = [UserFactory(kind="student") for _ in range(3)]
    first, *_rest = [report("employer", employer, user) for user in reporters]
    # when: the moderator confirms one of them
    confirm(first, moderator)
    # then: all three confirmed, one sanction and one credit event, three reporters told
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.RESOLVED}
    assert len(sanctions_of("employer", employer.pk)) == 1
    assert len(false_info_events("employer", employer.pk)) == 1
    for user in reporters:
        assert Notification.objects.filter(recipient=user, subject__contains="confirmed").exists()
