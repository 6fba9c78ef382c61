"""Expense claims and budgets (F2).

    submitted ──head──▶ head_approved ──second approver──▶ approved ──finance──▶ booked ──pay──▶ paid
        │ (at or below the policy's threshold the head's approval goes straight to approved)
        └── any approver may reject, with a reason, before finance books it

Every decision is an ExpenseApproval row (one per stage, one per approver: the
database refuses a second) plus the FSM transition, a history row, and a
notification to the next approver group or the claimant. No one decides their
own claim. Finance approves and books in one step: `expense_claim:<pk>:booked`
Dr the category's expense account, Cr reimbursements payable; paying posts
`expense_claim:<pk>:paid` Dr reimbursements payable, Cr the operating bank.

Budgets: the spending of a category in a budget period is what claims spent in
it and approved or booked (approved-but-unbooked counts: it will be booked);
a claim that would take it over the budget shows a warning to approvers, never
a block."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.uploads import IMAGE, PDF, clean_upload
from finance.ledger import platform_account, transaction_post
from finance.models import EXPENSE_KINDS, AccountKind

from .models import (
    BackofficeAction,
    Budget,
    ExpenseApproval,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseReceipt,
)

HEAD_PERMISSION = "backoffice.approve_as_head"
FINANCE_PERMISSION = "backoffice.approve_as_finance"
VIEW_PERMISSION = "backoffice.view_expenseclaim"
MAX_RECEIPTS = 10
MAX_AMOUNT_FEN = 10**13  # ¥100 billion: anything above is a typing error (and would overflow the column)
# Spending counted against a budget: approved (to be booked), booked, paid.
SPENT_STATUSES = (ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.BOOKED, ExpenseClaim.Status.PAID)
Stage = ExpenseApproval.Stage


class OwnClaim(NotPermitted):
    default_message = _("You cannot approve or reject your own expense claim.")


class AlreadyDecided(NotPermitted):
    default_message = _("You have already decided on this claim; another approver must take this step.")


# ------------------------------------------------------------------ keys
def booked_key(claim_pk: int) -> str:
    return f"expense_claim:{claim_pk}:booked"


def paid_key(claim_pk: int) -> str:
    return f"expense_claim:{claim_pk}:paid"


# ------------------------------------------------------------------ reading
def stage_of(claim: ExpenseClaim) -> str | None:
    """The stage waiting for a decision, or None (booked, paid, rejected)."""
    return {ExpenseClaim.Status.SUBMITTED: Stage.HEAD, ExpenseClaim.Status.HEAD_APPROVED: Stage.SECOND,
            ExpenseClaim.Status.APPROVED: Stage.FINANCE}.get(claim.status)


def _stage_permission(stage: str) -> str:
    return FINANCE_PERMISSION if stage == Stage.FINANCE else HEAD_PERMISSION


def may_decide(user, claim: ExpenseClaim) -> bool:
    """Whether `user` may approve or reject the claim's current stage (for the buttons)."""
    stage = stage_of(claim)
    if stage is None or not (user.is_active and user.has_perm(_stage_permission(stage))):
        return False
    if claim.claimant_id == user.pk:
        return False
    return not claim.approvals.filter(approver=user).exists()


def may_view(user, claim: ExpenseClaim) -> bool:
    """The claimant, approvers, finance, auditors and managers (who hold the view permission)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return claim.claimant_id == user.pk or user.has_perm(VIEW_PERMISSION)


def claims_of(user):
    return ExpenseClaim.objects.filter(claimant=user).order_by("-created_at", "-id")


def claims_waiting_for(user):
    """Claims whose current stage this user may decide: not their own, not decided by them already."""
    statuses = []
    if user.has_perm(HEAD_PERMISSION):
        statuses += [ExpenseClaim.Status.SUBMITTED, ExpenseClaim.Status.HEAD_APPROVED]
    if user.has_perm(FINANCE_PERMISSION):
        statuses += [ExpenseClaim.Status.APPROVED]
    return (ExpenseClaim.objects.filter(status__in=statuses).exclude(claimant=user)
            .exclude(approvals__approver=user).select_related("claimant").order_by("created_at", "id"))


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    spent_fen: int

    @property
    def remaining_fen(self) -> int:
        return self.budget.amount_fen - self.spent_fen

    @property
    def over(self) -> bool:
        return self.spent_fen > self.budget.amount_fen


def budget_for(category: str, on: dt.date) -> Budget | None:
    return (Budget.objects.filter(category=category, period_start__lte=on, period_end__gte=on)
            .order_by("period_end", "pk").first())


def budget_spent_fen(budget: Budget, *, exclude_pk: int | None = None) -> int:
    rows = ExpenseClaim.objects.filter(category=budget.category, status__in=SPENT_STATUSES,
                                       spent_on__gte=budget.period_start, spent_on__lte=budget.period_end)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.aggregate(s=Sum("amount_fen"))["s"] or 0


def claim_budget_warning(claim: ExpenseClaim) -> BudgetStatus | None:
    """The budget the claim would take over (spending with this claim counted once), or None."""
    budget = budget_for(claim.category, claim.spent_on)
    if budget is None:
        return None
    spent = budget_spent_fen(budget, exclude_pk=claim.pk) + claim.amount_fen
    status = BudgetStatus(budget=budget, spent_fen=spent)
    return status if status.over else None


def budgets_overview(*, on: dt.date | None = None) -> list[BudgetStatus]:
    """Each budget (those whose period contains `on`, or every one) with its spending and what remains."""
    budgets = Budget.objects.all()
    if on is not None:
        budgets = budgets.filter(period_start__lte=on, period_end__gte=on)
    budgets = list(budgets.order_by("-period_start", "category"))
    result = []
    for budget in budgets:  # a handful of budgets: one aggregate each
        result.append(BudgetStatus(budget=budget, spent_fen=budget_spent_fen(budget)))
    return result


# ------------------------------------------------------------------ helpers
def _locked(claim_id: int) -> ExpenseClaim:
    try:
        return lock_row(ExpenseClaim, claim_id)
    except ExpenseClaim.DoesNotExist:
        raise InvalidTransition() from None


def _claim_link(claim: ExpenseClaim) -> str:
    return reverse("backoffice:expense_claim", args=[claim.pk])


def _amount(claim: ExpenseClaim) -> dict:
    return {"amount": format_fen(claim.amount_fen), "id": claim.pk}


def _notify_head_approvers(claim: ExpenseClaim, *, exclude_ids=()) -> None:
    from accounts.models import User

    link = _claim_link(claim)
    heads = (User.objects.filter(is_active=True, is_staff=True)
             .filter(Q(groups__permissions__codename="approve_as_head") | Q(user_permissions__codename="approve_as_head"))
             .exclude(pk__in=[claim.claimant_id, *exclude_ids]).distinct())
    for user in heads:
        notify(recipient=user, subject=_("Expense claim %(id)s of %(amount)s waits for your approval") % _amount(claim),
               body=_("Open the claim to approve or reject it."), link=link, email=False)


def _check_decider(claim: ExpenseClaim, actor) -> str:
    stage = stage_of(claim)
    if stage is None:
        raise InvalidTransition()
    if not (actor is not None and actor.is_active and actor.has_perm(_stage_permission(stage))):
        raise NotPermitted()
    if claim.claimant_id == actor.pk:
        raise OwnClaim()
    if claim.approvals.filter(approver=actor).exists():
        raise AlreadyDecided()
    return stage


# ------------------------------------------------------------------ services
@transaction.atomic
def claim_submit(*, claimant, category: str, spent_on: dt.date, amount_fen: int, description: str,
                 receipts: list) -> ExpenseClaim:
    """A staff member claims money spent for the platform (F2).

    Preconditions: staff; a known category; an amount above zero; a description;
    1 to 10 receipts, each a JPEG, PNG or PDF by content. Effects: a submitted
    claim (needing a second approver above the policy's threshold), its receipts,
    a history row; the department heads told."""
    if not (claimant is not None and claimant.is_active and claimant.is_staff):
        raise NotPermitted()
    if category not in ExpenseCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    if type(amount_fen) is not int or amount_fen <= 0:  # noqa: E721 - bool and float are refused too
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if amount_fen > MAX_AMOUNT_FEN:
        raise DomainError(_("This amount is too large."), field="amount")
    if not (description or "").strip():
        raise DomainError(_("Say what the money was spent on."), field="description")
    receipts = [r for r in (receipts or []) if r is not None]
    if not receipts:
        raise DomainError(_("Attach at least one receipt."), field="receipts")
    if len(receipts) > MAX_RECEIPTS:
        raise DomainError(_("Attach at most %(n)d receipts.") % {"n": MAX_RECEIPTS}, field="receipts")
    files = [clean_upload(upload, allowed=(IMAGE, PDF), folder="receipts") for upload in receipts]
    claim = ExpenseClaim.objects.create(
        claimant=claimant, category=category, spent_on=spent_on, amount_fen=amount_fen,
        description=description.strip()[:2000],
        needs_second_approval=amount_fen > get_policy().expense_second_approval_above_fen)
    for content in files:
        receipt = ExpenseReceipt(claim=claim)
        receipt.file.save(content.name.rsplit("/", 1)[-1], content, save=True)
    history_record(subject=claim, transition=BackofficeAction.SUBMIT, from_state="", to_state=claim.status,
                   actor=claimant, reason=format_fen(amount_fen))
    transaction.on_commit(lambda: _notify_head_approvers(claim))
    return claim


@transaction.atomic
def claim_approve(*, claim_id: int, actor, note: str = "") -> ExpenseClaim:
    """Approve the claim's current stage (F2).

    Department head (approve_as_head): → approved, or → waiting for the second
    approver when the claim needs one. Second approver: another holder of
    approve_as_head than the head. Finance (approve_as_finance): approves and
    books in one step. Refused: one's own claim, a second decision by the same
    person, a claim past decisions."""
    claim = _locked(claim_id)
    stage = _check_decider(claim, actor)
    ExpenseApproval.objects.create(claim=claim, stage=stage, approver=actor, approved=True, note=(note or "")[:2000])
    recorded = {"actor": actor, "note": (note or "")[:300], "action": BackofficeAction(f"approve_{stage}")}
    if stage == Stage.HEAD:
        run_transition(claim, "approve_by_head" if claim.needs_second_approval else "approve_by_head_alone",
                       **recorded)
    elif stage == Stage.SECOND:
        run_transition(claim, "approve_second", **recorded)
    else:
        key = booked_key(claim.pk)
        expense = platform_account(EXPENSE_KINDS[claim.category])
        payable = platform_account(AccountKind.REIMBURSEMENTS_PAYABLE)
        transaction_post(key=key, kind="expense_claim_booked", actor=actor, source=claim,
                         memo=f"expense claim {claim.pk} ({claim.category}) booked",
                         lines=[(expense, claim.amount_fen), (payable, -claim.amount_fen)])
        run_transition(claim, "book", **recorded, key=key)
    link = _claim_link(claim)
    claimant = claim.claimant
    if claim.status == ExpenseClaim.Status.HEAD_APPROVED:
        transaction.on_commit(lambda: _notify_head_approvers(claim, exclude_ids=[actor.pk]))
    elif claim.status == ExpenseClaim.Status.APPROVED:
        transaction.on_commit(lambda: staff_role_notify(
            role="finance", subject=_("Expense claim %(id)s of %(amount)s waits for finance") % _amount(claim),
            link=link))
    else:
        transaction.on_commit(lambda: notify(
            recipient=claimant, subject=_("Your expense claim of %(amount)s is approved") % _amount(claim),
            body=_("Finance approved and booked your claim %(id)s of %(amount)s; it is paid with the next "
                   "reimbursements.") % _amount(claim), link=link))
    return claim


@transaction.atomic
def claim_reject(*, claim_id: int, actor, reason: str) -> ExpenseClaim:
    """An approver of the current stage rejects the claim with a reason the claimant is told."""
    if not (reason or "").strip():
        raise ReasonRequired()
    claim = _locked(claim_id)
    stage = _check_decider(claim, actor)
    ExpenseApproval.objects.create(claim=claim, stage=stage, approver=actor, approved=False, note=reason.strip())
    run_transition(claim, "reject", actor=actor, note=reason.strip()[:300],
                   action=BackofficeAction(f"reject_{stage}"), reason=reason.strip()[:2000])
    claimant, link, text = claim.claimant, _claim_link(claim), claim.rejection_reason
    transaction.on_commit(lambda: notify(
        recipient=claimant, subject=_("Your expense claim of %(amount)s was rejected") % _amount(claim),
        body=_("Reason: %(reason)s") % {"reason": text}, link=link))
    return claim


@transaction.atomic
def claim_pay(*, claim_id: int, actor) -> ExpenseClaim:
    """Finance paid the claimant: `expense_claim:<pk>:paid` Dr reimbursements payable, Cr operating bank."""
    if not (actor is not None and actor.is_active and actor.has_perm(FINANCE_PERMISSION)):
        raise NotPermitted()
    claim = _locked(claim_id)
    if claim.status != ExpenseClaim.Status.BOOKED:
        raise InvalidTransition()
    transaction_post(key=paid_key(claim.pk), kind="expense_claim_paid", actor=actor, source=claim,
                     memo=f"expense claim {claim.pk} paid",
                     lines=[(platform_account(AccountKind.REIMBURSEMENTS_PAYABLE), claim.amount_fen),
                            (platform_account(AccountKind.OPERATING_BANK), -claim.amount_fen)])
    run_transition(claim, "pay", actor=actor)
    claimant, link = claim.claimant, _claim_link(claim)
    transaction.on_commit(lambda: notify(
        recipient=claimant, subject=_("Your expense claim of %(amount)s is paid") % _amount(claim),
        body=_("Finance paid your claim %(id)s of %(amount)s.") % _amount(claim), link=link))
    return claim


@transaction.atomic
def budget_set(*, actor, category: str, period_start: dt.date, period_end: dt.date, amount_fen: int) -> Budget:
    """Finance or a manager sets (or changes) a category's budget for a period."""
    if not (actor is not None and actor.is_active and actor.has_perm("backoffice.add_budget")):
        raise NotPermitted()
    if category not in ExpenseCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    if period_end < period_start:
        raise DomainError(_("The period must end after it starts."), field="period_end")
    if type(amount_fen) is not int or amount_fen < 0:  # noqa: E721
        raise DomainError(_("Enter an amount of zero or more."), field="amount")
    if amount_fen > MAX_AMOUNT_FEN:
        raise DomainError(_("This amount is too large."), field="amount")
    budget, created = Budget.objects.select_for_update().get_or_create(
        category=category, period_start=period_start, period_end=period_end,
        defaults={"amount_fen": amount_fen, "created_by": actor})
    if not created:
        old = budget.amount_fen
        budget.amount_fen = amount_fen
        budget.save(update_fields=["amount_fen", "updated_at"])
    history_record(subject=budget, transition=BackofficeAction.SET,
                   from_state="" if created else format_fen(old), to_state=format_fen(amount_fen),
                   actor=actor)
    return budget
