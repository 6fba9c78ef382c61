"""Staff pages say what they do (issue 21): the transition page shows the record, not "None", and
its button names the decision instead of the admin's "Apply" (申请); the employer's reason is
previewed and carries no internal rule codes; reveal links only for staff who may reveal; the
access log's staff filter lists staff; the apply page's note sits below the boxes it refers to;
the approval mail does not promise what early access withholds."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess
from accounts.services import student_profile_approve
from core.models import Notification, ReasonTemplate
from jobs.models import JobStatus
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory, UserFactory
from tests.factories.applications import approved_student
from tests.factories.employers import EmployerFactory, EmployerVerificationFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _staff(role: str) -> Client:
    return login_with_mfa(Client(), StaffFactory(role=role, language="zh-hans"))


def _transition_url(job, name: str) -> str:
    return reverse("admin:jobs_job_transition", kwargs={"object_id": job.pk, "transition_name": name})


def test_i21_the_request_changes_page_names_the_job_and_its_button_says_what_it_does(zh):
    job = JobFactory(status=JobStatus.PENDING_REVIEW, title="周末咖啡店店员")
    html = _staff("moderator").get(_transition_url(job, "request_changes")).content.decode()
    heading_to_form = html.split("<h1>", 1)[1].split("<form", 1)[0]
    assert "要求修改" in heading_to_form and "周末咖啡店店员" in heading_to_form and "None" not in heading_to_form
    assert re.search(r'<input type="submit" class="default" value="要求修改">', html)
    assert 'value="申请"' not in html and "取消" in html


def test_i21_the_employer_never_reads_internal_rule_codes_and_the_moderator_sees_a_preview(zh):
    job = JobFactory(status=JobStatus.PENDING_REVIEW)
    template = ReasonTemplate.objects.create(
        context="job", title="歧视性要求",
        text="岗位要求中含有与工作无关的限制，违反《就业促进法》和平台规则（J1.4），请删除相关表述后重新提交。")
    client = _staff("moderator")
    page = client.get(_transition_url(job, "request_changes")).content.decode()
    # the page previews the message live (a static script, CSP) from each template's employer-facing text
    assert "js/reason-preview.js" in page and 'data-preview-label="用人单位将看到："' in page
    assert 'data-text="岗位要求中含有与工作无关的限制，违反《就业促进法》和平台规则，请删除相关表述后重新提交。"' in page
    client.post(_transition_url(job, "request_changes"), {"template": template.pk, "reason": "请删除“女生优先”。"})
    job.refresh_from_db()
    assert job.status == JobStatus.CHANGES_REQUESTED
    assert job.decision_reason == ("岗位要求中含有与工作无关的限制，违反《就业促进法》和平台规则，请删除相关表述后重新提交。\n"
                                   "请删除“女生优先”。")
    assert "J1.4" not in job.decision_reason


def test_i21_only_staff_who_may_reveal_see_the_reveal_links(zh):
    profile = StudentProfileFactory(id_number="110101199003070027")
    verification = EmployerVerificationFactory()
    student_url = reverse("admin:accounts_studentprofile_change", args=[profile.pk])
    reveal = reverse("admin:accounts_studentprofile_reveal", args=[profile.pk])
    legal_rep_reveal = reverse("admin:employers_employerverification_reveal", args=[verification.pk])
    verification_url = reverse("admin:employers_employerverification_change", args=[verification.pk])
    moderator, agent = _staff("moderator"), _staff("customer_service")
    assert reveal in moderator.get(student_url).content.decode()
    page = agent.get(student_url).content.decode()
    assert page and reveal not in page and profile.id_number_masked in page
    assert legal_rep_reveal in moderator.get(verification_url).content.decode()
    response = agent.get(verification_url)
    if response.status_code == 200:  # customer service may read the verification: masked, no link
        assert legal_rep_reveal not in response.content.decode()


def test_i21_the_access_logs_staff_filter_lists_staff_only(zh):
    moderators = [StaffFactory(role="moderator"), StaffFactory(role="moderator")]
    student = UserFactory(kind="student", email="student-not-staff@example.cn")
    EmployerFactory()
    for moderator in moderators:
        PersonalDataAccess.objects.create(staff=moderator, subject=student, subject_label="学生", item="id_number",
                                          reason="核对")
    html = _staff("manager").get(reverse("admin:accounts_personaldataaccess_changelist")).content.decode()
    filters = html.split('id="changelist-filter"', 1)[1]
    assert all(f"staff__id__exact={moderator.pk}" in filters for moderator in moderators)
    assert len(re.findall(r"staff__id__exact=\d+", filters)) == 2  # not every user: students, employers
    assert "student-not-staff@example.cn" not in filters


def test_i21_the_apply_pages_note_follows_the_two_boxes_it_refers_to(zh):
    client = Client()
    client.force_login(approved_student())
    html = client.get(reverse("applications:apply", args=[JobFactory(published=True).pk])).content.decode()
    assert html.index('name="commits_to_work"') < html.index("以上两项确认")
    assert html.index('name="confirms_requirements"') < html.index("以上两项确认")


def test_i21_the_approval_mail_says_new_jobs_open_first_to_high_tiers(zh):
    profile = StudentProfileFactory(vetting_status="submitted")
    profile.user.language = "zh-hans"
    profile.user.save(update_fields=["language"])
    student_profile_approve(pk=profile.pk, actor=StaffFactory(role="moderator"))
    body = Notification.objects.get(recipient=profile.user).body
    assert "向您开放的兼职岗位" in body and "先向信用等级较高的同学开放" in body
