"""Employer pages render for each state, and the staff lists render (E1)."""

import pytest
from django.urls import reverse

from tests.employers.conftest import client_for
from tests.factories.employers import (
    EmployerFactory,
    EmployerInvitationFactory,
    EmployerMemberFactory,
    EmployerVerificationFactory,
)

DASHBOARD_URL = reverse("employers:dashboard")


def test_e1_1_new_employer_account_is_asked_to_register(employer_client):
    # when
    response = employer_client.get(DASHBOARD_URL)
    # then
    assert response.status_code == 200
    assert response.context["employer"] is None
    assert reverse("employers:organisation") in response.content.decode()


def test_e1_1_member_without_an_employer_is_redirected_from_members_and_verification(employer_client):
    for name in ("employers:members", "employers:verification"):
        response = employer_client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("employers:organisation")


def test_e1_2_dashboard_of_an_approved_employer(db, django_assert_num_queries):
    # given
    employer = EmployerFactory(approved=True)
    EmployerMemberFactory.create_batch(3, employer=employer)
    client = client_for(employer.created_by)
    # when: session, user, membership joined with employer, latest verification,
    # the nav's unread count, members joined with users — 6 however many members
    with django_assert_num_queries(6):
        response = client.get(DASHBOARD_URL)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert employer.name in html
    assert employer.get_vetting_status_display() in html
    assert employer.get_verification_level_display() in html
    assert reverse("employers:members") in html


def test_e1_3_verification_page_offers_the_form_to_the_owner_of_an_approved_employer(db):
    employer = EmployerFactory(approved=True)
    response = client_for(employer.created_by).get(reverse("employers:verification"))
    assert response.status_code == 200
    assert response.context["form"] is not None
    assert 'name="authorised"' in response.content.decode()


def test_e1_3_pending_verification_hides_the_form(db):
    verification = EmployerVerificationFactory()
    response = client_for(verification.employer.created_by).get(reverse("employers:verification"))
    assert response.context["form"] is None
    assert verification.get_status_display() in response.content.decode()


def test_e1_1_owner_sees_open_invitations_and_the_invite_form(employer, owner_client):
    # given
    invitation = EmployerInvitationFactory(employer=employer)
    # when
    html = owner_client.get(reverse("employers:members")).content.decode()
    # then
    assert invitation.email in html
    assert 'name="email"' in html
    assert invitation.token not in html  # the link goes only to the invitee


@pytest.mark.parametrize("model", ["employer", "employerverification", "employerinvitation"])
def test_e1_2_staff_lists_render(admin_client_for, model):
    # given
    EmployerVerificationFactory()
    EmployerInvitationFactory()
    # when
    response = admin_client_for("moderator").get(reverse(f"admin:employers_{model}_changelist"))
    # then: moderators have no permission on invitations (managers do via superuser only)
    assert response.status_code == (403 if model == "employerinvitation" else 200)


def test_e1_2_superuser_sees_invitations_without_tokens(admin_client_for, django_user_model):
    # given
    invitation = EmployerInvitationFactory()
    client = admin_client_for("manager")
    user = django_user_model.objects.get(groups__name="manager")
    user.is_superuser = True
    user.save()
    # when
    response = client.get(reverse("admin:employers_employerinvitation_change", args=[invitation.pk]))
    # then
    assert response.status_code == 200
    assert invitation.token not in response.content.decode()
