"""Sign-up (S1.1, E1.1, PIPL): separate pages, consents, mandatory e-mail verification."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Consent, User

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "xiaoming@example.com", "password1": "Dragon-fruit-2026", "password2": "Dragon-fruit-2026",
          "accept_terms": "on"}


def test_s1_1_student_signup_records_consents_with_versions(client, settings):
    # when
    response = client.post(reverse("account_signup"), SIGNUP)
    # then
    assert response.status_code == 302
    user = User.objects.get(email="xiaoming@example.com")
    assert user.kind == User.Kind.STUDENT
    consents = {c.kind: c.version for c in Consent.objects.filter(user=user)}
    assert consents == {Consent.Kind.USER_AGREEMENT: settings.USER_AGREEMENT_VERSION,
                        Consent.Kind.PRIVACY_POLICY: settings.PRIVACY_POLICY_VERSION}


def test_s1_1_signup_without_consent_is_refused_and_saves_nothing(client):
    data = {**SIGNUP, "accept_terms": ""}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "You must agree to the user agreement and the privacy policy." in response.content.decode()
    assert not User.objects.exists()


def test_s1_1_email_verification_is_mandatory_before_signing_in(client):
    # given: a signed-up student who has not clicked the link
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    # when: they try to sign in
    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]})
    # then: they are sent to the "verify your e-mail" page, not into the site
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_s1_1_the_emailed_link_verifies_and_signs_in(client):
    # given
    client.post(reverse("account_signup"), SIGNUP)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # when
    response = client.post("/" + path)
    # then
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified
    assert client.get(reverse("accounts:dashboard")).status_code == 200


def test_s1_1_duplicate_email_creates_no_second_account_and_reveals_nothing(client):
    # given
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    mail.outbox.clear()
    # when: someone signs up again with the same address in other case
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": "XiaoMing@Example.com"})
    # then: same answer as a new sign-up (no account enumeration), no second account,
    # and the owner is told by e-mail that someone tried
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert mail.outbox and mail.outbox[0].to == ["xiaoming@example.com"]


def test_e1_1_employer_signup_page_creates_an_employer_member(client):
    response = client.post(reverse("employers:signup"), {**SIGNUP, "email": "hr@shop.example"})
    assert response.status_code == 302
    assert User.objects.get(email="hr@shop.example").kind == User.Kind.EMPLOYER


def test_login_rate_limit_uses_the_shared_cache(client, settings):
    # given: allauth's limits are on, stored in the shared cache (Redis in tests and production)
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        client.post(reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-password"})
    # when
    response = client.post(reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-password"})
    # then: refused, pointing the owner to the sign-in code (J3)
    assert "Too many failed attempts to sign in" in response.content.decode()
    cache.clear()
