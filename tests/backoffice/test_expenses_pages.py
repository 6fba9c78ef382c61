"""The expense pages (F2): any staff member (signed in with the second factor)
submits a claim with receipts; receipts are served only to the claimant and
those who may see claims; approvers decide on the claim page; lists are
bounded in queries; domain errors become messages, never a 500."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backoffice.expenses import claim_approve, claim_submit
from backoffice.models import ExpenseClaim
from finance.models import LedgerTransaction
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.backoffice import receipt_png

pytestmark = pytest.mark.django_db


def _claim(claimant, amount_fen=120_000):
    return claim_submit(claimant=claimant, category="office", spent_on=dt.date.today(), amount_fen=amount_fen,
                        description="Toner", receipts=[receipt_png()])


def test_f2_staff_member_submits_a_claim_with_receipts(staff_client):
    # given a customer-service agent signed in with MFA
    client, agent = staff_client("customer_service")
    # when they submit ¥6,000 with two receipts
    response = client.post(reverse("backoffice:expense_new"), {
        "category": "promotion", "spent_on": dt.date.today().isoformat(), "amount": "6,000.00",
        "description": "Campus posters", "receipts": [receipt_png("a.png"), receipt_png("b.png")]})
    # then the claim exists with both receipts and needs two approvers
    claim = ExpenseClaim.objects.get(claimant=agent)
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:expense_claim", args=[claim.pk])
    assert (claim.amount_fen, claim.receipts.count(), claim.needs_second_approval) == (600_000, 2, True)


def test_f2_renamed_program_is_refused_with_a_form_error(staff_client):
    client, agent = staff_client("customer_service")
    fake = SimpleUploadedFile("r.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    response = client.post(reverse("backoffice:expense_new"), {
        "category": "office", "spent_on": dt.date.today().isoformat(), "amount": "10", "description": "x",
        "receipts": [fake]})
    assert response.status_code == 200 and b"are accepted" in response.content
    assert not ExpenseClaim.objects.exists()


def test_f2_receipts_are_served_only_to_those_allowed(staff_client, client):
    # given an agent's claim
    agent_client, agent = staff_client("customer_service")
    claim = _claim(agent)
    url = reverse("backoffice:expense_receipt", args=[claim.pk, claim.receipts.get().pk])
    # then the claimant, a manager (approver), finance and an auditor get it …
    for client_for_role in (agent_client, staff_client("manager")[0], staff_client("finance")[0],
                            staff_client("auditor")[0]):
        response = client_for_role.get(url)
        assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    # … another agent, a moderator, a student and a visitor do not
    assert staff_client("customer_service")[0].get(url).status_code == 404
    assert staff_client("moderator")[0].get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_f2_approver_decides_on_the_claim_page_and_own_claims_get_a_message(staff_client):
    head_client, head = staff_client("manager")
    agent = StaffFactory(role="customer_service")
    claim = _claim(agent)
    page = head_client.get(reverse("backoffice:expense_claim", args=[claim.pk]))
    assert b'id="approve-button"' in page.content
    response = head_client.post(reverse("backoffice:expense_approve", args=[claim.pk]), follow=True)
    assert response.status_code == 200
    assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.APPROVED
    # the manager's own claim: no button, and a posted approval is refused with a message
    own = _claim(head)
    assert b'id="approve-button"' not in head_client.get(reverse("backoffice:expense_claim", args=[own.pk])).content
    response = head_client.post(reverse("backoffice:expense_approve", args=[own.pk]), follow=True)
    assert b"your own expense claim" in response.content
    assert ExpenseClaim.objects.get(pk=own.pk).status == ExpenseClaim.Status.SUBMITTED


def test_f2_finance_books_from_the_page_and_the_claim_shows_booked(staff_client):
    finance_client, _finance = staff_client("finance")
    claim = _claim(StaffFactory(role="customer_service"))
    claim_approve(claim_id=claim.pk, actor=StaffFactory(role="manager"))
    finance_client.post(reverse("backoffice:expense_approve", args=[claim.pk]))
    page = finance_client.get(reverse("backoffice:expense_claim", args=[claim.pk]))
    assert b"Booked" in page.content and b'id="pay-button"' in page.content
    assert LedgerTransaction.objects.filter(key=f"expense_claim:{claim.pk}:booked").exists()


def test_f2_rejecting_without_a_reason_is_a_message_not_a_500(staff_client):
    head_client, _head = staff_client("manager")
    claim = _claim(StaffFactory(role="customer_service"))
    response = head_client.post(reverse("backoffice:expense_reject", args=[claim.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200 and b"give a reason" in response.content
    assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.SUBMITTED


def test_f2_claim_list_queries_are_bounded(staff_client, django_assert_max_num_queries):
    head_client, head = staff_client("manager")
    for _ in range(5):
        _claim(StaffFactory(role="customer_service"))
        _claim(head)
    with django_assert_max_num_queries(14):
        response = head_client.get(reverse("backoffice:expenses"))
    assert response.status_code == 200 and response.content.count(b'id="waiting-') == 5
    assert response.content.count(b'id="claim-') == 5


def test_f1_report_page_and_budgets_only_for_finance_auditors_managers(staff_client):
    for role in ("finance", "auditor", "manager"):
        client, _user = staff_client(role)
        assert client.get(reverse("backoffice:expense_report")).status_code == 200
        assert client.get(reverse("backoffice:expense_budgets")).status_code == 200
    agent_client, _agent = staff_client("customer_service")
    assert agent_client.get(reverse("backoffice:expense_report")).status_code == 403
    assert agent_client.get(reverse("backoffice:expense_budgets")).status_code == 403
    bad = staff_client("finance")[0].get(reverse("backoffice:expense_report"), {"start": "nonsense"})
    assert bad.status_code == 200


def test_f2_absurd_input_is_a_form_error_never_a_500(staff_client):
    client, _agent = staff_client("customer_service")
    for amount, spent_on in (("99999999999999999999", dt.date.today().isoformat()),
                             ("12", "2999-01-01"), ("abc", "not a date")):
        response = client.post(reverse("backoffice:expense_new"), {
            "category": "office", "spent_on": spent_on, "amount": amount, "description": "x",
            "receipts": [receipt_png()]})
        assert response.status_code == 200 and b'class="error"' in response.content
    assert not ExpenseClaim.objects.exists()
    # another staff member's claim number, or none at all: not found
    assert client.get(reverse("backoffice:expense_claim", args=[999_999])).status_code == 404
    assert client.post(reverse("backoffice:expense_approve", args=[999_999])).status_code == 403
