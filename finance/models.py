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


# Credit-normal accounts (what the platform owes, and its revenue) show their
# balance as credits minus debits; debit-normal ones (what it holds or is owed)
# as debits minus credits. Entries store debits positive, credits negative.
CREDIT_NORMAL = {
    AccountKind.PAYOUT_CLEARING, AccountKind.EMPLOYER_ESCROW, AccountKind.STUDENT_PAYABLE,
    AccountKind.GUARANTEE_FUND, AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS,
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
                    models.Q(kind__in=[k.value for k in PLATFORM_KINDS], employer__isnull=True, student__isnull=True)
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
