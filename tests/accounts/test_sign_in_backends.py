"""Every signed-in request reads its user with SQL compiled once per process
(accounts.backends, core.compiled). The read must stay exactly the ORM's: the user
the session names and nobody else, all their fields with their database conversions,
and an account closed after signing in is signed out at its next request (J3)."""

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.backends import AuthenticationBackend, ModelBackend
from accounts.models import User
from tests.factories.accounts import StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_j3_both_sign_in_backends_read_the_same_user_as_the_orm():
    # given: two accounts, one with a verified mobile number and a language of its own
    first = UserFactory(phone="+8613800138000", phone_verified=True, language="en")
    second = UserFactory()
    for backend in (ModelBackend(), AuthenticationBackend()):
        # when: each is read by id, one after the other (the compiled SQL is shared)
        for user in (first, second):
            read = backend.get_user(user.pk)
            expected = User.objects.get(pk=user.pk)
            # then: the same row, field for field
            assert read.pk == user.pk
            assert {f.attname: getattr(read, f.attname) for f in User._meta.concrete_fields} == {
                f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields}
        assert backend.get_user(second.pk + 1000) is None


def test_j3_a_deactivated_account_is_signed_out_at_its_next_request():
    # given: a student signed in
    profile = StudentProfileFactory(approved=True)
    client = Client()
    client.force_login(profile.user)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert client.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    # when: staff close the account
    User.objects.filter(pk=profile.user.pk).update(is_active=False)
    # then: the same session no longer reaches the dashboard
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_s1_1_each_student_reads_their_own_dashboard_one_after_the_other():
    # given: two students, served by the same process (one compiled profile query)
    first, second = StudentProfileFactory(approved=True), StudentProfileFactory(approved=True)
    for profile, other in ((first, second), (second, first), (first, second)):
        client = Client()
        client.force_login(profile.user)
        # when
        page = client.get(reverse("accounts:dashboard")).content.decode()
        # then: their own name and school, never the other's
        assert profile.real_name in page and profile.school in page
        assert other.real_name not in page
