"""Mutual, double-blind reviews after an engagement (S5.1, E6.1), their review
windows, and reports of abusive or false reviews to moderation (G3).

Declarations only: every write goes through `reviews.services`. A review is
seen by anyone but its author only once `published_at` is set — when both
sides have written theirs or the window closed — and never while `hidden_at`
is set (a moderator upheld a report)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

MAX_COMMENT = 1000
MAX_REPLY = 1000


class ReviewAction(models.TextChoices):
    """What reviews record in history (S5.1, E6.1): a review written, shown, answered
    or hidden, and a window's double-blind reveal."""

    SUBMIT = "submit", _("review written")
    PUBLISH = "publish", _("review shown")
    REVEAL = "reveal", _("reviews revealed to both sides")
    REPLY = "reply", _("review answered")
    HIDE = "hide", _("review hidden")


class Direction(models.TextChoices):
    STUDENT_REVIEWS_EMPLOYER = "student_reviews_employer", _("The student reviews the employer")
    EMPLOYER_REVIEWS_STUDENT = "employer_reviews_student", _("The employer reviews the student")


# The ratings each side gives (1–5); payment timeliness is never the user's: it comes from the settlement.
STUDENT_RATINGS = ("work_as_described", "treatment_and_safety", "communication", "overall")
EMPLOYER_RATINGS = ("work_performance", "communication", "overall")
RATINGS_BY_DIRECTION = {Direction.STUDENT_REVIEWS_EMPLOYER: STUDENT_RATINGS,
                        Direction.EMPLOYER_REVIEWS_STUDENT: EMPLOYER_RATINGS}
ALL_RATINGS = ("work_performance", "work_as_described", "treatment_and_safety", "communication", "overall",
               "payment_timeliness")


def _rating(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


def _in_range(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1,
                                                                                  f"{name}__lte": 5}),
                                  name=f"review_{name}_1_to_5")


class ReviewWindow(TimeStampedModel):
    """The days in which both parties of a completed engagement review each other.

    Created by the sweep (or on the first review) from the engagement's
    completion: applications never import reviews. `revealed_at` is set when
    the reviews were published, by both submitting or by the window closing."""

    history_actions = ReviewAction

    engagement = models.OneToOneField("applications.Engagement", on_delete=models.CASCADE,
                                      related_name="review_window")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    employer = models.ForeignKey("employers.Employer", on_delete=models.CASCADE, related_name="+")
    opens_at = models.DateTimeField(_("open from"))
    closes_at = models.DateTimeField(_("open until"))
    revealed_at = models.DateTimeField(_("reviews shown since"), null=True, blank=True)
    invited_at = models.DateTimeField(_("both sides asked to review at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review window")
        verbose_name_plural = _("review windows")
        ordering = ["-opens_at", "-id"]
        indexes = [
            # The sweep's selections: windows to reveal, and windows whose parties were not asked yet.
            models.Index(fields=["closes_at", "id"], condition=Q(revealed_at__isnull=True),
                         name="reviewwindow_to_reveal"),
            models.Index(fields=["id"], condition=Q(invited_at__isnull=True), name="reviewwindow_to_invite"),
            models.Index(fields=["student", "-closes_at"], name="reviewwindow_student"),
            models.Index(fields=["employer", "-closes_at"], name="reviewwindow_employer"),
        ]

    def __str__(self) -> str:
        return f"reviews of engagement {self.engagement_id} until {self.closes_at:%Y-%m-%d %H:%M}"


class Review(TimeStampedModel):
    """One side's review of the other after a completed engagement (S5.1, E6.1)."""

    history_actions = ReviewAction

    engagement = models.ForeignKey("applications.Engagement", on_delete=models.CASCADE, related_name="reviews")
    direction = models.CharField(_("direction"), max_length=32, choices=Direction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written",
                               verbose_name=_("author"))
    # Copied from the engagement: every page and aggregate asks "about whom?" first.
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("student"))
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="reviews",
                                 verbose_name=_("employer"))
    # The employer about the student
    work_performance = _rating(_("work performance"))
    # The student about the employer
    work_as_described = _rating(_("work as described"))
    treatment_and_safety = _rating(_("treatment and safety"))
    payment_timeliness = _rating(_("payment timeliness"))
    # Both
    communication = _rating(_("communication"))
    overall = _rating(_("overall satisfaction"))
    comment = models.TextField(_("comment"), max_length=MAX_COMMENT, blank=True)
    submitted_at = models.DateTimeField(_("written at"))
    published_at = models.DateTimeField(_("shown since"), null=True, blank=True, db_index=True)
    reply = models.TextField(_("answer"), max_length=MAX_REPLY, blank=True)
    replied_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("answered by"))
    hidden_at = models.DateTimeField(_("hidden by moderation at"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it was hidden"), blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # The aggregates and "latest reviews" of an employer or a student: published, not hidden.
            models.Index(fields=["employer", "-published_at"], condition=Q(
                direction="student_reviews_employer", published_at__isnull=False, hidden_at__isnull=True),
                name="review_about_employer"),
            models.Index(fields=["student", "-published_at"], condition=Q(
                direction="employer_reviews_student", published_at__isnull=False, hidden_at__isnull=True),
                name="review_about_student"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "direction"], name="review_one_per_side"),
            *[_in_range(name) for name in ALL_RATINGS],
            models.CheckConstraint(condition=Q(communication__isnull=False, overall__isnull=False),
                                   name="review_common_ratings_given"),
            models.CheckConstraint(
                condition=(Q(direction="student_reviews_employer", work_as_described__isnull=False,
                             treatment_and_safety__isnull=False, work_performance__isnull=True)
                           | Q(direction="employer_reviews_student", work_performance__isnull=False,
                               work_as_described__isnull=True, treatment_and_safety__isnull=True,
                               payment_timeliness__isnull=True)),
                name="review_ratings_match_direction"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} (engagement {self.engagement_id})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_visible(self) -> bool:
        """Visible to people other than its author: published and not hidden."""
        return self.published_at is not None and self.hidden_at is None

    @property
    def about_student(self) -> bool:
        return self.direction == Direction.EMPLOYER_REVIEWS_STUDENT

    def ratings(self) -> list[tuple[str, int]]:
        """(label, value) of the ratings this review carries, in display order."""
        names = [*RATINGS_BY_DIRECTION[self.direction]]
        if self.direction == Direction.STUDENT_REVIEWS_EMPLOYER and self.payment_timeliness is not None:
            names.append("payment_timeliness")
        return [(self._meta.get_field(name).verbose_name, getattr(self, name)) for name in names]
