"""The audit pack (F4): one XLSX per engagement with the trial balance at period
end (the same figures as backoffice.reports), income and expenses of the period,
the settlement summary, integrity checks, and a reproducible random sample of
the period's transactions with the documents they link to. Finance, managers
and auditors download it; every download is in the engagement's history."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from backoffice.audit_pack import audit_pack_build
from backoffice.audits import transaction_documents, transaction_sample
from backoffice.reports import trial_balance
from core.history import history_for
from finance.banking import funding_reference_for
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind, BankStatementLine, IntegrityRun, LedgerTransaction
from finance.services import integrity_run
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import AuditEngagementFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def ledger():
    """Escrow funded in September (outside the period); in October a bank payment
    matched to the employer, 30 posting fees of ¥1 and an office expense of ¥50;
    in November one more fee (outside)."""
    employer = EmployerFactory(approved=True)
    bank, escrow = platform_account(AccountKind.BANK_CLEARING), employer_escrow(employer.pk)
    fees = platform_account(AccountKind.REVENUE_POSTING_FEES)
    with time_machine.travel(at(dt.date(2026, 9, 20)), tick=False):
        transaction_post(key="seed-funding", kind="escrow_funding", memo="seed", lines=[(bank, 100_000),
                                                                                       (escrow, -100_000)])
    with time_machine.travel(at(dt.date(2026, 10, 2)), tick=False):
        reference = funding_reference_for(employer.pk)
        line = BankStatementLine.objects.create(transaction_id="OCT-1", booked_on=dt.date(2026, 10, 2), amount_fen=20_000,
                                         payer_name="p", reference_text=reference.code, status="matched",
                                         matched_employer=employer, ledger_key="bank-line:OCT-1")
        transaction_post(key="bank-line:OCT-1", kind="escrow_funding", memo="bank", source=line,
                         lines=[(bank, 20_000), (escrow, -20_000)])
    for n in range(30):
        with time_machine.travel(at(dt.date(2026, 10, 3 + n % 28)), tick=False):
            transaction_post(key=f"posting-fee:job:{9000 + n}", kind="posting_fee", memo="fee",
                             lines=[(escrow, 100), (fees, -100)])
    with time_machine.travel(at(dt.date(2026, 10, 15)), tick=False):
        transaction_post(key="expense-test:1", kind="expense", memo="office", lines=[
            (platform_account(AccountKind.EXPENSE_OFFICE), 5_000), (platform_account(AccountKind.OPERATING_BANK),
                                                                    -5_000)])
        integrity_run()
    with time_machine.travel(at(dt.date(2026, 11, 3)), tick=False):
        transaction_post(key="posting-fee:job:99999", kind="posting_fee", memo="fee",
                         lines=[(escrow, 100), (fees, -100)])
    return {"employer": employer, "reference": reference}


def sheets_of(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_f4_audit_pack_has_every_sheet_and_the_trial_balance_of_the_reports(ledger):
    # given an audit of October
    engagement = AuditEngagementFactory()
    # when the pack is built
    sheets = sheets_of(audit_pack_build(engagement=engagement))
    # then every part is there, and the trial balance is backoffice.reports' at 31 October
    assert list(sheets) == ["engagement", "trial balance", "income and expenses", "settlements", "integrity",
                            "sample"]
    tb = trial_balance(at=dt.date(2026, 10, 31))
    rows = {row[0]: row[1:] for row in sheets["trial balance"][1:]}
    for r in tb.rows:
        assert rows[r.label] == (r.debits_fen / 100, r.credits_fen / 100, r.balance_fen / 100)
    # November's fee is not in it: 30 fees of ¥1 in October
    assert rows[str(AccountKind.REVENUE_POSTING_FEES.label)][1] == 30


def test_f4_income_and_expenses_cover_the_period_only(ledger):
    engagement = AuditEngagementFactory()
    sheet = sheets_of(audit_pack_build(engagement=engagement))["income and expenses"]
    amounts = {(row[0], row[1]): row[2] for row in sheet[1:]}
    assert amounts[("Income", str(AccountKind.REVENUE_POSTING_FEES.label))] == 30
    assert amounts[("Expenses", str(AccountKind.EXPENSE_OFFICE.label))] == 50
    assert amounts[("", "Income less expenses")] == -20


def test_f4_audit_pack_amounts_are_numeric_cells_formatted_0_00(ledger):
    # issue 23: every 金额 cell of the pack is a number (求和 works), formulas still off
    book = openpyxl.load_workbook(io.BytesIO(audit_pack_build(engagement=AuditEngagementFactory())))
    for title, column in [("trial balance", 1), ("income and expenses", 2), ("sample", 5)]:
        cells = [row[column] for row in book[title].iter_rows(min_row=2) if row[column].value not in (None, "")]
        assert cells, title
        assert all(c.data_type == "n" and c.number_format == "0.00" for c in cells), title
    settlements = [row[2] for row in book["settlements"].iter_rows(min_row=3)]
    assert all(c.data_type == "n" for c in settlements)
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_f4_integrity_sheet_has_the_latest_recorded_run_and_a_fresh_one(ledger):
    engagement = AuditEngagementFactory()
    sheet = sheets_of(audit_pack_build(engagement=engagement))["integrity"]
    labels = [row[0] for row in sheet[1:]]
    assert "Latest recorded check in the period" in labels and "Fresh check now" in labels
    latest = next(row for row in sheet[1:] if row[0] == "Latest recorded check in the period")
    assert latest[1] == "2026-10-15 12:00"
    assert IntegrityRun.objects.count() == 1  # building the pack records nothing


def test_f4_sample_is_reproducible_within_the_period_and_seeded_by_the_engagement(ledger):
    # given two audits of the same period
    first, second = AuditEngagementFactory(), AuditEngagementFactory()
    # when the sample is drawn twice
    sample = transaction_sample(first)
    again = transaction_sample(first)
    # then it is the same 25 transactions, every one posted in October
    assert len(sample) == 25 and [t.pk for t in sample] == [t.pk for t in again]
    start, end = at(dt.date(2026, 10, 1), 0), at(dt.date(2026, 11, 1), 0)
    assert all(start <= t.created_at < end for t in sample)
    in_period = LedgerTransaction.objects.filter(created_at__gte=start, created_at__lt=end).count()
    assert in_period == 32
    # and another engagement draws its own sample (seeded by its id)
    assert {t.pk for t in transaction_sample(second)} != {t.pk for t in sample}
    # and the pack's sample sheet lists the same transactions
    keys = [row[0] for row in sheets_of(audit_pack_build(engagement=first))["sample"][1:] if row[0]]
    assert keys == [t.key for t in sample]


def test_f4_sampled_transactions_link_their_documents(ledger):
    # given the bank payment of October
    txn = LedgerTransaction.objects.get(key="bank-line:OCT-1")
    line = BankStatementLine.objects.get(transaction_id="OCT-1")
    # when its documents are listed
    docs = dict(transaction_documents(txn))
    # then they link the transaction, the statement line and the funding reference in the admin
    urls = set(docs.values())
    assert reverse("admin:finance_ledgertransaction_change", args=[txn.pk]) in urls
    assert reverse("admin:finance_bankstatementline_change", args=[line.pk]) in urls
    assert reverse("admin:finance_fundingreference_change", args=[ledger["reference"].pk]) in urls


def test_f4_pack_download_is_recorded_and_open_to_finance_managers_and_auditors(client, ledger):
    engagement = AuditEngagementFactory()
    url = reverse("admin:backoffice_auditengagement_pack", args=[engagement.pk])
    for role in ("finance", "manager", "auditor"):
        user = StaffFactory(role=role)
        response = login_with_mfa(client, user).get(url)
        assert response.status_code == 200, role
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert history_for(engagement).filter(transition="pack_download", actor=user).count() == 1
    # customer service may not
    response = login_with_mfa(client, StaffFactory(role="customer_service")).get(url)
    assert response.status_code == 403
    assert history_for(engagement).filter(transition="pack_download").count() == 3


def test_f4_engagement_page_offers_the_pack_and_lists_findings(client, ledger):
    from tests.factories.backoffice import AuditFindingFactory

    finding = AuditFindingFactory(title="Receipts missing for two claims")
    login_with_mfa(client, StaffFactory(role="auditor"))
    response = client.get(reverse("admin:backoffice_auditengagement_change", args=[finding.engagement_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("admin:backoffice_auditengagement_pack", args=[finding.engagement_id]) in body
    assert "Receipts missing for two claims" in body


def test_f4_a_booked_expense_claim_links_the_claim_and_its_receipts(ledger):
    # given a booked expense claim with a receipt, its transaction posted for the claim
    from django.core.files.base import ContentFile

    from backoffice.models import ExpenseClaim, ExpenseReceipt
    from tests.support.files import jpeg_bytes

    claim = ExpenseClaim.objects.create(claimant=StaffFactory(role="operations"), category="office",
                                        spent_on=dt.date(2026, 10, 14), amount_fen=5_000, description="paper")
    receipt = ExpenseReceipt(claim=claim)
    receipt.file.save("r.jpg", ContentFile(jpeg_bytes()), save=True)
    txn = LedgerTransaction.objects.get(key="expense-test:1")
    booked = transaction_post(key=f"expense_claim:{claim.pk}:booked", kind="expense_claim_booked", memo="m",
                              source=claim,
                              lines=[(platform_account(AccountKind.EXPENSE_OFFICE), 100),
                                     (platform_account(AccountKind.REIMBURSEMENTS_PAYABLE), -100)])
    # when its documents are listed
    docs = transaction_documents(booked)
    # then the claim and its receipt are linked; a transaction without a source links only itself
    urls = [url for _what, url in docs]
    assert reverse("admin:backoffice_expenseclaim_change", args=[claim.pk]) in urls
    assert any(what == f"Receipt #{receipt.pk}" and url for what, url in docs)
    assert [url for _what, url in transaction_documents(txn)] == [
        reverse("admin:finance_ledgertransaction_change", args=[txn.pk])]
