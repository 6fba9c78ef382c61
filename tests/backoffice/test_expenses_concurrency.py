"""Expense claims under concurrency (F2), on PostgreSQL with real commits: two
finance members clicking "approve and book" at once book the claim once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from backoffice.expenses import claim_approve, claim_submit
from backoffice.models import ExpenseClaim
from core.errors import DomainError
from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind, LedgerTransaction
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import receipt_png
from tests.finance.test_ledger_concurrency import _in_thread

pytestmark = pytest.mark.usefixtures("migration_data_restored")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f2_two_finance_members_booking_at_once_book_once():
    # given: a claim the head approved, and two finance members
    claim = claim_submit(claimant=StaffFactory(role="customer_service"), category="office",
                         spent_on=dt.date.today(), amount_fen=20_000, description="Toner", receipts=[receipt_png()])
    claim_approve(claim_id=claim.pk, actor=StaffFactory(role="manager"))
    finance = [StaffFactory(role="finance"), StaffFactory(role="finance")]
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_in_thread, args=(results, barrier, lambda f=f: claim_approve(
        claim_id=claim.pk, actor=f))) for f in finance]
    # when: both approve at the same moment
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then: one booked it, the other was told it is past that step; the expense is booked once
    booked = [r for r in results if isinstance(r, ExpenseClaim)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(booked), len(refused)) == (1, 1), results
    assert LedgerTransaction.objects.filter(key=f"expense_claim:{claim.pk}:booked").count() == 1
    assert account_balance(platform_account(AccountKind.EXPENSE_OFFICE)) == 20_000
    assert ExpenseClaim.objects.get(pk=claim.pk).approvals.count() == 2
    assert ledger_integrity_check() == []
