"""The second-stage verification record (P2.3): moderators record phone
call-backs and background checks on jobs, employers and students, from a link
on the subject's admin page; each step also lands in the subject's history."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.errors import NotPermitted
from core.history import history_for
from moderation.models import VerificationStep
from moderation.services import verification_step_record
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:moderation_verificationstep_add")


def test_p2_3_job_page_links_to_a_prefilled_verification_form(staff_client):
    client, _moderator = staff_client("moderator")
    job = JobFactory(status="pending_review")
    content_type = ContentType.objects.get_for_model(job)
    # when: the link on the job's admin page
    html = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    form = client.get(ADD, {"content_type": content_type.pk, "object_id": job.pk})
    # then
    assert f"content_type={content_type.pk}&amp;object_id={job.pk}" in html
    assert form.status_code == 200
    assert form.context["adminform"].form.initial == {"content_type": str(content_type.pk),
                                                      "object_id": str(job.pk)}


def test_p2_3_moderator_records_a_phone_call_back_on_a_job(staff_client):
    client, moderator = staff_client("moderator")
    job = JobFactory(status="pending_review")
    content_type = ContentType.objects.get_for_model(job)
    # when
    response = client.post(ADD, {"content_type": content_type.pk, "object_id": job.pk, "kind": "phone_callback",
                                 "outcome": "confirmed", "notes": "致电联系人王女士，确认岗位真实，工作地点无误。"})
    # then: the step, by whom, and a line in the job's own history
    assert response.status_code == 302
    step = VerificationStep.objects.get()
    assert (step.subject, step.kind, step.outcome, step.staff) == (job, "phone_callback", "confirmed", moderator)
    entry = history_for(job).get()
    assert (entry.transition, entry.to_state, entry.actor) == ("verification_phone_callback", "confirmed",
                                                                moderator)
    # and: the record is read-only afterwards
    change = client.get(reverse("admin:moderation_verificationstep_change", args=[step.pk])).content.decode()
    assert 'name="notes"' not in change and "王女士" in change
    assert client.post(reverse("admin:moderation_verificationstep_change", args=[step.pk]),
                       {"notes": "改"}).status_code == 403


def test_p2_3_background_checks_on_employers_and_students(staff_client):
    moderator = StaffFactory(role="moderator")
    for subject in (EmployerFactory(approved=True), StudentProfileFactory()):
        step = verification_step_record(actor=moderator, content_type=ContentType.objects.get_for_model(subject),
                                        object_id=subject.pk, kind="background_check", outcome="discrepancy",
                                        notes="企业信用信息公示系统显示经营异常。")
        assert step.subject == subject
        assert history_for(subject).get().transition == "verification_background_check"


def test_p2_3_a_step_needs_an_existing_subject_of_an_allowed_kind(staff_client):
    client, _moderator = staff_client("moderator")
    job_type = ContentType.objects.get(app_label="jobs", model="job")
    # when: a job that does not exist
    response = client.post(ADD, {"content_type": job_type.pk, "object_id": 999999, "kind": "other",
                                 "outcome": "unreachable", "notes": ""})
    # then
    assert response.status_code == 200 and "There is no job with this id" in response.content.decode()
    # when: a kind of record that is not verified this way
    policy_type = ContentType.objects.get(app_label="core", model="policy")
    response = client.post(ADD, {"content_type": policy_type.pk, "object_id": 1, "kind": "other",
                                 "outcome": "confirmed"})
    assert response.status_code == 200
    assert not VerificationStep.objects.exists()


def test_p2_3_only_moderators_record_verification_steps(staff_client):
    client, agent = staff_client("customer_service")
    job = JobFactory()
    content_type = ContentType.objects.get_for_model(job)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"content_type": content_type.pk, "object_id": job.pk, "kind": "other",
                             "outcome": "confirmed"}).status_code == 403
    with pytest.raises(NotPermitted):
        verification_step_record(actor=agent, content_type=content_type, object_id=job.pk, kind="other",
                                 outcome="confirmed")
    assert not VerificationStep.objects.exists()
