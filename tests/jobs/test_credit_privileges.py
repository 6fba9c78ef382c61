"""Privileges and limits of the credit tiers on the jobs side (K3.1): students of
tier 3 and above see new jobs before everyone else, and an employer's posting
quota grows with its tier."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StudentProfile
from core.models import CreditTier
from core.policy import get_policy
from employers.models import Employer
from jobs import services
from jobs.models import Job, JobStatus
from jobs.selectors import JobFilters, job_list_published
from tests.factories.accounts import StudentProfileFactory
from tests.factories.applications import StudentIntentionFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("jobs:list")


def student_of_tier(tier: int):
    profile = StudentProfileFactory(approved=True)
    StudentProfile.objects.filter(pk=profile.pk).update(credit_tier=tier)
    return profile.user


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [row["title"] for row in response.context["page"].jobs]


def fresh_job(**kwargs) -> Job:
    """A job published a moment ago: inside the early-access window (2 hours by default)."""
    return JobFactory(published=True, published_at=timezone.now(), **kwargs)


# ------------------------------------------------------------------ early access for students
@pytest.mark.parametrize("tier", [CreditTier.POOR, CreditTier.FAIR, CreditTier.GOOD])
def test_k3_1_a_new_job_is_hidden_from_the_list_and_search_below_tier_3(tier):
    # given: one job published a day ago, one a moment ago
    JobFactory(published=True, title="老岗位 家教")
    fresh_job(title="新岗位 家教")
    client = client_for(student_of_tier(tier))
    # when
    listed, searched = titles(client.get(LIST_URL)), titles(client.get(LIST_URL, {"q": "家教"}))
    # then
    assert listed == searched == ["老岗位 家教"]


@pytest.mark.parametrize("tier", [CreditTier.VERY_GOOD, CreditTier.EXCELLENT])
def test_k3_1_a_student_of_tier_3_or_above_sees_a_new_job_at_once_with_a_badge(tier):
    # given
    JobFactory(published=True, title="老岗位 家教")
    fresh_job(title="新岗位 家教")
    client = client_for(student_of_tier(tier))
    # when
    response = client.get(LIST_URL)
    searched = titles(client.get(LIST_URL, {"q": "家教"}))
    # then: both jobs, newest first; only the new one carries the badge
    assert titles(response) == searched == ["新岗位 家教", "老岗位 家教"]
    assert response.content.decode().count('class="badge early-access"') == 1


def test_k3_1_anonymous_visitors_see_a_new_job_once_the_delay_has_passed(time_machine):
    # given: early access of 2 hours
    policy = get_policy()
    policy.early_access_hours = 2
    policy.save()
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    fresh_job(title="新岗位")
    # when / then
    assert titles(client_for().get(LIST_URL)) == []
    time_machine.move_to(start + dt.timedelta(hours=1, minutes=59), tick=False)
    assert titles(client_for().get(LIST_URL)) == []
    time_machine.move_to(start + dt.timedelta(hours=2, minutes=1), tick=False)
    assert titles(client_for().get(LIST_URL)) == ["新岗位"]


def test_k3_1_the_delay_follows_the_policy():
    # given: early access switched off
    policy = get_policy()
    policy.early_access_hours = 0
    policy.save()
    fresh_job(title="新岗位")
    # when: a minute passes (the list reads the time to the minute)
    later = timezone.now() + dt.timedelta(minutes=1)
    # then
    assert [r["title"] for r in job_list_published(filters=JobFilters(), now=later).jobs] == ["新岗位"]


def test_k3_1_a_shared_link_to_a_new_job_still_opens_with_the_opening_time():
    # given
    job = fresh_job()
    # when: a tier-2 student and a visitor open the link
    student_page = client_for(student_of_tier(CreditTier.GOOD)).get(reverse("jobs:detail", args=[job.pk]))
    visitor_page = client_for().get(reverse("jobs:detail", args=[job.pk]))
    # then: the page is there; the student is told from when they may apply
    assert student_page.status_code == visitor_page.status_code == 200
    opens = timezone.localtime(job.published_at + dt.timedelta(hours=2) + dt.timedelta(minutes=1))
    html = student_page.content.decode()
    assert f"This job is open to you from {opens:%H:%M}" in html or f"open to you from {opens:%Y-%m-%d %H:%M}" in html
    assert f'href="{reverse("applications:apply", args=[job.pk])}"' not in html


def test_k3_1_a_high_tier_student_may_apply_on_the_job_page_at_once():
    # given
    job = fresh_job()
    # when
    page = client_for(student_of_tier(CreditTier.VERY_GOOD)).get(reverse("jobs:detail", args=[job.pk]))
    # then
    html = page.content.decode()
    assert reverse("applications:apply", args=[job.pk]) in html
    assert 'id="apply-early-access"' in html


def test_k3_1_recommendations_hold_back_new_jobs_below_tier_3():
    # given: two students who want tutoring in Shanghai, one of tier 2 and one of tier 3
    from applications.selectors import recommendations_for

    job = fresh_job()
    low, high = student_of_tier(CreditTier.GOOD), student_of_tier(CreditTier.VERY_GOOD)
    for user in (low, high):
        StudentIntentionFactory(student=user, categories=[job.category], cities=[job.city])
    # when / then
    assert [r.job.pk for r in recommendations_for(student=low)] == []
    assert [r.job.pk for r in recommendations_for(student=high)] == [job.pk]


@pytest.mark.parametrize("principal", ["anonymous", "student"])
def test_k3_1_early_access_costs_the_list_no_query_and_reuses_the_compiled_sql(principal):
    # given
    fresh_job()
    JobFactory(published=True)
    client = client_for(None if principal == "anonymous" else student_of_tier(CreditTier.VERY_GOOD))
    client.get(LIST_URL)  # warm the caches
    # when: the list a minute later
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST_URL)
    # then: one query for the jobs (plus session, user and notifications for a student)
    assert len(queries) == (1 if principal == "anonymous" else 4)
    job_sql = [q["sql"] for q in queries if '"jobs_job"' in q["sql"]]
    assert len(job_sql) == 1 and "make_interval" in job_sql[0]


# ------------------------------------------------------------------ posting quota for employers
def employer_of_tier(tier: int) -> Employer:
    employer = EmployerFactory(approved=True)
    Employer.objects.filter(pk=employer.pk).update(credit_tier=tier)
    return Employer.objects.get(pk=employer.pk)


def set_quotas(low=1, neutral=2, high=3):
    policy = get_policy()
    policy.posting_quota_low_tier, policy.posting_quota, policy.posting_quota_high_tier = low, neutral, high
    policy.save()


@pytest.mark.parametrize(("tier", "quota"), [(CreditTier.POOR, 1), (CreditTier.FAIR, 1), (CreditTier.GOOD, 2),
                                              (CreditTier.VERY_GOOD, 3), (CreditTier.EXCELLENT, 3)])
def test_k3_1_an_employer_may_have_as_many_live_jobs_as_its_tier_allows(tier, quota):
    # given: quotas 1 / 2 / 3; the employer has `quota` jobs pending review or live
    set_quotas()
    employer = employer_of_tier(tier)
    owner = employer.members.get().user
    statuses = [JobStatus.PENDING_REVIEW, JobStatus.PUBLISHED, JobStatus.PAUSED]
    for i in range(quota - 1):
        JobFactory(employer=employer, status=statuses[i % 3])
    last_allowed, one_too_many = JobFactory(employer=employer), JobFactory(employer=employer)
    # when: it submits up to the quota, then one more
    services.job_submit(job_id=last_allowed.pk, actor=owner)
    with pytest.raises(services.PostingQuotaReached) as refused:
        services.job_submit(job_id=one_too_many.pk, actor=owner)
    # then: the message gives the quota and the tier; the extra job stays a draft
    message = str(refused.value.message)
    assert f"at most {quota}" in message and str(CreditTier(tier).label) in message
    assert Job.objects.get(pk=one_too_many.pk).status == JobStatus.DRAFT


def test_k3_1_closed_and_rejected_jobs_do_not_count_against_the_quota():
    # given: a tier-1 employer (quota 1) whose earlier jobs are closed, expired or rejected
    set_quotas()
    employer = employer_of_tier(CreditTier.FAIR)
    for status in (JobStatus.CLOSED, JobStatus.EXPIRED, JobStatus.REJECTED, JobStatus.DRAFT):
        JobFactory(employer=employer, status=status)
    job = JobFactory(employer=employer)
    # when
    services.job_submit(job_id=job.pk, actor=employer.members.get().user)
    # then
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING_REVIEW


def test_k3_1_the_employer_is_told_the_quota_and_the_tier_on_submit():
    # given: a tier-0 employer (quota 1) with one job waiting for review
    set_quotas()
    employer = employer_of_tier(CreditTier.POOR)
    JobFactory(employer=employer, status=JobStatus.PENDING_REVIEW)
    draft = JobFactory(employer=employer)
    # when
    response = client_for(employer.members.get().user).post(
        reverse("jobs:employer_job_submit", args=[draft.pk]), follow=True)
    # then
    assert response.status_code == 200
    assert "with the credit tier Poor you may have at most 1" in response.content.decode()
    assert Job.objects.get(pk=draft.pk).status == JobStatus.DRAFT
