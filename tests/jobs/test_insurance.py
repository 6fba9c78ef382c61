"""Insurance (issue 19, docs/insurance.md): the employer declares the job's work-injury or
accident cover with a certificate; jobs of the categories the policy names (logistics,
events) or declaring physical work under art. 3 cannot be submitted without it; students
read "insured by …" on the job; a lapsed cover pauses new hiring and the employer is told."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import ApplicationStatus
from applications.services.offers import application_hire
from core.models import Notification
from jobs import services
from jobs.models import JobInsurance, JobStatus
from jobs.tasks import insurance_lapses_task
from tests.factories.applications import ApplicationFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.support.files import pdf_upload, upload

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
NOW = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(9)))
NEXT_MONDAY = TODAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def cover_form(**overrides) -> dict:
    return {"kind": "accident", "insurer": "中国人民财产保险股份有限公司上海分公司", "policy_number": "PEAC2026310000123",
            "covers_from": "2026-03-01", "covers_until": "2026-06-30", "certificate": pdf_upload("policy.pdf"),
            **overrides}


def member_client(job) -> Client:
    client = Client()
    client.force_login(job.employer.members.get().user)
    return client


def draft(category="logistics", **kwargs):
    return JobFactory(employer=EmployerFactory(approved=True), category=category, shifts=[(NEXT_MONDAY, "18:00", "21:00")],
                      **kwargs)


def test_insurance_a_logistics_job_cannot_be_submitted_without_cover():
    # given: a sorting job (logistics, named by the policy) with no cover declared
    job = draft("logistics", title="快递分拣")
    client = member_client(job)
    # when: submitted through the page
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]), follow=True)
    # then: refused with the reason, still a draft
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    assert any("needs work-injury or accident insurance" in str(m) for m in response.context["messages"])
    # when: the cover is declared with its certificate, then submitted
    declared = client.post(reverse("jobs:employer_job_insurance", args=[job.pk]), cover_form())
    client.post(reverse("jobs:employer_job_submit", args=[job.pk]))
    # then
    job.refresh_from_db()
    cover = JobInsurance.objects.get(job=job)
    assert declared.status_code == 302 and job.status == JobStatus.PENDING_REVIEW
    assert (cover.insurer, cover.policy_number, cover.covers_until) == (
        "中国人民财产保险股份有限公司上海分公司", "PEAC2026310000123", dt.date(2026, 6, 30))
    assert cover.certificate.name.startswith("insurance/") and cover.certificate.name.endswith(".pdf")


def test_insurance_physical_work_declared_under_art3_needs_cover_whatever_the_category():
    job = draft("other", minor_restricted_work=["heavy_loads"])
    with pytest.raises(services.InsuranceRequired):
        services.job_submit(job_id=job.pk, actor=job.employer.members.get().user)


def test_insurance_a_tutoring_job_needs_none():
    job = draft("tutoring")
    assert services.job_submit(job_id=job.pk, actor=job.employer.members.get().user).status == \
        JobStatus.PENDING_REVIEW


@pytest.mark.parametrize("overrides, field", [
    ({"certificate": upload("policy.pdf", b"not a pdf at all", "application/pdf")}, "certificate"),
    ({"covers_until": "2026-02-01"}, "covers_until"),
    ({"covers_from": "2026-01-01", "covers_until": "2026-02-28"}, "covers_until"),
    ({"insurer": ""}, "insurer"),
])
def test_insurance_bad_input_is_a_field_error_and_nothing_is_saved(overrides, field):
    job = draft()
    response = member_client(job).post(reverse("jobs:employer_job_insurance", args=[job.pk]), cover_form(**overrides))
    assert response.status_code == 200 and response.context["insurance_form"].errors.get(field)
    assert not JobInsurance.objects.exists()


def test_insurance_students_see_who_insures_the_job():
    job = JobFactory(published=True, category="events")
    JobInsurance.objects.create(job=job, kind="work_injury", insurer="平安财产保险", policy_number="P1",
                                covers_from=TODAY, covers_until=TODAY + dt.timedelta(days=90), certificate="x.pdf")
    page = Client().get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Insured by 平安财产保险 (Work-injury insurance)" in page


def test_insurance_a_lapsed_cover_pauses_hiring_and_the_employer_is_told_once():
    # given: a published events job whose cover ended yesterday, with an applicant
    job = JobFactory(published=True, category="events", shifts=[(NEXT_MONDAY, "18:00", "21:00")])
    JobInsurance.objects.create(job=job, kind="accident", insurer="平安财产保险", policy_number="P1",
                                covers_from=TODAY - dt.timedelta(days=90), covers_until=TODAY - dt.timedelta(days=1),
                                certificate="x.pdf")
    application = ApplicationFactory(job=job)
    member = job.employer.members.get().user
    # when / then: the hire is refused, nothing changes
    with pytest.raises(services.InsuranceLapsed):
        application_hire(application_id=application.pk, actor=member)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED
    # and the morning sweep tells the employer, once
    assert insurance_lapses_task() == 1 and insurance_lapses_task() == 0
    assert Notification.objects.filter(recipient=member, subject__contains="insurance cover has lapsed").count() == 1
