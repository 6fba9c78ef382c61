"""The back office (F1, F2, F3.1, F4): budgets and expense claims, adjusting
transactions, the monthly sign-off of the settlement account, and audits with
their findings. It sits above settlements and reads them; it books into the
ledger only through `finance.ledger`, like everything else.

These models began in finance; their tables keep their names (`db_table`), the
move was state-only (backoffice migration 0001)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from core.uploads import private_storage


class BackofficeAction(models.TextChoices):
    """What the back office records in history: budgets and expense claims (F2,
    one approval or rejection per stage), adjusting transactions, the monthly
    reconciliation (F3.1) and audits with their findings (F4)."""

    SET = "set", _("budget set")
    SUBMIT = "submit", _("claim submitted")
    APPROVE_HEAD = "approve_head", _("approved by the department head")
    APPROVE_SECOND = "approve_second", _("approved by the second approver")
    APPROVE_FINANCE = "approve_finance", _("approved and booked by finance")
    REJECT_HEAD = "reject_head", _("rejected by the department head")
    REJECT_SECOND = "reject_second", _("rejected by the second approver")
    REJECT_FINANCE = "reject_finance", _("rejected by finance")
    PAY = "pay", _("claim paid")
    REQUEST = "request", _("adjustment requested")
    POST = "post", _("adjustment posted to the ledger")
    REJECT = "reject", _("adjustment rejected")
    PREPARE = "prepare", _("reconciliation figures prepared")
    ENTER_BANK = "enter_bank", _("bank closing balance entered")
    SIGN_OFF = "sign_off", _("reconciliation signed off")
    CREATE = "create", _("audit created")
    EDIT = "edit", _("audit edited")
    PACK_DOWNLOAD = "pack_download", _("audit pack downloaded")
    RECORD = "record", _("finding recorded")
    START_RECTIFYING = "start_rectifying", _("rectification started")
    EVIDENCE = "evidence", _("evidence added")
    CLOSE = "close", _("finding closed")
    REMIND = "remind", _("owner reminded of the due date")
    ESCALATE = "escalate", _("escalated to the managers")


class ExpenseCategory(models.TextChoices):
    SALARIES = "salaries", _("Salaries")
    OFFICE = "office", _("Office")
    PROMOTION = "promotion", _("Promotion")
    MAINTENANCE = "maintenance", _("Technical maintenance")


class Budget(TimeStampedModel):
    """What one category may spend in one period (F2)."""

    history_actions = BackofficeAction

    category = models.CharField(_("category"), max_length=12, choices=ExpenseCategory.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    amount_fen = models.BigIntegerField(_("budget (fen)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("set by"))

    class Meta:
        db_table = "finance_budget"  # kept from finance (state-only move)
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

    history_actions = BackofficeAction

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
        db_table = "finance_expenseclaim"  # kept from finance (state-only move)
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
        db_table = "finance_expensereceipt"  # kept from finance (state-only move)
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
        db_table = "finance_expenseapproval"  # kept from finance (state-only move)
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

    history_actions = BackofficeAction

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
        db_table = "finance_adjustmentrequest"  # kept from finance (state-only move)
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
    def reject(self, *, by, reason: str) -> None:
        from django.utils import timezone

        self.decided_by, self.decided_at, self.decision_note = by, timezone.now(), reason


class MonthlyReconciliation(models.Model):
    """The month's reconciliation of the settlement account (F3.1, F3.3): the
    ledger's figures at month end, what the bank statement says, the difference,
    and the finance staff member who signed it off."""

    history_actions = BackofficeAction

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
        db_table = "finance_monthlyreconciliation"  # kept from finance (state-only move)
        verbose_name = _("monthly reconciliation")
        verbose_name_plural = _("monthly reconciliations")
        ordering = ["-month"]
        permissions = [("sign_off_reconciliation", _("Can sign off the monthly reconciliation"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class AuditEngagement(TimeStampedModel):
    """An audit of a period and scope by an internal or external auditor (F4)."""

    history_actions = BackofficeAction

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
        db_table = "finance_auditengagement"  # kept from finance (state-only move)
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

    history_actions = BackofficeAction

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
        db_table = "finance_auditfinding"  # kept from finance (state-only move)
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


# ====================================================================== invoices for employers' fees (F1, E5)
class InvoiceAction(models.TextChoices):
    """The history vocabulary of invoice requests."""

    REQUESTED = "requested", _("invoice requested")
    ISSUED = "issued", _("invoice issued")
    REFUSED = "refused", _("invoice refused")


ISSUE_INVOICE_PERMISSION = "backoffice.issue_invoicerequest"


class InvoiceRequest(FSMModelMixin, TimeStampedModel):
    """An employer's request for a VAT invoice (发票) for the posting fees and
    commissions of a period (F1, E5). The title and taxpayer number are those of
    the real-name verified organisation when it asked; the amount is the sum of
    the fee lines it covers (`InvoiceLine`). Finance issues the invoice outside
    the platform and records its number, date and amount here, or refuses with a
    reason, which releases the lines for a later request.

    requested ──finance──▶ issued
        └──────finance──▶ refused"""

    history_actions = InvoiceAction

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for finance")
        ISSUED = "issued", _("Issued")
        REFUSED = "refused", _("Refused")

    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="invoice_requests",
                                 verbose_name=_("employer"))
    period_start = models.DateField(_("fees from"))
    period_end = models.DateField(_("fees until"))
    title = models.CharField(_("invoice title"), max_length=200)
    tax_number = models.CharField(_("taxpayer identification number"), max_length=18)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.REQUESTED, protected=True, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    invoice_number = models.CharField(_("invoice number"), max_length=20, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("issued or refused by"))
    decided_at = models.DateTimeField(_("issued or refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("why it was refused"), blank=True)

    class Meta:
        verbose_name = _("invoice request")
        verbose_name_plural = _("invoice requests")
        ordering = ["-created_at", "-id"]
        permissions = [("issue_invoicerequest", _("Can issue or refuse invoices for employers' fees"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="invoice_period_order"),
            # One VAT invoice is recorded once: a number typed twice is a mistake.
            models.UniqueConstraint(fields=["invoice_number"], condition=~models.Q(invoice_number=""),
                                    name="invoice_number_recorded_once"),
            models.CheckConstraint(
                condition=~models.Q(status="issued") | (~models.Q(invoice_number="")
                                                        & models.Q(invoice_date__isnull=False)),
                name="issued_invoice_has_number_and_date"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @transition(field=status, source=Status.REQUESTED, target=Status.ISSUED, permission=ISSUE_INVOICE_PERMISSION)
    def issue(self, *, by, number: str, date) -> None:
        from django.utils import timezone

        self.decided_by, self.decided_at = by, timezone.now()
        self.invoice_number, self.invoice_date = number, date

    @transition(field=status, source=Status.REQUESTED, target=Status.REFUSED, permission=ISSUE_INVOICE_PERMISSION)
    def refuse(self, *, by, reason: str) -> None:
        from django.utils import timezone

        self.decided_by, self.decided_at, self.refusal_reason = by, timezone.now(), reason


class InvoiceLine(models.Model):
    """One fee line (a posting fee's or a commission's entry on a revenue account of
    the ledger) covered by an invoice request. A line is on at most one live
    request — the database refuses a second (F1: nothing is invoiced twice); a
    refused request's lines are released (`released_at`) in the same transaction,
    kept as the record of what it asked for."""

    invoice = models.ForeignKey(InvoiceRequest, on_delete=models.PROTECT, related_name="lines",
                                verbose_name=_("invoice request"))
    entry = models.ForeignKey("finance.LedgerEntry", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("ledger entry"))
    # The fee as the employer reads it (the revenue entry's credit): negative for a refund of commission.
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoiced fee line")
        verbose_name_plural = _("invoiced fee lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(released_at__isnull=True),
                                    name="fee_line_on_one_live_invoice"),
            models.UniqueConstraint(fields=["invoice", "entry"], name="fee_line_once_per_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.entry_id} {self.amount_fen}"
