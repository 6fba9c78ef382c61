"""The employer's funding page (E5.1): escrow, what is owed, the funding
reference with the bank details, payments in; the sandbox "Pay now" exists only
when PAYMENTS_SANDBOX is on and posts like a matched bank transfer."""

import pytest
from django.test import Client
from django.urls import reverse

from core.policy import get_policy
from finance.banking import funding_reference_for, statement_import
from finance.fees import posting_fee_charge
from finance.ledger import account_balance, employer_escrow, employer_receivable, ledger_integrity_check
from finance.models import BankStatementLine, LedgerTransaction
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory
from tests.finance.test_banking import csv_file

pytestmark = pytest.mark.django_db

FUNDING = reverse("funding:page")
SANDBOX = reverse("funding:sandbox")


def client_of(employer) -> Client:
    client = Client()
    client.force_login(employer.members.first().user)
    return client


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


def test_e5_1_the_employer_sees_its_escrow_what_it_owes_and_how_to_pay(employer, settings):
    # given: ¥12.50 of posting fees owed, a ¥100 transfer imported
    settings.PLATFORM_BANK_NAME, settings.PLATFORM_BANK_ACCOUNT = "招商银行上海分行", "1219 0000 0001"
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=1250, memo="fee")
    posting_fee_charge(employer_id=employer.pk, job_id=2, amount_fen=20000, memo="fee")
    code = funding_reference_for(employer.pk).code
    statement_import(uploaded_file=csv_file([["2026-11-20", "100.00", "p", f"{code} 工资", "T1"]]),
                     actor=StaffFactory(role="finance"))
    # when
    response = client_of(employer).get(FUNDING)
    # then: the ¥100 settled fees; ¥112.50 still owed
    page = response.content.decode()
    assert response.status_code == 200
    assert code in page and "招商银行上海分行" in page and "1219 0000 0001" in page
    assert "¥0.00" in page and "¥112.50" in page
    assert f"{code} 工资" in page and "¥100.00" in page


def test_e5_1_the_funding_page_reads_a_fixed_number_of_queries(employer, django_assert_num_queries):
    finance = StaffFactory(role="finance")
    code = funding_reference_for(employer.pk).code
    rows = [["2026-11-20", f"{n}.00", "p", code, f"T{n}"] for n in range(1, 16)]
    statement_import(uploaded_file=csv_file(rows), actor=finance)
    client = client_of(employer)
    get_policy()  # created once per database, not per page
    # 12 whatever the number of lines: session, user, membership with its employer,
    # funding reference, escrow and receivable balances, the lines, unread notifications,
    # + committed settlements, awaiting adjustments, policy, the unpaid statements list,
    # + hired students' unsettled work per job (issue 23: reserved for every employer).
    with django_assert_num_queries(13):
        response = client.get(FUNDING)
    assert response.content.decode().count('id="payment-') == 15


def test_e5_1_another_employers_payments_are_not_shown(employer):
    other = EmployerFactory(approved=True)
    code = funding_reference_for(employer.pk).code
    statement_import(uploaded_file=csv_file([["2026-11-20", "77.00", "p", code, "SECRET-1"]]),
                     actor=StaffFactory(role="finance"))
    # when
    page = client_of(other).get(FUNDING).content.decode()
    # then
    assert code not in page and "¥77.00" not in page
    assert funding_reference_for(other.pk).code in page


def test_e5_1_only_employer_accounts_see_the_funding_page(approved_student):
    student = Client()
    student.force_login(approved_student.user)
    staff = Client()
    staff.force_login(StaffFactory(role="finance"))
    assert student.get(FUNDING).status_code == 403
    assert staff.get(FUNDING).status_code == 403
    response = Client().get(FUNDING)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_e5_1_no_sandbox_payment_unless_the_sandbox_is_on(employer, settings):
    # given
    settings.PAYMENTS_SANDBOX = False
    client = client_of(employer)
    # when / then: no form, and the route is not there
    assert "Pay now (sandbox)" not in client.get(FUNDING).content.decode()
    assert client.post(SANDBOX, {"amount": "100"}).status_code == 404
    assert account_balance(employer_escrow(employer.pk)) == 0
    assert not BankStatementLine.objects.exists()


def test_e5_1_the_sandbox_payment_credits_escrow_like_a_bank_transfer(employer, settings):
    # given: sandbox on (make run), ¥20 of posting fees owed
    settings.PAYMENTS_SANDBOX = True
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=2000, memo="fee")
    client = client_of(employer)
    assert "Pay now (sandbox)" in client.get(FUNDING).content.decode()
    # when
    response = client.post(SANDBOX, {"amount": "1,000.50"}, follow=True)
    # then: fees settled first, the rest in escrow, shown as a sandbox payment
    assert response.status_code == 200
    assert account_balance(employer_escrow(employer.pk)) == 98050
    assert account_balance(employer_receivable(employer.pk)) == 0
    line = BankStatementLine.objects.get()
    assert line.bank == BankStatementLine.BANK_SANDBOX and line.transaction_id.startswith("SANDBOX-")
    assert LedgerTransaction.objects.filter(key=f"bank-line:{line.transaction_id}").exists()
    page = response.content.decode()
    assert "Sandbox payment of ¥1,000.50 received into escrow." in page
    assert ledger_integrity_check() == []


@pytest.mark.parametrize("amount", ["", "abc", "0", "-5", "1.001", "2000000"])
def test_e5_1_a_sandbox_payment_needs_a_sensible_amount(employer, settings, amount):
    settings.PAYMENTS_SANDBOX = True
    # when
    response = client_of(employer).post(SANDBOX, {"amount": amount})
    # then
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert LedgerTransaction.objects.count() == 0


def test_e5_1_the_sandbox_is_for_employer_accounts_only(approved_student, settings):
    settings.PAYMENTS_SANDBOX = True
    student = Client()
    student.force_login(approved_student.user)
    assert student.post(SANDBOX, {"amount": "10"}).status_code == 403
    assert student.get(SANDBOX).status_code == 403
