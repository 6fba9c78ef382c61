"""Income tax under concurrency (国家税务总局公告2025年第16号, docs/tax.md), on
PostgreSQL with real commits: two of a student's statements funded at the same
moment are withheld one after the other (the per-student lock), so the second
continues from the first and the month withholds what the formula says."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from finance.integrity import settlement_account_check
from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind
from settlements.funding import settlement_fund
from settlements.models import TaxWithholding
from tests.factories.applications import approved_student
from tests.settlements.test_funding import aware, escrow_in, ready_settlement

pytestmark = pytest.mark.usefixtures("migration_data_restored")
YUAN = 100


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is being tested")
def test_iit_16_two_payments_funded_at_once_withhold_the_months_tax_exactly():
    # given: one student, two ready statements of 8,000 yuan each (two employers), escrow paid in
    student = approved_student()
    at = aware(2025, 10, 20, 10)
    with time_machine.travel(at, tick=False):
        settlements = [ready_settlement(hours=((600, 0),), base_rate_fen=80_000, student=student) for _ in range(2)]
        for settlement in settlements:
            escrow_in(settlement.employer_id, settlement.employer_total_fen, key=f"in-{settlement.pk}")
    barrier, errors = threading.Barrier(2), []

    def fund(settlement_id: int) -> None:
        try:
            with time_machine.travel(at, tick=False):
                barrier.wait()
                settlement_fund(settlement_id=settlement_id)
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fund, args=(s.pk,)) for s in settlements]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then: one month, one run: 8,000 → 42, then 16,000 − 3,200 − 5,000 = 7,800 × 3% = 234 − 42 = 192;
    #       without the lock both would read no earlier row and withhold 42 each
    assert errors == []
    first, second = TaxWithholding.objects.filter(student=student).order_by("id")
    assert second.withheld_before_fen == first.tax_fen
    assert second.cumulative_income_fen == 16_000 * YUAN
    assert first.tax_fen + second.tax_fen == 234 * YUAN
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 234 * YUAN
    assert ledger_integrity_check() == []
    assert settlement_account_check() == []
