"""Refunds of unused prefunding (E5.1, F3): an owner asks for escrow money no
work needs; finance approves (escrow → payouts in transit), pays it through a
bank file and confirms (→ the bank account), or marks it failed (back to
escrow). Committed money stays in escrow; a double click moves nothing twice."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess
from core.errors import InvalidTransition, NotPermitted
from core.history import history_for
from core.models import Notification
from employers.models import EmployerMember
from finance.ledger import account_balance, employer_escrow, ledger_integrity_check, platform_account
from finance.models import AccountKind, EscrowRefund, LedgerTransaction
from finance.refunds import (
    RefundNotAvailable,
    RefundNotOwner,
    refund_approve,
    refund_available_fen,
    refund_confirm_paid,
    refund_fail,
    refund_reject,
    refund_request,
    refunds_export,
)
from finance.services import integrity_checks_run
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.employers import EmployerFactory
from tests.settlements.test_funding import escrow_in, ready_settlement

pytestmark = pytest.mark.django_db

ACCOUNT = "6222021234567890123"


@pytest.fixture
def employer():
    employer = EmployerFactory(approved=True)
    escrow_in(employer.pk, 100_000, key=f"in-{employer.pk}")
    return employer


@pytest.fixture
def finance():
    return StaffFactory(role="finance")


def owner_of(employer):
    return employer.members.get(role=EmployerMember.Role.OWNER).user


def ask(employer, amount_fen: int, **kwargs) -> EscrowRefund:
    values = {"employer_id": employer.pk, "actor": owner_of(employer), "amount_fen": amount_fen,
              "account_holder": employer.name, "bank_name": "招商银行", "account_number": ACCOUNT, **kwargs}
    return refund_request(**values)


def escrow(employer) -> int:
    return account_balance(employer_escrow(employer.pk))


def test_e5_1_refund_within_the_available_amount_is_requested_and_nothing_moves(employer):
    # when
    refund = ask(employer, 40_000)
    # then: requested, escrow untouched, the amount no longer available to another request
    refund = EscrowRefund.objects.get(pk=refund.pk)
    assert refund.status == EscrowRefund.Status.REQUESTED
    assert escrow(employer) == 100_000
    assert refund_available_fen(employer_id=employer.pk) == 60_000
    assert refund.account_masked.endswith("0123") and "6222" not in refund.account_masked
    assert Notification.objects.filter(recipient=owner_of(employer), subject__contains="400.00").exists()
    assert [h.transition for h in history_for(refund)] == ["request"]


def test_e5_1_committed_escrow_is_protected_from_refunds():
    # given: a ready statement of ¥82.50 and ¥100 in escrow
    settlement = ready_settlement()
    employer = settlement.employer
    escrow_in(employer.pk, 10_000, key="in-committed")
    # then: only ¥17.50 may be taken back
    assert refund_available_fen(employer_id=employer.pk) == 10_000 - settlement.employer_total_fen
    with pytest.raises(RefundNotAvailable) as refused:
        ask(employer, 10_000 - settlement.employer_total_fen + 1)
    assert "17.50" in str(refused.value.message)
    ask(employer, 10_000 - settlement.employer_total_fen)


def test_e5_1_refund_above_escrow_is_refused_with_the_available_amount(employer):
    with pytest.raises(RefundNotAvailable) as refused:
        ask(employer, 100_001)
    assert "1,000.00" in str(refused.value.message)
    assert not EscrowRefund.objects.exists()


def test_e5_1_only_owners_may_ask_for_a_refund(employer):
    member = UserFactory()
    EmployerMember.objects.create(employer=employer, user=member, role=EmployerMember.Role.MEMBER)
    outsider = EmployerFactory(approved=True)
    for actor in (member, owner_of(outsider)):
        with pytest.raises(RefundNotOwner):
            ask(employer, 1000, actor=actor)
    assert not EscrowRefund.objects.exists()


def test_e5_1_refund_goes_only_to_the_organisations_own_valid_account(employer):
    with pytest.raises(Exception) as wrong_name:
        ask(employer, 1000, account_holder="张三")
    assert wrong_name.value.field == "account_holder"
    with pytest.raises(Exception) as short_number:
        ask(employer, 1000, account_number="1234567")
    assert short_number.value.field == "account_number"
    ask(employer, 1000, account_holder=f" {employer.name} ", account_number="6222 0212 3456")


def test_f3_approve_posts_and_escrow_drops_once_even_on_a_double_click(employer, finance):
    refund = ask(employer, 30_000)
    # when: approved twice
    refund_approve(refund_id=refund.pk, actor=finance)
    with pytest.raises(InvalidTransition):
        refund_approve(refund_id=refund.pk, actor=finance)
    # then: one posting; escrow down, payouts in transit up
    assert LedgerTransaction.objects.filter(key__startswith=f"refund:{refund.pk}").count() == 1
    assert escrow(employer) == 70_000
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 30_000
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.APPROVED
    # and paid: the money leaves the bank account
    refund_confirm_paid(refund_id=refund.pk, actor=finance)
    with pytest.raises(InvalidTransition):
        refund_confirm_paid(refund_id=refund.pk, actor=finance)
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert account_balance(platform_account(AccountKind.BANK_CLEARING)) == 70_000
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.PAID
    assert ledger_integrity_check() == [] and integrity_checks_run() == []
    assert Notification.objects.filter(recipient=owner_of(employer), subject__contains="paid").exists()


def test_f3_approve_rechecks_availability_under_the_lock(employer, finance):
    # given: a request, then a statement became ready that needs most of the escrow
    refund = ask(employer, 90_000)
    settlement = ready_settlement(base_rate_fen=50_000, employer=employer)
    assert settlement.employer_total_fen > 10_000
    # then: approval refuses, nothing posted
    with pytest.raises(RefundNotAvailable):
        refund_approve(refund_id=refund.pk, actor=finance)
    assert escrow(employer) == 100_000
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.REQUESTED


def test_f3_a_failed_transfer_returns_the_money_to_escrow(employer, finance):
    refund = ask(employer, 25_000)
    refund_approve(refund_id=refund.pk, actor=finance)
    # when
    refund_fail(refund_id=refund.pk, actor=finance, reason="户名不符")
    # then
    assert escrow(employer) == 100_000
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    failed = EscrowRefund.objects.get(pk=refund.pk)
    assert (failed.status, failed.reason) == (EscrowRefund.Status.FAILED, "户名不符")
    assert LedgerTransaction.objects.filter(key=f"refund:{refund.pk}:reversal").count() == 1
    with pytest.raises(InvalidTransition):
        refund_fail(refund_id=refund.pk, actor=finance, reason="again")
    assert ledger_integrity_check() == []


def test_f3_reject_moves_nothing_and_tells_the_employer_why(employer, finance):
    refund = ask(employer, 25_000)
    refund_reject(refund_id=refund.pk, actor=finance, reason="请先结清工资")
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.REJECTED
    assert not LedgerTransaction.objects.filter(key__startswith="refund:").exists()
    assert escrow(employer) == 100_000
    assert refund_available_fen(employer_id=employer.pk) == 100_000
    assert Notification.objects.filter(recipient=owner_of(employer), body__contains="请先结清工资").exists()


def test_f3_only_finance_executes_refunds(employer):
    refund = ask(employer, 1000)
    for role in ("customer_service", "auditor"):
        with pytest.raises(NotPermitted):
            refund_approve(refund_id=refund.pk, actor=StaffFactory(role=role))
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.REQUESTED


def test_f3_refund_file_keeps_formulas_as_text_and_is_access_logged(finance):
    # given: an organisation whose registered name starts with "="
    employer = EmployerFactory(approved=True, name="=HYPERLINK(\"http://x\")有限公司")
    escrow_in(employer.pk, 5000, key="in-formula")
    refund = ask(employer, 5000)
    refund_approve(refund_id=refund.pk, actor=finance)
    # when
    content = refunds_export(actor=finance)
    # then: the cell is the text itself, the full number is in the file, the export is logged
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    row = [cell.value for cell in sheet[2]]
    assert row[1] == ACCOUNT and row[2] == employer.name and row[4] == "50.00"
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert PersonalDataAccess.objects.filter(staff=finance, reason="escrow refund export").count() == 1
    assert EscrowRefund.objects.get(pk=refund.pk).exported_at is not None
    # a second "new refunds" file is empty
    assert openpyxl.load_workbook(io.BytesIO(refunds_export(actor=finance))).active.max_row == 1


def test_e5_1_the_employer_page_shows_the_available_amount_and_takes_a_request_in_yuan(employer):
    client = Client()
    client.force_login(owner_of(employer))
    url = reverse("finance:refunds")
    page = client.get(url)
    assert page.status_code == 200 and "1,000.00" in page.content.decode()
    response = client.post(url, {"amount": "123.45", "account_holder": employer.name, "bank_name": "招商银行",
                                 "account_number": ACCOUNT})
    assert response.status_code == 302
    assert EscrowRefund.objects.get().amount_fen == 12_345
    too_much = client.post(url, {"amount": "900.00", "account_holder": employer.name, "bank_name": "招商银行",
                                 "account_number": ACCOUNT})
    assert too_much.status_code == 400 and "876.55" in too_much.content.decode()


def test_f3_admin_refund_actions_for_finance(employer, staff_client):
    client, _finance = staff_client("finance")
    refund = ask(employer, 20_000)
    changelist = reverse("admin:finance_escrowrefund_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "Download the bank file" in page.content.decode()
    assert client.get(reverse("admin:finance_escrowrefund_change", args=[refund.pk])).status_code == 200
    reject_page = client.get(reverse("admin:finance_escrowrefund_reject", args=[refund.pk]))
    assert reject_page.status_code == 200
    response = client.post(changelist, {"action": "approve_selected", "_selected_action": [refund.pk]})
    assert response.status_code == 302
    assert escrow(employer) == 80_000
    response = client.post(reverse("admin:finance_escrowrefund_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    client.post(changelist, {"action": "confirm_paid_selected", "_selected_action": [refund.pk]})
    assert EscrowRefund.objects.get(pk=refund.pk).status == EscrowRefund.Status.PAID
    cs_client, _cs = staff_client("customer_service")
    assert cs_client.post(reverse("admin:finance_escrowrefund_export")).status_code == 403
