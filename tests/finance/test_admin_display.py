"""Issue 23: the finance admin reads like the rest of the site — ledger balances in
yuan (the ledger keeps fen, F3.1) and integrity-run titles in Asia/Shanghai (F3.3)."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from finance.models import IntegrityRun, LedgerAccount
from tests.finance.test_integrity import paid_and_funded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_f3_3_admin_shows_ledger_balances_in_yuan_not_fen(staff_client, paid_and_funded):  # noqa: F811
    # given: accounts with balances, e.g. the escrow of the funded settlement
    client, _user = staff_client("finance")
    account = next(a for a in LedgerAccount.objects.all() if a.balance and abs(a.balance) >= 100)
    # when
    page = client.get(reverse("admin:finance_ledgeraccount_changelist")).content.decode()
    # then: ¥1,234.56 as elsewhere, never the fen integer
    from core.money import format_fen

    assert format_fen(account.balance) in page
    assert f">{account.balance}<" not in page
    transaction = account.entries.first().transaction
    detail = client.get(reverse("admin:finance_ledgertransaction_change", args=[transaction.pk])).content.decode()
    assert format_fen(transaction.entries.first().amount_fen) in detail


def test_f3_3_integrity_run_title_is_in_asia_shanghai(staff_client):
    # given: a run at 2026-11-01 23:30 UTC, which is 11-02 07:30 in Shanghai
    run = IntegrityRun.objects.create(problem_count=0, problems=[])
    IntegrityRun.objects.filter(pk=run.pk).update(ran_at=dt.datetime(2026, 11, 1, 23, 30, tzinfo=dt.UTC))
    run.refresh_from_db()
    # when / then
    assert str(run) == "2026-11-02 07:30 · 0"
    client, _user = staff_client("finance")
    page = client.get(reverse("admin:finance_integrityrun_change", args=[run.pk])).content.decode()
    assert "2026-11-02 07:30" in page and "2026-11-01 23:30" not in page


def test_f3_3_ledger_account_page_shows_the_balance_in_yuan(staff_client, paid_and_funded):  # noqa: F811
    from core.money import format_fen

    client, _user = staff_client("finance")
    account = next(a for a in LedgerAccount.objects.all() if abs(a.balance) >= 1000)
    page = client.get(reverse("admin:finance_ledgeraccount_change", args=[account.pk])).content.decode()
    assert format_fen(account.balance) in page and str(abs(account.balance_fen)) not in page
