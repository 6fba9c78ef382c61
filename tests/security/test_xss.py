"""Hostile free text (issue 3): script and event-handler payloads typed into any
field that another user or staff will read appear escaped everywhere they are
shown, admin list and detail pages included."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import PersonalDataAccess
from employers import services as employer_services
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "<a href=x onmouseover=alert(1)>x</a>",
]


def assert_escaped(html: str, payload: str, where: str) -> None:
    assert payload not in html, f"raw payload {payload!r} rendered in {where}"
    for dangerous in ("<script>alert", "<img src=x onerror", "<svg/onload", "<a href=x onmouseover"):
        if dangerous in payload:
            assert dangerous not in html, f"{dangerous!r} unescaped in {where}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_g3_student_registration_text_is_escaped_for_staff(staff_client, payload):
    # given: a student typed the payload into every free-text field
    profile = StudentProfileFactory(real_name=payload, school=payload, major=payload, contact_note=payload)
    client, moderator = staff_client("moderator")
    # when / then
    for url in (reverse("admin:accounts_studentprofile_changelist"),
                reverse("admin:accounts_studentprofile_changelist") + "?q=script",
                reverse("admin:accounts_studentprofile_change", args=[profile.pk]),
                reverse("admin:accounts_studentprofile_transition", args=[profile.pk, "reject"])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), payload, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_g3_staff_reasons_are_escaped_for_the_student(staff_client, payload):
    # given: a moderator's reason carries the payload (shown to the student, in the inbox and history)
    profile = StudentProfileFactory()
    _client, moderator = staff_client("moderator")
    account_services.student_profile_reject(pk=profile.pk, actor=moderator, reason=payload)
    student = Client()
    student.force_login(profile.user)
    # then
    for url in (reverse("accounts:dashboard"), reverse("accounts:profile_edit"), reverse("core:inbox")):
        assert_escaped(student.get(url).content.decode(), payload, url)
    admin_client, _m = staff_client("moderator")
    url = reverse("admin:core_historyentry_changelist")
    history = admin_client.get(url)
    if history.status_code == 200:
        assert_escaped(history.content.decode(), payload, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_g3_employer_registration_text_is_escaped_for_staff_and_members(staff_client, payload):
    employer = EmployerFactory(name=payload, address=payload, business_scope=payload, contact_name=payload,
                               district=payload)
    client, _moderator = staff_client("moderator")
    for url in (reverse("admin:employers_employer_changelist"),
                reverse("admin:employers_employer_change", args=[employer.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), payload, url)
    member = Client()
    member.force_login(employer.members.get().user)
    for url in (reverse("employers:dashboard"), reverse("employers:organisation")):
        assert_escaped(member.get(url).content.decode(), payload, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_g3_employer_rejection_reason_is_escaped_for_members(staff_client, payload):
    employer = EmployerFactory()
    _client, moderator = staff_client("moderator")
    employer_services.employer_reject(pk=employer.pk, actor=moderator, reason=payload)
    member = Client()
    member.force_login(employer.members.get().user)
    for url in (reverse("employers:dashboard"), reverse("core:inbox")):
        assert_escaped(member.get(url).content.decode(), payload, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_j3_2_access_log_reasons_are_escaped_for_auditors(staff_client, payload):
    client, auditor = staff_client("auditor")
    PersonalDataAccess.objects.create(staff=auditor, subject_label=payload, item="id_number", reason=payload)
    url = reverse("admin:accounts_personaldataaccess_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert_escaped(response.content.decode(), payload, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_g3_job_text_is_escaped_on_the_public_list_card_and_page(client, payload):
    # given: an employer name and a job title/description carrying the payload (published, so public)
    from tests.factories.jobs import JobFactory

    employer = EmployerFactory(approved=True, name=payload[:200])
    job = JobFactory(employer=employer, published=True, title=payload[:80], description=payload,
                     district=payload[:50], search_document=f"{payload}\nx")
    # then: the list (cards are rendered in Python, jobs.cards) and the job page escape it
    for url in (reverse("jobs:list"), reverse("jobs:list") + "?q=alert", reverse("jobs:detail", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), payload, url)
