"""The guarantee (E5.2, 先行赔付): when the employer has still not paid P working
days after the due date, the platform's guarantee fund pays the student, the
normal batch pays them out once, and the employer's money recovers the advance
later. Larger statements and an empty fund go to finance."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import FINANCE
from core.history import history_for
from core.models import CreditEvent, Notification
from core.policy import get_policy
from finance.guarantee import guarantee_fund_balance, guarantee_fund_contribute, guarantee_fund_seed_demo
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
)
from finance.models import AccountKind, LedgerTransaction
from settlements.guarantee import advances_recover_due, settlement_recover, settlements_funding_watch
from settlements.models import Payout, Settlement, SettlementStatus
from settlements.payouts import payout_batch_build
from settlements.selectors import employer_committed_fen
from settlements.tasks import settlements_fund_ready_task
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import aware, escrow_in, ready_settlement
from tests.settlements.test_funding_due import due_settlement

pytestmark = pytest.mark.django_db

# Due Tue 30 Sep 2025; 2 working days later is Fri 10 Oct (1–8 Oct are the National Day holidays).
GRACE_ENDS = aware(2025, 10, 10, 10, 0)


def fund(amount: int = 1_000_000) -> None:
    guarantee_fund_contribute(amount_fen=amount, actor=None, memo="test", key=f"fund-{amount}")


def watch(at: dt.datetime) -> dict:
    with time_machine.travel(at, tick=False):
        return settlements_funding_watch()


def test_e5_2_no_advance_before_the_grace_working_days_end_holiday_aware():
    # given: a ¥75.00 statement due 30 Sep, the fund holding ¥10,000
    fund()
    settlement = due_settlement()
    # when: late on the first working day after the holidays (nine calendar days on, one working day)
    counts = watch(aware(2025, 10, 9, 23, 0))
    # then: late, not advanced
    assert (counts["late"], counts["advanced"]) == (1, 0)
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.READY
    # when: a minute after the second working day
    assert watch(GRACE_ENDS + dt.timedelta(minutes=1))["advanced"] == 1
    # then
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.FUNDED


def test_e5_2_the_advance_posts_the_students_pay_from_the_fund_and_tells_everyone():
    fund()
    settlement = due_settlement()
    student, employer_user = settlement.student, settlement.employer.members.first().user
    at = GRACE_ENDS + dt.timedelta(minutes=1)
    # when: the watch runs twice
    watch(at)
    assert watch(at)["advanced"] == 0
    # then: the fund paid the student's ¥75.00 into their payable, once; the employer still owes ¥82.50
    settlement = Settlement.objects.get(pk=settlement.pk)
    assert (settlement.status, settlement.advanced_fen, settlement.advanced_at) == (SettlementStatus.FUNDED, 7500, at)
    assert settlement.payout_due_at == at  # already late: the next batch pays
    assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:advance").count() == 1
    assert guarantee_fund_balance() == 1_000_000 - 7500
    assert account_balance(student_payable(settlement.student_id)) == 7500
    assert not LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").exists()
    assert Notification.objects.filter(recipient=student, subject__contains="in advance").count() == 1
    assert Notification.objects.filter(recipient=employer_user, subject__contains="advanced").count() == 1
    assert CreditEvent.objects.get(key=f"settlement:{settlement.pk}:advanced").kind == "guarantee_advanced"
    assert ("ready", "funded") in [(h.from_state, h.to_state) for h in history_for(settlement)]
    assert employer_committed_fen(settlement.employer_id) == 8250
    assert ledger_integrity_check() == []


def test_e5_2_an_empty_fund_never_goes_negative_and_finance_is_told_once():
    # given: the fund holds ¥10.00 against ¥75.00 of pay
    finance = StaffFactory(role=FINANCE)
    fund(1000)
    settlement = due_settlement()
    # when: twice
    first = watch(GRACE_ENDS + dt.timedelta(minutes=1))
    second = watch(GRACE_ENDS + dt.timedelta(minutes=11))
    # then: nothing advanced, the fund untouched, finance told once
    assert (first["advanced"], first["escalated"], second["escalated"]) == (0, 1, 0)
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.READY
    assert guarantee_fund_balance() == 1000
    assert Notification.objects.filter(recipient=finance, subject__contains="too small").count() == 1
    assert ledger_integrity_check() == []
    # when: finance tops the fund up; the next run advances
    fund(100_000)
    assert watch(GRACE_ENDS + dt.timedelta(minutes=21))["advanced"] == 1
    assert guarantee_fund_balance() == 101_000 - 7500


def test_e5_2_over_the_cap_is_escalated_to_finance_and_nothing_is_advanced():
    # given: a cap of ¥50.00 below the ¥75.00 of pay
    finance = StaffFactory(role=FINANCE)
    fund()
    policy = get_policy()
    type(policy).objects.filter(pk=policy.pk).update(guarantee_cap_fen=5000)
    settlement = due_settlement()
    # when
    first = watch(GRACE_ENDS + dt.timedelta(minutes=1))
    second = watch(GRACE_ENDS + dt.timedelta(days=1))
    # then
    assert (first["advanced"], first["escalated"], second["escalated"]) == (0, 1, 0)
    settlement = Settlement.objects.get(pk=settlement.pk)
    assert settlement.status == SettlementStatus.READY and settlement.advanced_fen == 0
    assert settlement.guarantee_escalated_at == GRACE_ENDS + dt.timedelta(minutes=1)
    notice = Notification.objects.get(recipient=finance, subject__contains="over the cap")
    assert notice.link == reverse("admin:settlements_settlement_change", args=[settlement.pk])
    assert guarantee_fund_balance() == 1_000_000
    assert ledger_integrity_check() == []


def advanced_settlement() -> Settlement:
    fund()
    settlement = due_settlement()
    watch(GRACE_ENDS + dt.timedelta(minutes=1))
    return Settlement.objects.get(pk=settlement.pk)


def test_e5_2_the_employer_pays_later_and_the_advance_is_recovered_once():
    settlement = advanced_settlement()
    # when: escrow is short, recovery waits
    escrow_in(settlement.employer_id, 5000, key="in-short")
    assert advances_recover_due() == 0
    assert guarantee_fund_balance() == 1_000_000 - 7500
    # when: the rest arrives and the funding sweep runs twice
    escrow_in(settlement.employer_id, 5000, key="in-rest")
    with time_machine.travel(aware(2025, 10, 11, 9, 0), tick=False):
        settlements_fund_ready_task()
        settlements_fund_ready_task()
        settlement_recover(settlement_id=settlement.pk)
    # then: the fund is whole again, the commission booked, escrow charged ¥82.50 once
    settlement = Settlement.objects.get(pk=settlement.pk)
    assert settlement.recovered_at == aware(2025, 10, 11, 9, 0)
    assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:recover").count() == 1
    assert guarantee_fund_balance() == 1_000_000
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == 750
    assert account_balance(employer_escrow(settlement.employer_id)) == 10_000 - 8250
    assert not LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").exists()
    assert employer_committed_fen(settlement.employer_id) == 0
    assert ledger_integrity_check() == []


def test_e5_2_recovery_comes_before_funding_newer_statements():
    # given: an advanced statement, and a newer ready one of the same employer; escrow covers only one
    settlement = advanced_settlement()
    with time_machine.travel(aware(2025, 10, 10, 12), tick=False):
        newer = ready_settlement(employer=settlement.employer)
    escrow_in(settlement.employer_id, 8250, key="in-one")
    # when
    with time_machine.travel(aware(2025, 10, 10, 12, 10), tick=False):
        assert settlements_fund_ready_task() == 0
    # then: the older debt was paid first; the newer statement waits for more money
    assert Settlement.objects.get(pk=settlement.pk).recovered_at is not None
    newer = Settlement.objects.get(pk=newer.pk)
    assert (newer.status, newer.funding_short_fen) == (SettlementStatus.READY, 8250)
    assert ledger_integrity_check() == []


def test_e5_2_the_advanced_settlement_is_paid_out_by_the_normal_batch_once():
    settlement = advanced_settlement()
    PayoutMethodFactory(student=settlement.student)
    # when: the next batches (Saturday 11 Oct 2025, a 调休 working day)
    with time_machine.travel(aware(2025, 10, 11, 9, 0), tick=False):
        batch = payout_batch_build()
        again = payout_batch_build()
    # then: one payout of the advanced ¥75.00
    assert batch is not None and again is None
    payout = Payout.objects.get(settlement=settlement)
    assert payout.amount_fen == 7500 and payout.batch_id == batch.pk
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.PAYING
    assert account_balance(student_payable(settlement.student_id)) == 0
    assert ledger_integrity_check() == []


def test_e5_2_the_demo_seed_fills_the_fund_once():
    guarantee_fund_seed_demo()
    guarantee_fund_seed_demo()
    assert guarantee_fund_balance() == 5_000_000
    assert account_balance(platform_account(AccountKind.BANK_CLEARING)) == 5_000_000
    assert ledger_integrity_check() == []


# ------------------------------------------------------------------ the fund's admin page
def test_e5_2_finance_sees_the_fund_and_contributes_once_per_form(staff_client):
    # given: an outstanding advance
    settlement = advanced_settlement()
    client, _user = staff_client(FINANCE)
    url = reverse("admin:finance_guarantee_fund")
    # when: finance opens the page
    page = client.get(url)
    # then: the balance and the outstanding advance
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥9,925.00" in html and 'id="advances-count">1<' in html and settlement.advanced_fen == 7500
    # when: a contribution, submitted twice with the same form
    token = page.context["form"].initial["token"]
    for _ in range(2):
        response = client.post(url, {"amount": "1,000.00", "memo": "board decision 2025-10", "token": token})
        assert response.status_code == 302
    # then: once
    assert guarantee_fund_balance() == 1_000_000 - 7500 + 100_000
    assert ledger_integrity_check() == []


def test_e5_2_only_finance_may_contribute(staff_client):
    client, _user = staff_client("auditor")
    url = reverse("admin:finance_guarantee_fund")
    assert client.get(url).status_code == 200
    response = client.post(url, {"amount": "1000", "memo": "x", "token": "7f0f4a8e-4a4e-4c43-9d8c-2f7f1ac2c9a1"})
    assert response.status_code == 403
    assert guarantee_fund_balance() == 0
    cs_client, _cs = staff_client("customer_service")
    assert cs_client.get(url).status_code == 403


def test_e5_2_the_employer_sees_the_advance_it_still_owes(client):
    # given: an advanced statement
    settlement = advanced_settlement()
    client.force_login(settlement.employer.members.first().user)
    # when
    statement = client.get(reverse("settlements:employer_statement", args=[settlement.pk])).content.decode()
    funding = client.get(reverse("funding:page"))
    # then: both pages say the guarantee advanced it and the employer still owes ¥82.50
    assert 'id="advanced"' in statement and "Advanced by the guarantee" in statement and "¥82.50" in statement
    html = funding.content.decode()
    assert f'id="unpaid-{settlement.pk}"' in html and 'id="advances"' in html
    assert funding.context["committed_fen"] == 8250 and funding.context["available_fen"] == 0
