"""Shared mechanisms: timestamps, the history of state changes, the in-site
inbox, the staff-editable policy parameters and working-day overrides."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .crypto import EncryptedTextField

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CoreAction(models.TextChoices):
    """The history vocabulary of core's records (held texts, calendar years)."""

    HOLD = "hold", _("held for a moderator")
    CLEAR = "clear", _("cleared")
    REJECT = "reject", _("rejected")
    CONFIRM = "confirm", _("confirmed")
    # Policy changes that need four eyes (core.policy.FOUR_EYES_FIELDS)
    REQUEST = "request", _("change requested")
    APPLY = "apply", _("approved by a second staff member and applied")


class HistoryEntry(models.Model):
    """One state change of any record: who, when, from, to, why.

    Written by the service that runs the transition, in the same transaction.
    Append-only: the admin shows it read-only and nothing updates it."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action_label}: {self.from_label or '—'} → {self.to_label}"

    @property
    def _model(self) -> type[models.Model] | None:
        return self.content_type.model_class() if self.content_type_id else None

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the model's `history_actions`)."""
        actions = getattr(self._model, "history_actions", None)
        return str(actions(self.transition).label) if actions and self.transition in actions.values else self.transition

    def _state_label(self, value: str) -> str:
        from django_fsm import FSMFieldMixin

        model = self._model
        if not value or model is None:
            return ""
        # A model may have several state fields (an attendance's presence and its hours):
        # the first whose states include this value names it.
        for field in model._meta.concrete_fields:
            if isinstance(field, FSMFieldMixin) and field.choices and value in dict(field.flatchoices):
                return str(dict(field.flatchoices)[value])
        return value

    @property
    def from_label(self) -> str:
        return self._state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._state_label(self.to_state)


class Notification(models.Model):
    """An in-site inbox message; e-mail copies are sent by a task on commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # P2.1: an e-mail copy that could not be sent, counted by the daily system check.
    # The error's class only (the message may quote the address or the text).
    email_failed_at = models.DateTimeField(_("e-mail failed at"), null=True, blank=True, db_index=True)
    email_error = models.CharField(_("e-mail error"), max_length=100, blank=True)
    # Set once the e-mail copy went out: a redelivered task (its acknowledgement lost when Redis
    # restarted, found by the chaos test) does not send it again.
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class TaxWithholdingAgent(models.TextChoices):
    PLATFORM = "platform", _("The platform (cumulative method)")
    EMPLOYER = "employer", _("The employer (per-payment method)")


class Policy(models.Model):
    """The regulation's open numbers (P1–P3) and other tunables, one row.

    Staff edit it in the admin; every change writes a PolicyChange row.
    Read it with `core.policy.get_policy()`."""

    payout_working_days = models.PositiveSmallIntegerField(
        _("P1: pay students within (working days)"), default=3,
        help_text=_("S4.2: working days from receiving the employer's money to paying the student."),
    )
    dispute_working_days = models.PositiveSmallIntegerField(
        _("P2: payment dispute window (working days)"), default=5,
        help_text=_("S4.3: working days after receiving pay in which a student may dispute it."),
    )
    response_working_days = models.PositiveSmallIntegerField(
        _("P3: answer applications within (working days)"), default=3,
        help_text=_("E3.2: working days an employer has to answer an application."),
    )
    vetting_working_days = models.PositiveSmallIntegerField(
        _("vetting target (working days)"), default=2,
        help_text=_("Target for staff to vet a submitted registration (S1.2, E1.2)."),
    )
    employer_reverify_months = models.PositiveSmallIntegerField(
        _("re-verify employers every (months)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("An employer's vetting lapses this long after staff last vetted it; at most six months "
                    "(2026 notice on online recruitment information)."),
    )
    job_review_hours = models.PositiveSmallIntegerField(
        _("job review target (working hours)"), default=8,
        help_text=_("Jobs waiting longer are marked overdue in the moderation queue (E2.2)."),
    )
    job_posting_fee_fen = models.PositiveIntegerField(
        _("posting fee per published job (fen)"), default=1000,
        help_text=_("Charged to the employer when a job is first published (F1)."),
    )
    stale_job_days = models.PositiveSmallIntegerField(
        _("patrol: a published job is stale after (days without update)"), default=14,
        help_text=_("The patrol asks the employer to confirm or update stale jobs (J2.3)."),
    )
    # Applications and engagements (S2.2, S3, E3, E4)
    invitations_per_employer_day = models.PositiveSmallIntegerField(
        _("invitations an employer may send a day"), default=50,
        help_text=_("E3.1: invitations to apply, counted per organisation from midnight; stops mass messaging."),
    )
    offer_accept_hours = models.PositiveSmallIntegerField(
        _("students accept an offer within (hours)"), default=24,
        help_text=_("E3.1: an unanswered offer lapses and the place goes back to the employer."),
    )
    cancel_notice_hours = models.PositiveSmallIntegerField(
        _("cancellation notice without penalty (hours before the shift)"), default=24,
        help_text=_("S3.1: cancelling later than this is a late cancellation and a credit event."),
    )
    late_cancel_compensation_percent = models.PositiveSmallIntegerField(
        _("employer's late cancellation: compensation (percent of the cancelled shifts' pay)"), default=50,
        help_text=_("E4.1: paid to the student through the settlement."),
    )
    checkin_grace_minutes = models.PositiveSmallIntegerField(
        _("check-in grace period (minutes after the shift starts)"), default=15,
        help_text=_("Only after this may the employer mark a no-show."),
    )
    no_show_contest_hours = models.PositiveSmallIntegerField(
        _("students may contest a no-show within (hours)"), default=48,
    )
    hours_confirm_hours = models.PositiveSmallIntegerField(
        _("employers confirm hours within (hours after the shift ends)"), default=48,
        help_text=_("Silence confirms the scheduled hours."),
    )
    hours_dispute_hours = models.PositiveSmallIntegerField(
        _("students may dispute confirmed hours within (hours)"), default=72,
    )
    demand_report_hours = models.PositiveSmallIntegerField(
        _("staff verify a report of an unlawful demand within (hours)"), default=24,
        help_text=_("S3.3: the service level for moderation cases raised by students."),
    )
    # Settlements (S4, F1)
    commission_percent = models.PositiveSmallIntegerField(
        _("commission (percent of wages, allowances and compensation)"), default=10,
        help_text=_("F1: charged to the employer on top of wages, never deducted from what the student receives."),
    )
    # Funding and the guarantee (E5.1, E5.2)
    prefund_below_tier = models.PositiveSmallIntegerField(
        _("employers below this credit tier prefund at hire"), default=2,
        help_text=_("E5.1: an employer whose credit tier is lower must hold the estimated pay in escrow before "
                    "hiring; others fund after the hours are confirmed."),
    )
    funding_reminder_days = models.PositiveSmallIntegerField(
        _("remind employers to fund (days before the due date)"), default=1,
    )
    guarantee_grace_working_days = models.PositiveSmallIntegerField(
        _("guarantee: advance wages after the funding date plus (working days)"), default=2,
        help_text=_("E5.2: when an employer has still not paid this long after the promised date, the platform "
                    "advances the wages from the guarantee fund."),
    )
    guarantee_cap_fen = models.PositiveIntegerField(
        _("guarantee: most advanced per settlement (fen)"), default=200000,
        help_text=_("A larger statement is escalated to finance instead of being advanced automatically."),
    )
    dispute_response_working_days = models.PositiveSmallIntegerField(
        _("employers answer a payment dispute within (working days)"), default=2,
    )
    # Reviews (S5.1, E6.1)
    review_window_days = models.PositiveSmallIntegerField(
        _("reviews can be written for (days after the engagement completes)"), default=7,
        help_text=_("S5.1, E6.1: both sides review each other within this window; their reviews are shown when "
                    "both have written one or when it closes."),
    )
    # Credit score and tiers (K3.1): score 0–100, tier 0 (lowest) .. 4; 2 is neutral.
    credit_tier1_min = models.PositiveSmallIntegerField(_("credit score for tier 1 (fair)"), default=40)
    credit_tier2_min = models.PositiveSmallIntegerField(_("credit score for tier 2 (good)"), default=55)
    credit_tier3_min = models.PositiveSmallIntegerField(_("credit score for tier 3 (very good)"), default=70)
    credit_tier4_min = models.PositiveSmallIntegerField(_("credit score for tier 4 (excellent)"), default=85)
    credit_half_life_days = models.PositiveSmallIntegerField(
        _("credit: an event weighs half after (days)"), default=180,
        help_text=_("K3.1: counted back from the person's most recent event, so time without activity changes "
                    "nothing."),
    )
    # Privileges and limits by tier (K3.1)
    early_access_hours = models.PositiveSmallIntegerField(
        _("students of tier 3 and above see new jobs earlier by (hours)"), default=2,
    )
    applications_limit_low_tier = models.PositiveSmallIntegerField(
        _("open applications a student of tier 0–1 may have"), default=3,
    )
    applications_limit = models.PositiveSmallIntegerField(
        _("open applications any other student may have"), default=20,
    )
    posting_quota_low_tier = models.PositiveSmallIntegerField(
        _("live jobs an employer of tier 0–1 may have"), default=2,
    )
    posting_quota = models.PositiveSmallIntegerField(_("live jobs an employer of tier 2 may have"), default=10)
    posting_quota_high_tier = models.PositiveSmallIntegerField(
        _("live jobs an employer of tier 3–4 may have"), default=30,
    )
    # Sanctions (E4.2, K3.2)
    strike_expiry_days = models.PositiveSmallIntegerField(
        _("a sanction counts on the ladder for (days)"), default=365,
        help_text=_("E4.2: after this the strike no longer moves the next violation up the ladder."),
    )
    restriction_days = models.PositiveSmallIntegerField(_("a restriction lasts (days)"), default=30)
    appeal_window_days = models.PositiveSmallIntegerField(
        _("a sanction can be appealed within (days)"), default=7,
    )
    # Customer service (P2.2): service levels of tickets
    ticket_first_response_working_hours = models.PositiveSmallIntegerField(
        _("tickets: first answer within (office hours on working days)"), default=4,
        help_text=_("P2.2: office hours are 09:00–17:00 on working days of the Chinese calendar."),
    )
    ticket_resolve_days_question = models.PositiveSmallIntegerField(
        _("tickets: resolve a question within (working days)"), default=2)
    ticket_resolve_days_complaint = models.PositiveSmallIntegerField(
        _("tickets: resolve a complaint within (working days)"), default=5)
    ticket_resolve_days_dispute = models.PositiveSmallIntegerField(
        _("tickets: resolve a dispute within (working days)"), default=10)
    ticket_resolve_days_report = models.PositiveSmallIntegerField(
        _("tickets: resolve a report within (working days)"), default=3)
    ticket_resolve_days_feedback = models.PositiveSmallIntegerField(
        _("tickets: answer feedback within (working days)"), default=5)
    ticket_reopen_days = models.PositiveSmallIntegerField(
        _("tickets: the user may reopen a resolved ticket for (days)"), default=7,
        help_text=_("After this a resolved ticket is closed for good; a new matter needs a new ticket."),
    )
    # Back office (F2, F4, K5)
    expense_second_approval_above_fen = models.PositiveIntegerField(
        _("expense claims above this amount need a second approver (fen)"), default=500000,
        help_text=_("F2: the department head and a second approver, then finance."),
    )
    audit_finding_reminder_days = models.PositiveSmallIntegerField(
        _("remind the owner of an audit finding (days before it is due)"), default=7,
    )
    backup_retention_days = models.PositiveSmallIntegerField(
        _("keep backups for (days)"), default=30,
        help_text=_("K5: older backup files are deleted after a newer backup has passed its restore check."),
    )
    # Income tax (docs/tax.md): who withholds the income tax on students' pay. Changed only with
    # four eyes (core.policy.FOUR_EYES_FIELDS, PolicyChangeRequest).
    tax_withholding_agent = models.CharField(
        _("income tax: withholding agent"), max_length=16, choices=TaxWithholdingAgent.choices,
        default=TaxWithholdingAgent.PLATFORM,
        help_text=_("The platform withholds by the cumulative method (State Taxation Administration announcement "
                    "2025 No. 16); the employer by the per-payment method (announcement 2018 No. 61 art. 8), "
                    "and then the platform withholds nothing. Changed only by a request a second staff member "
                    "approves."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("policy parameters")
        verbose_name_plural = _("policy parameters")

    def __str__(self) -> str:
        return str(_("Policy parameters"))


class PolicyChange(models.Model):
    """Change log of the policy parameters (who changed which number, when)."""

    field = models.CharField(_("parameter"), max_length=64)
    old_value = models.CharField(_("old value"), max_length=64)
    new_value = models.CharField(_("new value"), max_length=64)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class PolicyChangeRequest(FSMModelMixin, TimeStampedModel):
    """A change of a policy parameter that needs four eyes (core.policy.FOUR_EYES_FIELDS):
    one staff member requests it, ANOTHER approves it, and only then is it applied (and
    logged as a PolicyChange), or rejected with a note.

      requested — waiting for a second staff member
      applied   — approved and applied
      rejected  — refused, with the decider's note"""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a second approval")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    history_actions = CoreAction

    field = models.CharField(_("parameter"), max_length=64)
    old_value = models.CharField(_("value when requested"), max_length=64)
    new_value = models.CharField(_("new value"), max_length=64)
    reason = models.TextField(_("why"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.REQUESTED, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("policy change request")
        verbose_name_plural = _("policy change requests")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_policychangerequest", _("Can approve or reject a policy change another staff "
                                                         "member requested"))]

    def __str__(self) -> str:
        name, old, new = self.labels()
        return _("%(field)s: %(old)s → %(new)s (%(status)s)") % {
            "field": name, "old": old, "new": new, "status": self.get_status_display()}

    def labels(self) -> tuple[str, str, str]:
        """The parameter's name and its old and new values as the Policy admin shows them."""
        try:
            field = Policy._meta.get_field(self.field)
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, models.Field):
            return self.field, self.old_value, self.new_value
        choices = {str(key): str(label) for key, label in field.flatchoices}
        return (str(field.verbose_name), choices.get(self.old_value, self.old_value),
                choices.get(self.new_value, self.new_value))

    @transition(field=status, source=Status.REQUESTED, target=Status.APPLIED)
    def apply(self, *, by: "User") -> None:
        self.decided_by, self.decided_at = by, timezone.now()

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self, *, by: "User", text: str) -> None:
        self.decided_by, self.decided_at, self.decision_note = by, timezone.now(), text


class CalendarOverride(models.Model):
    """A staff correction to the holiday calendar (e.g. a newly announced 调休 day)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("is a working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {'workday' if self.is_working_day else 'day off'}"


class CalendarYearConfirmation(models.Model):
    """Staff confirmed a year's holiday calendar (DESIGN: Deadlines; P2.1/K5): the State
    Council's notice for that year is entered as CalendarOverrides (its make-up working
    days 调休上班 and the extra days off), checked against the statutory days the
    calendar computes. The daily check fails from 1 December until next year has one."""

    history_actions = CoreAction

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(
        _("State Council notice"), max_length=300,
        help_text=_("Title and address of the State Council General Office's notice on this year's holidays."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year confirmation")
        verbose_name_plural = _("calendar year confirmations")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ReasonTemplate(models.Model):
    """A reusable reason for staff decisions (rejections, change requests, take-downs)."""

    class Context(models.TextChoices):
        REGISTRATION = "registration", _("Registration vetting")
        JOB = "job", _("Jobs")
        APPLICATION = "application", _("Applications")

    context = models.CharField(_("used for"), max_length=24, choices=Context.choices, db_index=True)
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("reason text"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reason template")
        verbose_name_plural = _("reason templates")
        ordering = ["context", "title"]

    def __str__(self) -> str:
        return self.title


class BackupRecord(models.Model):
    """One run of `manage.py backup` or `manage.py restore_check` (K5) and what it found."""

    class Kind(models.TextChoices):
        BACKUP = "backup", _("Backup")
        RESTORE_CHECK = "restore_check", _("Restore check")

    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    file_name = models.CharField(_("file"), max_length=300, blank=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the encrypted file"), max_length=64, blank=True)
    # For a restore check: the backup it restored.
    backup = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="checks",
                               verbose_name=_("backup checked"))
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("backup record")
        verbose_name_plural = _("backup records")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"


class BeatHeartbeat(models.Model):
    """When beat last ran its heartbeat through a worker (for the health check)."""

    name = models.CharField(max_length=64, unique=True)
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {timezone.localtime(self.last_seen_at):%Y-%m-%d %H:%M}"


class CreditTier(models.IntegerChoices):
    """The credit tiers (K3.1), written onto student and employer profiles by the risk app."""

    POOR = 0, _("Poor")
    FAIR = 1, _("Fair")
    GOOD = 2, _("Good")
    VERY_GOOD = 3, _("Very good")
    EXCELLENT = 4, _("Excellent")


class CreditEvent(models.Model):
    """One fact that bears on a student's or an employer's credit (K3.2).

    Lifecycle apps record what happened (a no-show, an unanswered application,
    a late cancellation, a completed shift) through `core.credit.credit_event_record`;
    the risk app turns the facts into scores with its published formula. Facts
    are append-only; a fact that turns out wrong is cancelled by a reversing
    fact (`reverses`), never edited. `key` makes recording idempotent, so a
    sweep that runs twice records a fact once."""

    class Subject(models.TextChoices):
        STUDENT = "student", _("Student")
        EMPLOYER = "employer", _("Employer")

    key = models.CharField(max_length=120, unique=True)
    subject_kind = models.CharField(_("about"), max_length=8, choices=Subject.choices)
    # A student is a user; an employer is an organisation (employers.Employer pk).
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    kind = models.CharField(_("event"), max_length=48, db_index=True)
    reason = models.TextField(_("reason shown to the user"))
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    # A number the fact carries: a review's overall rating (1–5), an external flag's points (+/-).
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["subject_kind", "subject_id", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.subject_kind}:{self.subject_id} {self.kind}"


# django-fsm-2 types a permission callable as taking any model and any user-like object (even a bare
# PermissionsMixin); it is called with the transition's own row and the acting user, hence the ignores.
def _can_moderate_text(instance: "HeldText", user: "User | AnonymousUser | None") -> bool:
    return bool(user and user.is_active and user.has_perm("core.moderate_heldtext"))


class HeldText(FSMModelMixin, TimeStampedModel):
    """Text another user would read that the screen flagged (G2, J1.4): it is
    held here, unseen by its readers, until a moderator clears or rejects it.

    Every door (a schedule change, an invitation, an answer to a review...)
    writes one row through `core.screening.held_text_create`; the door's
    registered handlers deliver or drop the text when the moderator decides."""

    history_actions = CoreAction

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        CLEARED = "cleared", _("Cleared and shown")
        REJECTED = "rejected", _("Rejected")

    door = models.CharField(_("where it was written"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    values = models.JSONField(_("text as written"), default=dict)
    findings = models.JSONField(_("what the screen found"), default=list)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("written by"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.PENDING, protected=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason given to the author"), blank=True)

    class Meta:
        verbose_name = _("held text")
        verbose_name_plural = _("held texts (screen flags)")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "status"])]
        permissions = [("moderate_heldtext", _("Can clear or reject text held by the screen"))]

    def __str__(self) -> str:
        from .screening import doors  # the registry of doors, filled by the apps in ready()

        door = doors().get(self.door)
        return f"{door.label if door else self.door} #{self.object_id}"

    @transition(field=status, source=Status.PENDING, target=Status.CLEARED,
                permission=_can_moderate_text,  # type: ignore[arg-type]
                custom={"label": _("Clear and show"), "form": "core.forms.DecisionNoteForm"})
    def clear(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED,
                permission=_can_moderate_text,  # type: ignore[arg-type]
                custom={"label": _("Reject"), "form": "core.forms.DecisionReasonForm"})
    def reject(self, *, by: "User | None" = None, reason: str = "") -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason


class SmsMessage(models.Model):
    """One text message to a mobile number and its delivery (issue 20): what an
    auditor needs (template, masked number, time, status, the provider's id)
    without the number or the code in clear; both are encrypted so a retry can
    send it again, and erased with the account."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_messages"
    )
    template = models.CharField(_("template"), max_length=40)
    phone = EncryptedTextField(_("mobile number"))
    phone_masked = models.CharField(_("mobile number (masked)"), max_length=20)
    params = EncryptedTextField(_("template parameters"), default="{}")
    status = models.CharField(_("delivery status"), max_length=12, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    provider_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Held by the quiet hours (22:00–08:00 Shanghai) until this time; the beat sweep releases it.
    send_after = models.DateTimeField(_("held until"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.template} → {self.phone_masked}"


class AlertKind(models.TextChoices):
    """The kinds of event a user chooses channels for (issue 20)."""

    OFFER = "offer", _("An offer and its deadline")
    SHIFT_REMINDER = "shift_reminder", _("Shift reminders (24 h and 2 h before)")
    SCHEDULE_CHANGE = "schedule_change", _("A proposed change of time or place")
    CANCELLATION = "cancellation", _("A cancellation by the other side")
    PAYOUT = "payout", _("A payout paid or failed")
    SANCTION = "sanction", _("A sanction")
    OTHER = "other", _("Everything else")


class AlertPreference(models.Model):
    """A user's channels for one kind of event; without a row the defaults apply
    (core.alerts.DEFAULT_SMS). The in-site inbox always keeps the alert."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences")
    kind = models.CharField(_("kind of event"), max_length=20, choices=AlertKind.choices)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("text message"), default=False)

    class Meta:
        verbose_name = _("alert preference")
        verbose_name_plural = _("alert preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alert_preference_user_kind_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
