"""The whole money lifecycle under Hypothesis (S4, E5, F3): statements become
ready, employers pay in, settlements are funded or advanced by the guarantee
fund and recovered later, batches are built, confirmed and fail line by line,
students dispute and staff grant extra pay or refund commission, employers
withdraw unused escrow — in any order. One student earns enough for income tax
to be withheld (国家税务总局公告2025年第16号, docs/tax.md); another causes losses to one
employer that are set off against their pay within 《工资支付暂行规定》 art. 16. After
every step the books balance, nobody is paid twice, every account holds exactly
what the rows say, tax is never negative, net + tax + set-off = the gross, a
month's set-offs stay within 20 % of its pay and leave the minimum wage, and each
claim's set-off is what funded statements took of it, in integer fen."""

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db.models import F, Max, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from applications.models import LossClaim
from core.errors import DomainError
from finance.guarantee import guarantee_fund_contribute
from finance.hooks import integrity_checks
from finance.ledger import (
    InsufficientBalance,
    account_balance,
    ledger_integrity_check,
    platform_account,
    student_payable,
)
from finance.models import AccountKind, EscrowRefund, LedgerTransaction
from finance.refunds import (
    refund_approve,
    refund_available_fen,
    refund_confirm_paid,
    refund_fail,
    refund_request,
)
from settlements.disputes import adjustments_fund_ready, dispute_decide, dispute_open
from settlements.funding import settlement_fund, settlements_fund_ready
from settlements.guarantee import advances_recover_due, settlement_advance
from settlements.income_tax import minimum_pay_fen
from settlements.models import (
    PaymentDispute,
    Payout,
    PayoutBatch,
    Settlement,
    SettlementAdjustment,
    SettlementStatus,
    TaxRemittance,
    TaxWithholding,
)
from settlements.payouts import payout_batch_build, payout_batch_confirm, payout_fail
from settlements.selectors import FROZEN
from settlements.services import settlement_prepare
from tests.factories.accounts import StaffFactory
from tests.factories.applications import approved_student
from tests.factories.settlements import PayoutMethodFactory, agreed_loss, low_minimum_city, worked_engagement
from tests.settlements.test_funding import escrow_in, ready_settlement

pytestmark = pytest.mark.django_db

KEYS = itertools.count()
GUARANTEE_FUND_FEN = 30_000


class MoneyLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.finance = StaffFactory(role="finance")
        self.later = timezone.now() + dt.timedelta(days=60)  # every funded payout is due by then
        guarantee_fund_contribute(amount_fen=GUARANTEE_FUND_FEN, actor=None, memo="test fund",
                                  key=f"fund-{next(KEYS)}")
        # Hypothesis runs its examples in one database: earlier ones leave rows behind.
        self.fund_base = account_balance(platform_account(AccountKind.GUARANTEE_FUND)) + self._outstanding()
        # The student who earns enough to pay income tax: every high-pay statement is theirs.
        self.earner = approved_student()
        PayoutMethodFactory(student=self.earner)
        # The student who causes losses to one employer (S3.2): every statement with a loss is theirs.
        self.careless = approved_student()
        PayoutMethodFactory(student=self.careless)
        self.claimant = None
        low_minimum_city()

    @staticmethod
    def _outstanding() -> int:
        return (Settlement.objects.filter(advanced_fen__gt=0, recovered_at__isnull=True)
                .aggregate(s=Sum("advanced_fen"))["s"] or 0)

    settlements = Bundle("settlements")

    # ---------------------------------------------------------------- money in
    @rule(target=settlements)
    def statement_ready(self):
        settlement = ready_settlement()
        PayoutMethodFactory(student=settlement.student)
        return settlement.pk

    @rule(target=settlements, yuan=st.sampled_from([1_000, 8_000, 30_000]), pay_in=st.booleans())
    def high_pay_statement_ready(self, yuan, pay_in):
        # 10 hours at yuan/10 an hour: 8,000 and 30,000 withhold tax (docs/tax.md's worked examples)
        settlement = ready_settlement(hours=((600, 0),), base_rate_fen=yuan * 10, student=self.earner)
        if pay_in:
            escrow_in(settlement.employer_id, settlement.employer_total_fen, key=f"in-{next(KEYS)}")
        return settlement.pk

    @rule(target=settlements, loss=st.sampled_from([30_000, 5_000, 1_000]), minutes=st.sampled_from([120, 240]),
          days_ago=st.sampled_from([10, 40]), funded=st.sampled_from([True, False]))
    def statement_with_a_loss_ready(self, loss, minutes, days_ago, funded):
        # ¥50.00 an hour where the minimum is ¥10.00 (¥300 or ¥10 claimed: the 20% cap binds, or the
        # claim fits), or ¥30.00 in Shanghai (¥25.00: for ¥50 claimed the minimum wage binds);
        # statements of two months, for one employer.
        shanghai = loss == 5_000
        kwargs = {"employer": self.claimant} if self.claimant is not None else {}
        engagement = worked_engagement(hours=[(minutes, 0)], base_rate_fen=3000 if shanghai else 5000,
                                       city="上海市" if shanghai else low_minimum_city(), days_ago=days_ago,
                                       student=self.careless, **kwargs)
        self.claimant = engagement.employer
        agreed_loss(engagement, loss)
        settlement = settlement_prepare(engagement_id=engagement.pk)
        assert settlement.status == SettlementStatus.READY
        if funded:  # the employer pays at once: the set-off is final, what is left stays owed
            escrow_in(settlement.employer_id, settlement.employer_total_fen + 5_000, key=f"in-{next(KEYS)}")
            settlement_fund(settlement_id=settlement.pk)
        return settlement.pk

    @rule(settlement_id=settlements, amount=st.sampled_from([3000, 8250, 20_000]))
    def employer_pays_in(self, settlement_id, amount):
        escrow_in(Settlement.objects.get(pk=settlement_id).employer_id, amount, key=f"in-{next(KEYS)}")

    @rule(settlement_id=settlements)
    def fund(self, settlement_id):
        settlement_fund(settlement_id=settlement_id)

    @rule()
    def sweeps(self):
        # The beat order: recover older debt first, then fund, then extra pay.
        advances_recover_due()
        settlements_fund_ready()
        adjustments_fund_ready()

    # ---------------------------------------------------------------- the guarantee (E5.2)
    @rule(settlement_id=settlements)
    def guarantee_advances(self, settlement_id):
        try:
            settlement_advance(settlement_id=settlement_id)
        except InsufficientBalance:
            pass  # the fund is empty: nothing changes

    # ---------------------------------------------------------------- money out
    @rule()
    def build_batch(self):
        payout_batch_build(now=self.later)

    @rule()
    def confirm_a_batch(self):
        batch = PayoutBatch.objects.exclude(status=PayoutBatch.Status.CONFIRMED).order_by("pk").first()
        if batch is not None:
            payout_batch_confirm(batch_id=batch.pk, actor=self.finance)

    @rule()
    def a_line_fails(self):
        payout = Payout.objects.filter(status__in=[Payout.Status.QUEUED, Payout.Status.SENT]).order_by("pk").first()
        if payout is not None:
            payout_fail(payout_id=payout.pk, actor=self.finance, reason="refused by the bank")
            # The student fixes their details at once: due again.
            Settlement.objects.filter(pk=payout.settlement_id, payout_due_at__isnull=True,
                                      status=SettlementStatus.FUNDED).update(payout_due_at=timezone.now())
            SettlementAdjustment.objects.filter(student_id=payout.student_id, payout_due_at__isnull=True,
                                                status=SettlementAdjustment.Status.FUNDED).update(
                payout_due_at=timezone.now())

    # ---------------------------------------------------------------- disputes (S4.3)
    @rule(settlement_id=settlements, extra=st.sampled_from([0, 500, 12_000]), refund=st.sampled_from([0, 100]))
    def student_disputes_and_staff_decide(self, settlement_id, extra, refund):
        settlement = Settlement.objects.select_related("student").get(pk=settlement_id)
        try:
            dispute = dispute_open(settlement_id=settlement_id, student=settlement.student,
                                   kind=PaymentDispute.Kind.AMOUNT, description="a shift is missing")
        except DomainError:
            return  # not paid yet, or a dispute is live
        outcome = PaymentDispute.Outcome.ADJUSTED if (extra or refund) else PaymentDispute.Outcome.NO_CHANGE
        dispute_decide(dispute_id=dispute.pk, actor=self.finance, outcome=outcome, decision="checked",
                       adjustment_fen=extra, refund_fen=min(refund, settlement.commission_fen))

    # ---------------------------------------------------------------- refunds of unused escrow
    @rule(settlement_id=settlements, paid=st.booleans())
    def employer_withdraws_unused_escrow(self, settlement_id, paid):
        employer = Settlement.objects.select_related("employer").get(pk=settlement_id).employer
        available = refund_available_fen(employer_id=employer.pk)
        if available <= 0:
            return
        owner = employer.members.filter(role="owner").select_related("user").first()
        if owner is None:
            return
        refund = refund_request(employer_id=employer.pk, actor=owner.user, amount_fen=available,
                                account_holder=employer.name, bank_name="中国银行", account_number="6216600000000001")
        refund_approve(refund_id=refund.pk, actor=self.finance)
        if paid:
            refund_confirm_paid(refund_id=refund.pk, actor=self.finance)
        else:
            refund_fail(refund_id=refund.pk, actor=self.finance, reason="account closed")

    # ---------------------------------------------------------------- invariants
    @invariant()
    def the_books_balance_and_every_check_passes(self):
        assert ledger_integrity_check() == []
        for name, check in integrity_checks():
            assert check() == [], name

    @invariant()
    def nobody_is_paid_twice(self):
        paid = Counter(Payout.objects.filter(status=Payout.Status.PAID, adjustment__isnull=True)
                       .values_list("settlement_id", flat=True))
        assert all(n == 1 for n in paid.values()), paid
        assert set(paid) == set(Settlement.objects.filter(status=SettlementStatus.PAID,
                                                          student_total_fen__gt=F("tax_fen"))
                                .values_list("pk", flat=True))
        extra = Counter(Payout.objects.filter(status=Payout.Status.PAID, adjustment__isnull=False)
                        .values_list("adjustment_id", flat=True))
        assert all(n == 1 for n in extra.values()), extra
        assert set(extra) == set(SettlementAdjustment.objects.filter(status=SettlementAdjustment.Status.PAID,
                                                                     amount_fen__gt=F("tax_fen"))
                                 .values_list("pk", flat=True))

    @invariant()
    def what_students_are_owed_is_what_is_funded_and_not_yet_sent(self):
        for student_id in Settlement.objects.values_list("student_id", flat=True).distinct():
            # the net: the pay less the income tax withheld
            owed = (Settlement.objects.filter(student_id=student_id, status=SettlementStatus.FUNDED)
                    .aggregate(s=Sum(F("student_total_fen") - F("tax_fen")))["s"] or 0)
            owed += (SettlementAdjustment.objects.filter(student_id=student_id,
                                                         status=SettlementAdjustment.Status.FUNDED)
                     .aggregate(s=Sum(F("amount_fen") - F("tax_fen")))["s"] or 0)
            assert account_balance(student_payable(student_id)) == owed

    @invariant()
    def money_in_transit_is_outstanding_payouts_and_approved_refunds(self):
        payouts = (Payout.objects.filter(status__in=[Payout.Status.QUEUED, Payout.Status.SENT])
                   .aggregate(s=Sum("amount_fen"))["s"] or 0)
        refunds = (EscrowRefund.objects.filter(status=EscrowRefund.Status.APPROVED)
                   .aggregate(s=Sum("amount_fen"))["s"] or 0)
        assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == payouts + refunds

    @invariant()
    def every_posting_names_the_record_it_is_for(self):
        # F3.3, F4: audits follow LedgerTransaction.source, never the key. Only the test's own bank
        # transfers (finance's import names the statement line) and the platform's contributions to
        # the guarantee fund are for no record.
        kinds = {"escrow_funding": None, "guarantee_contribution": None,
                 "settlement_wages": Settlement, "guarantee_advance": Settlement, "guarantee_recovery": Settlement,
                 "payout": PayoutBatch, "payout_paid": PayoutBatch, "payout_failed": Payout,
                 "dispute_refund": PaymentDispute, "adjustment_fund": SettlementAdjustment,
                 "escrow_refund": EscrowRefund, "escrow_refund_paid": EscrowRefund,
                 "escrow_refund_reversal": EscrowRefund, "tax_remit": TaxRemittance}
        for txn in LedgerTransaction.objects.prefetch_related("source"):
            assert txn.kind in kinds, txn.kind
            expected = kinds[txn.kind]
            if expected is None:
                assert txn.source_type_id is None, txn.key
            else:
                assert isinstance(txn.source, expected), (txn.key, txn.source)

    @invariant()
    def income_tax_is_never_negative_and_net_plus_tax_is_the_pay(self):
        for row in TaxWithholding.objects.all():
            assert all(isinstance(v, int) for v in (row.gross_fen, row.tax_fen, row.available_fen))
            assert 0 <= row.tax_fen <= row.available_fen <= row.gross_fen
            assert row.net_fen + row.tax_fen == row.available_fen
        for total, tax in Settlement.objects.values_list("student_total_fen", "tax_fen"):
            assert 0 <= tax <= total
        withheld = TaxWithholding.objects.aggregate(s=Sum("tax_fen"))["s"] or 0
        remitted = TaxRemittance.objects.aggregate(s=Sum("amount_fen"))["s"] or 0
        assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == withheld - remitted
        # the earner's rows continue one another: the year's tax withheld never goes down
        before = 0
        for row in TaxWithholding.objects.filter(student=self.earner).order_by("id"):
            assert row.withheld_before_fen == before
            before = row.withheld_to_date_fen

    @invariant()
    def loss_setoffs_stay_within_art16_and_what_stays_owed_is_recorded(self):
        # net + tax + set-off = the gross, for every statement
        for gross, total, tax, losses in Settlement.objects.values_list(
                F("wages_fen") + F("allowances_fen") + F("compensation_fen"), "student_total_fen", "tax_fen",
                "losses_fen"):
            assert all(isinstance(v, int) for v in (gross, total, tax, losses))
            assert (total - tax) + tax + (-losses) == gross and losses <= 0
        # each month's funded statements of one student and employer: set-off ≤ 20% of the pay, and
        # the wages for normal hours less the set-off ≥ the minimum wage for those hours
        months = (Settlement.objects.filter(status__in=FROZEN, pay_month__isnull=False)
                  .values("student_id", "employer_id", "pay_month")
                  .annotate(pay=Sum(F("wages_fen") + F("allowances_fen")), setoff=-Sum("losses_fen"),
                            counted=Sum("counted_pay_fen"), minutes=Sum("worked_minutes"),
                            hourly=Max("hourly_minimum_fen")))
        for month in months:
            if not month["setoff"]:
                continue
            assert month["setoff"] <= month["pay"] * 20 // 100, month
            assert month["counted"] - month["setoff"] >= minimum_pay_fen(
                minutes_worked=month["minutes"], hourly_minimum_fen=month["hourly"]), month
        # a claim's set-off is what funded statements took of it, never more than agreed
        for claim in LossClaim.objects.all():
            taken = -(claim.setoff_lines.filter(settlement__status__in=FROZEN)
                      .aggregate(s=Sum("amount_fen"))["s"] or 0)
            assert claim.offset_fen == taken <= claim.decided_amount_fen
            assert claim.outstanding_fen == claim.decided_amount_fen - taken

    @invariant()
    def the_guarantee_fund_is_its_money_less_outstanding_advances(self):
        assert account_balance(platform_account(AccountKind.GUARANTEE_FUND)) == self.fund_base - self._outstanding()


def test_f3_the_money_lifecycle_keeps_the_books_and_pays_each_fen_once(db):
    run_state_machine_as_test(MoneyLifecycle, settings=settings(
        max_examples=8, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
