"""Funding ready statements from the employer's escrow (E5.1, F1, S4.2): one
posting that sums to zero, a shortfall the employer is told about, and the
payout due P1 working days later on the Chinese calendar."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.history import history_for
from core.models import Notification
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
    transaction_post,
)
from finance.models import AccountKind, LedgerTransaction
from settlements.funding import settlement_fund, settlements_fund_ready
from settlements.models import Settlement, SettlementStatus
from settlements.services import settlement_prepare
from settlements.tasks import settlements_fund_ready_task
from tests.factories.settlements import agreed_loss, low_minimum_city, worked_engagement

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# Tuesday before National Day 2025 (1–8 Oct off; Sat 11 Oct a 调休 working day).
FUNDED_AT = aware(2025, 9, 30, 10, 0)
DUE_AT = aware(2025, 10, 11, 10, 0)


def escrow_in(employer_id: int, amount: int, key: str) -> None:
    """The employer's bank transfer lands in escrow (finance's import does this in production)."""
    transaction_post(key=key, kind="escrow_funding", memo="bank transfer", lines=[
        (platform_account(AccountKind.BANK_CLEARING), amount), (employer_escrow(employer_id), -amount)])


def ready_settlement(*, hours=((180, 0),), base_rate_fen: int = 2500, **kwargs) -> Settlement:
    """A ready statement: ¥25.00 an hour, 3 h → ¥75.00 to the student, ¥7.50 commission (10%)."""
    engagement = worked_engagement(hours=list(hours), base_rate_fen=base_rate_fen, **kwargs)
    settlement = settlement_prepare(engagement_id=engagement.pk)
    assert settlement.status == SettlementStatus.READY
    return settlement


def funded_settlement(**kwargs) -> Settlement:
    settlement = ready_settlement(**kwargs)
    escrow_in(settlement.employer_id, settlement.employer_total_fen, key=f"in-{settlement.pk}")
    return settlement_fund(settlement_id=settlement.pk)


def test_e5_1_funding_posts_once_and_the_amounts_balance():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: a ready statement, its employer's money in escrow
        settlement = ready_settlement()
        escrow_in(settlement.employer_id, 10_000, key="in-1")
        # when: funded twice (a redelivered sweep)
        settlement_fund(settlement_id=settlement.pk)
        settlement_fund(settlement_id=settlement.pk)
    # then: one posting; escrow paid the student's 7500 plus the 750 commission
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.FUNDED
    assert (settlement.student_total_fen, settlement.commission_fen) == (7500, 750)
    assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").count() == 1
    assert account_balance(employer_escrow(settlement.employer_id)) == 10_000 - 8250
    assert account_balance(student_payable(settlement.student_id)) == 7500
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == 750
    assert ledger_integrity_check() == []
    assert [(h.from_state, h.to_state) for h in history_for(settlement)].count(("ready", "funded")) == 1


def test_f1_a_loss_set_off_is_netted_out_of_what_escrow_pays():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: ¥75.00 earned, a ¥15.00 loss the student agreed to (20% of the pay, art. 16)
        engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500, city=low_minimum_city())
        claim = agreed_loss(engagement, 1500, "broken cup")
        settlement = settlement_prepare(engagement_id=engagement.pk)
        escrow_in(settlement.employer_id, 10_000, key="in-1")
        # when
        settlement_fund(settlement_id=settlement.pk)
    # then: the student gets 6000, the commission is on the gross 7500, escrow pays 6750
    assert account_balance(student_payable(settlement.student_id)) == 6000
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == 750
    assert account_balance(employer_escrow(settlement.employer_id)) == 10_000 - 6750
    assert ledger_integrity_check() == []
    # and the claim records what was set off: nothing is owed any more
    claim.refresh_from_db()
    assert (claim.offset_fen, claim.outstanding_fen) == (1500, 0)


def test_s4_2_payout_due_in_p1_working_days_on_the_chinese_calendar():
    # given/when: funded on the Tuesday before National Day (P1 = 3 working days)
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
    # then: 1–8 Oct are holidays, Thu 9 and Fri 10 work, Sat 11 Oct is a 调休 working day
    assert settlement.funded_at == FUNDED_AT
    assert settlement.payout_due_at == DUE_AT


def test_e5_1_short_escrow_keeps_the_settlement_ready_and_tells_the_employer_once_a_day():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: ¥50.00 in escrow against ¥82.50 owed
        settlement = ready_settlement()
        escrow_in(settlement.employer_id, 5000, key="in-1")
        employer_user = settlement.employer.members.first().user
        # when: the sweep tries twice the same day
        assert settlements_fund_ready() == 0
        assert settlements_fund_ready() == 0
    # then: still ready, short by ¥32.50, the employer told once, nothing moved
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.READY
    assert settlement.funding_short_fen == 3250
    notices = Notification.objects.filter(recipient=employer_user, subject__contains="escrow")
    assert notices.count() == 1 and "¥32.50" in notices.get().subject
    assert account_balance(employer_escrow(settlement.employer_id)) == 5000
    assert not LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").exists()
    # when: the next day, still short
    with time_machine.travel(FUNDED_AT + dt.timedelta(days=1), tick=False):
        settlements_fund_ready()
    # then: reminded once more
    assert notices.count() == 2


def test_e5_1_a_short_settlement_is_funded_when_the_money_arrives():
    with time_machine.travel(FUNDED_AT - dt.timedelta(days=1), tick=False):
        settlement = ready_settlement()
        settlements_fund_ready_task()
    # when: the transfer lands and the sweep runs
    with time_machine.travel(FUNDED_AT, tick=False):
        escrow_in(settlement.employer_id, settlement.employer_total_fen, key="in-late")
        assert settlements_fund_ready_task() == 1
    # then: funded from the day the money arrived, escrow empty
    settlement.refresh_from_db()
    assert (settlement.status, settlement.funding_short_fen) == (SettlementStatus.FUNDED, 0)
    assert settlement.payout_due_at == DUE_AT
    assert account_balance(employer_escrow(settlement.employer_id)) == 0
    assert ledger_integrity_check() == []


def test_e5_1_the_sweep_funds_what_escrow_covers_oldest_first():
    with time_machine.travel(FUNDED_AT, tick=False):
        # given: two ready statements of one employer (¥82.50 each), ¥100.00 in escrow
        first = ready_settlement()
        second = ready_settlement(employer=first.employer)
        escrow_in(first.employer_id, 10_000, key="in-1")
        # when
        funded = settlements_fund_ready()
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert funded == 1
    assert (first.status, second.status) == (SettlementStatus.FUNDED, SettlementStatus.READY)
    assert second.funding_short_fen == 8250 - (10_000 - 8250)
