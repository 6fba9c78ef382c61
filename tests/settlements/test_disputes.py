"""Payment disputes (S4.3): within P2 working days of being paid (Chinese
calendar), one ticket per dispute, the employer's answer, staff decisions, and
the adjustment the employer's escrow funds — the ledger balancing throughout."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import DomainError, NotPermitted
from core.history import history_for
from core.models import CreditEvent, Notification
from core.policy import get_policy
from core.working_days import working_days_after
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
)
from finance.models import AccountKind, LedgerTransaction
from settlements import disputes
from settlements.disputes import (
    DisputeAlreadyOpen,
    DisputeWindowClosed,
    NothingToDispute,
    adjustment_fund,
    adjustments_fund_ready,
    dispute_answer,
    dispute_decide,
    dispute_open,
    dispute_withdraw,
)
from settlements.models import PaymentDispute, Settlement, SettlementAdjustment, SettlementStatus
from settlements.tasks import adjustments_fund_ready_task
from support.models import Ticket
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.settlements.test_funding import FUNDED_AT, aware, escrow_in, funded_settlement
from tests.support.files import jpeg_bytes

pytestmark = pytest.mark.django_db

# Paid on Tuesday 30 Sep 2025, the eve of National Day (1–8 Oct off, Sat 11 Oct a
# 调休 working day): P2 = 5 working days → Thu 9, Fri 10, Sat 11, Mon 13, Tue 14 Oct.
PAID_AT = aware(2025, 9, 30, 10, 0)
WINDOW_ENDS = aware(2025, 10, 14, 10, 0)
DURING = aware(2025, 10, 13, 18, 0)


def paid_settlement(*, paid_at: dt.datetime = PAID_AT) -> Settlement:
    """A statement funded from escrow (¥75.00 pay, ¥7.50 commission) and paid at `paid_at`.

    The payout itself is the batch's business (tests/settlements/test_payouts.py);
    here the paid state is written as payout_batch_confirm writes it."""
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
    Settlement.objects.filter(pk=settlement.pk).update(
        status=SettlementStatus.PAID, paid_at=paid_at,
        dispute_window_ends_at=working_days_after(paid_at, get_policy().dispute_working_days))
    return Settlement.objects.get(pk=settlement.pk)


def member_of(settlement: Settlement):
    return settlement.employer.members.get().user


def open_dispute(settlement: Settlement, *, at: dt.datetime = DURING, **kwargs) -> PaymentDispute:
    kwargs = {"kind": PaymentDispute.Kind.HOURS, "description": "周六那班我做了 4 小时，只算了 3 小时",
              "claimed_fen": 2500, **kwargs}
    with time_machine.travel(at, tick=False):
        return dispute_open(settlement_id=settlement.pk, student=settlement.student, **kwargs)


def decide(dispute, *, role: str = "finance", **kwargs):
    kwargs = {"outcome": PaymentDispute.Outcome.ADJUSTED, "decision": "查实少算 1 小时", **kwargs}
    return dispute_decide(dispute_id=dispute.pk, actor=StaffFactory(role=role), **kwargs)


# ------------------------------------------------------------------ opening
def test_s4_3_dispute_opens_within_p2_working_days_across_national_day():
    # given: paid on the eve of National Day; 13 days later by the calendar, 4 working days
    settlement = paid_settlement()
    assert settlement.dispute_window_ends_at == WINDOW_ENDS
    # when
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("hours.jpg", jpeg_bytes()))
    # then: open, the employer's answer due 2 working days later, evidence stored
    assert dispute.status == PaymentDispute.Status.OPEN
    assert dispute.employer_response_due_at == aware(2025, 10, 15, 18, 0)
    assert dispute.claimed_fen == 2500 and dispute.evidence.name.endswith(".jpg")
    assert [(h.from_state, h.to_state) for h in history_for(dispute)] == [("", "open")]
    told = Notification.objects.get(recipient=member_of(settlement))
    assert told.link == reverse("settlements:employer_dispute", args=[dispute.pk])


def test_s4_3_dispute_refused_after_p2_working_days_with_the_closed_explanation():
    # given
    settlement = paid_settlement()
    # when: one minute after the window
    with pytest.raises(DisputeWindowClosed) as refused:
        open_dispute(settlement, at=WINDOW_ENDS + dt.timedelta(minutes=1))
    # then: the message says why and since when
    message = str(refused.value.message)
    assert "Oct. 14, 2025" in message and "S4.3" in message and "5 working days" in message
    assert "customer service" in message
    assert not PaymentDispute.objects.exists() and not Ticket.objects.exists()


def test_s4_3_dispute_allowed_up_to_the_last_moment_of_the_window():
    settlement = paid_settlement()
    assert open_dispute(settlement, at=WINDOW_ENDS).status == PaymentDispute.Status.OPEN


def test_s4_3_only_the_student_of_a_received_payment_may_dispute_it():
    # given: a paid statement, another student, and a statement funded but not yet paid
    settlement = paid_settlement()
    stranger = StudentProfileFactory(approved=True).user
    with time_machine.travel(FUNDED_AT, tick=False):
        unpaid = funded_settlement()
    with time_machine.travel(DURING, tick=False):
        # when / then
        with pytest.raises(NotPermitted):
            dispute_open(settlement_id=settlement.pk, student=stranger, kind="amount", description="x")
        with pytest.raises(NothingToDispute):
            dispute_open(settlement_id=unpaid.pk, student=unpaid.student, kind="amount", description="x")
        with pytest.raises(DomainError) as empty:
            dispute_open(settlement_id=settlement.pk, student=settlement.student, kind="amount", description=" ")
    assert empty.value.field == "description"
    assert not PaymentDispute.objects.exists()


def test_s4_3_one_live_dispute_and_its_ticket_opened_once():
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    # when: the student tries a second one while the first is open
    with pytest.raises(DisputeAlreadyOpen):
        open_dispute(settlement)
    # then: one ticket, a dispute, linked to the dispute, in the student's name
    ticket = Ticket.objects.get()
    assert ticket.source_key == f"payment_dispute:{dispute.pk}"
    assert ticket.category == Ticket.Category.DISPUTE and ticket.user == settlement.student
    assert (ticket.content_type.model, ticket.object_id) == ("paymentdispute", str(dispute.pk))
    assert ticket.body == dispute.description


def test_s4_3_the_student_may_withdraw_and_dispute_again_within_the_window():
    settlement = paid_settlement()
    first = open_dispute(settlement)
    with time_machine.travel(DURING, tick=False):
        assert dispute_withdraw(dispute_id=first.pk, student=settlement.student).status == "withdrawn"
    assert Ticket.objects.get(source_key=f"payment_dispute:{first.pk}").status == Ticket.Status.RESOLVED
    assert open_dispute(settlement).status == PaymentDispute.Status.OPEN


# ------------------------------------------------------------------ the employer's answer
def test_s4_3_employer_member_answers_and_the_student_is_told():
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    outsider = EmployerFactory(approved=True).members.get().user
    # when / then: another employer may not, an empty answer is refused
    with pytest.raises(NotPermitted):
        dispute_answer(dispute_id=dispute.pk, actor=outsider, text="不关我事")
    with pytest.raises(DomainError) as empty:
        dispute_answer(dispute_id=dispute.pk, actor=member_of(settlement), text="  ")
    assert empty.value.field == "text"
    # when: answered after the due time (late answers are still heard)
    with time_machine.travel(dispute.employer_response_due_at + dt.timedelta(hours=1), tick=False):
        assert disputes.answer_overdue(PaymentDispute.objects.get(pk=dispute.pk))
        dispute_answer(dispute_id=dispute.pk, actor=member_of(settlement), text="考勤记录显示 3 小时")
    # then
    dispute = PaymentDispute.objects.get(pk=dispute.pk)
    assert dispute.status == PaymentDispute.Status.ANSWERED
    assert dispute.employer_response == "考勤记录显示 3 小时" and dispute.employer_responded_by == member_of(settlement)
    assert not disputes.answer_overdue(dispute)
    assert Notification.objects.filter(recipient=settlement.student, body="考勤记录显示 3 小时").exists()


# ------------------------------------------------------------------ staff decide
def test_s4_3_staff_decide_no_change_moves_no_money_and_resolves_the_ticket():
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    transactions_before = LedgerTransaction.objects.count()
    # when
    decide(dispute, role="customer_service", outcome=PaymentDispute.Outcome.NO_CHANGE, decision="工时无误")
    # then
    dispute = PaymentDispute.objects.get(pk=dispute.pk)
    assert (dispute.status, dispute.outcome, dispute.decision) == ("decided", "no_change", "工时无误")
    assert LedgerTransaction.objects.count() == transactions_before
    assert not SettlementAdjustment.objects.exists() and not CreditEvent.objects.exists()
    ticket = Ticket.objects.get(source_key=f"payment_dispute:{dispute.pk}")
    assert ticket.status == Ticket.Status.RESOLVED and ticket.resolution == "工时无误"
    assert Notification.objects.filter(recipient=settlement.student, subject__contains="decided").exists()
    assert Notification.objects.filter(recipient=member_of(settlement), subject__contains="decided").exists()


def test_s4_3_no_change_with_an_amount_is_refused():
    dispute = open_dispute(paid_settlement())
    with pytest.raises(DomainError):
        decide(dispute, outcome=PaymentDispute.Outcome.NO_CHANGE, adjustment_fen=100)
    assert PaymentDispute.objects.get(pk=dispute.pk).status == PaymentDispute.Status.OPEN


def test_s4_3_adjusted_extra_pay_is_funded_from_escrow_with_commission():
    # given: a dispute, and the employer's escrow holds ¥100 more
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    escrow_in(settlement.employer_id, 10_000, key="in-extra")
    escrow = account_balance(employer_escrow(settlement.employer_id))
    payable = account_balance(student_payable(settlement.student_id))
    revenue = account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS))
    # when: staff decide ¥12.34 extra pay on the 10% statement
    decided_at = aware(2025, 10, 14, 9, 0)
    with time_machine.travel(decided_at, tick=False):
        decide(dispute, adjustment_fen=1234)
    # then: commission 123.4 → 123 fen (half up, as statements round), funded at once
    adjustment = SettlementAdjustment.objects.get(dispute=dispute)
    assert (adjustment.amount_fen, adjustment.commission_fen) == (1234, 123)
    assert adjustment.status == SettlementAdjustment.Status.FUNDED
    assert adjustment.payout_due_at == working_days_after(decided_at, get_policy().payout_working_days)
    assert account_balance(employer_escrow(settlement.employer_id)) == escrow - 1357
    assert account_balance(student_payable(settlement.student_id)) == payable + 1234
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == revenue + 123
    assert LedgerTransaction.objects.filter(key=f"adjustment:{adjustment.pk}:fund").count() == 1
    assert ledger_integrity_check() == []
    event = CreditEvent.objects.get(key=f"payment_dispute:{dispute.pk}:lost")
    assert (event.subject_kind, event.subject_id, event.kind) == ("employer", settlement.employer_id,
                                                                  "payment_dispute_lost")
    # and funding again moves nothing
    adjustment_fund(adjustment_id=adjustment.pk)
    assert account_balance(employer_escrow(settlement.employer_id)) == escrow - 1357


def test_s4_3_short_escrow_waits_and_the_sweep_funds_the_adjustment_later():
    # given: the escrow was emptied by the statement itself
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    assert account_balance(employer_escrow(settlement.employer_id)) == 0
    # when: decided in the student's favour
    with time_machine.travel(aware(2025, 10, 14, 9, 0), tick=False):
        decide(dispute, adjustment_fen=2500)
        adjustment = SettlementAdjustment.objects.get(dispute=dispute)
        adjustments_fund_ready()  # a sweep the same day: still short, the employer not told twice
    # then: it waits, the employer told once how much to pay in
    assert SettlementAdjustment.objects.get(pk=adjustment.pk).status == SettlementAdjustment.Status.AWAITING_FUNDING
    short = Notification.objects.filter(recipient=member_of(settlement), link__endswith="#adjustment")
    assert short.count() == 1 and "¥27.50" in short.get().subject
    # when: the money arrives and the sweep runs
    escrow_in(settlement.employer_id, 2750, key="in-late")
    with time_machine.travel(aware(2025, 10, 15, 9, 0), tick=False):
        assert adjustments_fund_ready() == 1
        assert adjustments_fund_ready_task() == 0
    # then
    adjustment = SettlementAdjustment.objects.get(pk=adjustment.pk)
    assert adjustment.status == SettlementAdjustment.Status.FUNDED
    assert account_balance(employer_escrow(settlement.employer_id)) == 0
    assert ledger_integrity_check() == []


def test_s4_3_refund_to_escrow_is_capped_by_the_commission():
    # given: a statement with ¥7.50 commission
    settlement = paid_settlement()
    first = open_dispute(settlement)
    revenue = account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS))
    # when / then: more than the commission is refused
    with pytest.raises(DomainError) as too_much:
        decide(first, refund_fen=751)
    assert too_much.value.field == "refund_fen"
    decide(first, refund_fen=500)
    assert account_balance(employer_escrow(settlement.employer_id)) == 500
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == revenue - 500
    # when: a second dispute; only the ¥2.50 left can be refunded
    second = open_dispute(settlement)
    with pytest.raises(DomainError):
        decide(second, refund_fen=251)
    decide(second, refund_fen=250)
    assert account_balance(employer_escrow(settlement.employer_id)) == 750
    assert LedgerTransaction.objects.filter(key__startswith="dispute:", key__endswith=":refund").count() == 2
    assert ledger_integrity_check() == []
    assert not CreditEvent.objects.exists()  # a refund to the employer is not the employer losing


def test_s4_3_a_decision_by_someone_without_permission_is_refused():
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    # when / then: a moderator, an auditor, the employer itself
    for role in ("moderator", "auditor"):
        with pytest.raises(NotPermitted):
            decide(dispute, role=role, adjustment_fen=100)
    with pytest.raises(NotPermitted):
        dispute_decide(dispute_id=dispute.pk, actor=member_of(settlement), outcome="adjusted", decision="x",
                       adjustment_fen=100)
    assert PaymentDispute.objects.get(pk=dispute.pk).status == PaymentDispute.Status.OPEN
    assert not SettlementAdjustment.objects.exists()


def test_s4_3_a_decided_dispute_cannot_be_decided_again():
    dispute = open_dispute(paid_settlement())
    decide(dispute, outcome=PaymentDispute.Outcome.NO_CHANGE)
    with pytest.raises(DomainError):
        decide(dispute, adjustment_fen=100)
    assert not SettlementAdjustment.objects.exists()
