"""A Celery task delivered twice has one effect (E5.1, S4.1, F3.2): the tasks are
`acks_late`, so a worker lost mid-run means the broker delivers the message
again, and beat may fire while a run is still going. The statement sweep then
writes one statement, the funding sweep one wages posting; on PostgreSQL, two
funding sweeps running at the same moment fund every settlement exactly once
and never take more out of escrow than it holds."""

import threading
import time

import pytest
import time_machine
from django.db import connection, connections, transaction

from core.history import history_for
from core.models import Notification
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
)
from finance.models import AccountKind, LedgerEntry, LedgerTransaction
from settlements.funding import settlement_fund, settlements_fund_ready
from settlements.models import Settlement, SettlementStatus
from settlements.tasks import settlements_fund_ready_task, settlements_prepare_task
from tests.factories.settlements import worked_engagement
from tests.settlements.test_funding import DUE_AT, FUNDED_AT, escrow_in, ready_settlement

pytestmark = pytest.mark.usefixtures("migration_data_restored")

EMPLOYER_TOTAL = 8250  # ready_settlement(): ¥75.00 to the student + ¥7.50 commission


def _balances(settlements: list[Settlement]) -> dict[str, int]:
    """Every balance the funding sweep can move, by account."""
    accounts = {"commission": platform_account(AccountKind.REVENUE_COMMISSIONS)}
    for settlement in settlements:
        accounts[f"escrow-{settlement.employer_id}"] = employer_escrow(settlement.employer_id)
        accounts[f"payable-{settlement.student_id}"] = student_payable(settlement.student_id)
    return {name: account_balance(account) for name, account in accounts.items()}


def _fresh(settlements: list[Settlement]) -> list[Settlement]:
    """Re-read (not refresh_from_db: the FSM field's protection is lifted class-wide meanwhile)."""
    return list(Settlement.objects.filter(pk__in=[s.pk for s in settlements]).order_by("pk"))


# ------------------------------------------------------------------ redelivered tasks
@pytest.mark.django_db
def test_s4_1_prepare_task_delivered_twice_writes_one_statement():
    # given: an engagement whose hours are final, no statement yet
    engagement = worked_engagement(hours=[(180, 0), (120, 0)], base_rate_fen=2500)
    # when: the task runs, and its message is delivered again
    first = settlements_prepare_task.apply()
    settlement = Settlement.objects.get(engagement=engagement)
    lines = list(settlement.lines.order_by("order").values_list("pk", "kind", "amount_fen"))
    totals = (settlement.student_total_fen, settlement.commission_fen, settlement.employer_total_fen)
    second = settlements_prepare_task.apply()
    # then: the first run prepared it, the second found nothing due
    assert (first.get(), second.get()) == (1, 0)
    # and: one statement with the same lines and totals, one history row, the student told once
    assert Settlement.objects.filter(engagement=engagement).count() == 1
    again = Settlement.objects.get(engagement=engagement)
    assert again.status == SettlementStatus.READY
    assert list(again.lines.order_by("order").values_list("pk", "kind", "amount_fen")) == lines
    assert (again.student_total_fen, again.commission_fen, again.employer_total_fen) == totals == (12_500, 1250, 13_750)
    assert [(h.from_state, h.to_state) for h in history_for(again)] == [("", "ready")]
    assert Notification.objects.filter(recipient=engagement.student, subject__contains="pay statement").count() == 1
    # and: preparing posts nothing to the ledger
    assert not LedgerTransaction.objects.exists()


@pytest.mark.django_db
def test_e5_1_fund_ready_task_delivered_twice_posts_the_wages_once():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: two ready statements of one employer, the money for both in escrow, plus ¥10.00
        first = ready_settlement()
        second = ready_settlement(employer=first.employer)
        escrow_in(first.employer_id, 2 * EMPLOYER_TOTAL + 1000, key="in-1")
        # when: the funding task runs
        assert settlements_fund_ready_task.apply().get() == 2
        after_first = _balances([first, second])
        entries = LedgerEntry.objects.count()
        # and: its message is delivered again
        assert settlements_fund_ready_task.apply().get() == 0
    # then: both funded once, payable from the same day, one wages posting each
    settlements = _fresh([first, second])
    assert {s.status for s in settlements} == {SettlementStatus.FUNDED}
    assert {(s.funded_at, s.payout_due_at) for s in settlements} == {(FUNDED_AT, DUE_AT)}
    for settlement in settlements:
        assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").count() == 1
        assert [(h.from_state, h.to_state) for h in history_for(settlement)].count(("ready", "funded")) == 1
    # and: the second run moved nothing
    assert _balances(settlements) == after_first
    assert LedgerEntry.objects.count() == entries
    assert after_first[f"escrow-{first.employer_id}"] == 1000
    assert after_first["commission"] == 2 * 750
    assert ledger_integrity_check() == []


# ------------------------------------------------------------------ overlapping runs (PostgreSQL)
def _run_at_once(work, n: int) -> list:
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_e5_1_f3_2_two_funding_sweeps_at_once_fund_each_settlement_once():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: six ready statements of two employers, each escrow holding exactly what it owes
        a = [ready_settlement() for _ in range(1)]
        a += [ready_settlement(employer=a[0].employer) for _ in range(2)]
        b = [ready_settlement()]
        b += [ready_settlement(employer=b[0].employer) for _ in range(2)]
        escrow_in(a[0].employer_id, 3 * EMPLOYER_TOTAL, key="in-a")
        escrow_in(b[0].employer_id, 3 * EMPLOYER_TOTAL, key="in-b")
        # when: two sweeps (beat and a redelivered message) run at the same moment
        results = _run_at_once(settlements_fund_ready, n=2)
    # then: no errors; between them they funded six, each exactly once
    assert not [r for r in results if isinstance(r, Exception)], results
    settlements = _fresh(a + b)
    assert {s.status for s in settlements} == {SettlementStatus.FUNDED}
    assert LedgerTransaction.objects.filter(kind="settlement_wages").count() == 6
    for settlement in settlements:
        assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").count() == 1
        assert [(h.from_state, h.to_state) for h in history_for(settlement)].count(("ready", "funded")) == 1
        assert account_balance(student_payable(settlement.student_id)) == 7500
    # and: each escrow debited once per statement: empty, not negative
    assert account_balance(employer_escrow(a[0].employer_id)) == 0
    assert account_balance(employer_escrow(b[0].employer_id)) == 0
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == 6 * 750
    assert ledger_integrity_check() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_e5_1_funding_sweeps_at_once_never_take_more_than_escrow_holds():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: five ready statements of one employer (¥82.50 each), escrow covering three and a bit
        first = ready_settlement()
        settlements = [first] + [ready_settlement(employer=first.employer) for _ in range(4)]
        escrow_in(first.employer_id, 3 * EMPLOYER_TOTAL + 500, key="in-1")
        # when: three sweeps at the same moment
        results = _run_at_once(settlements_fund_ready, n=3)
    # then: exactly three funded (whichever the sweeps reached first), two still ready and short
    assert not [r for r in results if isinstance(r, Exception)], results
    settlements = _fresh(settlements)
    funded = [s for s in settlements if s.status == SettlementStatus.FUNDED]
    ready = [s for s in settlements if s.status == SettlementStatus.READY]
    assert (len(funded), len(ready)) == (3, 2)
    assert LedgerTransaction.objects.filter(kind="settlement_wages").count() == 3
    assert all(s.funding_short_fen > 0 for s in ready)
    # and: escrow paid for exactly three, the rest stays in it
    assert account_balance(employer_escrow(first.employer_id)) == 500
    assert sum(account_balance(student_payable(s.student_id)) for s in settlements) == 3 * 7500
    assert ledger_integrity_check() == []



def _wait_until_a_lock_is_waited_for(cursor) -> None:
    """Until another connection waits for a row lock (pg_locks is read live, not per transaction)."""
    for _ in range(400):
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        if cursor.fetchone()[0]:
            return
        time.sleep(0.025)
    raise AssertionError("the sweep never waited for the locked settlement")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_e5_1_a_sweep_overtaken_by_another_worker_reports_only_what_it_funded():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: three ready statements of one employer, escrow holding what they cost
        first = ready_settlement()
        settlements = [first] + [ready_settlement(employer=first.employer) for _ in range(2)]
        escrow_in(first.employer_id, 3 * EMPLOYER_TOTAL, key="in-1")
        results = []
        with transaction.atomic():
            # and: another worker holds the statements (it is funding them)
            list(Settlement.objects.select_for_update().filter(pk__in=[s.pk for s in settlements]))
            # when: a sweep starts meanwhile: it selects the three, then waits for the first one's lock
            sweep = threading.Thread(target=lambda: (results.append(settlements_fund_ready()),
                                                     connections.close_all()))
            sweep.start()
            with connection.cursor() as cursor:
                _wait_until_a_lock_is_waited_for(cursor)
            # and: the other worker funds them and commits
            for settlement in settlements:
                settlement_fund(settlement_id=settlement.pk)
        sweep.join(timeout=60)
    # then: funded once each by the other worker; the sweep funded none and says so
    assert {s.status for s in _fresh(settlements)} == {SettlementStatus.FUNDED}
    assert LedgerTransaction.objects.filter(kind="settlement_wages").count() == 3
    assert account_balance(employer_escrow(first.employer_id)) == 0
    assert results == [0], results
