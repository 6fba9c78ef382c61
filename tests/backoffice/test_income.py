"""Income and expenses by category and period (F1), from ledger postings only:
income is the revenue accounts' credits, expenses the expense accounts'
debits, by the local month they were posted. The XLSX has a column per month
and the budget-versus-actual sheet."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from backoffice.income import income_statement, income_statement_xlsx
from finance.ledger import platform_account, transaction_post
from finance.models import AccountKind
from tests.factories.backoffice import budget_make

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(at: dt.datetime, key: str, debit: str, credit: str, fen: int) -> None:
    with time_machine.travel(at, tick=False):
        transaction_post(key=key, kind="test", memo=key,
                         lines=[(platform_account(debit), fen), (platform_account(credit), -fen)])


@pytest.fixture
def ledger(db):
    bank, operating = AccountKind.BANK_CLEARING, AccountKind.OPERATING_BANK
    post(dt.datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI), "fee-sep", bank, AccountKind.REVENUE_POSTING_FEES, 999)
    post(dt.datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI), "fee-oct", bank, AccountKind.REVENUE_POSTING_FEES, 5_000)
    post(dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI), "com-oct", bank, AccountKind.REVENUE_COMMISSIONS,
         12_345)
    post(dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), "com-nov", bank, AccountKind.REVENUE_COMMISSIONS, 700)
    # a refunded fee: a debit of revenue is not income
    post(dt.datetime(2026, 10, 15, 12, 0, tzinfo=SHANGHAI), "fee-back", AccountKind.REVENUE_POSTING_FEES, bank, 100)
    post(dt.datetime(2026, 10, 20, 12, 0, tzinfo=SHANGHAI), "office-oct", AccountKind.EXPENSE_OFFICE,
         AccountKind.REIMBURSEMENTS_PAYABLE, 40_000)
    post(dt.datetime(2026, 11, 2, 12, 0, tzinfo=SHANGHAI), "salary-nov", AccountKind.EXPENSE_SALARIES, operating,
         1_000_000)
    # an expense credited (a correction) is not an expense debit
    post(dt.datetime(2026, 11, 3, 12, 0, tzinfo=SHANGHAI), "office-fix", operating, AccountKind.EXPENSE_OFFICE, 500)


def test_f1_income_and_expenses_by_month_come_from_the_ledger(ledger):
    statement = income_statement(start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))
    oct_, nov = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    assert statement.months == [oct_, nov]
    income = {row.key: row.by_month for row in statement.income}
    assert income[AccountKind.REVENUE_POSTING_FEES] == {oct_: 5_000, nov: 0}
    assert income[AccountKind.REVENUE_COMMISSIONS] == {oct_: 12_345, nov: 700}
    expenses = {row.key: row.by_month for row in statement.expenses}
    assert expenses["office"] == {oct_: 40_000, nov: 0}
    assert expenses["salaries"] == {oct_: 0, nov: 1_000_000}
    assert expenses["promotion"] == {oct_: 0, nov: 0}
    assert (statement.income_fen, statement.expenses_fen) == (18_045, 1_040_000)
    assert statement.net_fen == 18_045 - 1_040_000


def test_f1_xlsx_has_a_column_per_month_and_the_budget_sheet(ledger):
    budget_make(category="office", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), amount_fen=100_000)
    content = income_statement_xlsx(income_statement(start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 30)))
    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet, budgets = book.worksheets
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1:4] == ("2026-09", "2026-10", "2026-11")
    fees = next(r for r in rows if r[0] == "Revenue: posting fees")
    assert fees[1:5] == (9.99, 50, 0, 59.99)  # numbers (issue 23), formatted 0.00
    assert list(budgets.iter_rows(values_only=True))[1][0] == "Office"


def test_f1_report_download_for_an_auditor(ledger, staff_client):
    client, _auditor = staff_client("auditor")
    response = client.get(reverse("backoffice:expense_report"),
                          {"start": "2026-10-01", "end": "2026-11-30", "format": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    page = client.get(reverse("backoffice:expense_report"), {"start": "2026-10-01", "end": "2026-11-30"})
    assert b"\xc2\xa5123.45" in page.content  # October's commissions
