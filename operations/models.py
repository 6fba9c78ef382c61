"""Operations and staff management (P2.1, P3): the daily system check and its
sign-off, the weekly report, promotion campaigns and what they brought, staff
appraisals with rewards and penalties, and the suggestion scheme.

Declarations only: every write goes through `operations.services` (and its
modules). Operations reads other apps through their selectors and sees
aggregates, never personal data."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel

DECIDE_SUGGESTION_PERMISSION = "operations.decide_suggestion"
APPRAISE_PERMISSION = "operations.add_staffappraisal"


class OperationsAction(models.TextChoices):
    """What operations records in history: the daily check's sign-off (P2.1),
    appraisals, rewards and penalties, and the suggestion scheme (P3)."""

    SIGN_OFF = "sign_off", _("daily check signed off")
    APPRAISE = "appraise", _("appraisal recorded")
    RECORD = "record", _("reward or penalty recorded")
    SUBMIT = "submit", _("suggestion submitted")
    ADOPT = "adopt", _("suggestion adopted")
    DECLINE = "decline", _("suggestion declined")
    REWARD = "reward", _("suggestion rewarded")


class DailyCheck(models.Model):
    """One day's system check (P2.1): what the probes found, and the operations
    staff member who looked at it and signed it off."""

    history_actions = OperationsAction

    class Outcome(models.TextChoices):
        OK = "ok", _("All good")
        WARNING = "warning", _("Needs attention")
        FAILING = "failing", _("Something is failing")

    date = models.DateField(_("date"), unique=True)
    # {"database": {"ok": true, "detail": "12 ms"}, "redis": {...}, "worker": {...}, "beat": {...},
    #  "queue_depth": {...}, "failed_tasks_24h": {...}, "backup_age": {...}, "error_rate": {...}}
    results = models.JSONField(_("results"), default=dict)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    checked_at = models.DateTimeField(_("checked at"))
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("signed off by"))
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("daily system check")
        verbose_name_plural = _("daily system checks")
        ordering = ["-date"]
        permissions = [("sign_off_dailycheck", _("Can sign off the daily system check"))]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_outcome_display()}"


class TaskFailure(models.Model):
    """A Celery task that raised (recorded by a `task_failure` signal handler), so the
    daily check can count failures in the last 24 hours without a result backend.

    Only the exception's class is kept (PIPL): its message may quote personal data
    (an address, an ID number), and operations, who read this list, need only to
    know what failed, when and how. The full traceback is in the worker's log."""

    task_name = models.CharField(_("task"), max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    error_class = models.CharField(_("error class"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.task_name} {self.at:%Y-%m-%d %H:%M}"


class WeeklyReport(models.Model):
    """The weekly report of feedback and market data (P2.1), built by beat every
    Monday 08:00 Asia/Shanghai for the week before; `data` is what the page, its
    charts and the XLSX are drawn from, so the report never changes once built."""

    week_start = models.DateField(_("week starting (Monday)"), unique=True)
    data = models.JSONField(_("figures"), default=dict)
    built_at = models.DateTimeField(_("built at"))
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d}"


class Campaign(TimeStampedModel):
    """A promotion campaign (P2.1) with a tagged link (`/?c=<code>`); sign-ups and
    applications of users who arrived through it are attributed to it."""

    class Audience(models.TextChoices):
        STUDENTS = "students", _("Students")
        EMPLOYERS = "employers", _("Employers")
        BOTH = "both", _("Students and employers")

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("link code"), max_length=40, unique=True,
                            help_text=_("Used in the tagged link: /?c=<code>"))
    channel = models.CharField(_("channel"), max_length=100, help_text=_("Where the link is shown: a poster at a "
                                                                         "campus, a WeChat article …"))
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.STUDENTS)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget_fen = models.BigIntegerField(_("budget (fen)"), default=0)
    landing_path = models.CharField(_("landing page"), max_length=200, default="/")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("promotion campaign")
        verbose_name_plural = _("promotion campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"),
                       models.CheckConstraint(condition=Q(budget_fen__gte=0), name="campaign_budget_not_negative")]

    def __str__(self) -> str:
        return self.name


class CampaignVisit(models.Model):
    """Visits through a campaign's link, counted per day (no personal data)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        verbose_name = _("campaign visits")
        verbose_name_plural = _("campaign visits")
        constraints = [models.UniqueConstraint(fields=["campaign", "date"], name="one_visit_counter_per_day")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.date:%Y-%m-%d}: {self.count}"


class CampaignSignup(models.Model):
    """A user who signed up after arriving through a campaign's link (first touch wins)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="signups")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_signup")
    at = models.DateTimeField(_("signed up at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign sign-up")
        verbose_name_plural = _("campaign sign-ups")
        indexes = [models.Index(fields=["campaign", "at"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}: user {self.user_id}"


class ServerErrorCount(models.Model):
    """Server errors (HTTP 500s) counted per hour by a `got_request_exception`
    receiver, for the daily check's error rate; no request data is kept."""

    hour = models.DateTimeField(_("hour"), unique=True)
    count = models.PositiveIntegerField(_("server errors"), default=0)

    class Meta:
        verbose_name = _("server errors per hour")
        verbose_name_plural = _("server errors per hour")
        ordering = ["-hour"]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.count}"


class StaffAppraisal(TimeStampedModel):
    """A manager's periodic appraisal of one staff member (P3): the indicators the
    platform measured for the period, frozen when it is written, and the
    manager's marks for results, attitude and teamwork."""

    history_actions = OperationsAction

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appraisals",
                              verbose_name=_("staff member"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    indicators = models.JSONField(_("measured indicators"), default=dict)
    results = models.PositiveSmallIntegerField(_("results (1–5)"))
    attitude = models.PositiveSmallIntegerField(_("attitude (1–5)"))
    teamwork = models.PositiveSmallIntegerField(_("teamwork (1–5)"))
    comments = models.TextField(_("comments"), max_length=4000, blank=True)
    appraiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("appraised by"))

    class Meta:
        verbose_name = _("staff appraisal")
        verbose_name_plural = _("staff appraisals")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "period_start", "period_end"], name="one_appraisal_per_period"),
            models.CheckConstraint(condition=~Q(appraiser=F("staff")), name="appraisal_not_by_oneself"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="appraisal_period_order"),
            *[models.CheckConstraint(condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                                     name=f"appraisal_{name}_1_to_5") for name in ("results", "attitude", "teamwork")],
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class Suggestion(FSMModelMixin, TimeStampedModel):
    """A staff member's suggestion (P3): submitted → adopted or declined by a
    manager; an adopted suggestion whose effect was measured earns a reward."""

    history_actions = OperationsAction

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ADOPTED = "adopted", _("Adopted")
        DECLINED = "declined", _("Declined")
        REWARDED = "rewarded", _("Adopted and rewarded")

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suggestions",
                               verbose_name=_("suggested by"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("suggestion"), max_length=5000)
    status = FSMField(_("status"), choices=Status.choices, default=Status.SUBMITTED, protected=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision"), blank=True)
    measured_effect = models.TextField(_("measured effect"), blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        permissions = [("decide_suggestion", _("Can adopt or decline staff suggestions"))]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=Status.SUBMITTED, target=Status.ADOPTED)
    def adopt(self, *, by, reason: str) -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason

    @transition(field=status, source=Status.SUBMITTED, target=Status.DECLINED)
    def decline(self, *, by, reason: str) -> None:
        self.decided_by, self.decided_at, self.decision_reason = by, timezone.now(), reason

    @transition(field=status, source=Status.ADOPTED, target=Status.REWARDED)
    def reward(self, *, effect: str) -> None:
        self.measured_effect = effect


class RewardOrPenalty(models.Model):
    """A reward or a penalty recorded for a staff member (P3), from an appraisal, an
    adopted suggestion, or on its own. Append-only."""

    history_actions = OperationsAction

    class Kind(models.TextChoices):
        REWARD = "reward", _("Reward")
        PENALTY = "penalty", _("Penalty")

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("staff member"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0,
                                        help_text=_("A bonus or a deduction paid through payroll; 0 for none."))
    appraisal = models.ForeignKey(StaffAppraisal, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="rewards_and_penalties")
    suggestion = models.OneToOneField(Suggestion, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reward_record")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0), name="reward_amount_not_negative"),
                       models.CheckConstraint(condition=~Q(recorded_by=F("staff")), name="reward_not_by_oneself")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.staff}"
