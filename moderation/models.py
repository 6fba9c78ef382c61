"""Moderation cases and checks that sit on top of the lifecycle apps: the
second-stage verification record (P2.3) and reports of jobs opened by users
(S5.2, G3). Declarations only: every write goes through `moderation.services`."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from employers.models import Employer


class ModerationAction(models.TextChoices):
    """What moderation records in history: a report's course (S5.2, G3), the
    decision checks (P2.3), and the second-stage checks, which are
    recorded on the checked job, employer or student (their own vocabularies
    carry these values too)."""

    CREATE = "create", _("report filed")
    CONFIRM = "confirm", _("report confirmed")
    DISMISS = "dismiss", _("report dismissed")
    SAMPLE = "sample", _("drawn for re-review")
    ASSIGN = "assign", _("given to a moderator to re-review")
    AGREE = "agree", _("agreed with on re-review")
    DISAGREE = "disagree", _("disagreed with on re-review")
    VERIFICATION_PHONE_CALLBACK = "verification_phone_callback", _("phone call-back made")
    VERIFICATION_BACKGROUND_CHECK = "verification_background_check", _("background check made")
    VERIFICATION_OTHER = "verification_other", _("other check made")


# What a verification step may be about: a job, an employer or a student (P2.3).
VERIFIABLE_MODELS = (("jobs", "job"), ("employers", "employer"), ("accounts", "studentprofile"))
VERIFIABLE_SUBJECTS = (
    Q(app_label="jobs", model="job") | Q(app_label="employers", model="employer")
    | Q(app_label="accounts", model="studentprofile")
)


class VerificationStep(models.Model):
    """One second-stage check a moderator made (P2.3): a phone call-back to the
    employer or student, a background check, or another inquiry, and what it found.

    Append-only: a later check is a new row, so the record shows who checked what, when."""

    class Kind(models.TextChoices):
        PHONE_CALLBACK = "phone_callback", _("Phone call-back")
        BACKGROUND_CHECK = "background_check", _("Background check")
        OTHER = "other", _("Other check")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DISCREPANCY = "discrepancy", _("Discrepancy found")
        UNREACHABLE = "unreachable", _("Could not be reached")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, limit_choices_to=VERIFIABLE_SUBJECTS,
                                     verbose_name=_("subject type"))
    object_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("check"), max_length=20, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    notes = models.TextField(_("notes"), max_length=4000, blank=True,
                             help_text=_("Who was called or what was checked, and what they said or showed."))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("checked by"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("verification step")
        verbose_name_plural = _("verification steps")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_outcome_display()}"


def _can_resolve(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm("moderation.resolve_report"))


# What a report can be about (G3): exactly one of these is set.
REPORT_TARGETS = ("job", "employer", "student", "review")


class Report(FSMModelMixin, TimeStampedModel):
    """A user's report of a job, an employer's profile, a student's profile (as
    shown to an employer) or a review: a moderation case (S5.2, G3). The one
    report concept: a review's reports (abuse, personal data, false information)
    are these too (S5.1).

    Open until a moderator confirms it (and may take a job down; confirmed false
    information is a violation on the sanctions ladder and a credit event) or
    dismisses it; the reporter is told the outcome either way."""

    history_actions = ModerationAction

    class Category(models.TextChoices):
        FALSE_INFORMATION = "false_information", _("False or misleading information")
        DISCRIMINATION = "discrimination", _("Discriminatory requirements")
        FEES_DEMANDED = "fees_demanded", _("Asks students for money (deposit, training fee …)")
        SCAM = "scam", _("Looks like a scam")
        UNSAFE = "unsafe", _("Unsafe or unlawful work")
        # A review's own faults (S5.1, E6.1): confirmed, the review is hidden; unlike false
        # information (G3) they are no violation on the sanctions ladder.
        ABUSE = "abuse", _("Abusive or insulting")
        PERSONAL_DATA = "personal_data", _("Reveals personal data")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("job"))
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("employer"))
    student = models.ForeignKey("accounts.StudentProfile", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("student"))
    review = models.ForeignKey("reviews.Review", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("review"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("reported by"))
    category = models.CharField(_("what is wrong"), max_length=20, choices=Category.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decision_note = models.TextField(_("decision note (sent to the reporter)"), blank=True)
    job_taken_down = models.BooleanField(_("job taken down"), default=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "id"]
        permissions = [("resolve_report", _("Can confirm or dismiss reports of jobs"))]
        constraints = [
            # Exactly one target (G3).
            models.CheckConstraint(
                condition=(Q(job__isnull=False, employer__isnull=True, student__isnull=True, review__isnull=True)
                           | Q(job__isnull=True, employer__isnull=False, student__isnull=True, review__isnull=True)
                           | Q(job__isnull=True, employer__isnull=True, student__isnull=False, review__isnull=True)
                           | Q(job__isnull=True, employer__isnull=True, student__isnull=True, review__isnull=False)),
                name="report_exactly_one_target"),
            # One open report per reporter and target (NULL targets never collide).
            models.UniqueConstraint(fields=["job", "reporter"], condition=Q(status="open"),
                                    name="one_open_report_per_reporter_and_job"),
            models.UniqueConstraint(fields=["employer", "reporter"], condition=Q(status="open"),
                                    name="one_open_report_per_reporter_and_employer"),
            models.UniqueConstraint(fields=["student", "reporter"], condition=Q(status="open"),
                                    name="one_open_report_per_reporter_and_student"),
            models.UniqueConstraint(fields=["review", "reporter"], condition=Q(status="open"),
                                    name="one_open_report_per_reporter_and_review"),
        ]

    @property
    def target_kind(self) -> str:
        return next(name for name in REPORT_TARGETS if getattr(self, f"{name}_id") is not None)

    @property
    def target(self):
        return getattr(self, self.target_kind)

    def __str__(self) -> str:
        kind = next((name for name in REPORT_TARGETS if getattr(self, f"{name}_id") is not None), "job")
        return f"{self.get_category_display()} – {kind} {getattr(self, f'{kind}_id')}"

    @transition(field=status, source=Status.OPEN, target=Status.RESOLVED, permission=_can_resolve,
                custom={"label": _("Confirm the report"), "form": "moderation.forms.ReportConfirmForm"})
    def confirm(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = timezone.now(), by, reason

    @transition(field=status, source=Status.OPEN, target=Status.DISMISSED, permission=_can_resolve,
                custom={"label": _("Dismiss the report"), "form": "moderation.forms.ReportDismissForm"})
    def dismiss(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_note = timezone.now(), by, reason
from .decision_checks import DecisionCheck  # noqa: E402,F401


class EmployerWatch(Employer):
    """The moderators' view of employer accounts that look abnormal (moderation.watchlist):
    a proxy, so the list is an admin page with its own view permission and no table."""

    class Meta:
        proxy = True
        verbose_name = _("employer to watch")
        verbose_name_plural = _("employers to watch")
