"""Prefunding at hire (E5.1): an employer below the policy's credit tier must
hold the estimated pay (with commission) in escrow before it hires; others
fund after the hours are confirmed."""

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Application, ApplicationStatus
from applications.services import application_hire
from core.models import Notification
from employers.models import Employer
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind
from settlements.funding import PrefundRequired
from tests.factories.applications import ApplicationFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

# JobFactory: one 3-hour shift a week ahead at ¥60.00 an hour → ¥180.00 + 10% commission.
ESTIMATE_FEN = 19_800


def employer_of_tier(tier: int) -> Employer:
    employer = EmployerFactory(approved=True)
    Employer.objects.filter(pk=employer.pk).update(credit_tier=tier)
    return Employer.objects.get(pk=employer.pk)


def escrow_in(employer_id: int, amount: int) -> None:
    transaction_post(key=f"in-{employer_id}-{amount}", kind="escrow_funding", memo="bank transfer", lines=[
        (platform_account(AccountKind.BANK_CLEARING), amount), (employer_escrow(employer_id), -amount)])


def test_e5_1_a_low_tier_employer_without_escrow_cannot_hire_and_nothing_is_saved():
    # given: a tier-1 employer with an empty escrow
    employer = employer_of_tier(1)
    application = ApplicationFactory(job=JobFactory(employer=employer, published=True))
    member = employer.members.get().user
    # when
    with pytest.raises(PrefundRequired) as refused:
        application_hire(application_id=application.pk, actor=member)
    # then: the message names the amount to pay in; the application is untouched, the student not told
    assert "¥198.00" in str(refused.value.message) and refused.value.short_fen == ESTIMATE_FEN
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED
    assert not Notification.objects.filter(recipient=application.student).exists()


def test_e5_1_a_low_tier_employer_hires_with_enough_escrow_and_each_offer_keeps_its_share():
    # given: a tier-1 employer with the pay of one student in escrow, two applicants
    employer = employer_of_tier(1)
    job = JobFactory(employer=employer, published=True, headcount=3)
    first, second = ApplicationFactory(job=job), ApplicationFactory(job=job)
    member = employer.members.get().user
    escrow_in(employer.pk, ESTIMATE_FEN)
    # when: the first hire
    application_hire(application_id=first.pk, actor=member)
    # then: it is an offer; the second needs another ¥198.00 (the first offer keeps its share)
    assert Application.objects.get(pk=first.pk).status == ApplicationStatus.OFFERED
    with pytest.raises(PrefundRequired) as refused:
        application_hire(application_id=second.pk, actor=member)
    assert refused.value.short_fen == ESTIMATE_FEN
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.APPLIED


def test_e5_1_a_neutral_tier_employer_hires_without_escrow():
    employer = employer_of_tier(2)
    application = ApplicationFactory(job=JobFactory(employer=employer, published=True))
    application_hire(application_id=application.pk, actor=employer.members.get().user)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.OFFERED


def test_e5_1_the_hire_page_shows_what_to_pay_in():
    # given
    employer = employer_of_tier(1)
    application = ApplicationFactory(job=JobFactory(employer=employer, published=True))
    client = Client()
    client.force_login(employer.members.get().user)
    # when
    response = client.post(reverse("applications:application_hire", args=[application.pk]), {"confirmed": "1"},
                           follow=True)
    # then: a message, not an error page
    assert response.status_code == 200
    assert any("¥198.00" in str(m) for m in response.context["messages"])
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED
