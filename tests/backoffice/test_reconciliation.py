"""The monthly reconciliation of the settlement account (F3.1, F3.3): the
ledger's figures at month end, the settlement account against the sum of its
parts, the bank statement's closing balance and the difference, signed off
once and only by finance; the beat prepares last month's on the 1st."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from backoffice.models import MonthlyReconciliation
from backoffice.reconciliation import (
    reconciliation_enter_bank,
    reconciliation_prepare,
    reconciliation_sign_off,
)
from backoffice.tasks import monthly_reconciliation_task
from core.errors import DomainError, InvalidTransition, NotPermitted
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def post(at, key, lines):
    with time_machine.travel(at, tick=False):
        transaction_post(key=key, kind="test", memo=key, lines=lines)


@pytest.fixture
def october(db):
    """¥10,000 paid in by an employer in October, ¥50 of it a posting fee; ¥1,000 more on 1 November."""
    employer = EmployerFactory(approved=True)
    bank, escrow = platform_account(AccountKind.BANK_CLEARING), employer_escrow(employer.pk)
    fees = platform_account(AccountKind.REVENUE_POSTING_FEES)
    post(dt.datetime(2026, 10, 5, 10, tzinfo=SHANGHAI), "in-1", [(bank, 1_000_000), (escrow, -1_000_000)])
    post(dt.datetime(2026, 10, 6, 10, tzinfo=SHANGHAI), "fee-1", [(escrow, 5_000), (fees, -5_000)])
    post(dt.datetime(2026, 11, 1, 0, 5, tzinfo=SHANGHAI), "in-2", [(bank, 100_000), (escrow, -100_000)])
    return employer


def test_f3_1_figures_at_month_end_and_the_parts_add_up(october):
    rec = reconciliation_prepare(month=dt.date(2026, 10, 17))
    assert rec.month == dt.date(2026, 10, 1)
    f = rec.figures
    assert (f["settlement_account"], f["escrow"], f["revenue_posting_fees"]) == (1_000_000, 995_000, 5_000)
    assert (f["sum_of_parts"], f["parts_difference"]) == (1_000_000, 0)


def test_f3_1_sign_off_once_only_by_finance_after_the_bank_balance(october):
    rec = reconciliation_prepare(month=dt.date(2026, 10, 1))
    finance, other = StaffFactory(role="finance"), StaffFactory(role="finance")
    for outsider in (StaffFactory(role="manager"), StaffFactory(role="auditor")):
        with pytest.raises(NotPermitted):
            reconciliation_sign_off(reconciliation_id=rec.pk, actor=outsider)
        with pytest.raises(NotPermitted):
            reconciliation_enter_bank(reconciliation_id=rec.pk, actor=outsider, bank_closing_fen=1)
    with pytest.raises(DomainError):  # the bank statement first
        reconciliation_sign_off(reconciliation_id=rec.pk, actor=finance)
    # the bank says ¥9,999.00: ¥1 short, which needs an explanation
    rec = reconciliation_enter_bank(reconciliation_id=rec.pk, actor=finance, bank_closing_fen=999_900)
    assert rec.difference_fen == -100
    with pytest.raises(DomainError):
        reconciliation_sign_off(reconciliation_id=rec.pk, actor=finance)
    rec = reconciliation_sign_off(reconciliation_id=rec.pk, actor=finance, notes="Bank fee, booked in November")
    assert rec.signed_off_by == finance and rec.signed_off_at is not None
    with pytest.raises(InvalidTransition):
        reconciliation_sign_off(reconciliation_id=rec.pk, actor=other, notes="again")
    with pytest.raises(InvalidTransition):
        reconciliation_enter_bank(reconciliation_id=rec.pk, actor=other, bank_closing_fen=1_000_000)
    # preparing again never rewrites a signed-off month
    assert reconciliation_prepare(month=dt.date(2026, 10, 1)).figures == rec.figures
    rec.refresh_from_db()
    assert (rec.signed_off_by, rec.bank_closing_fen) == (finance, 999_900)


def test_f3_1_the_beat_prepares_last_month_on_the_first(october):
    with time_machine.travel(dt.datetime(2026, 11, 1, 7, 0, tzinfo=SHANGHAI)):
        result = monthly_reconciliation_task()
    rec = MonthlyReconciliation.objects.get()
    assert rec.month == dt.date(2026, 10, 1) and result["difference"] == 0
    from config.celery import app

    entry = app.conf.beat_schedule["finance-monthly-reconciliation"]
    assert entry["task"] == "backoffice.tasks.monthly_reconciliation_task"
    assert entry["schedule"].day_of_month == {1} and entry["schedule"].hour == {7}


def test_f3_1_admin_sign_off_screens(october, admin_client_for):
    finance = admin_client_for("finance")
    response = finance.post("/admin/backoffice/monthlyreconciliation/prepare/", {"month": "2026-10-09"})
    rec = MonthlyReconciliation.objects.get()
    assert response.status_code == 302
    auditor = admin_client_for("auditor")
    assert auditor.get(f"/admin/backoffice/monthlyreconciliation/{rec.pk}/change/").status_code == 200
    assert auditor.post(f"/admin/backoffice/monthlyreconciliation/{rec.pk}/sign-off/").status_code == 403
    assert finance.post(f"/admin/backoffice/monthlyreconciliation/{rec.pk}/bank/",
                        {"bank_closing": "10,000.00"}).status_code == 302
    assert finance.post(f"/admin/backoffice/monthlyreconciliation/{rec.pk}/sign-off/", {}).status_code == 302
    rec.refresh_from_db()
    assert (rec.difference_fen, rec.signed_off_at is not None) == (0, True)
