"""The double-entry ledger (F1, F3; DESIGN: Money): accounts, transactions and
their entries, in integer fen.

Append-only. An entry is never updated or deleted — enforced here (the model
and its queryset refuse) and on PostgreSQL by triggers (migration 0002). Every
transaction's entries sum to zero, checked by `finance.ledger.transaction_post`
and, on PostgreSQL, by a deferred constraint trigger at commit. A correction is
a reversing transaction. Only `finance.ledger` writes these rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from core.crypto import EncryptedTextField, mask
from core.models import TimeStampedModel
from core.uploads import private_storage


class LedgerImmutable(Exception):
    """Raised on any attempt to change or delete a posted ledger row."""


class AccountKind(models.TextChoices):
    # What the platform holds and owes (F3.1: the dedicated settlement account is
    # BANK_CLEARING; it must always equal what it owes through the escrow and payables).
    BANK_CLEARING = "bank_clearing", _("Settlement bank account")
    PAYOUT_CLEARING = "payout_clearing", _("Payouts in transit")
    EMPLOYER_ESCROW = "employer_escrow", _("Employer escrow")
    EMPLOYER_RECEIVABLE = "employer_receivable", _("Owed by the employer")
    STUDENT_PAYABLE = "student_payable", _("Owed to the student")
    GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
    REVENUE_POSTING_FEES = "revenue_posting_fees", _("Revenue: posting fees")
    REVENUE_COMMISSIONS = "revenue_commissions", _("Revenue: commissions")
    # The platform's own money and spending (F2), apart from the settlement account (F3.1).
    OPERATING_BANK = "operating_bank", _("Operating bank account")
    REIMBURSEMENTS_PAYABLE = "reimbursements_payable", _("Owed to staff for expenses")
    EXPENSE_SALARIES = "expense_salaries", _("Expenses: salaries")
    EXPENSE_OFFICE = "expense_office", _("Expenses: office")
    EXPENSE_PROMOTION = "expense_promotion", _("Expenses: promotion")
    EXPENSE_MAINTENANCE = "expense_maintenance", _("Expenses: technical maintenance")


# Credit-normal accounts (what the platform owes, and its revenue) show their
# balance as credits minus debits; debit-normal ones (what it holds or is owed)
# as debits minus credits. Entries store debits positive, credits negative.
CREDIT_NORMAL = {
    AccountKind.PAYOUT_CLEARING, AccountKind.EMPLOYER_ESCROW, AccountKind.STUDENT_PAYABLE,
    AccountKind.GUARANTEE_FUND, AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS,
    AccountKind.REIMBURSEMENTS_PAYABLE,
}
# The expense accounts by budget category (F2).
EXPENSE_KINDS = {
    "salaries": AccountKind.EXPENSE_SALARIES, "office": AccountKind.EXPENSE_OFFICE,
    "promotion": AccountKind.EXPENSE_PROMOTION, "maintenance": AccountKind.EXPENSE_MAINTENANCE,
}
# Balances that must never go below zero (checked under lock when posting):
# an employer cannot spend escrow it has not paid in, a student cannot be paid
# more than they are owed, the guarantee fund cannot advance money it lacks.
GUARDED = {
    AccountKind.EMPLOYER_ESCROW, AccountKind.STUDENT_PAYABLE, AccountKind.GUARANTEE_FUND,
    AccountKind.PAYOUT_CLEARING, AccountKind.EMPLOYER_RECEIVABLE,
}
# Accounts that exist once for the platform, not per employer or student.
PLATFORM_KINDS = {
    AccountKind.BANK_CLEARING, AccountKind.PAYOUT_CLEARING, AccountKind.GUARANTEE_FUND,
    AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS,
    AccountKind.OPERATING_BANK, AccountKind.REIMBURSEMENTS_PAYABLE, *EXPENSE_KINDS.values(),
}


class LedgerAccount(models.Model):
    """One account. `balance_fen` is the running sum of its entries (debits −
    credits), updated under the account's row lock in the posting transaction,
    so reading a balance never sums a million rows; the integrity check proves
    it equals the sum."""

    kind = models.CharField(_("kind"), max_length=24, choices=AccountKind.choices)
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="ledger_accounts")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="ledger_accounts")
    code = models.CharField(_("code"), max_length=64, unique=True)
    balance_fen = models.BigIntegerField(_("debits minus credits (fen)"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="ledger_account_owner_matches_kind",
                condition=(
                    models.Q(kind__in=sorted(k.value for k in PLATFORM_KINDS), employer__isnull=True, student__isnull=True)
                    | models.Q(kind__in=[AccountKind.EMPLOYER_ESCROW, AccountKind.EMPLOYER_RECEIVABLE],
                               employer__isnull=False, student__isnull=True)
                    | models.Q(kind=AccountKind.STUDENT_PAYABLE, employer__isnull=True, student__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_credit_normal(self) -> bool:
        return self.kind in CREDIT_NORMAL

    @property
    def balance(self) -> int:
        """The balance as people read it: what is held, owed or earned, in fen."""
        return -self.balance_fen if self.is_credit_normal else self.balance_fen


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutable("ledger rows cannot be updated")

    def delete(self):
        raise LedgerImmutable("ledger rows cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable("ledger rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("ledger rows cannot be deleted")


class LedgerTransaction(AppendOnlyModel):
    """One movement of money: its entries sum to zero. `key` makes posting
    idempotent — a retried task or a double click posts once."""

    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    memo = models.CharField(_("memo"), max_length=300)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class LedgerEntry(AppendOnlyModel):
    """One line of a transaction: debit positive, credit negative, never zero."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField(_("amount (fen, debit +, credit −)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount_fen=0), name="ledger_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"


class IntegrityRun(models.Model):
    """One run of the ledger integrity check (F3.3): when, and what it found."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True, db_index=True)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        verbose_name = _("ledger integrity check")
        verbose_name_plural = _("ledger integrity checks")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} · {self.problem_count}"


# ====================================================================== money in (E5.1)
class FundingReference(models.Model):
    """The reference an employer quotes on its bank transfers into escrow (E5.1).

    `code` is "JZ", the employer id zero-padded to 8 digits, and a check letter
    (finance.banking.funding_code): a mistyped digit or two swapped digits never
    match another employer. Created on first use; never changes."""

    employer = models.OneToOneField("employers.Employer", on_delete=models.PROTECT, related_name="funding_reference",
                                    verbose_name=_("employer"))
    code = models.CharField(_("funding reference"), max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("funding reference")
        verbose_name_plural = _("funding references")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class BankStatementImport(models.Model):
    """One bank statement file finance staff imported (E5.1): who, when, what it held."""

    class Status(models.TextChoices):
        COMPLETE = "complete", _("All lines matched or ignored")
        NEEDS_MATCHING = "needs_matching", _("Lines wait for manual matching")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows in the file"), default=0)
    created_count = models.PositiveIntegerField(_("new incoming lines"), default=0)
    duplicate_count = models.PositiveIntegerField(_("lines already imported"), default=0)
    outgoing_count = models.PositiveIntegerField(_("outgoing lines ignored"), default=0)
    matched_count = models.PositiveIntegerField(_("matched automatically"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COMPLETE)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} · {self.uploaded_at:%Y-%m-%d %H:%M}"


class BankStatementLine(models.Model):
    """One incoming payment on the platform's bank account (E5.1). The bank's
    transaction id is unique per bank: importing a statement again adds nothing
    and posts nothing twice. Sandbox payments are lines of the bank "sandbox"."""

    BANK_PLATFORM = "platform"
    BANK_SANDBOX = "sandbox"

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched by reference")
        UNMATCHED = "unmatched", _("Waiting for manual matching")
        MANUAL = "manual", _("Matched by finance staff")
        IGNORED = "ignored", _("Ignored")

    statement = models.ForeignKey(BankStatementImport, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="lines", verbose_name=_("statement import"))
    line_number = models.PositiveIntegerField(_("row in the file"), default=0)
    bank = models.CharField(_("bank"), max_length=20, default=BANK_PLATFORM)
    transaction_id = models.CharField(_("bank transaction id"), max_length=64)
    booked_on = models.DateField(_("booked on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    reference_text = models.CharField(_("reference"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UNMATCHED,
                              db_index=True)
    matched_employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="bank_lines", verbose_name=_("employer"))
    ledger_key = models.CharField(_("ledger transaction key"), max_length=120, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    ignore_reason = models.CharField(_("reason for ignoring"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["-booked_on", "-id"]
        permissions = [("match_bankstatementline", _("Can match or ignore bank statement lines"))]
        indexes = [models.Index(fields=["matched_employer", "-booked_on"], name="bank_line_employer")]
        constraints = [
            models.UniqueConstraint(fields=["bank", "transaction_id"], name="bank_line_unique_transaction"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="bank_line_incoming_only"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.transaction_id}"


# ====================================================================== refunds of unused prefunding (E5.1, F3)
class EscrowRefund(FSMModelMixin, TimeStampedModel):
    """An employer's request to take back escrow money no work needs (E5.1).

      requested — an owner asked; finance decides
      approved  — finance approved: the money left escrow for payouts in transit
                  (posting `refund:<pk>`); it goes out in the next refund file
      paid      — the bank executed the transfer (posting `refund:<pk>:paid`)
      rejected  — finance refused, with a reason; nothing moved
      failed    — the bank refused the transfer: `refund:<pk>` is reversed, the
                  money is back in escrow
    The account number is encrypted at rest and shown masked; only the refund
    file finance downloads holds it in full (access-logged)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved, transfer pending")
        PAID = "paid", pgettext_lazy("payment status", "Paid")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Transfer failed")

    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="escrow_refunds",
                                 verbose_name=_("employer"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    account_holder = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=60)
    account_number = EncryptedTextField(_("account number"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.REQUESTED, protected=True, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    exported_at = models.DateTimeField(_("in a refund file since"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escrow refund")
        verbose_name_plural = _("escrow refunds")
        ordering = ["-created_at", "-id"]
        permissions = [("execute_escrowrefund", _("Can approve, export and confirm escrow refunds"))]
        indexes = [models.Index(fields=["employer", "-created_at"], name="escrow_refund_employer")]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="escrow_refund_positive")]

    def __str__(self) -> str:
        return f"refund {self.pk} of employer {self.employer_id} ({self.status})"

    @property
    def account_masked(self) -> str:
        """The last four digits only, as payout methods show them."""
        return mask(self.account_number or "", keep_start=0, keep_end=4)

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self, *, now, by) -> None:
        self.decided_by, self.decided_at = by, now

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self, *, now, by, reason: str) -> None:
        self.decided_by, self.decided_at, self.reason = by, now, reason[:300]

    @transition(field=status, source=Status.APPROVED, target=Status.PAID)
    def mark_paid(self, *, now) -> None:
        self.paid_at = now

    @transition(field=status, source=Status.APPROVED, target=Status.FAILED)
    def fail(self, *, now, reason: str) -> None:
        self.reason = reason[:300]


# ====================================================================== the back office (F1, F2, F3.1, F4)
# Budgets and expense claims, adjusting transactions, the monthly sign-off of
# the settlement account, and audits with their findings. Every write goes
# through finance's back-office services; booking into the ledger through
# `finance.ledger` like everything else.

class ExpenseCategory(models.TextChoices):
    SALARIES = "salaries", _("Salaries")
    OFFICE = "office", _("Office")
    PROMOTION = "promotion", _("Promotion")
    MAINTENANCE = "maintenance", _("Technical maintenance")


class Budget(TimeStampedModel):
    """What one category may spend in one period (F2)."""

    category = models.CharField(_("category"), max_length=12, choices=ExpenseCategory.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    amount_fen = models.BigIntegerField(_("budget (fen)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("set by"))

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-period_start", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "period_start", "period_end"], name="one_budget_per_period"),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="budget_not_negative"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="budget_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class ExpenseClaim(FSMModelMixin, TimeStampedModel):
    """A staff member's claim for money spent for the platform, with receipts (F2).

    submitted → approved by the department head → (above the policy's threshold)
    approved by a second approver → approved by finance → booked into the ledger
    → paid. Any approver may reject with a reason. No one approves their own claim,
    and no one approves one claim twice."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the department head")
        HEAD_APPROVED = "head_approved", _("Waiting for the second approver")
        APPROVED = "approved", _("Waiting for finance")
        BOOKED = "booked", _("Booked, to be paid")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expense_claims",
                                 verbose_name=_("claimed by"))
    category = models.CharField(_("category"), max_length=12, choices=ExpenseCategory.choices)
    spent_on = models.DateField(_("spent on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    description = models.TextField(_("what it was for"), max_length=2000)
    status = FSMField(_("status"), choices=Status.choices, default=Status.SUBMITTED, protected=True, db_index=True)
    needs_second_approval = models.BooleanField(_("needs a second approver"), default=False)
    ledger_key = models.CharField(max_length=120, blank=True, editable=False)
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    rejection_reason = models.TextField(_("why it was rejected"), blank=True)

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_as_head", _("Can approve expense claims as department head or second approver")),
                       ("approve_as_finance", _("Can approve, book and pay expense claims as finance"))]
        constraints = [models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="claim_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount_fen} ({self.claimant})"

    @transition(field=status, source=Status.SUBMITTED, target=Status.HEAD_APPROVED,
                conditions=[lambda claim: claim.needs_second_approval])
    def approve_by_head(self) -> None:
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED,
                conditions=[lambda claim: not claim.needs_second_approval])
    def approve_by_head_alone(self) -> None:
        pass

    @transition(field=status, source=Status.HEAD_APPROVED, target=Status.APPROVED)
    def approve_second(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.BOOKED)
    def book(self, *, key: str) -> None:
        from django.utils import timezone

        self.ledger_key, self.booked_at = key, timezone.now()

    @transition(field=status, source=Status.BOOKED, target=Status.PAID)
    def pay(self) -> None:
        from django.utils import timezone

        self.paid_at = timezone.now()

    @transition(field=status, source=[Status.SUBMITTED, Status.HEAD_APPROVED, Status.APPROVED],
                target=Status.REJECTED)
    def reject(self, *, reason: str) -> None:
        self.rejection_reason = reason


class ExpenseReceipt(models.Model):
    """A receipt (发票) for a claim: an image or PDF checked by content like every upload."""

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(_("receipt"), storage=private_storage, upload_to="receipts/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return f"receipt of claim {self.claim_id}"


class ExpenseApproval(models.Model):
    """One approver's decision on a claim (F2), append-only: who, at which stage, when."""

    class Stage(models.TextChoices):
        HEAD = "head", _("Department head")
        SECOND = "second", _("Second approver")
        FINANCE = "finance", _("Finance")

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="approvals")
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("approver"))
    approved = models.BooleanField(_("approved"))
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expense approval")
        verbose_name_plural = _("expense approvals")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "approver"], name="one_decision_per_approver"),
                       models.UniqueConstraint(fields=["claim", "stage"], name="one_decision_per_stage")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.approver}"


class AdjustmentRequest(FSMModelMixin, TimeStampedModel):
    """A correcting ledger transaction proposed by one finance staff member and
    approved by another before it is posted (F1: no manual edits, only adjusting
    transactions). `lines` is [[account code, fen], ...] summing to zero."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        POSTED = "posted", _("Approved and posted")
        REJECTED = "rejected", _("Rejected")

    memo = models.CharField(_("what it corrects"), max_length=300)
    lines = models.JSONField(_("lines"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.REQUESTED, protected=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    ledger_key = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        verbose_name = _("adjusting transaction")
        verbose_name_plural = _("adjusting transactions")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_adjustmentrequest", _("Can approve adjusting transactions"))]

    def __str__(self) -> str:
        return self.memo

    @transition(field=status, source=Status.REQUESTED, target=Status.POSTED)
    def post(self, *, by, key: str) -> None:
        from django.utils import timezone

        self.decided_by, self.decided_at, self.ledger_key = by, timezone.now(), key

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self, *, by, note: str) -> None:
        from django.utils import timezone

        self.decided_by, self.decided_at, self.decision_note = by, timezone.now(), note


class MonthlyReconciliation(models.Model):
    """The month's reconciliation of the settlement account (F3.1, F3.3): the
    ledger's figures at month end, what the bank statement says, the difference,
    and the finance staff member who signed it off."""

    month = models.DateField(_("month (first day)"), unique=True)
    figures = models.JSONField(_("figures"), default=dict)
    bank_closing_fen = models.BigIntegerField(_("bank statement closing balance (fen)"), null=True, blank=True)
    difference_fen = models.BigIntegerField(_("difference (fen)"), null=True, blank=True)
    prepared_at = models.DateTimeField(_("prepared at"))
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("signed off by"))
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("monthly reconciliation")
        verbose_name_plural = _("monthly reconciliations")
        ordering = ["-month"]
        permissions = [("sign_off_reconciliation", _("Can sign off the monthly reconciliation"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class AuditEngagement(TimeStampedModel):
    """An audit of a period and scope by an internal or external auditor (F4)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal audit")
        EXTERNAL = "external", _("External audit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        FIELDWORK = "fieldwork", _("Fieldwork")
        REPORTED = "reported", _("Report issued")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    scope = models.TextField(_("scope"), max_length=4000)
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("auditor (platform user)"))
    external_firm = models.CharField(_("audit firm"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    report_summary = models.TextField(_("audit report summary"), blank=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-period_end", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                              name="audit_period_order")]

    def __str__(self) -> str:
        return self.title


class AuditFinding(FSMModelMixin, TimeStampedModel):
    """A finding of an audit, tracked to closure (F4): open → being rectified →
    closed (with evidence); past its due date unclosed, it is escalated once."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECTIFYING = "rectifying", _("Being rectified")
        CLOSED = "closed", _("Closed")

    engagement = models.ForeignKey(AuditEngagement, on_delete=models.PROTECT, related_name="findings")
    title = models.CharField(_("finding"), max_length=200)
    description = models.TextField(_("what was found"), max_length=4000)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("rectify by"))
    rectification = models.TextField(_("rectification steps"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("What shows it was fixed: links, documents."))
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated as overdue at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("closed by"))

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["due_on", "id"]
        permissions = [("close_auditfinding", _("Can close audit findings"))]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.OPEN, target=Status.RECTIFYING)
    def start_rectifying(self, *, steps: str) -> None:
        self.rectification = steps

    @transition(field=status, source=[Status.OPEN, Status.RECTIFYING], target=Status.CLOSED)
    def close(self, *, by, evidence: str) -> None:
        from django.utils import timezone

        self.evidence, self.closed_by, self.closed_at = evidence, by, timezone.now()
