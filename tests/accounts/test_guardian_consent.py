"""A minor's guardian consents before the first application (Civil Code art. 19: a minor of
eight or over acts with the legal representative's consent beyond acts suited to their
age; docs/minors.md): the guardian's name, relationship and mainland mobile number, the
version of the consent text and the time, on a page the student fills in."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import GuardianConsent
from accounts.services import GuardianConsentRefused, guardian_consent_give
from core.history import history_for
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerMemberFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
URL = reverse("accounts:guardian_consent")


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def minor():
    return StudentProfileFactory(approved=True, is_minor_worker=True, date_of_birth=dt.date(2008, 9, 1),
                                 mobile="+8613800138000").user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides) -> dict:
    return {"guardian_name": "王丽", "relationship": "mother", "guardian_mobile": "139 1234 5678",
            "confirms": "on", **overrides}


def test_minor_civil_code_art19_the_student_records_the_guardians_consent_with_version_and_time(minor):
    # given
    client = signed_in(minor)
    # when
    page = client.get(URL)
    response = client.post(URL, form())
    # then: the text's version is shown; the consent is kept with it and the time
    assert page.status_code == 200 and settings.GUARDIAN_CONSENT_VERSION in page.content.decode()
    assert response.status_code == 302
    consent = GuardianConsent.objects.get(student=minor)
    assert (consent.guardian_name, consent.relationship, str(consent.guardian_mobile)) == (
        "王丽", "mother", "+8613912345678")
    assert (consent.document_version, consent.given_at, consent.withdrawn_at) == (
        settings.GUARDIAN_CONSENT_VERSION, NOW, None)
    assert [h.transition for h in history_for(minor)] == ["guardian_consent"]
    # and the page shows it masked afterwards
    assert "5678" in client.get(URL).content.decode() and "13912345678" not in client.get(URL).content.decode()


@pytest.mark.parametrize("mobile", ["021 6432 1234", "+1 415 555 0100", "12345", "13800138000"])
def test_minor_civil_code_art19_only_a_mainland_mobile_other_than_the_students_own(minor, mobile):
    # a Shanghai landline, a US number, garbage, the student's own number
    response = signed_in(minor).post(URL, form(guardian_mobile=mobile))
    assert response.status_code == 200 and response.context["form"].errors.get("guardian_mobile")
    assert not GuardianConsent.objects.exists()


def test_minor_civil_code_art19_the_guardians_agreement_must_be_confirmed(minor):
    response = signed_in(minor).post(URL, form(confirms=""))
    assert response.context["form"].errors.get("confirms") and not GuardianConsent.objects.exists()


def test_minor_civil_code_art19_a_new_consent_replaces_the_previous_one(minor):
    # given
    first = guardian_consent_give(student=minor, guardian_name="王丽", relationship="mother",
                                  guardian_mobile="+8613912345678", confirms=True)
    # when
    second = guardian_consent_give(student=minor, guardian_name="李强", relationship="father",
                                   guardian_mobile="+8613712345678", confirms=True)
    # then: one in force
    first.refresh_from_db()
    assert first.withdrawn_at == NOW and second.withdrawn_at is None
    assert GuardianConsent.objects.filter(student=minor, withdrawn_at__isnull=True).get() == second


def test_minor_civil_code_art19_adults_and_employers_have_no_guardian_consent():
    adult = StudentProfileFactory(approved=True).user
    assert signed_in(adult).get(URL).status_code == 302
    with pytest.raises(GuardianConsentRefused):
        guardian_consent_give(student=adult, guardian_name="王丽", relationship="mother",
                              guardian_mobile="+8613912345678", confirms=True)
    assert signed_in(EmployerMemberFactory().user).get(URL).status_code == 403
    assert not GuardianConsent.objects.exists()
