"""S4.2, F3.2 under faults (issue 22, the chaos test): a batch run that dies after some of its
chunks committed (worker killed, database connection terminated) leaves payouts that stand;
the next run finishes that batch — build recorded, finance told — exactly once, and pays the
rest in a batch of its own."""

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connections

from core.models import HistoryEntry, Notification
from finance.ledger import ledger_integrity_check
from settlements import payouts
from settlements.models import Payout, PayoutBatch
from tests.factories.accounts import StaffFactory
from tests.settlements.test_funding import DUE_AT
from tests.settlements.test_payouts import paid_student_settlement

pytestmark = pytest.mark.django_db


def build_records(batch: PayoutBatch) -> int:
    return HistoryEntry.objects.filter(content_type=ContentType.objects.get_for_model(PayoutBatch),
                                       object_id=str(batch.pk), transition="build").count()


def run_dying_in_the_second_chunk(monkeypatch) -> PayoutBatch:
    """A batch run whose database connection drops in its second chunk: the batch it leaves."""
    real_chunk, calls = payouts._build_chunk, []

    def dropped_in_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("terminating connection due to administrator command")
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(payouts, "_build_chunk", dropped_in_the_second_chunk)
    with time_machine.travel(DUE_AT, tick=False), pytest.raises(OperationalError):
        payouts.payout_batch_build()
    monkeypatch.setattr(payouts, "_build_chunk", real_chunk)
    return PayoutBatch.objects.get()


def test_s4_2_a_batch_whose_run_died_after_a_chunk_is_finished_once_by_the_next_run(monkeypatch):
    # given: five due settlements, chunks of two, and a run whose connection drops in its second chunk
    finance = StaffFactory(role="finance")
    settlements = [paid_student_settlement() for _ in range(5)]
    monkeypatch.setattr(payouts, "PAYOUT_CHUNK", 2)
    orphan = run_dying_in_the_second_chunk(monkeypatch)
    assert orphan.payout_count == 2 and build_records(orphan) == 0  # the first chunk stands, unrecorded
    # when: the task runs again (retried or redelivered), then once more
    with time_machine.travel(DUE_AT, tick=False):
        rest = payouts.payout_batch_build()
        again = payouts.payout_batch_build()
    # then: the orphan is recorded and announced once, the rest paid in a batch of its own, nothing twice
    assert again is None
    assert build_records(orphan) == 1 and build_records(rest) == 1
    assert rest.payout_count == 3
    assert Notification.objects.filter(recipient=finance, link__contains=f"/{orphan.pk}/").count() == 1
    assert sorted(Payout.objects.values_list("settlement_id", flat=True)) == sorted(s.pk for s in settlements)
    assert ledger_integrity_check() == []


def test_s4_2_a_batch_still_being_built_is_not_taken_for_an_orphan(monkeypatch):
    # given: a batch with payouts whose builder (another worker) still holds its lock
    paid_student_settlement()
    paid_student_settlement()
    monkeypatch.setattr(payouts, "PAYOUT_CHUNK", 1)
    batch = run_dying_in_the_second_chunk(monkeypatch)
    other = connections.create_connection("default")  # the other worker's session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [payouts._BUILDER_LOCK_CLASS, batch.pk])
        # when / then: another run leaves it alone while the lock is held …
        assert payouts.payout_batches_finish_orphaned() == 0 and build_records(batch) == 0
    finally:
        other.close()
    # … and finishes it once the builder's session is gone
    assert payouts.payout_batches_finish_orphaned() == 1 and build_records(batch) == 1
    assert payouts.payout_batches_finish_orphaned() == 0
