"""E1.2: staff vet employer registrations (资质审核); only approved employers may post."""

import pytest
from django.core import mail
from django.urls import reverse

from core.errors import InvalidTransition, NotPermitted, ReasonRequired
from core.models import HistoryEntry, Notification
from core.vetting import VettingStatus
from employers.models import Employer
from employers.services import employer_approve, employer_reject, employer_request_info
from tests.employers.conftest import client_for
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory


def test_e1_2_only_staff_with_permission_can_approve_employer(employer, customer_service, moderator):
    # given: customer service may view employers but not vet them; an employer may not vet itself
    for actor in (customer_service, employer.created_by, StaffFactory(role=None)):
        # when / then
        with pytest.raises(NotPermitted):
            employer_approve(pk=employer.pk, actor=actor)
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED
    assert not HistoryEntry.objects.filter(transition="approve").exists()
    # when: a moderator approves
    employer_approve(pk=employer.pk, actor=moderator)
    # then
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.APPROVED
    assert employer.vetted_by == moderator and employer.vetted_at is not None
    assert employer.can_post


def test_e1_2_inactive_moderator_cannot_approve(employer, moderator):
    moderator.is_active = False
    moderator.save()
    with pytest.raises(NotPermitted):
        employer_approve(pk=employer.pk, actor=moderator)


@pytest.mark.parametrize("service", [employer_reject, employer_request_info])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_e1_2_reject_and_request_info_need_a_reason(employer, moderator, service, reason):
    # when / then
    with pytest.raises(ReasonRequired):
        service(pk=employer.pk, actor=moderator, reason=reason)
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED


def test_e1_2_only_a_submitted_registration_can_be_decided(moderator):
    # given
    employer = EmployerFactory(approved=True)
    # when / then
    with pytest.raises(InvalidTransition):
        employer_reject(pk=employer.pk, actor=moderator, reason="licence expired")


def test_e1_2_rejection_writes_history_and_tells_every_member_with_the_reason(
    employer, member, moderator, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_reject(pk=employer.pk, actor=moderator, reason="营业执照照片模糊，请重新上传")
    # then: one history row with who, from, to and why
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.REJECTED
    assert employer.vetting_reason == "营业执照照片模糊，请重新上传"
    entry = HistoryEntry.objects.get(transition="reject")
    assert (entry.from_state, entry.to_state, entry.actor, entry.reason) == (
        "submitted", "rejected", moderator, "营业执照照片模糊，请重新上传")
    # and: owner and member get an inbox row and an e-mail carrying the reason
    recipients = {employer.created_by.email, member.user.email}
    assert {m.to[0] for m in mail.outbox} == recipients
    assert all("营业执照照片模糊" in m.body for m in mail.outbox)
    assert Notification.objects.filter(recipient__email__in=recipients).count() == 2


def test_e1_2_information_request_is_sent_to_members(employer, moderator, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_request_info(pk=employer.pk, actor=moderator, reason="请补充组织机构代码证")
    # then
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.INFO_REQUESTED
    assert HistoryEntry.objects.filter(transition="request_info", reason="请补充组织机构代码证").count() == 1
    assert len(mail.outbox) == 1 and "请补充组织机构代码证" in mail.outbox[0].body


def test_e1_2_approval_notifies_members(employer, moderator, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_approve(pk=employer.pk, actor=moderator, reason="")
    # then
    assert [m.to for m in mail.outbox] == [[employer.created_by.email]]
    assert HistoryEntry.objects.filter(transition="approve", to_state="approved", actor=moderator).count() == 1


def test_e1_2_dashboard_shows_the_status_and_the_vetting_reason(moderator):
    # given
    employer = EmployerFactory()
    employer_request_info(pk=employer.pk, actor=moderator, reason="请上传清晰的营业执照")
    client = client_for(employer.created_by)
    # when
    response = client.get(reverse("employers:dashboard"))
    # then
    assert response.status_code == 200
    assert "请上传清晰的营业执照" in response.content.decode()
    assert reverse("employers:organisation") in response.content.decode()


# ------------------------------------------------------------------------------
# Through the admin
# ------------------------------------------------------------------------------
def _change_url(employer):
    return reverse("admin:employers_employer_change", args=[employer.pk])


def _transition_url(employer, name):
    return reverse("admin:employers_employer_transition", kwargs={"object_id": employer.pk, "transition_name": name})


def test_e1_2_moderator_rejects_through_the_admin_and_the_service_runs(
    employer, admin_client_for, django_capture_on_commit_callbacks
):
    # given
    client = admin_client_for("moderator")
    page = client.get(_change_url(employer))
    assert page.status_code == 200
    assert _transition_url(employer, "reject") in page.content.decode()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_transition_url(employer, "reject"), {"reason": "经营范围与招聘岗位不符"})
    # then: the service ran — state, history row and e-mail
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.REJECTED
    assert HistoryEntry.objects.filter(transition="reject", reason="经营范围与招聘岗位不符").count() == 1
    assert len(mail.outbox) == 1


def test_e1_2_admin_rejection_without_a_reason_changes_nothing(employer, admin_client_for):
    # when
    response = admin_client_for("moderator").post(_transition_url(employer, "reject"), {"reason": "  "})
    # then: the form is shown again
    assert response.status_code == 200
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED


def test_e1_2_admin_approval(employer, admin_client_for):
    response = admin_client_for("moderator").post(_transition_url(employer, "approve"), {"reason": ""})
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.APPROVED
    assert HistoryEntry.objects.filter(transition="approve").count() == 1


def test_e1_2_customer_service_sees_employers_but_cannot_decide(employer, admin_client_for):
    # given
    client = admin_client_for("customer_service")
    # when
    page = client.get(_change_url(employer))
    response = client.post(_transition_url(employer, "approve"), {"reason": ""})
    # then
    assert page.status_code == 200
    assert _transition_url(employer, "approve") not in page.content.decode()
    assert response.status_code == 403
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED


def test_e1_2_admin_needs_a_session_that_used_mfa(employer):
    # given: a moderator signed in with the password only
    client = client_for(StaffFactory(role="moderator"))
    # when
    response = client.post(_transition_url(employer, "approve"), {"reason": ""})
    # then
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED


def test_e1_2_admin_change_page_hides_documents_and_shows_history(employer, moderator, admin_client_for):
    # given
    employer_request_info(pk=employer.pk, actor=moderator, reason="请补充材料")
    # when
    html = admin_client_for("moderator").get(_change_url(employer)).content.decode()
    # then: documents are behind the reason form, never linked directly
    assert reverse("admin:employers_employer_document", args=[employer.pk, "business_licence"]) in html
    assert employer.business_licence.name not in html
    assert "请补充材料" in html


def test_e1_2_vetting_queue_lists_submitted_employers_for_staff(admin_client_for):
    # given
    waiting = EmployerFactory()
    EmployerFactory(approved=True)
    EmployerMemberFactory(employer=waiting)
    # when
    response = admin_client_for("moderator").get(
        reverse("admin:employers_employer_changelist"), {"vetting_status__exact": "submitted"})
    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [waiting]


def test_e1_2_employer_may_post_only_after_approval(db):
    assert not EmployerFactory().can_post
    assert not EmployerFactory(rejected=True).can_post
    assert EmployerFactory(approved=True).can_post
    assert Employer.objects.count() == 3
