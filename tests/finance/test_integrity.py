"""The integrity check (F3.3): the ledger's own checks, the settlement account
equal to the sum of its parts (F3.1), and the settlement-side checks settlements
registers through finance.hooks — one paid payout per paid settlement, one
funding posting per funded settlement. Clean data reports nothing; data changed
behind the services' back is reported, by the command and the admin button too."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from finance import hooks
from finance.integrity import settlement_account_check
from finance.models import IntegrityRun
from finance.services import integrity_checks_run, integrity_run
from settlements.models import Payout, Settlement, SettlementStatus
from settlements.payouts import payout_batch_build, payout_batch_confirm
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import funded_settlement, ready_settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_and_funded():
    """One settlement paid through a confirmed batch, one funded and due later."""
    paid, funded = funded_settlement(), funded_settlement()
    PayoutMethodFactory(student=paid.student)
    batch = payout_batch_build(now=timezone.now() + dt.timedelta(days=30))
    payout_batch_confirm(batch_id=batch.pk, actor=StaffFactory(role="finance"))
    assert Settlement.objects.get(pk=paid.pk).status == SettlementStatus.PAID
    return Settlement.objects.get(pk=paid.pk), Settlement.objects.get(pk=funded.pk)


def checks(problems) -> set[str]:
    return {p.check for p in problems}


def test_f3_3_settlements_registered_their_checks_with_finance():
    names = [name for name, _fn in hooks.integrity_checks()]
    assert {"settlement_payouts", "settlement_postings"} <= set(names)


def test_f3_3_a_clean_scenario_has_no_problem(paid_and_funded):
    assert integrity_checks_run() == []
    assert settlement_account_check() == []
    call_command("ledger_check")
    assert IntegrityRun.objects.latest("ran_at").problem_count == 0


def test_f3_3_a_settlement_marked_paid_without_a_payout_is_reported(paid_and_funded):
    # given: someone marks the funded settlement paid with a queryset update
    _paid, funded = paid_and_funded
    Settlement.objects.filter(pk=funded.pk).update(status=SettlementStatus.PAID)
    # then
    problems = integrity_checks_run()
    assert [p.detail for p in problems if p.check == "settlement_paid_once"] == [
        f"paid settlement {funded.pk} has 0 paid payouts"]
    with pytest.raises(CommandError):
        call_command("ledger_check")


def test_f3_3_a_paid_payout_written_behind_the_services_back_is_reported(paid_and_funded):
    # given: a paid payout bulk-created for the funded (unpaid) settlement, no posting
    paid, funded = paid_and_funded
    first = Payout.objects.get(settlement=paid)
    Payout.objects.bulk_create([Payout(settlement=funded, batch=first.batch, student=funded.student, attempt=1,
                                       amount_fen=funded.student_total_fen, status=Payout.Status.PAID,
                                       method=first.method, method_kind=first.method_kind, account_masked="****",
                                       account_number=first.account_number, account_holder="x",
                                       ledger_key="rogue-payout")])
    # then
    details = [p.detail for p in integrity_checks_run() if p.check == "settlement_paid_once"]
    assert any(f"settlement {funded.pk} is funded" in d for d in details)


def test_f3_3_a_funded_settlement_without_its_posting_is_reported():
    # given: a ready statement pushed to funded by a queryset update, no money moved
    settlement = ready_settlement()
    Settlement.objects.filter(pk=settlement.pk).update(status=SettlementStatus.FUNDED)
    problems = integrity_checks_run()
    assert [p.detail for p in problems if p.check == "settlement_funded_once"] == [
        f"funded settlement {settlement.pk} has no wages or advance posting"]


def test_f3_3_a_posting_of_the_wrong_amount_is_reported(paid_and_funded):
    # given: the funded statement's amounts raised afterwards (both totals, so the row stays consistent)
    _paid, funded = paid_and_funded
    Settlement.objects.filter(pk=funded.pk).update(wages_fen=funded.wages_fen + 100,
                                                   student_total_fen=funded.student_total_fen + 100,
                                                   employer_total_fen=funded.employer_total_fen + 100)
    details = [p.detail for p in integrity_checks_run() if p.check == "settlement_funded_once"]
    assert details == [f"settlement {funded.pk}: wages posting moved {funded.employer_total_fen}, "
                       f"the employer total is {funded.employer_total_fen + 100}"]


def test_f3_3_a_check_that_crashes_is_a_problem_not_a_pass(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(hooks._integrity_checks, "broken", broken)
    assert checks(integrity_checks_run()) == {"broken"}


def test_f3_3_finance_runs_the_check_from_the_admin_customer_service_cannot(staff_client):
    url = reverse("admin:finance_integrityrun_run")
    client, _user = staff_client("finance")
    listing = client.get(reverse("admin:finance_integrityrun_changelist"))
    assert listing.status_code == 200 and url in listing.content.decode()
    accounts = client.get(reverse("admin:finance_ledgeraccount_changelist"))
    assert reverse("admin:finance_report_trial_balance") in accounts.content.decode()
    response = client.post(url)
    run = IntegrityRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:finance_integrityrun_change", args=[run.pk])
    cs_client, _cs = staff_client("customer_service")
    assert cs_client.post(url).status_code == 403
    assert IntegrityRun.objects.count() == 1
    assert integrity_run().problem_count == 0
