"""Reads for reviews (S5.1, E6.1): each side's pages, the rating summaries of an
employer or a student, and what a user may see.

Double-blind: nothing here returns an unpublished review to anyone but its
author, nor a hidden one to anyone but its author (the admin is staff's)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Window
from django.utils import timezone

from applications.models import Engagement

from .models import Direction, Review, ReviewWindow

LATEST = 5  # reviews shown under a summary
VISIBLE = Q(published_at__isnull=False, hidden_at__isnull=True)

EMPLOYER_DIMENSIONS = ("overall", "work_as_described", "treatment_and_safety", "communication",
                       "payment_timeliness")
STUDENT_DIMENSIONS = ("overall", "work_performance", "communication")


@dataclass
class RatingSummary:
    count: int = 0
    averages: list[tuple[str, Decimal]] = field(default_factory=list)  # (label, average to one decimal)
    latest: list[Review] = field(default_factory=list)

    @property
    def overall(self) -> Decimal | None:
        return self.averages[0][1] if self.averages else None


def _one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _summary(queryset: QuerySet[Review], dimensions: tuple[str, ...]) -> RatingSummary:
    """One query: the latest reviews, each row carrying the count and the averages over
    all of them (window functions over the whole filtered set, before the LIMIT)."""
    annotations = {"n_all": Window(Count("id"))}
    annotations |= {f"avg_{name}": Window(Avg(name)) for name in dimensions}
    rows = list(queryset.filter(VISIBLE).select_related("engagement__job", "employer")
                .annotate(**annotations).order_by("-published_at", "-id")[:LATEST])
    if not rows:
        return RatingSummary()
    first = rows[0]
    averages = [(Review._meta.get_field(name).verbose_name, _one_decimal(getattr(first, f"avg_{name}")))
                for name in dimensions]
    return RatingSummary(count=first.n_all, averages=[(label, avg) for label, avg in averages if avg is not None],
                         latest=rows)


def employer_rating_summary(employer_id: int) -> RatingSummary:
    """Students' published, not hidden reviews of the employer: count, averages, latest five."""
    return _summary(Review.objects.filter(employer_id=employer_id, direction=Direction.STUDENT_REVIEWS_EMPLOYER),
                    EMPLOYER_DIMENSIONS)


def student_rating_summary(student_id: int) -> RatingSummary:
    """Employers' published, not hidden reviews of the student: count, averages, latest five."""
    return _summary(Review.objects.filter(student_id=student_id, direction=Direction.EMPLOYER_REVIEWS_STUDENT),
                    STUDENT_DIMENSIONS)


# ------------------------------------------------------------------ one side's pages
def _windows_waiting(queryset: QuerySet[ReviewWindow], direction: str) -> QuerySet[ReviewWindow]:
    """Open windows in which this side has not written its review yet, closing first."""
    mine = Review.objects.filter(engagement_id=OuterRef("engagement_id"), direction=direction)
    return (queryset.filter(revealed_at__isnull=True, closes_at__gt=timezone.now())
            .filter(~Exists(mine)).select_related("engagement__job", "employer", "student__student_profile")
            .order_by("closes_at", "id"))


def student_waiting(*, student) -> QuerySet[ReviewWindow]:
    return _windows_waiting(ReviewWindow.objects.filter(student=student), Direction.STUDENT_REVIEWS_EMPLOYER)


def employer_waiting(*, employer_id: int) -> QuerySet[ReviewWindow]:
    return _windows_waiting(ReviewWindow.objects.filter(employer_id=employer_id), Direction.EMPLOYER_REVIEWS_STUDENT)


def student_received(*, student) -> QuerySet[Review]:
    """Published, not hidden reviews employers wrote about the student."""
    return (Review.objects.filter(VISIBLE, student=student, direction=Direction.EMPLOYER_REVIEWS_STUDENT)
            .select_related("engagement__job", "employer").order_by("-published_at", "-id"))


def employer_received(*, employer_id: int) -> QuerySet[Review]:
    """Published, not hidden reviews students wrote about the employer."""
    return (Review.objects.filter(VISIBLE, employer_id=employer_id, direction=Direction.STUDENT_REVIEWS_EMPLOYER)
            .select_related("engagement__job", "student__student_profile").order_by("-published_at", "-id"))


def student_written(*, student) -> QuerySet[Review]:
    """The student's own reviews, published or not (the author always sees theirs)."""
    return (Review.objects.filter(author=student, direction=Direction.STUDENT_REVIEWS_EMPLOYER)
            .select_related("engagement__job", "employer", "engagement__review_window")
            .order_by("-submitted_at", "-id"))


def employer_written(*, employer_id: int) -> QuerySet[Review]:
    """The employer's reviews of students, by any of its members, published or not."""
    return (Review.objects.filter(employer_id=employer_id, direction=Direction.EMPLOYER_REVIEWS_STUDENT)
            .select_related("engagement__job", "student__student_profile", "engagement__review_window")
            .order_by("-submitted_at", "-id"))


def engagement_for_student(*, student, pk: int) -> Engagement | None:
    return Engagement.objects.select_related("job", "employer").filter(pk=pk, student=student).first()


def engagement_for_member(*, user, pk: int) -> Engagement | None:
    if not (user.is_authenticated and user.is_employer_member):
        return None
    return (Engagement.objects.select_related("job", "employer", "student__student_profile")
            .filter(pk=pk, employer__members__user=user).first())


def window_of(engagement: Engagement) -> ReviewWindow | None:
    return ReviewWindow.objects.filter(engagement=engagement).first()


def review_of(engagement: Engagement, direction: str) -> Review | None:
    return Review.objects.filter(engagement=engagement, direction=direction).first()


def visible_review(*, pk: int) -> Review | None:
    """A review anyone signed in may read (and report): published and not hidden."""
    return Review.objects.select_related("engagement__job", "employer").filter(VISIBLE, pk=pk).first()


def review_visible_to(*, review: Review, user) -> bool:
    """The double-blind rule: the author always; others once published and not hidden."""
    if getattr(user, "pk", None) is not None and review.author_id == user.pk:
        return True
    return review.is_visible


def pending_replies(*, reviews: list) -> dict[int, str]:
    """Answers to these reviews the screen holds for a moderator (G2), by review id: one query."""
    from django.contrib.contenttypes.models import ContentType

    from core.models import HeldText

    if not reviews:
        return {}
    content_type = ContentType.objects.get_for_model(reviews[0].__class__)
    rows = HeldText.objects.filter(content_type=content_type, object_id__in=[str(r.pk) for r in reviews],
                                   status=HeldText.Status.PENDING).values_list("object_id", "values")
    return {int(object_id): values.get("text", "") for object_id, values in rows}
