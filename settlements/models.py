"""Wage settlements (S4, E5, F3): one per engagement, its itemised statement,
and the payout methods students choose (S4.2).

Declarations only: every write goes through `settlements.services` (lock,
transition, history row, side effects on commit). Money is integer fen."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.crypto import EncryptedTextField, mask
from core.models import TimeStampedModel

from .statement import LineKind


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for final hours")
    READY = "ready", _("Waiting for the employer's payment")


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

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="settlement_student_recent"),
            models.Index(fields=["employer", "-created_at"], name="settlement_employer_recent"),
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
