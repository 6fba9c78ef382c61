"""Reports of jobs (S5.2, G3): any signed-in user reports a published job; a
moderator confirms (and may take the job down) or dismisses it; the reporter
is told the outcome."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.errors import NotPermitted, ReasonRequired
from core.history import history_for
from core.models import Notification
from jobs.models import JobStatus
from moderation.models import Report
from moderation.services import (
    MAX_OPEN_REPORTS_PER_USER,
    ReportNotAllowed,
    report_job_create,
    report_resolve,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return JobFactory(published=True, title="周末促销员")


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def report_url(job) -> str:
    return reverse("moderation:report_job", args=[job.pk])


def transition_url(report, name: str) -> str:
    return reverse("admin:moderation_report_transition", kwargs={"object_id": report.pk, "transition_name": name})


# ---------------------------------------------------------------- filing a report
def test_s5_2_a_signed_in_user_reports_a_published_job(student, student_client, job, moderator):
    # when
    form = student_client.get(report_url(job))
    response = student_client.post(report_url(job), {"category": "fees_demanded", "details": "面试时要求交 200 元服装费"})
    # then: an open report, a history row, the moderators told, back to the job page with a thank-you
    assert form.status_code == 200 and "周末促销员" in form.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    report = Report.objects.get()
    assert (report.job, report.reporter, report.category, report.status) == (
        job, student, "fees_demanded", Report.Status.OPEN)
    assert [h.transition for h in history_for(report)] == ["create"]
    assert Notification.objects.filter(recipient=moderator, link=reverse(
        "admin:moderation_report_change", args=[report.pk])).exists()


def test_s5_2_anonymous_visitors_are_sent_to_sign_in(job):
    for response in (Client().get(report_url(job)), Client().post(report_url(job), {"category": "scam"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Report.objects.exists()


@pytest.mark.parametrize("status", [JobStatus.DRAFT, JobStatus.PENDING_REVIEW, JobStatus.TAKEN_DOWN,
                                    JobStatus.EXPIRED])
def test_s5_2_only_published_jobs_can_be_reported(student, student_client, status):
    job = JobFactory(status=status)
    assert student_client.get(report_url(job)).status_code == 404
    assert student_client.post(report_url(job), {"category": "scam"}).status_code == 404
    with pytest.raises(ReportNotAllowed):
        report_job_create(job_id=job.pk, reporter=student, category="scam")
    assert not Report.objects.exists()


def test_s5_2_a_second_open_report_of_the_same_job_is_refused(student, student_client, job):
    # given
    student_client.post(report_url(job), {"category": "scam", "details": "要求先交押金"})
    # when
    response = student_client.post(report_url(job), {"category": "discrimination", "details": "只招女生"})
    # then: the form explains; still one report
    assert response.status_code == 200
    assert "already reported this job" in response.content.decode()
    assert Report.objects.count() == 1


def test_s5_2_a_user_has_at_most_ten_open_reports(student):
    jobs = [JobFactory(published=True) for _ in range(MAX_OPEN_REPORTS_PER_USER + 1)]
    for job in jobs[:-1]:
        report_job_create(job_id=job.pk, reporter=student, category="scam")
    # when / then
    with pytest.raises(ReportNotAllowed):
        report_job_create(job_id=jobs[-1].pk, reporter=student, category="scam")
    assert Report.objects.filter(reporter=student).count() == MAX_OPEN_REPORTS_PER_USER


def test_s5_2_other_needs_details(student_client, job):
    response = student_client.post(report_url(job), {"category": "other", "details": " "})
    assert response.status_code == 200 and "describe what is wrong" in response.content.decode()
    assert not Report.objects.exists()


def test_s5_2_the_report_page_escapes_the_job_title(student_client):
    job = JobFactory(published=True, title="<img src=x onerror=alert(1)>")
    html = student_client.get(report_url(job)).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


# ---------------------------------------------------------------- deciding
@pytest.fixture
def report(student, job):
    return report_job_create(job_id=job.pk, reporter=student, category="fees_demanded", details="要求交押金")


def test_g3_dismissing_a_report_tells_the_reporter_with_the_note(report, staff_client,
                                                                 django_capture_on_commit_callbacks):
    client, moderator = staff_client("moderator")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(transition_url(report, "dismiss"), {"note": "电话回访单位与学生，未发现收费。"})
    # then
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.decided_by, report.job_taken_down) == (Report.Status.DISMISSED, moderator, False)
    assert report.job.status == JobStatus.PUBLISHED
    message = Notification.objects.get(recipient=report.reporter)
    assert "did not find a breach" in message.body and "未发现收费" in message.body
    assert [m.to for m in mail.outbox] == [[report.reporter.email]]


def test_g3_a_confirmed_report_may_take_the_job_down(report, staff_client):
    client, moderator = staff_client("moderator")
    owner = report.job.employer.members.get().user
    # when
    client.post(transition_url(report, "confirm"), {"note": "核实收取押金，予以下架。", "take_down": "on"})
    # then: the job is down through the jobs service (history, employer told), the reporter thanked
    report.refresh_from_db(), report.job.refresh_from_db()
    assert (report.status, report.job_taken_down) == (Report.Status.RESOLVED, True)
    assert report.job.status == JobStatus.TAKEN_DOWN and report.job.decision_reason == "核实收取押金，予以下架。"
    assert [h.transition for h in history_for(report.job)] == ["take_down"]
    assert Notification.objects.filter(recipient=owner, body__contains="核实收取押金").exists()
    assert "It has been taken down" in Notification.objects.get(recipient=report.reporter).body
    assert [h.transition for h in history_for(report)] == ["confirm", "create"]


def test_g3_a_confirmed_report_without_take_down_leaves_the_job(report, moderator):
    report_resolve(pk=report.pk, actor=moderator, outcome="confirmed", note="已约谈单位，删除收费表述。")
    report.refresh_from_db(), report.job.refresh_from_db()
    assert report.status == Report.Status.RESOLVED and report.job.status == JobStatus.PUBLISHED


def test_g3_deciding_needs_a_note_and_the_permission(report, moderator):
    with pytest.raises(ReasonRequired):
        report_resolve(pk=report.pk, actor=moderator, outcome="dismissed", note=" ")
    for actor in (StaffFactory(role="customer_service"), UserFactory(), report.reporter):
        with pytest.raises(NotPermitted):
            report_resolve(pk=report.pk, actor=actor, outcome="dismissed", note="x")
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


@pytest.mark.parametrize("name", ["confirm", "dismiss"])
def test_g3_customer_service_reads_reports_but_gets_403_on_decisions(report, staff_client, name):
    client, _agent = staff_client("customer_service")
    assert client.get(reverse("admin:moderation_report_change", args=[report.pk])).status_code == 200
    assert client.get(transition_url(report, name)).status_code == 403
    assert client.post(transition_url(report, name), {"note": "x", "take_down": "on"}).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN and report.job.status == JobStatus.PUBLISHED


def test_g3_report_queue_shows_open_reports_oldest_first(student, staff_client, django_assert_num_queries):
    client, _moderator = staff_client("moderator")
    first, second = JobFactory(published=True), JobFactory(published=True)
    older = report_job_create(job_id=first.pk, reporter=student, category="scam")
    newer = report_job_create(job_id=second.pk, reporter=UserFactory(), category="unsafe")
    report_job_create(job_id=first.pk, reporter=UserFactory(), category="scam")
    decided = report_job_create(job_id=second.pk, reporter=student, category="other", details="x")
    report_resolve(pk=decided.pk, actor=StaffFactory(role="moderator"), outcome="dismissed", note="n")
    # when: session, user, permissions (2), the filtered count, the rows (jobs, employers and reporters
    # joined; open reports per job as a subquery), the sidebar's policy check, the inbox badge
    with django_assert_num_queries(8):
        response = client.get(reverse("admin:moderation_report_changelist"))
    # then
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows][:2] == [older.pk, newer.pk] and decided.pk not in [r.pk for r in rows]
    assert {r.pk: r.open_on_job for r in rows}[older.pk] == 2
