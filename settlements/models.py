"""Wage settlements (S4, E5, F3): one per engagement, its itemised statement,
and the payout methods students choose (S4.2).

Declarations only: every write goes through `settlements.services` (lock,
transition, history row, side effects on commit). Money is integer fen."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from core.crypto import EncryptedTextField, mask
from core.models import TimeStampedModel

from .statement import LineKind


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for final hours")
    READY = "ready", _("Waiting for the employer's payment")
    FUNDED = "funded", _("Funded, payout due")
    PAYING = "paying", _("Being paid")
    PAID = "paid", pgettext_lazy("payment status", "Paid")


# While a settlement is in these states its statement is recomputed from the hours
# and items; from funding on, the amounts are what the ledger holds and never change.
RECOMPUTABLE = (SettlementStatus.DRAFT, SettlementStatus.READY)


class Settlement(FSMModelMixin, TimeStampedModel):
    """The wages of one engagement (S4.1), computed from its final hours and the
    job's pay structure; the amounts the escrow ledger will move.

    States, of which this step implements the first two:
      draft    — hours not final yet; a provisional statement of the final ones
      ready    — statement computed from final hours, waiting for the employer's money
    and, to come with the ledger (issue 6, later steps):
      funded         — the employer's money is in escrow (E5.1, F3.1)
      guaranteed     — advanced from the guarantee fund because the employer is late (E5.2)
      payout_due     — owed to the student, due P1 working days after funding (S4.2)
      in_batch       — in a payout batch finance is executing (F3.2)
      payout_failed  — the bank or Alipay refused it; back to payable until the
                       student fixes their payout method
      paid           — paid; the P2-day dispute window runs (S4.3)
      disputed       — the student disputes amount, hours or deductions (S4.3)
      closed         — the dispute window passed or the dispute was resolved
    ready ⇄ draft while hours can still change; nothing moves back once funded."""

    engagement = models.OneToOneField("applications.Engagement", on_delete=models.PROTECT,
                                      related_name="settlement")
    # Copied from the engagement: every list and the ledger ask "whose?" first.
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="settlements")
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="settlements")
    status = FSMField(_("status"), choices=SettlementStatus.choices, default=SettlementStatus.DRAFT,
                      protected=True, db_index=True)

    commission_percent = models.PositiveSmallIntegerField(_("commission (percent)"), default=0)
    wages_fen = models.BigIntegerField(_("wages (fen)"), default=0)
    allowances_fen = models.BigIntegerField(_("allowances (fen)"), default=0)
    compensation_fen = models.BigIntegerField(_("compensation (fen)"), default=0)
    losses_fen = models.BigIntegerField(_("losses set off (fen)"), default=0)
    commission_fen = models.BigIntegerField(_("commission (fen)"), default=0)
    student_total_fen = models.BigIntegerField(_("the student receives (fen)"), default=0)
    employer_total_fen = models.BigIntegerField(_("the employer pays (fen)"), default=0)
    pending_shifts = models.PositiveSmallIntegerField(_("shifts with hours not final"), default=0)

    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready since"), null=True, blank=True)
    # Funding (E5.1): what escrow lacked at the last attempt, and the day the employer was last told.
    funding_short_fen = models.BigIntegerField(_("escrow short by (fen)"), default=0)
    funding_short_notified_on = models.DateField(_("employer told of the shortfall on"), null=True, blank=True)
    funded_at = models.DateTimeField(_("funded at"), null=True, blank=True)
    # S4.2: P1 working days after funding; cleared while a failed payout waits for the student's new details.
    payout_due_at = models.DateTimeField(_("payout due at"), null=True, blank=True)
    payout_failed_at = models.DateTimeField(_("last payout failed at"), null=True, blank=True)
    payout_method_requested_at = models.DateTimeField(_("student asked for a payout method at"), null=True,
                                                      blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="settlement_student_recent"),
            models.Index(fields=["employer", "-created_at"], name="settlement_employer_recent"),
            # The payout batch's selection: funded and due (S4.2).
            models.Index(fields=["payout_due_at", "id"], condition=Q(status="funded"), name="settlement_payout_due"),
        ]
        constraints = [
            # The statement adds up (see settlements.statement): commission is on top, losses never below zero pay.
            models.CheckConstraint(condition=Q(employer_total_fen=F("student_total_fen") + F("commission_fen")),
                                   name="settlement_employer_pays_student_plus_commission"),
            models.CheckConstraint(condition=Q(student_total_fen__gte=0, commission_fen__gte=0, losses_fen__lte=0),
                                   name="settlement_amounts_signs"),
            models.CheckConstraint(condition=Q(student_total_fen=F("wages_fen") + F("allowances_fen")
                                               + F("compensation_fen") + F("losses_fen")),
                                   name="settlement_student_total_is_its_parts"),
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} of engagement {self.engagement_id} ({self.status})"

    @property
    def gross_fen(self) -> int:
        return self.wages_fen + self.allowances_fen + self.compensation_fen

    @transition(field=status, source=SettlementStatus.DRAFT, target=SettlementStatus.READY)
    def mark_ready(self) -> None:
        self.ready_at = timezone.now()

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.DRAFT)
    def reopen(self) -> None:
        self.ready_at = None

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.FUNDED)
    def fund(self, *, now, payout_due_at) -> None:
        self.funded_at, self.payout_due_at, self.funding_short_fen = now, payout_due_at, 0

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.PAID)
    def close_nothing_owed(self, *, now) -> None:
        self.funded_at = self.paid_at = now
        self.funding_short_fen = 0

    @transition(field=status, source=SettlementStatus.PAYING, target=SettlementStatus.PAID)
    def mark_paid(self, *, now) -> None:
        self.paid_at = now

    @transition(field=status, source=SettlementStatus.PAYING, target=SettlementStatus.FUNDED)
    def payout_fail(self, *, now) -> None:
        # Due again once the student has fixed their payout details (payouts.payouts_reschedule_for_student).
        self.payout_failed_at, self.payout_due_at = now, None

    @property
    def is_waiting_for_payout_details(self) -> bool:
        return self.status == SettlementStatus.FUNDED and self.payout_due_at is None


class SettlementLine(models.Model):
    """One line of a statement; a loss is a negative line of its own (S3.2), the
    commission a line only the employer sees."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=16, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.CharField(_("quantity"), max_length=120, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    work_date = models.DateField(_("work date"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["settlement", "order"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "order"], name="settlement_line_order_unique"),
            # Only a loss may be negative; no wage, allowance or commission line goes below zero.
            models.CheckConstraint(condition=Q(kind=LineKind.LOSS, amount_fen__lte=0)
                                   | (~Q(kind=LineKind.LOSS) & Q(amount_fen__gte=0)),
                                   name="settlement_line_sign_by_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


class PayoutMethod(TimeStampedModel):
    """Where a student is paid (S4.2): a bank card or an Alipay account, in the
    student's own real name. The account number is encrypted at rest with a keyed
    hash beside it (J3.1, PIPL art. 28) and shown only masked. Removing one keeps
    the row (`removed_at`): past payouts still name it."""

    class Kind(models.TextChoices):
        BANK_CARD = "bank_card", _("Bank card")
        ALIPAY = "alipay", _("Alipay")

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_methods")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    account_number = EncryptedTextField(_("account"))
    account_hash = models.CharField(max_length=64, editable=False)
    account_holder = models.CharField(_("account holder"), max_length=50)
    is_default = models.BooleanField(_("used for payouts"), default=False)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout method")
        verbose_name_plural = _("payout methods")
        ordering = ["-is_default", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "account_hash"], condition=Q(removed_at__isnull=True),
                                    name="payout_method_account_once_per_student"),
            models.UniqueConstraint(fields=["student"], condition=Q(is_default=True, removed_at__isnull=True),
                                    name="payout_method_one_default"),
            models.CheckConstraint(condition=Q(is_default=False) | Q(removed_at__isnull=True),
                                   name="payout_method_removed_is_not_default"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.account_masked}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def account_masked(self) -> str:
        """The last four characters only (6222 0212 3456 7890 → ****…7890); an
        Alipay e-mail keeps its first letter and domain, as Alipay shows it."""
        value = self.account_number or ""
        if "@" in value:
            local, domain = value.split("@", 1)
            return f"{local[:1]}***@{domain}"
        return mask(value, keep_start=0, keep_end=4)


class PayoutBatch(FSMModelMixin, TimeStampedModel):
    """The day's payouts (F3.2), built by beat; finance downloads it as a bank
    bulk-transfer file and an Alipay batch-transfer file, executes it outside,
    then confirms it (or marks single lines failed)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        EXPORTED = "exported", _("Exported")
        CONFIRMED = "confirmed", _("Confirmed as paid")

    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    payout_count = models.PositiveIntegerField(_("payouts"), default=0)
    total_fen = models.BigIntegerField(_("total (fen)"), default=0)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-id"]
        permissions = [("execute_payoutbatch", _("Can export and confirm payout batches"))]

    def __str__(self) -> str:
        return f"payout batch {self.pk} ({self.status})"

    @transition(field=status, source=[Status.OPEN, Status.EXPORTED], target=Status.EXPORTED)
    def export(self, *, now) -> None:
        self.exported_at = self.exported_at or now

    @transition(field=status, source=[Status.OPEN, Status.EXPORTED], target=Status.CONFIRMED)
    def confirm(self, *, now, by) -> None:
        self.confirmed_at, self.confirmed_by = now, by


class Payout(FSMModelMixin, TimeStampedModel):
    """One transfer of a settlement's pay to the student (S4.2, F3.2), with the
    payout method as it was when the batch was built. The database allows one
    live (not failed) payout per settlement: a failed one is kept, and the next
    attempt is a new row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent to the bank")
        PAID = "paid", pgettext_lazy("payment status", "Paid")
        FAILED = "failed", _("Failed")

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="payouts")
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="payouts")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.QUEUED, protected=True, db_index=True)
    # The method snapshot: the student may change their method while the batch is out.
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payouts")
    method_kind = models.CharField(_("kind"), max_length=16, choices=PayoutMethod.Kind.choices)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    account_masked = models.CharField(_("account"), max_length=64)
    account_number = EncryptedTextField(_("account number"))
    account_holder = models.CharField(_("account holder"), max_length=50)
    ledger_key = models.CharField(max_length=120, unique=True, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["batch", "id"]
        constraints = [
            # Exactly once (F3.2): never two live payouts of one settlement, whatever the workers do.
            models.UniqueConstraint(fields=["settlement"], condition=~Q(status="failed"),
                                    name="payout_one_live_per_settlement"),
            models.UniqueConstraint(fields=["settlement", "attempt"], name="payout_attempt_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} of settlement {self.settlement_id} ({self.status})"

    @transition(field=status, source=Status.QUEUED, target=Status.SENT)
    def send(self) -> None:
        pass

    @transition(field=status, source=[Status.QUEUED, Status.SENT], target=Status.PAID)
    def mark_paid(self, *, now) -> None:
        self.paid_at = now

    @transition(field=status, source=[Status.QUEUED, Status.SENT], target=Status.FAILED)
    def fail(self, *, now, reason: str) -> None:
        self.failed_at, self.failure_reason = now, reason[:300]
