"""Finance reports (F3.3): settlements by period against a hand-built scenario,
its CSV (with a BOM for Excel) and XLSX, the daily reconciliation of the ledger
against the imported statement and the payouts, the trial balance; finance and
auditors read them, customer service does not."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.reports import (
    reconciliation_for,
    settlement_report,
    settlement_report_csv,
    settlement_report_xlsx,
    trial_balance,
    trial_balance_csv,
)
from finance.banking import funding_reference_for, statement_import
from finance.fees import posting_fee_charge
from finance.models import AccountKind
from settlements.models import PaymentDispute, Settlement
from settlements.payouts import payout_batch_build, payout_batch_confirm
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.finance.test_banking import csv_file
from tests.settlements.test_funding import funded_settlement, ready_settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    """Three statements funded (¥82.50 each: ¥75 pay, ¥7.50 commission), one of them
    paid; two waiting for the employer's money, one of those past its due date; a
    dispute claiming ¥5; a posting fee of ¥12.50."""
    finance = StaffFactory(role="finance")
    funded = [funded_settlement() for _ in range(3)]
    waiting = [ready_settlement() for _ in range(2)]
    Settlement.objects.filter(pk=waiting[0].pk).update(funding_due_at=timezone.now() - dt.timedelta(hours=1))
    Settlement.objects.filter(pk=waiting[1].pk).update(funding_due_at=timezone.now() + dt.timedelta(days=3))
    PayoutMethodFactory(student=funded[0].student)
    batch = payout_batch_build(now=timezone.now() + dt.timedelta(days=30))
    payout_batch_confirm(batch_id=batch.pk, actor=finance)
    paid = Settlement.objects.get(pk=funded[0].pk)
    PaymentDispute.objects.create(settlement=paid, student=paid.student, employer=paid.employer, kind="amount",
                                  description="少算了", claimed_fen=500,
                                  employer_response_due_at=timezone.now() + dt.timedelta(days=2))
    posting_fee_charge(employer_id=paid.employer_id, job_id=999, amount_fen=1250, memo="fee")
    return {"funded": funded, "waiting": waiting, "finance": finance}


def today() -> dt.date:
    return timezone.localdate()


def test_f3_3_settlement_report_numbers_equal_the_scenario(scenario):
    report = settlement_report(date_from=today(), date_to=today())
    figures = {row.key: (row.count, row.amount_fen) for row in report.rows}
    assert figures["funded"] == (3, 3 * 8250)
    assert figures["paid"] == (1, 7500)
    assert figures["pending"] == (2, 2 * 8250)
    assert figures["overdue"] == (1, 8250)
    assert figures["disputed"] == (1, 500)
    assert figures["advances"] == (0, 0)
    assert figures["commissions"] == (None, 3 * 750)
    assert figures["posting_fees"] == (None, 1250)
    # a period before any of it is empty
    last_year = settlement_report(date_from=today() - dt.timedelta(days=400), date_to=today() - dt.timedelta(days=300))
    assert all(row.amount_fen == 0 for row in last_year.rows if row.key not in ("pending", "overdue"))


def test_f3_3_settlement_report_csv_has_a_bom_and_the_totals(scenario):
    content = settlement_report_csv(settlement_report(date_from=today(), date_to=today()))
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["Settlements funded (employer totals)"] == ["3", "247.50"]
    assert by_label["Commissions booked"] == ["", "22.50"]
    workbook = openpyxl.load_workbook(io.BytesIO(settlement_report_xlsx(
        settlement_report(date_from=today(), date_to=today()))))
    values = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert ["Settlements paid (student totals)", 1, 75] in values


def test_f3_3_settlement_report_xlsx_amounts_are_numbers_formatted_0_00(scenario):
    # issue 23: 求和 over the 金额 column must add the amounts, not give 0
    workbook = openpyxl.load_workbook(io.BytesIO(settlement_report_xlsx(
        settlement_report(date_from=today(), date_to=today()))))
    amounts = [row[2] for row in workbook.active.iter_rows(min_row=3)]
    assert amounts and all(cell.data_type == "n" and isinstance(cell.value, (int, float)) for cell in amounts)
    assert all(cell.number_format == "0.00" for cell in amounts)
    by_label = {row[0].value: row[2].value for row in workbook.active.iter_rows(min_row=3)}
    assert by_label["Settlements funded (employer totals)"] == 247.5
    assert by_label["Commissions booked"] == 22.5


def test_f3_3_trial_balance_debits_equal_credits(scenario):
    tb = trial_balance(at=today())
    rows = {row.kind: row for row in tb.rows}
    assert tb.debits_fen == tb.credits_fen > 0
    bank = rows[AccountKind.BANK_CLEARING]
    assert (bank.debits_fen, bank.credits_fen, bank.balance_fen) == (3 * 8250, 7500, 3 * 8250 - 7500)
    assert rows[AccountKind.REVENUE_COMMISSIONS].balance_fen == 2250
    csv_rows = list(csv.reader(io.StringIO(trial_balance_csv(tb).decode("utf-8-sig"))))
    assert csv_rows[-1][0] == "Total" and csv_rows[-1][1] == csv_rows[-1][2]
    # the day before anything was posted: all zero
    assert trial_balance(at=today() - dt.timedelta(days=400)).debits_fen == 0


def test_f3_3_daily_reconciliation_lists_what_is_not_in_the_ledger(scenario):
    # given: a statement of yesterday with one payment quoting a reference, one without
    employer = scenario["funded"][1].employer
    code = funding_reference_for(employer.pk).code
    day = today() - dt.timedelta(days=1)
    statement_import(uploaded_file=csv_file([[f"{day}", "100.00", "p", f"{code}", "R1"],
                                             [f"{day}", "30.00", "q", "工资", "R2"]]), actor=scenario["finance"])
    # when
    rec = reconciliation_for(day=day)
    # then: money in matched equals the ledger; the unmatched line is the difference
    assert (rec.matched_count, rec.matched_fen, rec.ledger_in_fen) == (1, 10_000, 10_000)
    assert (rec.unmatched_count, rec.unmatched_fen) == (1, 3000)
    assert [(ref, fen) for _what, ref, fen in rec.differences] == [("R2", 3000)]
    # and today's payouts equal the bank account's credits
    rec_today = reconciliation_for(day=today())
    assert (rec_today.payouts_count, rec_today.payouts_fen, rec_today.ledger_out_payouts_fen) == (1, 7500, 7500)
    assert rec_today.differences == []


@pytest.mark.parametrize("name", ["finance_report_settlements", "finance_report_reconciliation",
                                  "finance_report_trial_balance"])
def test_f3_3_reports_are_for_finance_and_auditors_not_customer_service(scenario, staff_client, name):
    url = reverse(f"admin:{name}")
    for role, status in (("finance", 200), ("auditor", 200), ("customer_service", 403)):
        client, _user = staff_client(role)
        assert client.get(url).status_code == status, role
        assert client.get(url, {"day": str(today()), "date_from": str(today()), "date_to": str(today()),
                                "format": "xlsx"}).status_code == status
    client, _user = staff_client("finance")
    download = client.get(url, {"day": str(today()), "date_from": str(today()), "date_to": str(today()),
                                "format": "xlsx"})
    assert download["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.parametrize("name", ["finance_report_settlements", "finance_report_reconciliation",
                                  "finance_report_trial_balance"])
def test_f3_3_report_date_fields_render_iso_for_the_browser_date_input(staff_client, name):
    # issue 23: zh-hans renders dates 2026/11/01, which <input type="date"> rejects (the field comes up empty)
    import re

    client, _user = staff_client("finance")
    page = client.get(reverse(f"admin:{name}"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    inputs = re.findall(r'<input type="date"[^>]*>', page)
    assert inputs
    for tag in inputs:
        assert re.search(r'value="\d{4}-\d{2}-\d{2}"', tag), tag
