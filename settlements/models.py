"""Wage settlements (S4, E5, F3): one per engagement, its itemised statement,
and the payout methods students choose (S4.2).

Declarations only: every write goes through `settlements.services` (lock,
transition, history row, side effects on commit). Money is integer fen."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.crypto import EncryptedTextField, mask
from core.models import TimeStampedModel
from core.uploads import private_storage

from .statement import LineKind

if TYPE_CHECKING:
    from accounts.models import User


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for final hours")
    READY = "ready", _("Waiting for the employer's payment")
    FUNDED = "funded", _("Funded, payout due")
    PAYING = "paying", _("Being paid")
    PAID = "paid", pgettext_lazy("payment status", "Paid")


class SettlementAction(models.TextChoices):
    """The history vocabulary of settlements' records (statements, payout methods,
    batches, payouts, disputes and their adjustments). Stored values never change:
    existing history rows are read by them."""

    # Statements (S4.1, E5.1, E5.2)
    PREPARE = "prepare", _("statement prepared from the hours")
    RECOMPUTE = "recompute", _("statement recomputed")
    FUNDING_LATE = "funding_late", _("employer missed the payment date")
    ADVANCE = "advance", _("advanced by the guarantee fund")
    GUARANTEE_ESCALATE = "guarantee_escalate", _("escalated to finance for the guarantee")
    RECOVER = "recover", _("advance recovered from the employer")
    CLOSE_NOTHING_OWED = "close_nothing_owed", _("closed with nothing owed")
    FUND = "fund", _("funded from escrow")
    MARK_PAID = "mark_paid", _("paid out")
    PAYOUT_FAIL = "payout_fail", _("payout failed")
    # Payout methods (S4.2)
    ADD = "add", _("payout method added")
    SET_DEFAULT = "set_default", _("made the default payout method")
    REMOVE = "remove", _("payout method removed")
    # Payout batches and their lines (F3.2)
    BUILD = "build", _("payout batch built")
    EXPORT = "export", _("payout files exported")
    CONFIRM = "confirm", _("confirmed as paid by finance")
    IMPORT_RESULTS = "import_results", _("bank result file imported")
    FAIL = "fail", _("transfer failed")
    # Payment disputes and their adjustments (S4.3)
    OPEN = "open", _("dispute opened")
    ANSWER = "answer", _("answered by the employer")
    WITHDRAW = "withdraw", _("withdrawn by the student")
    DECIDE = "decide", _("decided by staff")
    CREATE = "create", _("extra pay decided")
    # Income tax (国家税务总局公告2025年第16号): the whole pay was withheld as tax, nothing to pay out
    CLOSE_WITHHELD = "close_withheld", _("closed: all of the pay withheld as income tax")


# While a settlement is in these states its statement is recomputed from the hours
# and items; from funding on, the amounts are what the ledger holds and never change.
RECOMPUTABLE = (SettlementStatus.DRAFT, SettlementStatus.READY)


class Settlement(FSMModelMixin, TimeStampedModel):
    """The wages of one engagement (S4.1), computed from its final hours and the
    job's pay structure; the amounts the escrow ledger will move.

      draft   — hours not final yet; a provisional statement of the final ones
      ready   — statement computed from final hours, waiting for the employer's
                money; due by `funding_due_at` (the job's payment days, at most
                15 days: Labour Contract Law art. 72)
      funded  — the money is in escrow for the student (E5.1, F3.1), or the
                guarantee fund advanced it (E5.2, `advanced_fen`); the payout is
                due at `payout_due_at` (P1 working days, S4.2)
      paying  — in a payout batch finance is executing (F3.2)
      paid    — paid; the student may dispute it until `dispute_window_ends_at`
                (P2 working days, S4.3)
    ready ⇄ draft while hours can still change; nothing moves back once funded,
    except a failed payout (paying → funded until the student fixes their details)."""

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
    # Income tax withheld when the pay was credited to the student (funding or advance; docs/tax.md):
    # the payout pays student_total_fen − tax_fen (`net_fen`).
    tax_fen = models.BigIntegerField(_("income tax withheld (fen)"), default=0)
    pending_shifts = models.PositiveSmallIntegerField(_("shifts with hours not final"), default=0)
    # The set-off limits of 《工资支付暂行规定》 art. 16 (settlements.statement, docs/tax.md): the month the
    # pay is for (its last day worked), this statement's share of the month, and what the month held
    # before it — enough to recompute the limits and explain them. Frozen with the amounts at funding.
    pay_month = models.DateField(_("pay for the month of"), null=True, blank=True)
    worked_minutes = models.PositiveIntegerField(_("normal minutes worked"), default=0)
    counted_pay_fen = models.BigIntegerField(_("wages counting towards the minimum wage (fen)"), default=0)
    hourly_minimum_fen = models.PositiveIntegerField(_("local minimum hourly wage (fen)"), null=True, blank=True)
    setoff_claimed_fen = models.BigIntegerField(_("losses outstanding before this statement (fen)"), default=0)
    setoff_earlier_pay_fen = models.BigIntegerField(_("the month's earlier pay (fen)"), default=0)
    setoff_earlier_counted_fen = models.BigIntegerField(
        _("the month's earlier wages counting towards the minimum wage (fen)"), default=0)
    setoff_earlier_minutes = models.PositiveIntegerField(_("the month's earlier normal minutes"), default=0)
    setoff_earlier_fen = models.BigIntegerField(_("set off earlier in the month (fen)"), default=0)

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
    # E5.1: the employer funds by this moment; reminded once before it, late once after it.
    funding_due_at = models.DateTimeField(_("employer pays by"), null=True, blank=True)
    funding_reminded_at = models.DateTimeField(_("employer reminded at"), null=True, blank=True)
    funding_late_at = models.DateTimeField(_("recorded as paid late at"), null=True, blank=True)
    # E5.2: what the guarantee fund advanced, when, and when the employer's money recovered it.
    advanced_fen = models.BigIntegerField(_("advanced by the guarantee fund (fen)"), default=0)
    advanced_at = models.DateTimeField(_("advanced at"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("advance recovered from the employer at"), null=True, blank=True)
    guarantee_escalated_at = models.DateTimeField(_("over the guarantee cap: escalated at"), null=True, blank=True)
    # S4.3: P2 working days after the student received the pay.
    dispute_window_ends_at = models.DateTimeField(_("disputes accepted until"), null=True, blank=True)

    history_actions = SettlementAction

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "-created_at"], name="settlement_student_recent"),
            models.Index(fields=["employer", "-created_at"], name="settlement_employer_recent"),
            # The payout batch's selection: funded and due (S4.2).
            models.Index(fields=["payout_due_at", "id"], condition=Q(status="funded"), name="settlement_payout_due"),
            # The funding sweep's selection: ready and due (E5.1, E5.2).
            models.Index(fields=["funding_due_at", "id"], condition=Q(status="ready"), name="settlement_funding_due"),
            # The recovery sweep's selection: advanced and not yet recovered (E5.2).
            models.Index(fields=["employer", "id"], condition=Q(advanced_fen__gt=0, recovered_at__isnull=True),
                         name="settlement_advance_outstanding"),
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
            # The guarantee advances the student's pay, never more (E5.2).
            models.CheckConstraint(condition=Q(advanced_fen__gte=0, advanced_fen__lte=F("student_total_fen")),
                                   name="settlement_advance_within_pay"),
            # Tax is withheld out of what the student receives, never more (16号, 61号 art. 6).
            models.CheckConstraint(condition=Q(tax_fen__gte=0, tax_fen__lte=F("student_total_fen")),
                                   name="settlement_tax_within_pay"),
            # A set-off never exceeds the losses outstanding (art. 16: the rest stays owed).
            models.CheckConstraint(condition=Q(setoff_claimed_fen__gte=-F("losses_fen")),
                                   name="settlement_setoff_within_claimed"),
        ]

    def __str__(self) -> str:
        return f"settlement {self.pk} of engagement {self.engagement_id} ({self.status})"

    @property
    def gross_fen(self) -> int:
        return self.wages_fen + self.allowances_fen + self.compensation_fen

    @property
    def net_fen(self) -> int:
        """What the payout pays: the student's total less the income tax withheld."""
        return self.student_total_fen - self.tax_fen

    @property
    def setoff_remainder_fen(self) -> int:
        """What the art. 16 limits left of the losses outstanding: still owed by the student."""
        return self.setoff_claimed_fen + self.losses_fen

    @transition(field=status, source=SettlementStatus.DRAFT, target=SettlementStatus.READY)
    def mark_ready(self, *, funding_due_at: dt.datetime | None = None) -> None:
        self.ready_at = timezone.now()
        self.funding_due_at = funding_due_at

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.DRAFT)
    def reopen(self) -> None:
        self.ready_at = None
        self.funding_due_at = None

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.FUNDED)
    def advance(self, *, now: dt.datetime, amount_fen: int, payout_due_at: dt.datetime) -> None:
        """E5.2: the guarantee fund pays what the late employer owes the student."""
        self.advanced_fen, self.advanced_at, self.payout_due_at = amount_fen, now, payout_due_at
        self.funded_at = now

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.FUNDED)
    def fund(self, *, now: dt.datetime, payout_due_at: dt.datetime) -> None:
        self.funded_at, self.payout_due_at, self.funding_short_fen = now, payout_due_at, 0

    @transition(field=status, source=SettlementStatus.READY, target=SettlementStatus.PAID)
    def close_nothing_owed(self, *, now: dt.datetime, dispute_until: dt.datetime | None = None) -> None:
        self.funded_at = self.paid_at = now
        self.funding_short_fen = 0
        self.dispute_window_ends_at = dispute_until

    @transition(field=status, source=SettlementStatus.PAYING, target=SettlementStatus.PAID)
    def mark_paid(self, *, now: dt.datetime, dispute_until: dt.datetime | None = None) -> None:
        self.paid_at = now
        self.dispute_window_ends_at = dispute_until

    @transition(field=status, source=SettlementStatus.FUNDED, target=SettlementStatus.PAID)
    def close_withheld(self, *, now: dt.datetime, dispute_until: dt.datetime | None = None) -> None:
        """All of the pay was withheld as income tax: nothing to pay out (net 0)."""
        self.paid_at, self.payout_due_at = now, None
        self.dispute_window_ends_at = dispute_until

    @property
    def is_advanced(self) -> bool:
        return self.advanced_fen > 0

    @property
    def advance_outstanding(self) -> bool:
        return self.advanced_fen > 0 and self.recovered_at is None

    @transition(field=status, source=SettlementStatus.PAYING, target=SettlementStatus.FUNDED)
    def payout_fail(self, *, now: dt.datetime) -> None:
        # Due again once the student has fixed their payout details (payout_execution.payouts_reschedule_for_student).
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
    # A loss line: the claim it sets off (S3.2); its amount counts towards the claim's set-off once funded.
    loss_claim = models.ForeignKey("applications.LossClaim", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="setoff_lines", verbose_name=_("loss claim"))

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

    history_actions = SettlementAction

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

    history_actions = SettlementAction

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-id"]
        permissions = [("execute_payoutbatch", _("Can export and confirm payout batches"))]

    def __str__(self) -> str:
        return f"payout batch {self.pk} ({self.status})"

    @transition(field=status, source=[Status.OPEN, Status.EXPORTED], target=Status.EXPORTED)
    def export(self, *, now: dt.datetime) -> None:
        self.exported_at = self.exported_at or now

    @transition(field=status, source=[Status.OPEN, Status.EXPORTED], target=Status.CONFIRMED)
    def confirm(self, *, now: dt.datetime, by: User) -> None:
        self.confirmed_at, self.confirmed_by = now, by


class PaymentDispute(FSMModelMixin, TimeStampedModel):
    """A student disputes a payment they received (S4.3): the amount, the hours
    or a deduction, with evidence, within P2 working days of being paid. It opens
    a customer-service ticket; the employer answers within a window; staff
    decide, and a decision in the student's favour posts an adjustment.

    open → answered → decided; open → decided when the employer's window has
    passed or staff act at once; open/answered → withdrawn by the student."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("The amount")
        HOURS = "hours", _("The hours")
        DEDUCTION = "deduction", _("A deduction")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the employer")
        ANSWERED = "answered", _("The employer has answered")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        NO_CHANGE = "no_change", _("No change: the payment was right")
        ADJUSTED = "adjusted", _("Corrected")

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="disputes")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_disputes")
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="payment_disputes")
    kind = models.CharField(_("what is disputed"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("what is wrong"), max_length=3000)
    claimed_fen = models.BigIntegerField(_("amount the student says is missing (fen)"), default=0)
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to="payment-dispute-evidence/",
                                blank=True)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    employer_response_due_at = models.DateTimeField(_("employer answers by"))
    employer_response = models.TextField(_("the employer's answer"), max_length=3000, blank=True)
    employer_responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    employer_responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="+", verbose_name=_("answered by"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    # Extra pay for the student (through the employer's escrow, commission on top) and a
    # refund of commission to the employer where the platform's statement overcharged it.
    adjustment_fen = models.BigIntegerField(_("extra pay for the student (fen)"), default=0)
    refund_fen = models.BigIntegerField(_("commission refunded to the employer (fen)"), default=0)
    decision = models.TextField(_("decision given to both sides"), max_length=3000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    history_actions = SettlementAction
    # Not stored: the pages set it for display (disputes.answer_overdue at the time of the request).
    answer_overdue: bool

    class Meta:
        verbose_name = _("payment dispute")
        verbose_name_plural = _("payment disputes")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One dispute at a time per payment: the next only after the first is decided or withdrawn.
            models.UniqueConstraint(fields=["settlement"], condition=Q(status__in=["open", "answered"]),
                                    name="payment_dispute_one_live_per_settlement"),
            models.CheckConstraint(condition=Q(adjustment_fen__gte=0, refund_fen__gte=0, claimed_fen__gte=0),
                                   name="payment_dispute_amounts_not_negative"),
        ]

    def __str__(self) -> str:
        return f"payment dispute {self.pk} of settlement {self.settlement_id} ({self.status})"

    @transition(field=status, source=Status.OPEN, target=Status.ANSWERED)
    def answer(self, *, now: dt.datetime, by: User, text: str) -> None:
        self.employer_response, self.employer_responded_at, self.employer_responded_by = text, now, by

    @transition(field=status, source=[Status.OPEN, Status.ANSWERED], target=Status.DECIDED)
    def decide(self, *, now: dt.datetime, by: User, outcome: str, decision: str, adjustment_fen: int = 0,
               refund_fen: int = 0) -> None:
        self.outcome, self.decision, self.decided_by, self.decided_at = outcome, decision, by, now
        self.adjustment_fen, self.refund_fen = adjustment_fen, refund_fen

    @transition(field=status, source=[Status.OPEN, Status.ANSWERED], target=Status.WITHDRAWN)
    def withdraw(self, *, now: dt.datetime) -> None:
        self.decided_at = now


class SettlementAdjustment(FSMModelMixin, TimeStampedModel):
    """Extra pay decided on a dispute (S4.3): the employer's escrow pays it (with
    commission on top), and it is paid out like a settlement — its own payout,
    exactly once. Waits in `awaiting_funding` until escrow holds the money."""

    class Status(models.TextChoices):
        AWAITING_FUNDING = "awaiting_funding", _("Waiting for the employer's payment")
        FUNDED = "funded", _("Funded, payout due")
        PAYING = "paying", _("Being paid")
        PAID = "paid", pgettext_lazy("payment status", "Paid")

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="adjustments")
    dispute = models.OneToOneField(PaymentDispute, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="adjustment")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("extra pay (fen)"))
    commission_fen = models.BigIntegerField(_("commission (fen)"), default=0)
    # Income tax withheld when funded (docs/tax.md): the payout pays amount_fen − tax_fen.
    tax_fen = models.BigIntegerField(_("income tax withheld (fen)"), default=0)
    status = FSMField(_("status"), choices=Status.choices, default=Status.AWAITING_FUNDING, protected=True,
                      db_index=True)
    funded_at = models.DateTimeField(_("funded at"), null=True, blank=True)
    payout_due_at = models.DateTimeField(_("payout due at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    history_actions = SettlementAction

    class Meta:
        verbose_name = _("settlement adjustment")
        verbose_name_plural = _("settlement adjustments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["payout_due_at", "id"], condition=Q(status="funded"),
                                name="adjustment_payout_due")]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0, commission_fen__gte=0),
                                              name="adjustment_amounts_signs"),
                       models.CheckConstraint(condition=Q(tax_fen__gte=0, tax_fen__lte=F("amount_fen")),
                                              name="adjustment_tax_within_pay")]

    def __str__(self) -> str:
        return f"adjustment {self.pk} of settlement {self.settlement_id} ({self.status})"

    @transition(field=status, source=Status.AWAITING_FUNDING, target=Status.FUNDED)
    def fund(self, *, now: dt.datetime, payout_due_at: dt.datetime) -> None:
        self.funded_at, self.payout_due_at = now, payout_due_at

    @transition(field=status, source=Status.PAYING, target=Status.PAID)
    def mark_paid(self, *, now: dt.datetime) -> None:
        self.paid_at = now

    @transition(field=status, source=Status.FUNDED, target=Status.PAID)
    def close_withheld(self, *, now: dt.datetime) -> None:
        """All of the extra pay was withheld as income tax: nothing to pay out (net 0)."""
        self.paid_at, self.payout_due_at = now, None

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.tax_fen

    @transition(field=status, source=Status.PAYING, target=Status.FUNDED)
    def payout_fail(self, *, now: dt.datetime) -> None:
        self.payout_due_at = None


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
    # Set when this pays a dispute's extra pay rather than the settlement itself (S4.3).
    adjustment = models.ForeignKey(SettlementAdjustment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="payouts")
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

    history_actions = SettlementAction

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["batch", "id"]
        constraints = [
            # Exactly once (F3.2): never two live payouts of one settlement, whatever the workers do.
            models.UniqueConstraint(fields=["settlement"], condition=~Q(status="failed") & Q(adjustment__isnull=True),
                                    name="payout_one_live_per_settlement"),
            models.UniqueConstraint(fields=["adjustment"], condition=~Q(status="failed"),
                                    name="payout_one_live_per_adjustment"),
            models.UniqueConstraint(fields=["settlement", "attempt"], condition=Q(adjustment__isnull=True),
                                    name="payout_attempt_unique"),
            models.UniqueConstraint(fields=["adjustment", "attempt"], name="payout_adjustment_attempt_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} of settlement {self.settlement_id} ({self.status})"

    @transition(field=status, source=Status.QUEUED, target=Status.SENT)
    def send(self) -> None:
        pass

    @transition(field=status, source=[Status.QUEUED, Status.SENT], target=Status.PAID)
    def mark_paid(self, *, now: dt.datetime) -> None:
        self.paid_at = now

    @transition(field=status, source=[Status.QUEUED, Status.SENT], target=Status.FAILED)
    def fail(self, *, now: dt.datetime, reason: str) -> None:
        self.failed_at, self.failure_reason = now, reason[:300]


class TaxMethod(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative withholding by the platform (公告2025年第16号)")
    PER_PAYMENT = "per_payment", _("Per-payment withholding (公告2018年第61号 art. 8)")


class TaxWithholding(models.Model):
    """The income tax withheld from one payment to a student (国家税务总局公告2025年第16号,
    docs/tax.md): every figure of the cumulative formula, cumulated over the year to
    this payment. One row per payment (a settlement's pay, or a dispute's extra pay),
    written when the pay is credited to the student, under a lock on the student, so
    the next row continues from the latest (`CumulativeWithholder.resume`). Rows are
    never changed: the monthly withholding list and the yearly statement read them."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_withholdings")
    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="tax_withholdings")
    adjustment = models.OneToOneField(SettlementAdjustment, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="tax_withholding")
    method = models.CharField(_("method"), max_length=16, choices=TaxMethod.choices, default=TaxMethod.CUMULATIVE)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    gross_fen = models.BigIntegerField(_("income this payment (fen)"))
    available_fen = models.BigIntegerField(_("paid out of it (fen)"))
    consecutive_months = models.PositiveSmallIntegerField(_("months in a row with pay"))
    cumulative_income_fen = models.BigIntegerField(_("cumulative income (fen)"))
    cumulative_expenses_fen = models.BigIntegerField(_("cumulative expenses (fen)"))
    cumulative_tax_free_fen = models.BigIntegerField(_("cumulative tax-free income (fen)"), default=0)
    cumulative_basic_deduction_fen = models.BigIntegerField(_("cumulative basic deduction (fen)"))
    cumulative_other_deductions_fen = models.BigIntegerField(_("cumulative other deductions (fen)"), default=0)
    taxable_fen = models.BigIntegerField(_("cumulative taxable income (fen)"))
    rate_percent = models.PositiveSmallIntegerField(_("rate (percent)"))
    quick_deduction_fen = models.BigIntegerField(_("quick deduction (fen)"))
    cumulative_relief_fen = models.BigIntegerField(_("cumulative tax relief (fen)"), default=0)
    cumulative_tax_fen = models.BigIntegerField(_("cumulative tax (fen)"))
    withheld_before_fen = models.BigIntegerField(_("withheld earlier this year (fen)"))
    tax_fen = models.BigIntegerField(_("withheld now (fen)"))
    reason = models.CharField(_("reason"), max_length=20)
    created_at = models.DateTimeField(_("withheld at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("income tax withholding")
        verbose_name_plural = _("income tax withholdings")
        ordering = ["student", "year", "month", "id"]
        indexes = [models.Index(fields=["year", "month"], name="tax_withholding_month"),
                   models.Index(fields=["student", "-id"], name="tax_withholding_latest")]
        constraints = [
            # One payment, one withholding: a settlement's pay once, each adjustment once.
            models.UniqueConstraint(fields=["settlement"], condition=Q(adjustment__isnull=True),
                                    name="tax_withholding_once_per_settlement"),
            models.CheckConstraint(condition=Q(tax_fen__gte=0, tax_fen__lte=F("available_fen"),
                                               available_fen__lte=F("gross_fen"), gross_fen__gt=0),
                                   name="tax_withholding_within_payment"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="tax_withholding_month_valid"),
        ]

    def __str__(self) -> str:
        return gettext("Withholding no. %(pk)s (%(year)d-%(month)02d)") % {
            "pk": self.pk, "year": self.year, "month": self.month}

    @property
    def net_fen(self) -> int:
        return self.available_fen - self.tax_fen

    @property
    def withheld_to_date_fen(self) -> int:
        return self.withheld_before_fen + self.tax_fen


class TaxRemittance(models.Model):
    """Finance paid a month's withheld income tax to the tax authority: the ledger
    posting `tax-remit:<yyyy-mm>` (Dr tax payable, Cr the settlement bank account),
    exactly once per month (a unique month and a unique ledger key)."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("tax payment reference"), max_length=80, blank=True)
    ledger_key = models.CharField(max_length=120, unique=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("income tax remittance")
        verbose_name_plural = _("income tax remittances")
        ordering = ["-year", "-month"]
        permissions = [("remit_tax", _("Can record the remittance of withheld income tax"))]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="tax_remittance_once_per_month"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="tax_remittance_amount_positive"),
        ]

    def __str__(self) -> str:
        return gettext("Income tax remitted for %(year)d-%(month)02d") % {"year": self.year, "month": self.month}
