"""The ledger under concurrency (E5.1, F3.2), on PostgreSQL with real commits:
simultaneous spending never takes a guarded balance below zero, and one key
posted by two workers at once moves money once."""

import threading

import pytest
from django.db import connection, connections

from finance.ledger import (
    InsufficientBalance,
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    student_payable,
)
from finance.models import LedgerTransaction
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.finance.test_ledger import fund, wages

pytestmark = pytest.mark.usefixtures("migration_data_restored")


def _in_thread(results, barrier, work):
    try:
        barrier.wait()
        results.append(work())
    except Exception as error:  # noqa: BLE001 - collected and asserted by the test
        results.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_e5_1_concurrent_spending_never_takes_escrow_below_zero():
    # given: 10,000 fen held; eight workers each try to pay 3,000 at once
    employer = EmployerFactory(approved=True)
    students = [StudentProfileFactory(approved=True).user for _ in range(8)]
    fund(employer, 10_000)
    barrier, results = threading.Barrier(8), []
    threads = [threading.Thread(target=_in_thread, args=(results, barrier, lambda s=s, i=i: wages(
        employer, s, 3_000, key=f"wages-{i}"))) for i, s in enumerate(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then: exactly three fit; the rest are refused; the books balance
    paid = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (len(paid), len(refused)) == (3, 5), results
    assert account_balance(employer_escrow(employer.pk)) == 1_000
    assert ledger_integrity_check() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f3_2_the_same_key_posted_by_two_workers_at_once_moves_money_once():
    employer, student = EmployerFactory(approved=True), StudentProfileFactory(approved=True).user
    fund(employer, 5_000)
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_in_thread, args=(results, barrier, lambda: wages(
        employer, student, 5_000, key="payout-7"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert results[0].pk == results[1].pk
    assert account_balance(student_payable(student.pk)) == 5_000
    assert LedgerTransaction.objects.filter(key="payout-7").count() == 1
