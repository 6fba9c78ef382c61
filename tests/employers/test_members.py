"""Employer members and invitations (E1.1: the users who act for an employer)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.models import HistoryEntry, Notification
from employers.models import EmployerInvitation, EmployerMember
from employers.services import (
    AlreadyMember,
    InvitationInvalid,
    employer_invitation_accept,
    employer_member_invite,
)
from tests.employers.conftest import client_for
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.employers import (
    EmployerFactory,
    EmployerInvitationFactory,
    EmployerMemberFactory,
    EmployerUserFactory,
)


def test_e1_1_owner_invites_a_colleague_by_email(employer, owner_client, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("employers:members"), {"email": "Colleague@Company.example"})
    # then: one invitation, one e-mail carrying the one-time link
    assert response.status_code == 302
    invitation = EmployerInvitation.objects.get()
    assert invitation.employer == employer and invitation.invited_by == employer.created_by
    assert invitation.is_open
    assert invitation.expires_at - invitation.created_at == pytest.approx(dt.timedelta(days=7), abs=dt.timedelta(
        seconds=5))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Colleague@Company.example"]
    assert reverse("employers:invitation_accept", args=[invitation.token]) in message.body
    assert employer.name in message.subject
    assert HistoryEntry.objects.filter(transition="invite", actor=employer.created_by).count() == 1


def test_e1_1_only_the_owner_may_invite(employer, member):
    # when / then
    with pytest.raises(NotPermitted):
        employer_member_invite(employer_id=employer.pk, actor=member.user, email="x@example.com")
    response = client_for(member.user).post(reverse("employers:members"), {"email": "x@example.com"})
    assert response.status_code == 403
    assert EmployerInvitation.objects.count() == 0


def test_e1_1_an_owner_cannot_invite_into_another_employer(employer):
    # given
    other = EmployerFactory()
    # when / then
    with pytest.raises(NotPermitted):
        employer_member_invite(employer_id=other.pk, actor=employer.created_by, email="x@example.com")


def test_J3_the_invitation_answers_every_address_alike(employer, owner_client, django_capture_on_commit_callbacks):
    """The owner cannot learn whether an address has an account, or already acts for an employer
    ("此人已隶属于某个用人单位" was an oracle): the same status, message, listing and e-mail for all."""
    # given: a member of another employer, a student, staff, an address with no account
    addresses = [EmployerFactory().created_by.email.upper(), UserFactory(kind="student").email,
                 StaffFactory().email, "nobody.yet@company.example"]
    answers = []
    for email in addresses:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(reverse("employers:members"), {"email": email}, follow=True)
        # then
        page = response.content.decode().replace(email, "<address>")
        messages = [str(m).replace(email, "<address>") for m in response.context["messages"]]
        answers.append((response.redirect_chain, response.status_code, messages,
                        page.count("errorlist"), page.count("<address>")))
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0][2] == ["Invitation sent to <address>."]
    assert EmployerInvitation.objects.filter(employer=employer).count() == len(addresses)
    assert sorted(m.to[0].lower() for m in mail.outbox) == sorted(e.lower() for e in addresses)


def test_e1_1_someone_already_in_an_employer_cannot_accept_the_invitation(employer):
    # given: an invitation to an address that already acts for another employer
    taken = EmployerFactory().created_by
    invitation = employer_member_invite(employer_id=employer.pk, actor=employer.created_by, email=taken.email)
    # when / then: refused at acceptance, to the invitee only
    with pytest.raises(AlreadyMember):
        employer_invitation_accept(token=invitation.token, user=taken)
    assert not EmployerMember.objects.filter(user=taken, employer=employer).exists()


def test_e1_1_second_open_invitation_to_the_same_address_is_refused(employer):
    # given
    employer_member_invite(employer_id=employer.pk, actor=employer.created_by, email="a@example.com")
    # when / then
    with pytest.raises(DomainError) as error:
        employer_member_invite(employer_id=employer.pk, actor=employer.created_by, email="A@example.com")
    assert error.value.field == "email"


def test_e1_1_invited_employer_account_accepts(employer, django_capture_on_commit_callbacks):
    # given: the address matches regardless of case
    invitation = EmployerInvitationFactory(employer=employer, email="New.Hire@Company.example")
    user = EmployerUserFactory(email="new.hire@company.example")
    # when
    response = client_for(user).post(reverse("employers:invitation_accept", args=[invitation.token]))
    # then
    assert response.status_code == 302
    membership = EmployerMember.objects.get(user=user)
    assert membership.employer == employer and membership.role == EmployerMember.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert Notification.objects.filter(recipient=employer.created_by).count() == 1
    assert HistoryEntry.objects.filter(transition="accept", actor=user).count() == 1


def test_e1_1_invitation_for_another_address_is_refused(employer):
    # given
    invitation = EmployerInvitationFactory(employer=employer, email="invited@company.example")
    intruder = EmployerUserFactory(email="someone.else@company.example")
    # when / then
    with pytest.raises(NotPermitted):
        employer_invitation_accept(token=invitation.token, user=intruder)
    response = client_for(intruder).post(reverse("employers:invitation_accept", args=[invitation.token]))
    assert response.status_code == 200
    assert "different e-mail" in response.content.decode()
    assert not EmployerMember.objects.filter(user=intruder).exists()


def test_e1_1_expired_invitation_is_refused(employer):
    # given
    invitation = EmployerInvitationFactory(employer=employer, email="late@company.example")
    user = EmployerUserFactory(email="late@company.example")
    # when / then: one minute after the 7 days
    with time_machine.travel(invitation.expires_at + dt.timedelta(minutes=1)), pytest.raises(InvalidTransition):
        employer_invitation_accept(token=invitation.token, user=user)
    assert not EmployerMember.objects.filter(user=user).exists()


def test_e1_1_invitation_works_once(employer):
    # given: accepted, then the member left
    invitation = EmployerInvitationFactory(employer=employer, email="once@company.example")
    user = EmployerUserFactory(email="once@company.example")
    employer_invitation_accept(token=invitation.token, user=user)
    EmployerMember.objects.filter(user=user).delete()
    # when / then
    with pytest.raises(InvalidTransition):
        employer_invitation_accept(token=invitation.token, user=user)
    assert not EmployerMember.objects.filter(user=user).exists()


def test_e1_1_a_member_of_one_employer_cannot_join_another(employer):
    # given
    user = EmployerFactory().created_by
    invitation = EmployerInvitationFactory(employer=employer, email=user.email)
    # when / then
    with pytest.raises(AlreadyMember):
        employer_invitation_accept(token=invitation.token, user=user)
    assert EmployerMember.objects.get(user=user).employer != employer


def test_e1_1_student_accounts_cannot_join_an_employer(employer):
    # given
    student = UserFactory(kind="student", email="student@uni.example")
    invitation = EmployerInvitationFactory(employer=employer, email="student@uni.example")
    # when / then
    with pytest.raises(NotPermitted):
        employer_invitation_accept(token=invitation.token, user=student)
    assert client_for(student).post(reverse("employers:invitation_accept", args=[invitation.token])).status_code == 403


def test_e1_1_unknown_token_is_refused(employer_user, employer_client):
    with pytest.raises(InvitationInvalid):
        employer_invitation_accept(token="nope", user=employer_user)
    assert employer_client.get(reverse("employers:invitation_accept", args=["nope"])).status_code == 404


def test_e1_1_anonymous_invitee_is_told_to_sign_up_as_employer(client, employer):
    # given
    invitation = EmployerInvitationFactory(employer=employer)
    url = reverse("employers:invitation_accept", args=[invitation.token])
    # when
    response = client.get(url)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("employers:signup") in html and employer.name in html


def test_e1_1_dashboard_offers_a_pending_invitation(employer):
    # given
    user = EmployerUserFactory()
    invitation = EmployerInvitationFactory(employer=employer, email=user.email.upper())
    # when
    html = client_for(user).get(reverse("employers:dashboard")).content.decode()
    # then
    assert reverse("employers:invitation_accept", args=[invitation.token]) in html
    assert employer.name in html


def test_e1_1_members_page_lists_only_own_employers_members(employer, member, django_assert_num_queries):
    # given
    EmployerMemberFactory()  # someone at another employer
    EmployerMemberFactory(employer=employer)
    client = client_for(member.user)
    # when: session, user, membership joined with its employer, the nav's unread count,
    # the member list joined with users — 5 however many members there are
    with django_assert_num_queries(5):
        response = client.get(reverse("employers:members"))
    # then
    assert response.status_code == 200
    assert [m.employer_id for m in response.context["members"]] == [employer.pk] * 3
    assert response.context["form"] is None  # members do not invite


def test_pipl_47_owner_deleting_their_account_hands_over_ownership(employer, member):
    # given: the owner and one colleague
    owner = employer.created_by
    client = client_for(owner)
    # when: the owner deletes their account from the privacy page
    response = client.post(reverse("accounts:account_delete"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("employers:account_delete")
    response = client.post(reverse("employers:account_delete"),
                           {"password": "correct-horse-battery", "confirm": "on"})
    # then
    assert response.status_code == 302
    owner.refresh_from_db()
    assert not owner.is_active and owner.email.endswith("@deleted.invalid")
    assert not EmployerMember.objects.filter(user=owner).exists()
    member.refresh_from_db()
    assert member.role == EmployerMember.Role.OWNER
    employer.refresh_from_db()
    assert employer.name  # the organisation's business record stays
