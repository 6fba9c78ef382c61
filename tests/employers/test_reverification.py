"""Employers are re-verified every six months (人力资源社会保障部等五部门《关于规范网络平台招聘类信息发布的
通知》, 2026; docs/recruitment-rules.md): the approval sets the due date from the policy; members
are reminded 30 and 7 days before (once each); at the date the vetting lapses (a transition with
its history row) and the live jobs pause; until staff re-verify, the employer cannot submit jobs,
hire, invite or resume a job — at the service, the page and the URL — while its hired students
are unaffected."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application, ApplicationStatus, EngagementStatus, JobInvitation
from applications.services.applying import job_invite_student
from applications.services.offers import application_hire, offer_accept
from core.errors import DomainError, InvalidTransition
from core.models import HistoryEntry, Notification
from core.policy import get_policy
from core.vetting import VettingStatus
from employers.services import EmployerNotVetted, employer_approve, employer_reverify
from jobs.models import JobStatus
from jobs.services import EmployerCannotPost, job_approve, job_resume, job_submit
from jobs.services.reverification import employers_reverification_sweep
from tests.employers.conftest import client_for
from tests.factories.applications import ApplicationFactory, EngagementFactory, StudentIntentionFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
APPROVED_AT = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
DUE = dt.datetime(2026, 7, 5, 10, 0, tzinfo=SHANGHAI)  # six months later
LAPSED = "re-verifies every employer every six months"


def approved_employer(moderator, at=APPROVED_AT):
    employer = EmployerFactory()
    with time_machine.travel(at, tick=False):
        employer_approve(pk=employer.pk, actor=moderator)
    employer.refresh_from_db()
    return employer


def sweep(at):
    with time_machine.travel(at, tick=False):
        return employers_reverification_sweep()


def owner(employer):
    return employer.members.get().user


def reminders(employer):
    return list(Notification.objects.filter(recipient=owner(employer), subject__contains="due for re-verification")
                .order_by("id").values_list("subject", flat=True))


# ------------------------------------------------------------------ the due date
def test_rr_2026_approval_sets_the_reverification_due_date_from_the_policy(moderator):
    employer = approved_employer(moderator)
    assert employer.vetted_at == APPROVED_AT and employer.reverify_due_at == DUE
    policy = get_policy()
    policy.employer_reverify_months = 3
    policy.save()
    assert approved_employer(moderator).reverify_due_at == APPROVED_AT + relativedelta(months=3)


def test_rr_2026_the_policy_cannot_stretch_reverification_beyond_six_months():
    policy = get_policy()
    policy.employer_reverify_months = 6
    policy.full_clean()
    policy.employer_reverify_months = 7
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert list(refused.value.message_dict) == ["employer_reverify_months"]


# ------------------------------------------------------------------ reminders
def test_rr_2026_members_are_reminded_30_and_7_days_before_once_each(moderator):
    employer = approved_employer(moderator)
    assert sweep(DUE - dt.timedelta(days=31))["reminded"] == 0
    assert sweep(DUE - dt.timedelta(days=30))["reminded"] == 1
    assert sweep(DUE - dt.timedelta(days=29))["reminded"] == 0
    assert sweep(DUE - dt.timedelta(days=7))["reminded"] == 1
    assert sweep(DUE - dt.timedelta(days=1))["reminded"] == 0
    assert reminders(employer) == ["Your organisation is due for re-verification by 2026-07-05"] * 2
    assert HistoryEntry.objects.filter(transition="reverify_reminder", object_id=str(employer.pk)).count() == 2
    # the moderators hear of it once, at the first reminder
    assert Notification.objects.filter(recipient=moderator, subject__contains="is due for re-verification").count() == 1


def test_rr_2026_a_late_sweep_sends_only_the_nearer_reminder(moderator):
    employer = approved_employer(moderator)
    assert sweep(DUE - dt.timedelta(days=3))["reminded"] == 1
    assert sweep(DUE - dt.timedelta(days=2))["reminded"] == 0
    assert len(reminders(employer)) == 1


# ------------------------------------------------------------------ the lapse
@pytest.fixture
def lapsed(moderator):
    """At the due date: an employer with a live job, an applicant, an offer waiting for the
    student, a hired student and a draft; the sweep has run."""
    employer = approved_employer(moderator)
    now = DUE + dt.timedelta(minutes=30)
    with time_machine.travel(now, tick=False):
        day = now.date() + dt.timedelta(days=7)
        job = JobFactory(employer=employer, published=True, headcount=5, shifts=[(day, "18:00", "21:00")],
                         application_deadline=now + dt.timedelta(days=3))
        applicant = ApplicationFactory(job=job)
        offered = ApplicationFactory(job=job)
        application_hire(application_id=offered.pk, actor=owner(employer))
        hired = EngagementFactory(application__job=job)
        draft = JobFactory(employer=employer, shifts=[(day, "09:00", "12:00")])
    counts = sweep(now)
    with time_machine.travel(now + dt.timedelta(minutes=5), tick=False) as traveller:
        employer.refresh_from_db()
        job.refresh_from_db()
        yield {"employer": employer, "job": job, "applicant": applicant, "offered": offered, "hired": hired,
               "draft": draft, "counts": counts, "clock": traveller}


def test_rr_2026_at_the_due_date_the_vetting_lapses_with_history_and_live_jobs_pause(lapsed, moderator):
    employer, job = lapsed["employer"], lapsed["job"]
    assert lapsed["counts"] == {"reminded": 0, "lapsed": 1, "paused": 1}
    assert employer.vetting_status == VettingStatus.LAPSED and not employer.can_post
    entry = HistoryEntry.objects.get(transition="lapse", object_id=str(employer.pk))
    assert (entry.from_state, entry.to_state, entry.actor) == ("approved", "lapsed", None)
    assert job.status == JobStatus.PAUSED
    assert HistoryEntry.objects.filter(transition="pause", object_id=str(job.pk), actor=None).count() == 1
    assert Notification.objects.filter(recipient=owner(employer), subject__contains="vetting has lapsed").exists()
    assert Notification.objects.filter(recipient=moderator, subject__contains="vetting lapsed").exists()
    # idempotent: a second run finds nothing to do
    assert sweep(DUE + dt.timedelta(hours=2)) == {"reminded": 0, "lapsed": 0, "paused": 0}


def test_rr_2026_hired_students_are_unaffected_by_the_lapse(lapsed):
    engagement = lapsed["hired"]
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE
    assert engagement.attendances.count() == 1
    assert not HistoryEntry.objects.filter(object_id=str(engagement.pk), transition__startswith="cancel").exists()


def test_rr_2026_a_lapsed_employer_cannot_submit_hire_invite_or_resume_at_the_services(lapsed, moderator):
    employer, job = lapsed["employer"], lapsed["job"]
    member = owner(employer)
    with pytest.raises(EmployerNotVetted, match=LAPSED):
        application_hire(application_id=lapsed["applicant"].pk, actor=member)
    student = StudentIntentionFactory(categories=[job.category], cities=[job.city]).student
    with pytest.raises(EmployerNotVetted, match=LAPSED):
        job_invite_student(job_id=job.pk, student_id=student.pk, actor=member)
    with pytest.raises(EmployerCannotPost, match=LAPSED):
        job_submit(job_id=lapsed["draft"].pk, actor=member)
    with pytest.raises(EmployerNotVetted, match=LAPSED):
        job_resume(job_id=job.pk, actor=member)
    # nothing moved
    assert Application.objects.get(pk=lapsed["applicant"].pk).status == ApplicationStatus.APPLIED
    assert not JobInvitation.objects.exists()
    lapsed["draft"].refresh_from_db()
    job.refresh_from_db()
    assert (lapsed["draft"].status, job.status) == (JobStatus.DRAFT, JobStatus.PAUSED)


def test_rr_2026_the_student_cannot_take_an_offer_from_a_lapsed_employer(lapsed):
    offered = lapsed["offered"]
    with pytest.raises(DomainError, match="six-monthly re-verification"):
        offer_accept(application_id=offered.pk, student=offered.student)
    assert Application.objects.get(pk=offered.pk).status == ApplicationStatus.OFFERED


def test_rr_2026_a_moderator_cannot_publish_a_job_of_a_lapsed_employer(lapsed, moderator):
    pending = JobFactory(employer=lapsed["employer"], status=JobStatus.PENDING_REVIEW,
                         shifts=[(DUE.date() + dt.timedelta(days=9), "09:00", "12:00")])
    with pytest.raises(InvalidTransition, match="re-verify the employer"):
        job_approve(pk=pending.pk, actor=moderator)


def test_rr_2026_the_pages_say_why_and_refuse_hire_invite_submit_and_resume(lapsed):
    employer, job, applicant = lapsed["employer"], lapsed["job"], lapsed["applicant"]
    client = client_for(owner(employer))
    hire_url = reverse("applications:application_hire", args=[applicant.pk])
    resume_url = reverse("jobs:employer_job_resume", args=[job.pk])
    # the pages show the reason instead of the forms
    pages = {
        "applicants": reverse("applications:employer_applicants", args=[job.pk]),
        "application": reverse("applications:employer_application", args=[applicant.pk]),
        "candidates": reverse("applications:employer_candidates", args=[job.pk]),
        "job": reverse("jobs:employer_job", args=[job.pk]),
        "jobs": reverse("jobs:employer_jobs"),
        "dashboard": reverse("employers:dashboard"),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert LAPSED in html, name
        assert hire_url not in html and resume_url not in html, name
    # and the URLs refuse with the reason
    response = client.post(hire_url, {"confirmed": "1"}, follow=True)
    assert LAPSED in response.content.decode()
    student = StudentIntentionFactory(categories=[job.category], cities=[job.city]).student
    client.post(reverse("applications:invite", args=[job.pk, student.pk]), {"message": ""})
    client.post(reverse("jobs:employer_job_submit", args=[lapsed["draft"].pk]))
    client.post(resume_url)
    assert Application.objects.get(pk=applicant.pk).status == ApplicationStatus.APPLIED
    assert not JobInvitation.objects.exists()
    lapsed["draft"].refresh_from_db()
    job.refresh_from_db()
    assert (lapsed["draft"].status, job.status) == (JobStatus.DRAFT, JobStatus.PAUSED)


# ------------------------------------------------------------------ re-verification
def test_rr_2026_staff_reverify_then_the_employer_may_resume_its_paused_jobs_and_hire(lapsed, moderator):
    employer, job = lapsed["employer"], lapsed["job"]
    now = DUE + dt.timedelta(minutes=35)
    employer_reverify(pk=employer.pk, actor=moderator, reason="营业执照在有效期内")
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.APPROVED and employer.vetted_at == now
    assert employer.reverify_due_at == now + relativedelta(months=6)
    assert HistoryEntry.objects.filter(transition="reverify", object_id=str(employer.pk), actor=moderator).exists()
    # the jobs stayed paused; the employer resumes them and hires again
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED
    job_resume(job_id=job.pk, actor=owner(employer))
    offered = application_hire(application_id=lapsed["applicant"].pk, actor=owner(employer))
    assert offered.status == ApplicationStatus.OFFERED


def test_rr_2026_the_reminders_start_again_after_reverification(moderator):
    employer = approved_employer(moderator)
    sweep(DUE - dt.timedelta(days=7))
    with time_machine.travel(DUE - dt.timedelta(days=5), tick=False):
        employer_reverify(pk=employer.pk, actor=moderator)
    employer.refresh_from_db()
    assert employer.reverify_due_at == DUE - dt.timedelta(days=5) + relativedelta(months=6)
    assert employer.reverify_reminded_days is None
    assert sweep(employer.reverify_due_at - dt.timedelta(days=30))["reminded"] == 1


def test_rr_2026_only_vetting_staff_reverify_through_the_admin(lapsed, admin_client_for):
    employer = lapsed["employer"]
    url = reverse("admin:employers_employer_transition",
                  kwargs={"object_id": employer.pk, "transition_name": "reverify"})
    assert admin_client_for("customer_service").post(url, {"reason": ""}).status_code == 403
    page = admin_client_for("moderator").get(reverse("admin:employers_employer_change", args=[employer.pk]))
    assert url in page.content.decode()
    assert admin_client_for("moderator").post(url, {"reason": ""}).status_code == 302
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.APPROVED
