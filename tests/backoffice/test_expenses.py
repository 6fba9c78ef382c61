"""Expense claims with approvals (F2): a staff member claims with receipts; the
department head approves, a second approver too above the policy's threshold,
then finance approves and books (Dr the category's expense, Cr reimbursements
payable) and pays (Dr reimbursements payable, Cr operating bank). No one decides
their own claim or one claim twice; rejections need a reason; receipts are
checked by content and served only to those allowed; budgets warn, never block."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from backoffice.expenses import (
    AlreadyDecided,
    OwnClaim,
    booked_key,
    budget_set,
    budgets_overview,
    claim_approve,
    claim_budget_warning,
    claim_pay,
    claim_reject,
    claim_submit,
    claims_waiting_for,
    paid_key,
)
from backoffice.models import ExpenseApproval, ExpenseClaim
from core.errors import InvalidTransition, InvalidUpload, NotPermitted, ReasonRequired
from core.history import history_for
from core.models import Notification
from finance.ledger import account_balance, ledger_integrity_check, platform_account
from finance.models import AccountKind, LedgerTransaction
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import budget_make, receipt_png

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


_capture = {}


@pytest.fixture(autouse=True)
def _commit_callbacks(django_capture_on_commit_callbacks):
    """Services notify after commit: run those callbacks as each call returns, as a real request would."""
    _capture["cm"] = django_capture_on_commit_callbacks


def committed(service, **kwargs):
    with _capture["cm"](execute=True):
        return service(**kwargs)


def submit(claimant, amount_fen=120_000, category="office", spent_on=None, receipts=None):
    return committed(claim_submit, claimant=claimant, category=category, spent_on=spent_on or TODAY,
                     amount_fen=amount_fen, description="Printer toner", receipts=receipts or [receipt_png()])


def approve(**kwargs):
    return committed(claim_approve, **kwargs)


def reject(**kwargs):
    return committed(claim_reject, **kwargs)


def pay(**kwargs):
    return committed(claim_pay, **kwargs)


@pytest.fixture
def people(db):
    return {"agent": StaffFactory(role="customer_service"), "head": StaffFactory(role="manager"),
            "second": StaffFactory(role="manager"), "finance": StaffFactory(role="finance"),
            "finance2": StaffFactory(role="finance"), "auditor": StaffFactory(role="auditor"),
            "moderator": StaffFactory(role="moderator")}


def _reload(claim):
    return ExpenseClaim.objects.get(pk=claim.pk)


# ------------------------------------------------------------------ submitting
def test_f2_claim_above_the_threshold_needs_a_second_approver(people):
    # given the policy's default threshold of ¥5,000
    # when claims of ¥5,000 and ¥5,000.01 are submitted
    at = submit(people["agent"], amount_fen=500_000)
    above = submit(people["agent"], amount_fen=500_001)
    # then only the one above it needs a second approver; both wait for the head, who is told
    assert (at.needs_second_approval, above.needs_second_approval) == (False, True)
    assert above.status == ExpenseClaim.Status.SUBMITTED and above.receipts.count() == 1
    assert Notification.objects.filter(recipient=people["head"]).count() == 2
    assert not Notification.objects.filter(recipient=people["agent"]).exists()


def test_f2_receipt_is_checked_by_content_a_renamed_exe_is_refused(people):
    # given a Windows program renamed to a .png
    fake = SimpleUploadedFile("receipt.png", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="image/png")
    # when it is attached to a claim
    with pytest.raises(InvalidUpload):
        submit(people["agent"], receipts=[fake])
    # then no claim exists
    assert not ExpenseClaim.objects.exists()


def test_f2_claim_needs_a_receipt(people):
    with pytest.raises(Exception) as error:
        claim_submit(claimant=people["agent"], category="office", spent_on=TODAY, amount_fen=100,
                     description="x", receipts=[])
    assert getattr(error.value, "field", None) == "receipts"
    assert not ExpenseClaim.objects.exists()


# ------------------------------------------------------------------ the approval chain
def test_f2_full_chain_books_once_with_the_right_entries_and_pays_once(people):
    # given a ¥6,000 promotion claim (above the threshold)
    claim = submit(people["agent"], amount_fen=600_000, category="promotion")
    # when the head, a second manager and finance approve
    approve(claim_id=claim.pk, actor=people["head"])
    assert _reload(claim).status == ExpenseClaim.Status.HEAD_APPROVED
    approve(claim_id=claim.pk, actor=people["second"])
    assert _reload(claim).status == ExpenseClaim.Status.APPROVED
    approve(claim_id=claim.pk, actor=people["finance"])
    # then it is booked: Dr promotion expense ¥6,000, Cr reimbursements payable ¥6,000
    claim = _reload(claim)
    assert claim.status == ExpenseClaim.Status.BOOKED and claim.ledger_key == booked_key(claim.pk)
    txn = LedgerTransaction.objects.get(key=booked_key(claim.pk))
    assert txn.source == claim  # what the transaction is for, as data (F4: audits follow it)
    entries = {e.account.kind: e.amount_fen for e in txn.entries.select_related("account")}
    assert entries == {AccountKind.EXPENSE_PROMOTION: 600_000, AccountKind.REIMBURSEMENTS_PAYABLE: -600_000}
    assert list(claim.approvals.values_list("stage", "approver_id")) == [
        ("head", people["head"].pk), ("second", people["second"].pk), ("finance", people["finance"].pk)]
    assert Notification.objects.filter(recipient=people["agent"], subject__contains="approved").exists()
    # a second finance click books nothing more
    with pytest.raises(InvalidTransition):
        approve(claim_id=claim.pk, actor=people["finance2"])
    assert LedgerTransaction.objects.filter(key__startswith=f"expense_claim:{claim.pk}:").count() == 1
    # when finance pays it, twice
    pay(claim_id=claim.pk, actor=people["finance"])
    with pytest.raises(InvalidTransition):
        pay(claim_id=claim.pk, actor=people["finance2"])
    # then it is paid once: payable back to zero, the operating bank ¥6,000 lower, the ledger sound
    assert _reload(claim).status == ExpenseClaim.Status.PAID
    assert LedgerTransaction.objects.filter(key=paid_key(claim.pk)).count() == 1
    assert account_balance(platform_account(AccountKind.REIMBURSEMENTS_PAYABLE)) == 0
    assert account_balance(platform_account(AccountKind.OPERATING_BANK)) == -600_000
    assert account_balance(platform_account(AccountKind.EXPENSE_PROMOTION)) == 600_000
    assert ledger_integrity_check() == []
    transitions = [h.transition for h in history_for(claim)]
    assert {"submit", "approve_head", "approve_second", "approve_finance", "pay"} <= set(transitions)


def test_f2_claim_at_the_threshold_goes_from_head_straight_to_finance(people):
    claim = submit(people["agent"], amount_fen=500_000)
    approve(claim_id=claim.pk, actor=people["head"])
    assert _reload(claim).status == ExpenseClaim.Status.APPROVED
    assert Notification.objects.filter(recipient=people["finance"], subject__contains="waits for finance").exists()


def test_f2_second_approver_must_not_be_the_head(people):
    # given a claim above the threshold the head approved
    claim = submit(people["agent"], amount_fen=600_000)
    approve(claim_id=claim.pk, actor=people["head"])
    # when the same head tries to approve it again as second approver
    with pytest.raises(AlreadyDecided) as error:
        approve(claim_id=claim.pk, actor=people["head"])
    # then a clear message, and it still waits for another approver
    assert "already decided" in str(error.value.message)
    assert _reload(claim).status == ExpenseClaim.Status.HEAD_APPROVED
    assert ExpenseApproval.objects.filter(claim=claim).count() == 1


@pytest.mark.parametrize("stage", ["head", "second", "finance"])
def test_f2_no_one_approves_their_own_claim_at_any_stage(people, stage):
    # given a manager's own claim (or a finance member's) brought to the stage
    claimant = people["finance"] if stage == "finance" else people["head"]
    claim = submit(claimant, amount_fen=600_000)
    if stage in ("second", "finance"):
        approve(claim_id=claim.pk, actor=people["second"])
    if stage == "finance":
        other_head = StaffFactory(role="manager")
        approve(claim_id=claim.pk, actor=other_head)
    before = _reload(claim).status
    # when the claimant tries to approve or reject it
    with pytest.raises(OwnClaim):
        approve(claim_id=claim.pk, actor=claimant)
    with pytest.raises(OwnClaim):
        reject(claim_id=claim.pk, actor=claimant, reason="mine")
    # then nothing changed
    assert _reload(claim).status == before


def test_f2_only_the_stage_role_may_decide(people):
    claim = submit(people["agent"], amount_fen=100_000)
    # finance cannot approve as department head; an auditor or moderator cannot at all
    for actor in (people["finance"], people["auditor"], people["moderator"]):
        with pytest.raises(NotPermitted):
            approve(claim_id=claim.pk, actor=actor)
    approve(claim_id=claim.pk, actor=people["head"])
    # a manager cannot approve as finance
    with pytest.raises(NotPermitted):
        approve(claim_id=claim.pk, actor=people["second"])
    assert _reload(claim).status == ExpenseClaim.Status.APPROVED


def test_f2_rejection_needs_a_reason_and_tells_the_claimant(people):
    claim = submit(people["agent"])
    with pytest.raises(ReasonRequired):
        reject(claim_id=claim.pk, actor=people["head"], reason="  ")
    assert _reload(claim).status == ExpenseClaim.Status.SUBMITTED
    reject(claim_id=claim.pk, actor=people["head"], reason="No VAT invoice")
    claim = _reload(claim)
    assert claim.status == ExpenseClaim.Status.REJECTED and claim.rejection_reason == "No VAT invoice"
    note = Notification.objects.get(recipient=people["agent"], subject__contains="rejected")
    assert "No VAT invoice" in note.body
    # and a rejected claim cannot be approved or booked
    with pytest.raises(InvalidTransition):
        approve(claim_id=claim.pk, actor=people["second"])
    assert not LedgerTransaction.objects.exists()


def test_f2_queue_shows_each_approver_what_waits_for_them(people):
    mine = submit(people["head"])
    theirs = submit(people["agent"], amount_fen=600_000)
    assert list(claims_waiting_for(people["head"])) == [theirs]
    assert list(claims_waiting_for(people["second"])) == [mine, theirs]
    approve(claim_id=theirs.pk, actor=people["head"])
    assert list(claims_waiting_for(people["head"])) == []
    assert list(claims_waiting_for(people["finance"])) == []
    approve(claim_id=theirs.pk, actor=people["second"])
    assert list(claims_waiting_for(people["finance"])) == [theirs]


# ------------------------------------------------------------------ budgets
def test_f2_over_budget_warning_counts_booked_and_approved_spending(people):
    # given an office budget of ¥2,000 this month, ¥1,200 booked and ¥500 approved-but-unbooked
    start = TODAY.replace(day=1)
    budget_make(category="office", start=start, end=start + dt.timedelta(days=27), amount_fen=200_000)
    booked = submit(people["agent"], amount_fen=120_000, spent_on=start)
    approve(claim_id=booked.pk, actor=people["head"])
    approve(claim_id=booked.pk, actor=people["finance"])
    approved = submit(people["agent"], amount_fen=50_000, spent_on=start)
    approve(claim_id=approved.pk, actor=people["head"])
    # when claims of ¥300 and ¥301 are submitted
    fits = submit(people["agent"], amount_fen=30_000, spent_on=start)
    over = submit(people["agent"], amount_fen=30_100, spent_on=start)
    # then only the second warns (¥2,000.01 against ¥2,000); a claim in another category does not
    assert claim_budget_warning(fits) is None
    warning = claim_budget_warning(over)
    assert warning is not None and warning.spent_fen == 200_100
    assert claim_budget_warning(submit(people["agent"], amount_fen=900_000, category="promotion")) is None
    # and the warning is a warning: the head can still approve it
    approve(claim_id=over.pk, actor=people["head"])
    # the budget page's figures: ¥1,200 + ¥500 + ¥301 spent, -¥1.00 remaining
    (row,) = budgets_overview(on=start)
    assert (row.spent_fen, row.remaining_fen, row.over) == (200_100, -100, True)


def test_f2_approver_sees_the_red_warning_on_the_claim_page(people):
    start = TODAY.replace(day=1)
    budget_make(category="office", start=start, end=start + dt.timedelta(days=27), amount_fen=10_000)
    claim = submit(people["agent"], amount_fen=20_000, spent_on=start)
    head_client = login_with_mfa(Client(), people["head"])
    page = head_client.get(reverse("backoffice:expense_claim", args=[claim.pk]))
    assert page.status_code == 200 and b'id="budget-warning"' in page.content
    agent_client = login_with_mfa(Client(), people["agent"])
    page = agent_client.get(reverse("backoffice:expense_claim", args=[claim.pk]))
    assert page.status_code == 200 and b'id="budget-warning"' not in page.content


def test_f2_budgets_are_set_by_finance_or_managers_only(people):
    start = TODAY.replace(day=1)
    budget = budget_set(actor=people["head"], category="salaries", period_start=start,
                        period_end=start + dt.timedelta(days=27), amount_fen=1_000_000)
    budget_set(actor=people["finance"], category="salaries", period_start=start,
               period_end=start + dt.timedelta(days=27), amount_fen=2_000_000)
    budget.refresh_from_db()
    assert budget.amount_fen == 2_000_000
    for actor in (people["auditor"], people["agent"]):
        with pytest.raises(NotPermitted):
            budget_set(actor=actor, category="office", period_start=start, period_end=start, amount_fen=1)


def test_f2_demo_back_office_seeds_budgets_and_claims_once(people):
    from backoffice.demo import seed_back_office
    from backoffice.models import Budget

    staff = {"finance": people["finance"], "manager": people["head"], "customer_service": people["agent"]}
    seed_back_office(staff=staff)
    seed_back_office(staff=staff)
    assert Budget.objects.count() == 4
    assert sorted(ExpenseClaim.objects.values_list("status", flat=True)) == ["booked", "head_approved", "submitted"]
    assert ledger_integrity_check() == []
