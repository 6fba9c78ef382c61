"""E1.3: optional real-name verification of an employer raises its level."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from core.crypto import keyed_hash
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.models import HistoryEntry
from employers.models import Employer, EmployerVerification
from employers.services import (
    employer_verification_approve,
    employer_verification_reject,
    employer_verification_request,
)
from tests.employers.conftest import client_for
from tests.factories.employers import (
    EmployerFactory,
    EmployerMemberFactory,
    EmployerVerificationFactory,
    make_resident_id,
)

VERIFICATION_URL = reverse("employers:verification")
REP_ID = make_resident_id(birth="19750615", sequence=37)


def _request(employer, **overrides):
    kwargs = {"employer_id": employer.pk, "user": employer.created_by, "legal_rep_name": "张伟",
              "legal_rep_id_number": REP_ID, "authorised": True}
    kwargs.update(overrides)
    return employer_verification_request(**kwargs)


def test_e1_3_owner_requests_verification_and_the_id_is_encrypted(approved_employer, moderator):
    # when
    response = client_for(approved_employer.created_by).post(VERIFICATION_URL, {
        "legal_rep_name": "张伟", "legal_rep_id_number": REP_ID.lower(), "authorised": "on"})
    # then
    assert response.status_code == 302
    verification = EmployerVerification.objects.get()
    assert verification.status == EmployerVerification.Status.PENDING
    assert verification.legal_rep_id_number == REP_ID
    assert verification.legal_rep_id_hash == keyed_hash(REP_ID)
    assert verification.authorisation_confirmed_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_id_number FROM employers_employerverification")
        stored = cursor.fetchone()[0]
    assert REP_ID not in stored  # only the Fernet token is in the database
    assert HistoryEntry.objects.filter(transition="request", actor=approved_employer.created_by).count() == 1


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("authorised", {"legal_rep_name": "张伟", "legal_rep_id_number": REP_ID}),
        ("legal_rep_id_number", {"legal_rep_name": "张伟", "legal_rep_id_number": REP_ID[:-1] + "0"
                                 if REP_ID[-1] != "0" else REP_ID[:-1] + "1", "authorised": "on"}),
        ("legal_rep_id_number", {"legal_rep_name": "张伟", "legal_rep_id_number": "123", "authorised": "on"}),
        ("legal_rep_name", {"legal_rep_name": " ", "legal_rep_id_number": REP_ID, "authorised": "on"}),
    ],
)
def test_e1_3_bad_verification_input_gives_a_field_error(approved_employer, field, data):
    # when
    response = client_for(approved_employer.created_by).post(VERIFICATION_URL, data)
    # then
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert EmployerVerification.objects.count() == 0


def test_e1_3_service_requires_the_representatives_authorisation(approved_employer):
    with pytest.raises(DomainError) as error:
        _request(approved_employer, authorised=False)
    assert error.value.field == "authorised"


def test_e1_3_verification_needs_an_approved_registration(employer):
    with pytest.raises(InvalidTransition):
        _request(employer)
    response = client_for(employer.created_by).get(VERIFICATION_URL)
    assert response.context["form"] is None


def test_e1_3_only_the_owner_requests_verification(approved_employer):
    # given
    member = EmployerMemberFactory(employer=approved_employer).user
    # when / then
    with pytest.raises(NotPermitted):
        _request(approved_employer, user=member)
    assert client_for(member).post(VERIFICATION_URL, {"legal_rep_name": "张伟"}).status_code == 403


def test_e1_3_one_pending_request_at_a_time(approved_employer):
    # given
    _request(approved_employer)
    # when / then
    with pytest.raises(InvalidTransition):
        _request(approved_employer)
    assert EmployerVerification.objects.count() == 1


def test_e1_3_approval_raises_the_level_and_tells_members(moderator, django_capture_on_commit_callbacks):
    # given
    verification = EmployerVerificationFactory()
    employer = verification.employer
    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_verification_approve(pk=verification.pk, actor=moderator, reason="已核对公示系统")
    # then
    verification.refresh_from_db()
    employer.refresh_from_db()
    assert verification.status == EmployerVerification.Status.APPROVED
    assert verification.decided_by == moderator
    assert employer.verification_level == Employer.VerificationLevel.VERIFIED
    assert HistoryEntry.objects.filter(transition="approve", to_state="approved").count() == 1
    assert HistoryEntry.objects.filter(transition="verify", from_state="0", to_state="1").count() == 1
    assert [m.to for m in mail.outbox] == [[employer.created_by.email]]
    # and: a verified employer cannot ask again
    with pytest.raises(InvalidTransition):
        _request(employer)


def test_e1_3_only_staff_with_permission_decide_verification(customer_service):
    # given
    verification = EmployerVerificationFactory()
    # when / then
    for actor in (customer_service, verification.employer.created_by):
        with pytest.raises(NotPermitted):
            employer_verification_approve(pk=verification.pk, actor=actor)
    verification.employer.refresh_from_db()
    assert verification.employer.verification_level == Employer.VerificationLevel.NONE


def test_e1_3_rejection_needs_a_reason_and_erases_the_id_number(moderator, django_capture_on_commit_callbacks):
    # given
    verification = EmployerVerificationFactory()
    with pytest.raises(ReasonRequired):
        employer_verification_reject(pk=verification.pk, actor=moderator, reason=" ")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        employer_verification_reject(pk=verification.pk, actor=moderator, reason="法定代表人与执照不符")
    # then
    verification.refresh_from_db()
    assert verification.status == EmployerVerification.Status.REJECTED
    assert verification.legal_rep_id_number == ""
    assert verification.legal_rep_id_hash  # kept to recognise a repeated attempt
    assert verification.employer.verification_level == Employer.VerificationLevel.NONE
    assert "法定代表人与执照不符" in mail.outbox[0].body
    # and: the owner may try again
    assert _request(verification.employer).status == EmployerVerification.Status.PENDING


def test_e1_3_admin_verification_through_the_service(admin_client_for):
    # given
    verification = EmployerVerificationFactory()
    client = admin_client_for("moderator")
    url = reverse("admin:employers_employerverification_transition",
                  kwargs={"object_id": verification.pk, "transition_name": "approve"})
    # when
    page = client.get(reverse("admin:employers_employerverification_change", args=[verification.pk]))
    response = client.post(url, {"reason": ""})
    # then: the change page shows the number masked only
    assert page.status_code == 200
    assert verification.legal_rep_id_number not in page.content.decode()
    assert verification.legal_rep_id_masked in page.content.decode()
    assert response.status_code == 302
    verification.employer.refresh_from_db()
    assert verification.employer.is_verified


def test_e1_3_members_see_the_verification_outcome(moderator):
    # given
    verification = EmployerVerificationFactory()
    employer_verification_reject(pk=verification.pk, actor=moderator, reason="请提供授权书")
    member = EmployerMemberFactory(employer=verification.employer).user
    # when
    response = client_for(member).get(VERIFICATION_URL)
    # then
    assert response.status_code == 200
    assert "请提供授权书" in response.content.decode()
    assert response.context["form"] is None


def test_e1_3_verification_page_is_for_employer_accounts_only(student_client, db):
    EmployerFactory()
    assert student_client.get(VERIFICATION_URL).status_code == 403
