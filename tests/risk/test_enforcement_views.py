"""Sanctions enforced through the real pages (E4.2, K3.2): a restricted employer
cannot submit a job, a restricted student cannot apply, a suspended user may read
but not act (except appealing, paying in and being paid), and a suspension ends
by itself."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Engagement
from applications.services import application_hire, offer_accept
from core.errors import DomainError
from finance.ledger import account_balance, employer_escrow
from jobs.models import JobStatus
from risk.models import Appeal
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.factories.risk import sanction_of

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
APPLY = {"confirms_requirements": "on", "commits_to_work": "on", "message": "I can do it."}


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _climb(subject, moderator, rungs: int):
    return [sanction_of(subject, actor=moderator) for _ in range(rungs)][-1]


def test_e4_2_a_restricted_employer_cannot_submit_a_job_and_is_told_until_when(moderator):
    # given: an employer under a posting restriction, with a draft
    employer = EmployerFactory(approved=True)
    job = JobFactory(employer=employer)
    with time_machine.travel(NOW, tick=False):
        restriction = _climb(employer, moderator, 2)
    client = client_for(employer.members.get().user)
    # when: it submits the draft (within the restriction)
    with time_machine.travel(NOW + dt.timedelta(days=1)):
        response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]), follow=True)
    # then: still a draft; the message says why and until when
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    html = response.content.decode()
    assert "may not submit jobs until" in html
    assert restriction.ends_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") in html


def test_k3_2_a_restricted_student_cannot_apply_and_is_told_until_when(moderator):
    # given: a published job and a student under an applying restriction
    job = JobFactory(published=True)
    profile = StudentProfileFactory(approved=True)
    restriction = _climb(profile, moderator, 2)
    client = client_for(profile.user)
    url = reverse("applications:apply", args=[job.pk])
    # when: they open the job's application form and post it
    page = client.get(url).content.decode()
    client.post(url, APPLY)
    # then: no application; the page says why and until when
    assert not Application.objects.filter(student=profile.user).exists()
    assert "You may not apply for jobs until" in page
    assert restriction.ends_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M") in page


def test_e4_2_a_suspended_student_may_read_but_not_act_except_appeal(moderator):
    # given: a student suspended for 7 days, and a published job
    job = JobFactory(published=True)
    profile = StudentProfileFactory(approved=True)
    suspension = _climb(profile, moderator, 3)
    assert suspension.level == "suspension"
    client = client_for(profile.user)
    # when: they read their pages
    # then: allowed
    assert client.get(reverse("applications:student_home")).status_code == 200
    assert client.get(reverse("risk:sanctions")).status_code == 200
    # when: they try to apply
    response = client.post(reverse("applications:apply", args=[job.pk]), APPLY)
    # then: 403 with why, until when and the appeal link
    html = response.content.decode()
    assert response.status_code == 403
    assert "Suspended until" in html and suspension.reason in html
    assert reverse("risk:appeal_file", args=[suspension.pk]) in html
    assert not Application.objects.exists()
    # and they may still appeal
    response = client.post(reverse("risk:appeal_file", args=[suspension.pk]), {"text": "Not me."})
    assert response.status_code == 302 and Appeal.objects.filter(sanction=suspension).exists()


def test_e4_2_a_suspended_employer_is_refused_actions_but_can_still_pay_in(moderator, settings):
    # given: a suspended employer with a draft (payments in the sandbox)
    settings.PAYMENTS_SANDBOX = True
    employer = EmployerFactory(approved=True)
    job = JobFactory(employer=employer)
    _climb(employer, moderator, 3)
    client = client_for(employer.members.get().user)
    # when: it tries to submit the draft
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]))
    # then: 403, nothing changed
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    # when: it pays into escrow through the funding page's sandbox payment
    assert client.get(reverse("funding:page")).status_code == 200
    client.post(reverse("funding:sandbox"), {"amount": "100.00"})
    # then: the money arrives
    assert account_balance(employer_escrow(employer.pk)) == 10000


def test_e4_2_a_suspension_ends_by_itself_after_seven_days(moderator):
    # given: restrictions last 2 days; a student suspended for 7 days today (their third strike)
    from core.policy import policy_update

    policy_update(actor=StaffFactory(role="manager"), changes={"restriction_days": 2})
    start = timezone.now()
    job = JobFactory(published=True, application_deadline=start + dt.timedelta(days=30))
    profile = StudentProfileFactory(approved=True)
    with time_machine.travel(start, tick=False):
        suspension = _climb(profile, moderator, 3)
    client = client_for(profile.user)
    url = reverse("applications:apply", args=[job.pk])
    # when: they apply on day 6 and again on day 8, nobody having lifted anything
    with time_machine.travel(start + dt.timedelta(days=6)):
        refused = client.post(url, APPLY)
    with time_machine.travel(start + dt.timedelta(days=8)):
        accepted = client.post(url, APPLY)
    # then: refused while suspended, accepted afterwards
    assert suspension.ends_at == start + dt.timedelta(days=7)
    assert refused.status_code == 403
    assert accepted.status_code == 302 and Application.objects.filter(student=profile.user).count() == 1


def test_e4_2_the_suspension_check_costs_one_query_for_a_signed_in_write_and_none_otherwise(
        moderator, django_assert_num_queries):
    # given: the middleware, a student, a staff member and an anonymous visitor
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.urls import resolve

    from risk.middleware import SuspensionMiddleware

    middleware = SuspensionMiddleware(lambda request: None)
    student = StudentProfileFactory(approved=True).user
    job_url = reverse("applications:apply", args=[JobFactory(published=True).pk])

    def check(user, method):
        request = getattr(RequestFactory(), method)(job_url)
        request.user, request.resolver_match = user, resolve(job_url)
        return middleware.process_view(request, None, (), {})

    # when / then: reads, anonymous visitors and staff cost nothing; a student's write one query, allowed
    with django_assert_num_queries(0):
        assert check(student, "get") is None
        assert check(AnonymousUser(), "post") is None
        assert check(moderator, "post") is None
    with django_assert_num_queries(1):
        assert check(student, "post") is None


def test_e4_2_the_sanctions_page_lists_the_organisations_sanctions_with_the_appeal_button(
        moderator, django_assert_max_num_queries):
    # given: an employer with a warning and a restriction, and another employer with a warning
    employer, other = EmployerFactory(approved=True), EmployerFactory(approved=True)
    warning = sanction_of(employer, actor=moderator, reason="Late pay confirmed.", evidence="bank-ref-9")
    _climb(employer, moderator, 1)
    foreign = sanction_of(other, actor=moderator, reason="Someone else's violation.")
    client = client_for(employer.members.get().user)
    # when
    with django_assert_max_num_queries(8):
        html = client.get(reverse("risk:sanctions")).content.decode()
    # then: its two sanctions, with reason, evidence and appeal links; not the other employer's
    assert "Late pay confirmed." in html and "bank-ref-9" in html and "Restriction" in html
    assert reverse("risk:appeal_file", args=[warning.pk]) in html
    assert "Someone else" not in html and reverse("risk:appeal_file", args=[foreign.pk]) not in html


def test_e4_2_every_allowed_page_of_a_suspended_user_exists():
    # given: the allow-list of the suspension middleware
    from django.urls import get_resolver

    from risk.middleware import ALLOWED_VIEWS

    # when: each name is looked up in the URLconf
    known = set()
    for name in ALLOWED_VIEWS:
        namespace, _, short = name.rpartition(":")
        resolver = get_resolver()
        try:
            patterns = resolver.namespace_dict[namespace][1].reverse_dict if namespace else resolver.reverse_dict
        except KeyError:
            continue
        if short in patterns:
            known.add(name)
    # then: none is stale (a renamed URL would silently lock suspended users out of it)
    assert known == set(ALLOWED_VIEWS), sorted(set(ALLOWED_VIEWS) - known)


def test_k3_2_a_restricted_student_cannot_take_an_offer_made_before_the_restriction(moderator):
    # given: a student who applied and was offered the job, then restricted from applying
    job = JobFactory(published=True)
    profile = StudentProfileFactory(approved=True)
    client_for(profile.user).post(reverse("applications:apply", args=[job.pk]), APPLY)
    application = Application.objects.get(student=profile.user)
    application_hire(application_id=application.pk, actor=job.employer.members.get().user)
    _climb(profile, moderator, 2)
    # when: they accept the offer
    with pytest.raises(DomainError, match="You may not apply for jobs until"):
        offer_accept(application_id=application.pk, student=profile.user)
    # then: no engagement; the offer is still open (it lapses by itself or after the restriction)
    application.refresh_from_db()
    assert application.status == "offered"
    assert not Engagement.objects.filter(student=profile.user).exists()
