"""Privileges and limits of the credit tiers for applying and hiring (K3.1):
early access to new jobs, the open-applications limit, the applicant ranking,
and who must prefund at hire."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import StudentProfile
from applications.models import Application, ApplicationStatus
from applications.selectors import applicants_ranked
from applications.services import CannotApply, application_apply, application_hire
from core.models import CreditTier
from core.policy import get_policy
from employers.models import Employer
from settlements.funding import PrefundRequired
from tests.factories.accounts import StudentProfileFactory
from tests.factories.applications import ApplicationFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db


def student_of_tier(tier: int):
    profile = StudentProfileFactory(approved=True)
    StudentProfile.objects.filter(pk=profile.pk).update(credit_tier=tier)
    return profile.user


def apply(job, student):
    return application_apply(job_id=job.pk, student=student, confirms_requirements=True, commits_to_work=True)


def set_limits(low: int, normal: int) -> None:
    policy = get_policy()
    policy.applications_limit_low_tier, policy.applications_limit = low, normal
    policy.save()


def open_jobs(n: int) -> list:
    # Different days, so the shifts never overlap.
    return [JobFactory(published=True, shifts=[(timezone.localdate() + dt.timedelta(days=7 + i), "18:00", "21:00")])
            for i in range(n)]


# ------------------------------------------------------------------ early access
def test_k3_1_below_tier_3_applying_to_a_new_job_is_refused_with_the_time_it_opens(time_machine):
    # given: a job published at 12:00:30 local time; early access of 2 hours
    published = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0, 30)))
    time_machine.move_to(published, tick=False)
    job = JobFactory(published=True, published_at=published)
    student = student_of_tier(CreditTier.GOOD)
    # when
    with pytest.raises(CannotApply) as refused:
        apply(job, student)
    # then: told when it opens (never earlier than it does), and nothing is saved
    assert "open to you from 14:01" in str(refused.value.message)
    assert not Application.objects.exists()
    # and once it opens, the same student may apply
    time_machine.move_to(published + dt.timedelta(hours=2), tick=False)
    assert apply(job, student).status == ApplicationStatus.APPLIED


@pytest.mark.parametrize("tier", [CreditTier.VERY_GOOD, CreditTier.EXCELLENT])
def test_k3_1_a_student_of_tier_3_or_above_applies_to_a_new_job_at_once(tier):
    # given
    job = JobFactory(published=True, published_at=timezone.now())
    # when
    application = apply(job, student_of_tier(tier))
    # then
    assert application.status == ApplicationStatus.APPLIED


def test_k3_1_the_apply_page_of_a_new_job_explains_the_wait():
    # given
    job = JobFactory(published=True, published_at=timezone.now())
    client = Client()
    client.force_login(student_of_tier(CreditTier.FAIR))
    # when
    page = client.get(reverse("applications:apply", args=[job.pk])).content.decode()
    # then
    assert 'id="apply-refusal"' in page and "This job is open to you from" in page
    assert 'id="apply-form"' not in page


# ------------------------------------------------------------------ open applications limit
@pytest.mark.parametrize(("tier", "limit"), [(CreditTier.POOR, 2), (CreditTier.FAIR, 2), (CreditTier.GOOD, 4),
                                              (CreditTier.VERY_GOOD, 4), (CreditTier.EXCELLENT, 4)])
def test_k3_1_a_student_may_hold_as_many_open_applications_as_the_tier_allows(tier, limit):
    # given: limits 2 (tiers 0–1) and 4
    set_limits(2, 4)
    student = student_of_tier(tier)
    jobs = open_jobs(limit + 1)
    # when: applying up to the limit works, one more is refused
    for job in jobs[:limit]:
        apply(job, student)
    with pytest.raises(CannotApply) as refused:
        apply(jobs[limit], student)
    # then: the message says the limit, the tier and how to raise it
    message = str(refused.value.message)
    assert f"at most {limit}" in message and str(CreditTier(tier).label) in message
    assert "/credit/how-it-works/" in message
    assert Application.objects.filter(student=student).count() == limit


def test_k3_1_only_open_applications_count_towards_the_limit():
    # given: a tier-1 student with limit 1, whose earlier applications were decided or withdrawn
    set_limits(1, 5)
    student = student_of_tier(CreditTier.FAIR)
    for status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED,
                   ApplicationStatus.EXPIRED):
        ApplicationFactory(student=student, status=status)
    offered = ApplicationFactory(student=student, status=ApplicationStatus.OFFERED)
    job = open_jobs(1)[0]
    # when: an offer still holds the one open place
    with pytest.raises(CannotApply):
        apply(job, student)
    # then: once the offer is answered, the student may apply again
    Application.objects.filter(pk=offered.pk).update(status=ApplicationStatus.OFFER_DECLINED)
    assert apply(job, student).status == ApplicationStatus.APPLIED


def test_k3_1_the_apply_page_shows_the_limit_and_the_tier():
    # given
    set_limits(3, 10)
    job = open_jobs(1)[0]
    client = Client()
    client.force_login(student_of_tier(CreditTier.FAIR))
    # when
    page = client.get(reverse("applications:apply", args=[job.pk])).content.decode()
    # then
    assert "Your limit: 3 open applications at a time (credit tier Fair)" in page
    assert 'href="/credit/how-it-works/"' in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_k3_1_two_applications_at_the_same_moment_cannot_both_pass_the_limit():
    # given: a tier-0 student with limit 1 and two open jobs
    set_limits(1, 5)
    student = student_of_tier(CreditTier.POOR)
    jobs = open_jobs(2)
    outcomes, barrier = [], threading.Barrier(2)

    def attempt(job):
        try:
            barrier.wait()
            apply(job, student)
            outcomes.append("applied")
        except CannotApply:
            outcomes.append("refused")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=attempt, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert sorted(outcomes) == ["applied", "refused"]
    assert Application.objects.filter(student=student).count() == 1


# ------------------------------------------------------------------ ranking
def test_k3_1_higher_tiers_rank_above_an_otherwise_equal_neutral_student():
    # given: five applicants equal in everything but their credit tier
    job = JobFactory(published=True)
    by_application = {}
    for tier in (CreditTier.GOOD, CreditTier.POOR, CreditTier.EXCELLENT, CreditTier.FAIR, CreditTier.VERY_GOOD):
        application = ApplicationFactory(job=job, student=student_of_tier(tier))
        by_application[application.pk] = tier
    # when
    ranked = [by_application[row.application_id] for row in applicants_ranked(job=job, hydrate=False)]
    # then
    assert ranked == [CreditTier.EXCELLENT, CreditTier.VERY_GOOD, CreditTier.GOOD, CreditTier.FAIR, CreditTier.POOR]


# ------------------------------------------------------------------ prefunding at hire (E5.1 by tier)
def employer_of_tier(tier: int) -> Employer:
    employer = EmployerFactory(approved=True)
    Employer.objects.filter(pk=employer.pk).update(credit_tier=tier)
    return Employer.objects.get(pk=employer.pk)


def test_k3_1_a_tier_3_employer_hires_without_prefunding_and_a_tier_1_employer_cannot():
    # given: two employers with empty escrow accounts, each with an applicant
    high, low = employer_of_tier(CreditTier.VERY_GOOD), employer_of_tier(CreditTier.FAIR)
    high_application = ApplicationFactory(job=JobFactory(employer=high, published=True))
    low_application = ApplicationFactory(job=JobFactory(employer=low, published=True))
    # when
    application_hire(application_id=high_application.pk, actor=high.members.get().user)
    with pytest.raises(PrefundRequired):
        application_hire(application_id=low_application.pk, actor=low.members.get().user)
    # then
    assert Application.objects.get(pk=high_application.pk).status == ApplicationStatus.OFFERED
    assert Application.objects.get(pk=low_application.pk).status == ApplicationStatus.APPLIED
