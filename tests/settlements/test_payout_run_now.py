"""F3.2 (issue 23): finance builds the payout batch on demand from the admin — on a
Sunday, or after fixing a failed line — with the beat run's exactly-once guarantees,
and confirms a batch as paid only after a confirmation step showing count and total."""

import threading

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse

from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind
from settlements.models import Payout, PayoutBatch, Settlement, SettlementStatus
from settlements.payouts import payout_batch_build
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import FUNDED_AT, funded_settlement

BUILD = reverse("admin:settlements_payoutbatch_build")


def due_settlements(n: int) -> list[Settlement]:
    """Funded on 30 Sep 2025, due 11 Oct 2025: long due by now; each student has a bank card."""
    with time_machine.travel(FUNDED_AT, tick=False):
        settlements = [funded_settlement() for _ in range(n)]
        for settlement in settlements:
            PayoutMethodFactory(student=settlement.student)
    return settlements


@pytest.mark.django_db
def test_f3_2_finance_builds_the_batch_now_after_seeing_what_is_due(admin_client_for):
    # given: two statements due, none batched (beat has not run: a Sunday)
    due_settlements(2)
    client = admin_client_for("finance")
    # when: the batches list, the build page, the build
    listing = client.get(reverse("admin:settlements_payoutbatch_changelist")).content.decode()
    page = client.get(BUILD)
    response = client.post(BUILD)
    # then: the button is there, the page shows count and total, one batch pays both
    assert BUILD in listing
    assert "2 payouts are due now, ¥150.00 in total." in page.content.decode()
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:settlements_payoutbatch_change", args=[batch.pk])
    assert (batch.payout_count, batch.total_fen) == (2, 15_000) and batch.created_by is not None
    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.PAYING}
    # and a second click builds nothing more
    again = client.post(BUILD)
    assert again.status_code == 302 and PayoutBatch.objects.count() == 1 and Payout.objects.count() == 2


@pytest.mark.django_db
def test_f3_2_only_finance_may_build_the_batch_now(admin_client_for):
    due_settlements(1)
    client = admin_client_for("customer_service")
    assert client.get(BUILD).status_code == 403
    assert client.post(BUILD).status_code == 403
    assert not PayoutBatch.objects.exists()


@pytest.mark.django_db
def test_f3_2_confirm_paid_needs_the_confirmation_step_with_count_and_total(admin_client_for):
    # given: a batch of two lines
    due_settlements(2)
    batch = payout_batch_build()
    client = admin_client_for("finance")
    url = reverse("admin:settlements_payoutbatch_confirm", args=[batch.pk])
    # when: a POST that skipped the step (or quotes other figures)
    client.post(url)
    client.post(url, {"expected": "1:7500"})
    # then: nothing is confirmed
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.OPEN
    # when: the step, then its form
    step = client.get(url).content.decode()
    assert "This marks 2 payouts as paid, ¥150.00 in total." in step
    client.post(url, {"expected": "2:15000"})
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.CONFIRMED


@pytest.mark.usefixtures("migration_data_restored")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_f3_2_the_button_and_the_beat_build_at_the_same_moment_pay_each_settlement_once():
    # given: twelve due statements, finance signed in
    settlements = due_settlements(12)
    from django.test import Client

    client = login_with_mfa(Client(), StaffFactory(role="finance"))
    barrier, results = threading.Barrier(2), []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - asserted below
            results.append(error)
        finally:
            connections.close_all()

    # when: beat's 09:00 build and the admin button at the same moment
    threads = [threading.Thread(target=run, args=(payout_batch_build,)),
               threading.Thread(target=run, args=(lambda: client.post(BUILD),))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then: no errors; each settlement in exactly one payout; the ledger holds exactly their total
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Payout.objects.values_list("settlement_id", flat=True)) == sorted(s.pk for s in settlements)
    assert sum(PayoutBatch.objects.values_list("payout_count", flat=True)) == 12
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 12 * 7500
    assert ledger_integrity_check() == []
