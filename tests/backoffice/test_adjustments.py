"""Adjusting transactions (F1): no manual edits of the ledger; one finance
member requests a balanced correction, ANOTHER approves it and it is posted
once (`adjustment:<pk>`), or rejects it with a note."""

import pytest

from backoffice.adjustments import (
    OwnAdjustment,
    adjustment_approve,
    adjustment_key,
    adjustment_reject,
    adjustment_request,
)
from backoffice.models import AdjustmentRequest
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind, LedgerTransaction
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(db):
    return {"office": platform_account(AccountKind.EXPENSE_OFFICE),
            "promotion": platform_account(AccountKind.EXPENSE_PROMOTION),
            "bank": platform_account(AccountKind.OPERATING_BANK)}


def test_f1_adjustment_needs_another_finance_member_and_posts_once(accounts):
    # given finance member A requests moving ¥300 misbooked as office to promotion
    a, b = StaffFactory(role="finance"), StaffFactory(role="finance")
    request = adjustment_request(actor=a, memo="Posters booked as office", lines=[
        (accounts["promotion"].code, 30_000), (accounts["office"].code, -30_000)])
    assert not LedgerTransaction.objects.exists()
    # when A tries to approve it: refused
    with pytest.raises(OwnAdjustment):
        adjustment_approve(request_id=request.pk, actor=a)
    # a manager (no approve permission) cannot either
    with pytest.raises(NotPermitted):
        adjustment_approve(request_id=request.pk, actor=StaffFactory(role="manager"))
    # when B approves, twice
    adjustment_approve(request_id=request.pk, actor=b)
    with pytest.raises(InvalidTransition):
        adjustment_approve(request_id=request.pk, actor=b)
    # then posted once with the lines, the balances moved, the ledger sound
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.ledger_key) == (
        AdjustmentRequest.Status.POSTED, b, adjustment_key(request.pk))
    txn = LedgerTransaction.objects.get()
    assert txn.key == adjustment_key(request.pk) and txn.source == request
    assert account_balance(accounts["promotion"]) == 30_000 and account_balance(accounts["office"]) == -30_000
    assert ledger_integrity_check() == []


@pytest.mark.parametrize("lines, message", [
    ([("platform:expense_office", 100), ("platform:operating_bank", -99)], "balance"),
    ([("platform:expense_office", 100)], "two lines"),
    ([("platform:expense_office", 100), ("platform:nonsense", -100)], "platform:nonsense"),
    ([("platform:expense_office", 0), ("platform:operating_bank", 0)], "other than zero"),
])
def test_f1_adjustment_must_balance_and_name_real_accounts(accounts, lines, message):
    with pytest.raises(DomainError) as error:
        adjustment_request(actor=StaffFactory(role="finance"), memo="m", lines=lines)
    assert message in str(error.value.message)
    assert not AdjustmentRequest.objects.exists()


def test_f1_only_finance_requests_and_a_rejection_needs_a_note(accounts):
    with pytest.raises(NotPermitted):
        adjustment_request(actor=StaffFactory(role="auditor"), memo="m",
                           lines=[(accounts["office"].code, 1), (accounts["bank"].code, -1)])
    request = adjustment_request(actor=StaffFactory(role="finance"), memo="m",
                                 lines=[(accounts["office"].code, 1), (accounts["bank"].code, -1)])
    other = StaffFactory(role="finance")
    with pytest.raises(ReasonRequired):
        adjustment_reject(request_id=request.pk, actor=other, note=" ")
    adjustment_reject(request_id=request.pk, actor=other, note="Wrong account")
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (AdjustmentRequest.Status.REJECTED, "Wrong account")
    assert not LedgerTransaction.objects.exists()


def test_f1_adjustment_admin_screens(admin_client_for):
    client_a = admin_client_for("finance")
    response = client_a.post("/admin/backoffice/adjustmentrequest/new/", {
        "memo": "Posters", "lines": "platform:expense_promotion, 300\nplatform:operating_bank, -300.00"})
    # the accounts must exist first
    assert response.status_code == 200 and b"No ledger account" in response.content
    platform_account(AccountKind.EXPENSE_PROMOTION), platform_account(AccountKind.OPERATING_BANK)
    response = client_a.post("/admin/backoffice/adjustmentrequest/new/", {
        "memo": "Posters", "lines": "platform:expense_promotion, 300\nplatform:operating_bank, -300.00"})
    assert response.status_code == 302
    request = AdjustmentRequest.objects.get()
    assert request.lines == [["platform:expense_promotion", 30_000], ["platform:operating_bank", -30_000]]
    auditor = admin_client_for("auditor")
    assert auditor.get(f"/admin/backoffice/adjustmentrequest/{request.pk}/change/").status_code == 200
    assert auditor.post(f"/admin/backoffice/adjustmentrequest/{request.pk}/approve/").status_code == 403
    client_b = admin_client_for("finance")
    assert client_b.post(f"/admin/backoffice/adjustmentrequest/{request.pk}/approve/").status_code == 302
    request.refresh_from_db()
    assert request.status == AdjustmentRequest.Status.POSTED
