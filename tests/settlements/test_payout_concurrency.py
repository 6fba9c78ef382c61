"""Exactly once under concurrency (F3.2, E5.1), on PostgreSQL with real commits:
workers funding, building batches and confirming at the same moment pay every
settlement once, and the ledger stays consistent."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind, LedgerTransaction
from settlements.funding import settlement_fund
from settlements.models import Payout, PayoutBatch, Settlement, SettlementStatus
from settlements.payouts import BatchAlreadyConfirmed, payout_batch_build, payout_batch_confirm
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import DUE_AT, FUNDED_AT, escrow_in, funded_settlement, ready_settlement

pytestmark = pytest.mark.usefixtures("migration_data_restored")
WORKERS = 4


def _run_at_once(work, n: int = WORKERS) -> list:
    barrier, results = threading.Barrier(n), []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _due_settlements(n: int) -> list[Settlement]:
    with time_machine.travel(FUNDED_AT, tick=False):
        settlements = [funded_settlement() for _ in range(n)]
        for settlement in settlements:
            PayoutMethodFactory(student=settlement.student)
    return settlements


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f3_2_concurrent_batch_builders_create_exactly_one_payout_per_settlement():
    # given: twelve settlements due on 11 Oct 2025
    settlements = _due_settlements(12)
    # when: four workers build the day's batch at the same moment
    results = _run_at_once(lambda: payout_batch_build(now=DUE_AT))
    # then: no errors; each settlement in exactly one payout; payouts in transit hold exactly their total
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Payout.objects.values_list("settlement_id", flat=True)) == sorted(s.pk for s in settlements)
    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.PAYING}
    # one combined posting per chunk: at most one per builder that found something
    assert 1 <= LedgerTransaction.objects.filter(kind="payout").count() <= WORKERS
    assert LedgerTransaction.objects.filter(kind="payout").count() == PayoutBatch.objects.count()
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 12 * 7500
    assert sum(PayoutBatch.objects.values_list("payout_count", flat=True)) == 12
    assert ledger_integrity_check() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f3_2_confirming_one_batch_from_several_tabs_at_once_pays_once():
    # given: a batch of three payouts
    _due_settlements(3)
    batch = payout_batch_build(now=DUE_AT)
    staff = StaffFactory(role="finance")
    # when: four confirmations at the same moment (double clicks, two tabs, a retry)
    results = _run_at_once(lambda: payout_batch_confirm(batch_id=batch.pk, actor=staff))
    # then: one confirmation, the others refused; three payouts paid once each
    assert sum(isinstance(r, PayoutBatch) for r in results) == 1, results
    assert sum(isinstance(r, BatchAlreadyConfirmed) for r in results) == WORKERS - 1, results
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1  # one posting for the three lines
    assert set(Payout.objects.values_list("status", flat=True)) == {Payout.Status.PAID}
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert ledger_integrity_check() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_e5_1_funding_one_settlement_from_several_workers_posts_once():
    # given: a ready statement and the money in escrow
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = ready_settlement()
        escrow_in(settlement.employer_id, 20_000, key="in-1")
        # when: four sweeps fund it at once
        results = _run_at_once(lambda: settlement_fund(settlement_id=settlement.pk))
    # then
    assert not [r for r in results if isinstance(r, Exception)], results
    assert LedgerTransaction.objects.filter(kind="settlement_wages").count() == 1
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.FUNDED
    assert ledger_integrity_check() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f3_2_the_batch_task_delivered_twice_at_once_pays_each_settlement_once(monkeypatch):
    # given: five settlements due (long ago), chunks of two so the builders interleave
    from settlements import payouts
    from settlements.tasks import payout_batch_build_task

    monkeypatch.setattr(payouts, "PAYOUT_CHUNK", 2)
    monkeypatch.setattr("settlements.tasks.is_working_day", lambda day: True)
    settlements = _due_settlements(5)
    # when: the same task is delivered twice and both copies run at the same moment, then once more
    results = _run_at_once(payout_batch_build_task, n=2)
    assert payout_batch_build_task() is None
    # then: one payout per settlement; the ledger moved each payable once
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Payout.objects.values_list("settlement_id", flat=True)) == sorted(s.pk for s in settlements)
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 5 * 7500
    assert sum(PayoutBatch.objects.values_list("payout_count", flat=True)) == 5
    assert ledger_integrity_check() == []
