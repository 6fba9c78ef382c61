"""The employer as withholding agent (docs/tax.md, method 2): a policy switch that only
changes with four eyes (one staff member requests, another approves; logged). While it
names the employer, each payment is taxed by the per-payment method of
公告2018年第61号 art. 8 (¥800 up to ¥4,000, else 20 %; 预扣率表二 20/30/40 % with quick
deductions 0/2,000/7,000; one job's pay within a month is one payment, 实施条例 art.
14(1)); the platform withholds nothing and the employer sees what to withhold."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.roles import FINANCE, MANAGER
from core.errors import ReasonRequired
from core.history import history_for
from core.models import PolicyChange, PolicyChangeRequest, TaxWithholdingAgent
from core.policy import (
    FourEyesRequired,
    OwnPolicyChange,
    get_policy,
    policy_change_approve,
    policy_change_reject,
    policy_change_request,
    policy_update,
)
from finance.ledger import account_balance, platform_account, student_payable
from finance.models import AccountKind
from settlements.models import EmployerWithholding, TaxWithholding
from tests.factories.accounts import StaffFactory
from tests.factories.applications import approved_student
from tests.settlements.test_funding import aware
from tests.settlements.test_tax_wiring import all_checks_clean, month_pay

pytestmark = pytest.mark.django_db

YUAN = 100


def employer_agent() -> None:
    """Finance requests the switch, a manager approves it (four eyes)."""
    request = policy_change_request(actor=StaffFactory(role=FINANCE), field="tax_withholding_agent",
                                    value=TaxWithholdingAgent.EMPLOYER, reason="用工单位作为扣缴义务人")
    policy_change_approve(request_id=request.pk, actor=StaffFactory(role=MANAGER))
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.EMPLOYER


def employer_page(settlement) -> str:
    owner = settlement.employer.members.select_related("user").first().user
    client = Client()
    client.force_login(owner)
    return client.get(reverse("settlements:employer_statement", args=[settlement.pk])).content.decode()


# ------------------------------------------------------------------ the per-payment method, through funding
def test_iit_61_employer_agent_3000_yuan_is_the_800_branch_440_and_the_platform_withholds_nothing():
    employer_agent()
    student = approved_student()
    # when: 3,000 funded
    settlement = month_pay(student, 3_000, aware(2025, 10, 20, 10))
    # then: (3,000 − 800) × 20 % = 440, for the employer to withhold
    row = EmployerWithholding.objects.get(settlement=settlement)
    assert (row.income_fen, row.expenses_fen, row.flat_expenses, row.taxable_fen, row.rate_percent) == (
        3_000 * YUAN, 800 * YUAN, True, 2_200 * YUAN, 20)
    assert row.tax_fen == 440 * YUAN and (row.year, row.month) == (2025, 10)
    # and: the platform withholds nothing: the whole 3,000 is the student's, tax payable untouched
    assert settlement.tax_fen == 0 and not TaxWithholding.objects.exists()
    assert account_balance(student_payable(student.pk)) == 3_000 * YUAN
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 0
    all_checks_clean()
    # and: the employer sees the amount and why on its statement
    html = employer_page(settlement)
    assert 'id="employer-tax-amount"' in html and "¥440.00" in html
    assert "2,200.00 × 20%" in html


def test_iit_61_employer_agent_30000_yuan_is_the_20_percent_branch_5200():
    employer_agent()
    settlement = month_pay(approved_student(), 30_000, aware(2025, 10, 20, 10))
    # 30,000 × 80 % = 24,000, in the 30 % bracket: 24,000 × 30 % − 2,000 = 5,200
    row = EmployerWithholding.objects.get(settlement=settlement)
    assert (row.flat_expenses, row.expenses_fen, row.taxable_fen, row.rate_percent, row.quick_deduction_fen) == (
        False, 6_000 * YUAN, 24_000 * YUAN, 30, 2_000 * YUAN)
    assert row.tax_fen == 5_200 * YUAN
    assert "¥5,200.00" in employer_page(settlement)


def test_iit_61_the_student_reads_that_the_employer_withholds():
    employer_agent()
    student = approved_student()
    settlement = month_pay(student, 3_000, aware(2025, 10, 20, 10))
    client = Client()
    client.force_login(student)
    html = client.get(reverse("settlements:student_statement", args=[settlement.pk])).content.decode()
    assert 'id="employer-withholds"' in html and "¥440.00" in html


def test_iit_16_by_default_the_platform_withholds_and_the_employer_sees_nothing_to_withhold():
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.PLATFORM
    settlement = month_pay(approved_student(), 30_000, aware(2025, 10, 20, 10))
    assert settlement.tax_fen == 570 * YUAN and not EmployerWithholding.objects.exists()
    assert 'id="employer-tax"' not in employer_page(settlement)


# ------------------------------------------------------------------ four eyes
def test_iit_four_eyes_one_staff_member_cannot_switch_the_withholding_agent_alone():
    finance = StaffFactory(role=FINANCE)
    # a direct change is refused, even by a manager who may change the other parameters
    with pytest.raises(FourEyesRequired):
        policy_update(actor=StaffFactory(role=MANAGER), changes={"tax_withholding_agent": "employer"})
    # when: finance requests the switch and approves it themselves
    request = policy_change_request(actor=finance, field="tax_withholding_agent", value="employer", reason="r")
    with pytest.raises(OwnPolicyChange):
        policy_change_approve(request_id=request.pk, actor=finance)
    # then: nothing changed, nothing logged
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.PLATFORM
    assert not PolicyChange.objects.exists()
    assert PolicyChangeRequest.objects.get().status == PolicyChangeRequest.Status.REQUESTED


def test_iit_four_eyes_a_second_staff_member_applies_it_and_the_change_is_logged():
    finance, manager = StaffFactory(role=FINANCE), StaffFactory(role=MANAGER)
    with pytest.raises(ReasonRequired):
        policy_change_request(actor=finance, field="tax_withholding_agent", value="employer", reason=" ")
    request = policy_change_request(actor=finance, field="tax_withholding_agent", value="employer",
                                    reason="税务机关要求")
    policy_change_approve(request_id=request.pk, actor=manager)
    change = PolicyChange.objects.get()
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "tax_withholding_agent", "platform", "employer", manager)
    request.refresh_from_db()
    assert (request.status, request.requested_by, request.decided_by) == ("applied", finance, manager)
    assert [(e.transition, e.actor) for e in history_for(request).order_by("id")] == [
        ("request", finance), ("apply", manager)]
    # a rejected request changes nothing and needs a note
    back = policy_change_request(actor=manager, field="tax_withholding_agent", value="platform", reason="r")
    with pytest.raises(ReasonRequired):
        policy_change_reject(request_id=back.pk, actor=finance, note="")
    policy_change_reject(request_id=back.pk, actor=finance, note="先与税务机关确认")
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.EMPLOYER
    assert PolicyChange.objects.count() == 1


def test_iit_four_eyes_in_the_admin_request_then_another_approves(staff_client):
    finance_client, finance = staff_client(FINANCE)
    manager_client, _manager = staff_client(MANAGER)
    # the policy page does not offer the field for editing
    policy = get_policy()
    page = manager_client.get(reverse("admin:core_policy_change", args=[policy.pk])).content.decode()
    assert 'name="tax_withholding_agent"' not in page
    # finance requests
    response = finance_client.post(reverse("admin:core_policychangerequest_add"), {
        "field": "tax_withholding_agent", "new_value": "employer", "reason": "用工单位扣缴"})
    assert response.status_code == 302
    request = PolicyChangeRequest.objects.get()
    # the requester's own approval is refused in the admin too
    finance_client.post(reverse("admin:core_policychangerequest_decide", args=[request.pk]), {"decision": "approve"})
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.PLATFORM
    # the manager approves
    page = manager_client.get(reverse("admin:core_policychangerequest_change", args=[request.pk])).content.decode()
    assert 'id="approve-change"' in page
    manager_client.post(reverse("admin:core_policychangerequest_decide", args=[request.pk]), {"decision": "approve"})
    assert get_policy().tax_withholding_agent == TaxWithholdingAgent.EMPLOYER
    # a value the policy already has is refused with a message, nothing saved
    again = finance_client.post(reverse("admin:core_policychangerequest_add"), {
        "field": "tax_withholding_agent", "new_value": "employer", "reason": "x"})
    assert again.status_code == 200 and "already has this value" in again.content.decode()
    assert PolicyChangeRequest.objects.count() == 1
    # staff without the permission cannot request
    moderator_client, _m = staff_client("moderator")
    assert moderator_client.post(reverse("admin:core_policychangerequest_add"), {
        "field": "tax_withholding_agent", "new_value": "platform", "reason": "x"}).status_code == 403


def test_iit_61_a_disputes_extra_pay_in_the_same_month_and_job_is_one_payment_with_the_statement():
    """实施条例 art. 14(1): ¥75 funded on 13 October, ¥2,925 extra pay for the same job
    decided on 14 October: one payment of ¥3,000 → (3,000 − 800) × 20 % = 440, all of it
    on the extra pay (taxed alone it would be (2,925 − 800) × 20 % = 425)."""
    from core.working_days import working_days_after
    from settlements.models import Settlement, SettlementAdjustment, SettlementStatus
    from tests.settlements.test_disputes import decide, open_dispute
    from tests.settlements.test_funding import escrow_in, funded_settlement

    employer_agent()
    with time_machine.travel(aware(2025, 10, 13, 9), tick=False):
        settlement = funded_settlement()
    paid_at = aware(2025, 10, 13, 10)
    Settlement.objects.filter(pk=settlement.pk).update(
        status=SettlementStatus.PAID, paid_at=paid_at,
        dispute_window_ends_at=working_days_after(paid_at, get_policy().dispute_working_days))
    dispute = open_dispute(Settlement.objects.get(pk=settlement.pk), at=aware(2025, 10, 13, 18),
                           claimed_fen=292_500)
    escrow_in(settlement.employer_id, 400_000, key="in-extra")
    with time_machine.travel(aware(2025, 10, 14, 9), tick=False):
        decide(dispute, adjustment_fen=292_500)
    adjustment = SettlementAdjustment.objects.get(dispute=dispute)
    assert adjustment.status == SettlementAdjustment.Status.FUNDED and adjustment.tax_fen == 0
    first, extra = EmployerWithholding.objects.order_by("id")
    assert (first.gross_fen, first.tax_fen) == (7_500, 0)
    assert (extra.adjustment, extra.income_fen, extra.withheld_before_fen, extra.tax_fen) == (
        adjustment, 300_000, 0, 44_000)
    assert not TaxWithholding.objects.exists()
    # (the statement is marked paid without its payout, as tests/settlements/test_disputes.py does)
    from finance.integrity import settlement_account_check
    from finance.ledger import ledger_integrity_check

    assert ledger_integrity_check() == [] and settlement_account_check() == []
