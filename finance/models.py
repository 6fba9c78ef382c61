"""The double-entry ledger (F1, F3; DESIGN: Money): accounts, transactions and
their entries, in integer fen.

Append-only. An entry is never updated or deleted — enforced here (the model
and its queryset refuse) and on PostgreSQL by triggers (migration 0002). Every
transaction's entries sum to zero, checked by `finance.ledger.transaction_post`
and, on PostgreSQL, by a statement-level trigger once per INSERT (migration 0006). A correction is
a reversing transaction. Only `finance.ledger` writes these rows."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from core.crypto import EncryptedTextField, mask
from core.models import TimeStampedModel

if TYPE_CHECKING:
    from accounts.models import User


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
    # Individual income tax withheld from students' pay until it is remitted to the tax
    # authority (国家税务总局公告2025年第16号; docs/tax.md).
    TAX_PAYABLE = "tax_payable", _("Income tax withheld, to remit")
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
    AccountKind.REIMBURSEMENTS_PAYABLE, AccountKind.TAX_PAYABLE,
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
    AccountKind.PAYOUT_CLEARING, AccountKind.EMPLOYER_RECEIVABLE, AccountKind.TAX_PAYABLE,
}
# Accounts that exist once for the platform, not per employer or student.
PLATFORM_KINDS = {
    AccountKind.BANK_CLEARING, AccountKind.PAYOUT_CLEARING, AccountKind.GUARANTEE_FUND,
    AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS,
    AccountKind.OPERATING_BANK, AccountKind.REIMBURSEMENTS_PAYABLE, AccountKind.TAX_PAYABLE, *EXPENSE_KINDS.values(),
}


class FinanceAction(models.TextChoices):
    """The history vocabulary of the ledger's records: bank statements and their lines (F1),
    escrow refunds to employers (E5.1, F3)."""

    IMPORT = "import", _("bank statement imported")
    MATCH = "match", _("bank line matched")
    IGNORE = "ignore", _("bank line set aside")
    SANDBOX_PAY = "sandbox_pay", _("paid in the sandbox")
    REQUEST = "request", _("refund requested")
    APPROVE = "approve", _("refund approved")
    REJECT = "reject", _("refund rejected")
    MARK_PAID = "mark_paid", _("refund paid")
    FAIL = "fail", _("refund failed at the bank")
    EXPORT = "export", _("refund sent in a bank file")


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
    def update(self, **kwargs: Any) -> NoReturn:
        raise LedgerImmutable("ledger rows cannot be updated")

    def delete(self) -> NoReturn:
        raise LedgerImmutable("ledger rows cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutable("ledger rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
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
    # What the transaction is for, as data (F3.3, F4): the record it posts for (a settlement, a payout
    # batch, a bank statement line, an expense claim …), set by the caller of `transaction_post`.
    # Audits and reports follow this link; they never read the key's text. Empty only for postings
    # made for no record (a contribution to the guarantee fund).
    source_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="ledger_txn_source")]

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
        return f"{timezone.localtime(self.ran_at):%Y-%m-%d %H:%M} · {self.problem_count}"  # Asia/Shanghai


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

    history_actions = FinanceAction

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
        return f"{self.file_name} · {timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M}"


class BankStatementLine(models.Model):
    """One incoming payment on the platform's bank account (E5.1). The bank's
    transaction id is unique per bank: importing a statement again adds nothing
    and posts nothing twice. Sandbox payments are lines of the bank "sandbox"."""

    history_actions = FinanceAction

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

    history_actions = FinanceAction

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
    def approve(self, *, now: dt.datetime, by: User) -> None:
        self.decided_by, self.decided_at = by, now

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self, *, now: dt.datetime, by: User, reason: str) -> None:
        self.decided_by, self.decided_at, self.reason = by, now, reason[:300]

    @transition(field=status, source=Status.APPROVED, target=Status.PAID)
    def mark_paid(self, *, now: dt.datetime) -> None:
        self.paid_at = now

    @transition(field=status, source=Status.APPROVED, target=Status.FAILED)
    def fail(self, *, now: dt.datetime, reason: str) -> None:
        self.reason = reason[:300]
