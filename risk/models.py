"""Credit scores, sanctions and appeals (K3.1, K3.2, E4.2), and imports of
third-party credit flags (K3.3).

Declarations only: every write goes through `risk.services`, `risk.scoring`
and `risk.sanctions`. A subject is a student (a user id) or an employer (an
organisation id), as in `core.CreditEvent`. What a sanction means for the
subject in practice (may not apply, may not post, suspended, terminated) is
written onto the student profile or the employer through accounts' and
employers' services, so lower apps never import this one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import CreditEvent, CreditTier, TimeStampedModel
from core.uploads import private_storage

Subject = CreditEvent.Subject
DECIDE_APPEAL_PERMISSION = "risk.decide_appeal"
IMPOSE_PERMISSION = "risk.add_sanction"


class RiskAction(models.TextChoices):
    """What risk records in history: sanctions and appeals (E4.2, K3.2) and the
    risk register (K1). An appeal's outcome is recorded on both the appeal and
    its sanction."""

    IMPOSE = "impose", _("sanction imposed")
    APPEAL = "appeal", _("appealed against")
    FILE = "file", _("appeal filed")
    UPHELD = "upheld", _("sanction upheld on appeal")
    OVERTURNED = "overturned", _("sanction overturned on appeal")
    CREATE = "create", _("risk entered in the register")
    CHANGE = "change", _("register entry changed")
    REVIEW_REMINDED = "review_reminded", _("owner reminded of the overdue review")
    SELF_CHECK = "self_check", _("yearly data protection self-check recorded")


class CreditScore(models.Model):
    """A subject's current score (0–100) and tier, and the parts it was made of.

    Recomputed from the subject's credit events by `risk.scoring` whenever a new
    event is recorded, and for everyone by the nightly full recompute."""

    subject_kind = models.CharField(_("about"), max_length=8, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    score = models.PositiveSmallIntegerField(_("credit score"))
    tier = models.PositiveSmallIntegerField(_("credit tier"), choices=CreditTier.choices)
    # Points per part of the published formula, e.g. {"base": 60, "verification": 10, ...}.
    parts = models.JSONField(_("parts of the score"), default=dict)
    events_counted = models.PositiveIntegerField(_("events counted"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        constraints = [
            models.UniqueConstraint(fields=["subject_kind", "subject_id"], name="one_credit_score_per_subject"),
            models.CheckConstraint(condition=Q(score__lte=100), name="credit_score_0_to_100"),
            models.CheckConstraint(condition=Q(tier__lte=4), name="credit_tier_0_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_kind}:{self.subject_id} {self.score} ({self.get_tier_display()})"


def _can_decide_appeal(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm(DECIDE_APPEAL_PERMISSION))


class Sanction(FSMModelMixin, TimeStampedModel):
    """One rung of the ladder imposed for a violation (E4.2, K3.2).

    The rung follows from the subject's unexpired strikes (warning → restriction
    → suspension 7 days → suspension 30 days → termination); a severe violation
    starts at suspension. The subject is told and may appeal once before
    `appeal_due_at`; a staff member other than the one who imposed it decides."""

    history_actions = RiskAction

    class Level(models.TextChoices):
        WARNING = "warning", _("Warning")
        RESTRICTION = "restriction", _("Restriction")
        SUSPENSION = "suspension", _("Suspension")
        TERMINATION = "termination", _("Termination of cooperation")

    class Category(models.TextChoices):
        FALSE_INFORMATION = "false_information", _("False information")
        MONEY_FROM_STUDENTS = "money_from_students", _("Taking money from students")
        FRAUD = "fraud", _("Fraud")
        UNLAWFUL_DEMAND = "unlawful_demand", _("Unlawful demand on a student")
        UNPAID_WAGES = "unpaid_wages", _("Wages not paid as agreed")
        NO_SHOWS = "no_shows", _("Repeated no-shows or cancellations")
        ABUSE = "abuse", _("Abusive or unsafe conduct")
        OTHER = "other", _("Other violation of the platform rules")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        APPEALED = "appealed", _("Under appeal")
        UPHELD = "upheld", _("Upheld on appeal")
        OVERTURNED = "overturned", _("Overturned on appeal")

    subject_kind = models.CharField(_("about"), max_length=8, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    level = models.CharField(_("sanction"), max_length=12, choices=Level.choices)
    suspension_days = models.PositiveSmallIntegerField(_("suspended for (days)"), null=True, blank=True)
    category = models.CharField(_("violation"), max_length=24, choices=Category.choices)
    severe = models.BooleanField(_("severe violation"), default=False)
    reason = models.TextField(_("reason (shown to the user)"), max_length=4000)
    evidence = models.TextField(_("evidence links"), blank=True,
                                help_text=_("One link or document reference per line."))
    imposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("imposed by"))
    # What set it off, when it came from a case (a confirmed report, a decided dispute …).
    source_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    strike_expires_at = models.DateTimeField(_("counts on the ladder until"))
    appeal_due_at = models.DateTimeField(_("appeal possible until"))
    status = FSMField(_("status"), choices=Status.choices, default=Status.IN_FORCE, protected=True, db_index=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["subject_kind", "subject_id", "-strike_expires_at"],
                                name="sanction_subject_strikes")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="suspension") | Q(suspension_days__in=[7, 30]), name="suspension_7_or_30_days"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} – {self.subject_kind}:{self.subject_id}"

    @transition(field=status, source=Status.IN_FORCE, target=Status.APPEALED)
    def appeal(self) -> None:
        pass

    @transition(field=status, source=Status.APPEALED, target=Status.UPHELD, permission=_can_decide_appeal)
    def uphold(self) -> None:
        pass

    @transition(field=status, source=Status.APPEALED, target=Status.OVERTURNED, permission=_can_decide_appeal)
    def overturn(self) -> None:
        pass


class Appeal(FSMModelMixin, TimeStampedModel):
    """The one appeal against a sanction (E4.2), decided by a different staff member."""

    history_actions = RiskAction

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        UPHELD = "upheld", _("Sanction upheld")
        OVERTURNED = "overturned", _("Sanction overturned")

    sanction = models.OneToOneField(Sanction, on_delete=models.PROTECT, related_name="appeal_filed",
                                    verbose_name=_("sanction"))
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("appealed by"))
    text = models.TextField(_("why the sanction is wrong"), max_length=4000)
    evidence = models.TextField(_("evidence links"), blank=True)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision (sent to the user)"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["created_at", "id"]
        permissions = [("decide_appeal", _("Can decide appeals against sanctions"))]

    def __str__(self) -> str:
        return f"appeal against {self.sanction}"

    @transition(field=status, source=Status.OPEN, target=Status.UPHELD, permission=_can_decide_appeal)
    def uphold(self, *, by, reason: str) -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason

    @transition(field=status, source=Status.OPEN, target=Status.OVERTURNED, permission=_can_decide_appeal)
    def overturn(self, *, by, reason: str) -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason


class ExternalFlagImport(TimeStampedModel):
    """One CSV of third-party credit flags imported by staff (K3.3); each row
    becomes a credit event whose key carries the provider's reference, so
    importing the same file twice adds nothing."""

    provider = models.CharField(_("provider"), max_length=100)
    file_name = models.CharField(_("file"), max_length=200)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("imported by"))
    rows_recorded = models.PositiveIntegerField(_("flags recorded"), default=0)
    rows_already_known = models.PositiveIntegerField(_("flags already recorded"), default=0)

    class Meta:
        verbose_name = _("external credit flag import")
        verbose_name_plural = _("external credit flag imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.file_name}"


# ====================================================================== the risk register (K1, K2, K4, K5)
class RiskCategory(models.TextChoices):
    LEGAL = "legal", _("Legal")
    CREDIT = "credit", _("Credit")
    MARKET = "market", _("Market")
    TECHNICAL = "technical", _("Technical")


class RiskItem(TimeStampedModel):
    """One identified risk, assessed as likelihood × impact (K1) with a response."""

    history_actions = RiskAction

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("risk"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=RiskCategory.choices)
    description = models.TextField(_("description"), max_length=4000)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1–5)"))
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    response_plan = models.TextField(_("response plan"), max_length=4000)
    review_on = models.DateField(_("next review on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["-likelihood", "-impact", "id"]
        constraints = [models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1,
                                                          impact__lte=5), name="risk_scores_1_to_5")]

    def __str__(self) -> str:
        return self.title

    @property
    def rating(self) -> int:
        return self.likelihood * self.impact


class DataProtectionSelfCheck(models.Model):
    """The yearly self-check of user-data protection (《网络招聘服务管理规定》; PIPL art. 54), one per
    calendar year, recorded in the register as a legal risk with its findings (risk.self_checks)."""

    year = models.PositiveSmallIntegerField(_("year checked"), unique=True)
    risk_item = models.OneToOneField(RiskItem, on_delete=models.PROTECT, related_name="self_check",
                                     verbose_name=_("register entry"))
    findings = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data protection self-check")
        verbose_name_plural = _("data protection self-checks")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class KeyRiskIndicator(models.Model):
    """A key risk indicator computed from the platform (K1, K4, K5), with its
    thresholds; a breach alerts the owner and shows on the daily check page."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    warning_at = models.DecimalField(_("warning at"), max_digits=12, decimal_places=2)
    breach_at = models.DecimalField(_("breach at"), max_digits=12, decimal_places=2)
    # Most indicators are worse when higher (a dispute rate); a few when lower (payouts on time).
    higher_is_worse = models.BooleanField(_("higher is worse"), default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))
    risk = models.ForeignKey(RiskItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators",
                             verbose_name=_("risk it watches"))

    class Meta:
        verbose_name = _("key risk indicator")
        verbose_name_plural = _("key risk indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the seeded names (migration 0005) are msgids of the
        catalogue (risk.indicators.SEEDED_WORDS); a name staff typed shows as typed (issue 21)."""
        return gettext(self.name) if self.name else ""

    @property
    def unit_label(self) -> str:
        return pgettext("indicator unit", self.unit) if self.unit else ""


class KRIReading(models.Model):
    """One measurement of an indicator, with the level it reached."""

    class Level(models.TextChoices):
        OK = "ok", _("Within limits")
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    indicator = models.ForeignKey(KeyRiskIndicator, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    measured_at = models.DateTimeField(_("measured at"), db_index=True)
    alerted_at = models.DateTimeField(_("owner alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["indicator", "-measured_at"], name="kri_reading_latest")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.value} ({self.level})"


class LegalOpinion(TimeStampedModel):
    """A lawyer's opinion on a contract or a policy change before it takes effect (K2)."""

    class Subject(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        POLICY_CHANGE = "policy_change", _("Policy or rule change")
        TERMS = "terms", _("User terms or privacy notice")
        OTHER = "other", _("Other key decision")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Opinion awaited")
        APPROVED = "approved", _("Approved")
        CHANGES = "changes", _("Approved with changes")
        REJECTED = "rejected", _("Rejected")

    subject = models.CharField(_("subject of the opinion"), max_length=16, choices=Subject.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary and legal risks found"), max_length=4000)
    counsel = models.CharField(_("given by (lawyer or counsel)"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    given_on = models.DateField(_("given on"), null=True, blank=True)
    document = models.FileField(_("document"), storage=private_storage, upload_to="legal-opinions/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("legal opinion")
        verbose_name_plural = _("legal opinions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ContingencyPlan(TimeStampedModel):
    """What to do when a risk happens (K4, K5): the trigger, the steps, who leads,
    and when the plan was last rehearsed."""

    title = models.CharField(_("plan"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=RiskCategory.choices)
    trigger = models.TextField(_("when it applies"), max_length=2000)
    steps = models.TextField(_("steps"), max_length=8000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("leads it"))
    last_tested_on = models.DateField(_("last rehearsed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        ordering = ["category", "title"]

    def __str__(self) -> str:
        return self.title
