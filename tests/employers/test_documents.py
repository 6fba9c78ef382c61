"""Qualification documents and the legal representative's ID are private (E1.1, J3.2):
members see their own employer's documents; staff only with permission, a reason
and an access-log row."""

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess
from core.errors import NotPermitted, ReasonRequired
from employers.services import employer_document_access, employer_legal_rep_id_reveal
from tests.employers.conftest import client_for
from tests.factories.employers import EmployerFactory, EmployerMemberFactory, EmployerVerificationFactory
from tests.support.files import pdf_bytes


def _document_url(employer, field="business_licence"):
    return reverse("employers:document", args=[employer.pk, field])


def _admin_document_url(employer, field="business_licence"):
    return reverse("admin:employers_employer_document", args=[employer.pk, field])


def test_e1_1_members_open_their_own_employers_licence(employer, member):
    # when
    response = client_for(member.user).get(_document_url(employer))
    # then: streamed with headers that stop sniffing and caching
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_e1_1_a_member_cannot_see_another_employers_documents_or_pages(employer, member):
    # given
    other = EmployerFactory(name="别家公司")
    client = client_for(member.user)
    # when / then: the other employer's documents do not exist for them
    assert client.get(_document_url(other)).status_code == 404
    # and: their pages only ever show their own employer
    for name in ("employers:dashboard", "employers:organisation", "employers:members", "employers:verification"):
        html = client.get(reverse(name)).content.decode()
        assert "别家公司" not in html and other.uscc not in html


@pytest.mark.parametrize("field", ["org_code_certificate", "created_by", "..", "business_licence.name"])
def test_e1_1_missing_or_unknown_documents_are_404(employer, owner_client, field):
    assert owner_client.get(f"/employer/{employer.pk}/documents/{field}/").status_code == 404


def test_e1_1_non_employer_users_get_403_on_employer_pages(student_client, employer):
    for url in (reverse("employers:dashboard"), reverse("employers:organisation"), reverse("employers:members"),
                reverse("employers:verification"), _document_url(employer)):
        assert student_client.get(url).status_code == 403, url


def test_e1_1_anonymous_visitors_are_sent_to_sign_in(client, employer):
    response = client.get(_document_url(employer))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_e1_1_documents_are_not_served_from_any_public_url(client, employer):
    # given: private storage has no URL at all
    with pytest.raises(ValueError):
        employer.business_licence.url  # noqa: B018
    # then: nor is the file reachable under its storage name
    name = employer.business_licence.name
    for url in (f"/{name}", f"/media/{name}", f"/static/{name}"):
        assert client.get(url).status_code == 404


# ------------------------------------------------------------------------------
# Staff
# ------------------------------------------------------------------------------
def test_j3_2_customer_service_cannot_open_employer_documents(employer, admin_client_for, customer_service):
    # given
    client = admin_client_for("customer_service")
    # when
    page = client.get(_admin_document_url(employer))
    post = client.post(_admin_document_url(employer), {"reason": "客户来电核实资质"})
    # then
    assert page.status_code == 403 and post.status_code == 403
    with pytest.raises(NotPermitted):
        employer_document_access(staff=customer_service, employer_id=employer.pk, field="business_licence",
                                 reason="客户来电核实资质")
    assert PersonalDataAccess.objects.count() == 0


def test_j3_2_moderator_opens_a_document_with_a_reason_and_one_log_row(employer, admin_client_for):
    # given
    client = admin_client_for("moderator")
    # when: the reason form, then the document
    form_page = client.get(_admin_document_url(employer))
    response = client.post(_admin_document_url(employer), {"reason": "审核企业注册资料"})
    # then
    assert form_page.status_code == 200
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    access = PersonalDataAccess.objects.get()
    assert access.item == PersonalDataAccess.Item.EMPLOYER_DOCUMENT
    assert access.reason == "审核企业注册资料"
    assert access.subject == employer.created_by
    assert employer.name in access.subject_label


def test_j3_2_document_access_without_a_real_reason_shows_nothing(employer, admin_client_for, moderator):
    # when
    response = admin_client_for("moderator").post(_admin_document_url(employer), {"reason": " "})
    # then
    assert response.status_code == 200
    assert not hasattr(response, "streaming_content")
    with pytest.raises(ReasonRequired):
        employer_document_access(staff=moderator, employer_id=employer.pk, field="business_licence", reason="")
    assert PersonalDataAccess.objects.count() == 0


def test_j3_2_legal_rep_id_is_masked_and_revealed_only_with_a_reason(admin_client_for, customer_service):
    # given
    verification = EmployerVerificationFactory()
    url = reverse("admin:employers_employerverification_reveal", args=[verification.pk])
    # when: customer service tries
    denied = admin_client_for("customer_service").post(url, {"reason": "想看看"})
    with pytest.raises(NotPermitted):
        employer_legal_rep_id_reveal(staff=customer_service, verification_id=verification.pk, reason="想看看")
    # then
    assert denied.status_code == 403
    assert PersonalDataAccess.objects.count() == 0
    # when: a moderator gives a reason
    response = admin_client_for("moderator").post(url, {"reason": "核验法定代表人身份"})
    # then: the full number is shown once and exactly one row is logged
    assert response.status_code == 200
    assert verification.legal_rep_id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    access = PersonalDataAccess.objects.get()
    assert access.item == PersonalDataAccess.Item.LEGAL_REP_ID
    assert access.subject is None and verification.legal_rep_name in access.subject_label


def test_j3_2_employer_members_cannot_reach_the_admin_document_view(employer):
    # given
    client = client_for(employer.created_by)
    # when
    response = client.get(_admin_document_url(employer))
    # then
    assert response.status_code == 302  # to the sign-in page
    assert PersonalDataAccess.objects.count() == 0


def test_e1_1_member_documents_do_not_leak_across_employers_even_by_id(db):
    # given: two employers, each with a member
    first, second = EmployerFactory(), EmployerFactory()
    first_member = EmployerMemberFactory(employer=first).user
    # when / then
    assert client_for(first_member).get(_document_url(first)).status_code == 200
    assert client_for(first_member).get(_document_url(second)).status_code == 404
