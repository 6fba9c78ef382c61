"""Every write of reviews (S5.1, E6.1, G3): writing a review, the double-blind
reveal, the reviewee's one public answer, reports to moderation and their
decision, and the sweep that opens and closes review windows.

Double-blind: a review is stored with `published_at` empty and nobody but its
author sees it until both sides have written theirs (both are published in
the same transaction) or the window closes (the sweep publishes what there
is). Applications never import reviews: the sweep finds completed engagements
without a window, set-based, every 10 minutes; the first review of an
engagement creates its window if the sweep has not yet."""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from applications.models import Engagement, EngagementStatus
from core.credit import credit_event_record, credit_event_reverse
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.policy import get_policy
from core.screening import gate_check, held_text_create, held_texts_pending_for
from settlements.models import Settlement

from .models import (
    MAX_COMMENT,
    MAX_REPLY,
    RATINGS_BY_DIRECTION,
    Direction,
    Review,
    ReviewAction,
    ReviewWindow,
)

# Windows created, invited or revealed per sweep run; each reveal is its own short
# transaction (the window row, the engagement's two reviews, a few inbox rows).
SWEEP_BATCH = 500


# ------------------------------------------------------------------ errors users can cause
class NotReviewable(DomainError):
    default_message = _("Only a completed engagement can be reviewed.")


class ReviewWindowClosed(DomainError):
    default_message = _("The time to review this engagement has passed.")


class AlreadyReviewed(DomainError):
    default_message = _("You have already reviewed this engagement.")


DOOR_REVIEW_ANSWER = "reviews.answer"  # a door of the one gate (core.screening), registered in ready()


class AlreadyReplied(DomainError):
    default_message = _("This review has already been answered; it can be answered once.")


# ------------------------------------------------------------------ helpers
def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _student_link() -> str:
    return reverse("reviews:student_home")


def _employer_link() -> str:
    return reverse("reviews:employer_home")


def _tell_student(user_id_or_user, *, subject, body) -> None:
    user = user_id_or_user if isinstance(user_id_or_user, User) else User.objects.get(pk=user_id_or_user)
    notify(recipient=user, subject=subject, body=body, link=_student_link())


def _tell_employer(employer_id: int, *, subject, body) -> None:
    for member in User.objects.filter(employer_membership__employer_id=employer_id, is_active=True):
        notify(recipient=member, subject=subject, body=body, link=_employer_link())


def _tell_side(*, student_side: bool, window_or_review, subject, body) -> None:
    if student_side:
        _tell_student(window_or_review.student_id, subject=subject, body=body)
    else:
        _tell_employer(window_or_review.employer_id, subject=subject, body=body)


def _is_member(user, employer_id: int) -> bool:
    return bool(user.is_authenticated and user.is_active) and User.objects.filter(
        pk=user.pk, employer_membership__employer_id=employer_id).exists()


def author_direction(*, user, engagement: Engagement) -> str | None:
    """The direction `user` writes in for this engagement, or None if they are no party to it."""
    if not (user.is_authenticated and user.is_active):
        return None
    if user.pk == engagement.student_id:
        return Direction.STUDENT_REVIEWS_EMPLOYER
    if user.is_employer_member and _is_member(user, engagement.employer_id):
        return Direction.EMPLOYER_REVIEWS_STUDENT
    return None


def is_reviewee(*, user, review: Review) -> bool:
    """The user is the side this review is about: the student, or a member of the employer."""
    if not (user.is_authenticated and user.is_active):
        return False
    if review.direction == Direction.EMPLOYER_REVIEWS_STUDENT:
        return user.pk == review.student_id
    return user.is_employer_member and _is_member(user, review.employer_id)


def payment_timeliness_for(engagement_id: int) -> int | None:
    """E6.1: how the employer paid, from the settlement — never from the student.

    5: funded by the due date; 3: funded after it; 1: the guarantee fund had to
    advance the wages (E5.2); None: not funded yet (nothing to judge)."""
    row = (Settlement.objects.filter(engagement_id=engagement_id)
           .values("funded_at", "funding_due_at", "funding_late_at", "advanced_fen").first())
    if row is None:
        return None
    if row["advanced_fen"] > 0:
        return 1
    if row["funded_at"] is None:
        return None
    if row["funding_late_at"] is not None or (row["funding_due_at"] is not None
                                              and row["funded_at"] > row["funding_due_at"]):
        return 3
    return 5


def _window_values(*, engagement_id: int, student_id: int, employer_id: int, completed_at: dt.datetime,
                   days: int) -> dict:
    return {"engagement_id": engagement_id, "student_id": student_id, "employer_id": employer_id,
            "opens_at": completed_at, "closes_at": completed_at + dt.timedelta(days=days)}


def _window_for_update(engagement: Engagement) -> ReviewWindow:
    """The engagement's window, locked; created from its completion if the sweep has not yet."""
    window = ReviewWindow.objects.select_for_update().filter(engagement_id=engagement.pk).first()
    if window is None:
        ReviewWindow.objects.bulk_create([ReviewWindow(**_window_values(
            engagement_id=engagement.pk, student_id=engagement.student_id, employer_id=engagement.employer_id,
            completed_at=engagement.completed_at, days=get_policy().review_window_days))], ignore_conflicts=True)
        window = ReviewWindow.objects.select_for_update().get(engagement_id=engagement.pk)
    return window


def _clean_ratings(direction: str, ratings: dict) -> dict[str, int]:
    cleaned = {}
    for name in RATINGS_BY_DIRECTION[direction]:
        value = ratings.get(name)
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5:
            raise DomainError(_("Give a rating from 1 to 5."), field=name)
        cleaned[name] = value
    return cleaned


def _publish(window: ReviewWindow, *, now: dt.datetime, reason: str, actor=None) -> int:
    """Publish the window's unpublished reviews at once (the double-blind reveal) and
    mark the window revealed. The caller holds the window's lock."""
    reviews = list(Review.objects.select_for_update().filter(engagement_id=window.engagement_id,
                                                             published_at__isnull=True))
    for review in reviews:
        review.published_at = now
        fields = ["published_at", "updated_at"]
        if review.direction == Direction.STUDENT_REVIEWS_EMPLOYER:
            # The settlement may have moved since the review was written; freeze it as published.
            review.payment_timeliness = payment_timeliness_for(review.engagement_id)
            fields.append("payment_timeliness")
        review.save(update_fields=fields)
        history_record(subject=review, transition=ReviewAction.PUBLISH, from_state="submitted",
                       to_state="published", actor=actor, reason=reason)
        _credit_review_received(review)
    window.revealed_at = now
    window.save(update_fields=["revealed_at", "updated_at"])
    history_record(subject=window, transition=ReviewAction.REVEAL, from_state="open", to_state="revealed",
                   actor=actor, reason=reason)
    return len(reviews)


def _credit_key(review: Review) -> str:
    return f"review:{review.pk}:received"


def _credit_review_received(review: Review) -> None:
    """A published review is a credit fact about its reviewee (K3.1): its overall rating."""
    about_employer = review.direction == Direction.STUDENT_REVIEWS_EMPLOYER
    credit_event_record(
        key=_credit_key(review), subject_kind="employer" if about_employer else "student",
        subject_id=review.employer_id if about_employer else review.student_id, kind="review_received",
        value=review.overall, reason=_("Review received: %(n)s/5 overall") % {"n": review.overall},
        source=review, occurred_at=review.published_at)


def _tell_both_published(window: ReviewWindow, job_title: str) -> None:
    subject = _("Reviews for %(job)s are now shown") % {"job": job_title}
    body = _("The reviews of %(job)s can now be read by both sides. You may answer a review about you once, "
             "in public.") % {"job": job_title}
    _tell_student(window.student_id, subject=subject, body=body)
    _tell_employer(window.employer_id, subject=subject, body=body)


# ------------------------------------------------------------------ writing a review
@transaction.atomic
def review_submit(*, engagement_id: int, author, ratings: dict, comment: str = "") -> Review:
    """A party reviews the other after a completed engagement (S5.1, E6.1).

    Preconditions: the engagement is completed; the author is its student or a
    member of its employer; its review window is open; one review per side.
    Effects: the review is stored unpublished (double-blind). If the other side
    has written theirs, both are published now and both sides told; otherwise
    the other side is told a review waits for theirs — without its content.
    The student's review carries payment timeliness from the settlement (E6.1)."""
    engagement = Engagement.objects.select_related("job").filter(pk=engagement_id).first()
    if engagement is None:
        raise NotPermitted()
    direction = author_direction(user=author, engagement=engagement)
    if direction is None:
        raise NotPermitted()
    if engagement.status != EngagementStatus.COMPLETED or engagement.completed_at is None:
        raise NotReviewable()
    cleaned = _clean_ratings(direction, ratings)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("Keep the comment under %(n)d characters.") % {"n": MAX_COMMENT}, field="comment")
    window = _window_for_update(engagement)
    now = timezone.now()
    if window.revealed_at is not None or now >= window.closes_at:
        if Review.objects.filter(engagement_id=engagement.pk, direction=direction).exists():
            raise AlreadyReviewed()
        raise ReviewWindowClosed()
    if Review.objects.filter(engagement_id=engagement.pk, direction=direction).exists():
        raise AlreadyReviewed()
    if direction == Direction.STUDENT_REVIEWS_EMPLOYER:
        cleaned["payment_timeliness"] = payment_timeliness_for(engagement.pk)
    review = Review.objects.create(engagement=engagement, direction=direction, author=author,
                                   student_id=engagement.student_id, employer_id=engagement.employer_id,
                                   comment=comment, submitted_at=now, **cleaned)
    history_record(subject=review, transition=ReviewAction.SUBMIT, from_state="", to_state="submitted",
                   actor=author)
    other = (Direction.EMPLOYER_REVIEWS_STUDENT if direction == Direction.STUDENT_REVIEWS_EMPLOYER
             else Direction.STUDENT_REVIEWS_EMPLOYER)
    title = engagement.job.title
    if Review.objects.filter(engagement_id=engagement.pk, direction=other).exists():
        _publish(window, now=now, reason="both sides reviewed", actor=author)
        _tell_both_published(window, title)
        review = Review.objects.get(pk=review.pk)
    else:
        subject = _("A review of %(job)s waits for yours") % {"job": title}
        body = _("The other side has reviewed your work together on %(job)s. Their review is shown when you have "
                 "written yours, or on %(date)s at the latest.") % {"job": title, "date": _local(window.closes_at)}
        _tell_side(student_side=direction == Direction.EMPLOYER_REVIEWS_STUDENT, window_or_review=window,
                   subject=subject, body=body)
    return review


@transaction.atomic
def review_reply(*, review_id: int, author, text: str) -> Review:
    """The reviewee answers a published review once, in public (S5.1, E6.1).

    Preconditions: the review is published and not hidden; the author is the
    side it is about (the student, or a member of the employer); no answer yet.
    Effects: the answer is stored and shown under the review; its author told."""
    review = Review.objects.select_for_update().select_related("engagement__job").filter(pk=review_id).first()
    if review is None or not review.is_visible or not is_reviewee(user=author, review=review):
        raise NotPermitted()
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your answer."), field="text")
    if len(text) > MAX_REPLY:
        raise DomainError(_("Keep the answer under %(n)d characters.") % {"n": MAX_REPLY}, field="text")
    if review.replied_at is not None:
        raise AlreadyReplied()
    if held_texts_pending_for(review).exists():
        raise DomainError(_("Your answer is awaiting review by a moderator."), field="text")
    # The one gate (G2): blocking text is refused; a flagged answer is held unseen until a moderator clears it.
    gate = gate_check({"text": text}, door=DOOR_REVIEW_ANSWER)
    if gate.held:
        held_text_create(result=gate, target=review, author=author)
        return review
    _publish_reply(review, text=text, author=author)
    return review


def _publish_reply(review: Review, *, text: str, author) -> None:
    review.reply, review.replied_at, review.replied_by = text, timezone.now(), author
    review.save(update_fields=["reply", "replied_at", "replied_by", "updated_at"])
    history_record(subject=review, transition=ReviewAction.REPLY, from_state="published", to_state="answered",
                   actor=author)
    notify(recipient=review.author, subject=_("Your review of %(job)s was answered") % {
        "job": review.engagement.job.title}, body=text,
        link=_student_link() if review.direction == Direction.STUDENT_REVIEWS_EMPLOYER else _employer_link())


def review_reply_clear(held, actor) -> None:
    """A moderator cleared a held answer: it is published under the review now."""
    review = Review.objects.select_for_update().select_related("engagement__job").filter(
        pk=int(held.object_id)).first()
    if review is None or review.replied_at is not None:
        return
    _publish_reply(review, text=held.values.get("text", ""), author=held.author)


def review_reply_reject(held, actor) -> None:
    """A moderator rejected a held answer: it is never shown; the author may write another."""
    if held.author is not None:
        notify(recipient=held.author, subject=_("Your answer to a review was not published"),
               body=_("Reason: %(reason)s") % {"reason": held.decision_reason})


@transaction.atomic
def review_hide(*, review_id: int, actor, reason: str) -> Review:
    """Hide a published review from everyone but its author (G3: confirmed false
    information, decided in moderation). Idempotent: an already hidden review stays
    as it is. Effects: hidden with the reason, a history row, the credit fact of the
    review reversed, the author told why."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    review = Review.objects.select_for_update().select_related("engagement__job").get(pk=review_id)
    if review.hidden_at is not None:
        return review
    review.hidden_at, review.hidden_reason = timezone.now(), reason
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    history_record(subject=review, transition=ReviewAction.HIDE, from_state="published", to_state="hidden",
                   actor=actor, reason=reason[:500])
    credit_event_reverse(key=_credit_key(review), reason=_("Review hidden by a moderator"))
    notify(recipient=review.author, subject=_("Your review of %(job)s was hidden") % {
        "job": review.engagement.job.title},
        body=_("A moderator hid your review after a report: %(note)s") % {"note": reason},
        link=_student_link() if review.direction == Direction.STUDENT_REVIEWS_EMPLOYER else _employer_link())
    return review


# ------------------------------------------------------------------ the sweep
def reviews_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Open windows for completed engagements, ask both sides to review, and reveal
    closed windows (S5.1, E6.1). Set-based and idempotent: the unique window per
    engagement, `invited_at` and `revealed_at` make a second run change nothing.
    Returns the counts of this run (each at most SWEEP_BATCH)."""
    now = now or timezone.now()
    return {"opened": windows_open(now), "invited": windows_invite(now), "revealed": windows_reveal(now)}


def windows_open(now: dt.datetime) -> int:
    """One bulk insert: windows for completed engagements that have none yet. A window
    that closed already (an engagement older than the policy's days) opens and closes
    at once; nobody is asked to review it."""
    days = get_policy().review_window_days
    rows = list(Engagement.objects.filter(status=EngagementStatus.COMPLETED, completed_at__isnull=False)
                .filter(~Exists(ReviewWindow.objects.filter(engagement_id=OuterRef("pk"))))
                .values("pk", "student_id", "employer_id", "completed_at").order_by("pk")[:SWEEP_BATCH])
    windows = []
    for row in rows:
        values = _window_values(engagement_id=row["pk"], student_id=row["student_id"],
                                employer_id=row["employer_id"], completed_at=row["completed_at"], days=days)
        if values["closes_at"] <= now:  # too late to ask anybody: nothing to invite, nothing to reveal
            values["invited_at"] = values["revealed_at"] = now
        windows.append(ReviewWindow(**values))
    ReviewWindow.objects.bulk_create(windows, ignore_conflicts=True)
    return len(windows)


def windows_invite(now: dt.datetime) -> int:
    """Ask both sides of each new open window to review, once (`invited_at`); returns the windows marked."""
    done = 0
    ids = list(ReviewWindow.objects.filter(invited_at__isnull=True).values_list("pk", flat=True)
               .order_by("pk")[:SWEEP_BATCH])
    for pk in ids:
        with transaction.atomic():
            window = (ReviewWindow.objects.select_for_update(skip_locked=True)
                      .select_related("engagement__job").filter(pk=pk, invited_at__isnull=True).first())
            if window is None:
                continue
            window.invited_at = now
            window.save(update_fields=["invited_at", "updated_at"])
            done += 1
            if window.revealed_at is None and window.closes_at > now:
                job, until = window.engagement.job.title, _local(window.closes_at)
                subject = _("How did %(job)s go? Write a review") % {"job": job}
                body = _("Review the other side of %(job)s by %(date)s. Neither side sees the other's review "
                         "until both have written theirs or the time is up.") % {"job": job, "date": until}
                written = set(Review.objects.filter(engagement_id=window.engagement_id)
                              .values_list("direction", flat=True))
                if Direction.STUDENT_REVIEWS_EMPLOYER not in written:
                    _tell_student(window.student_id, subject=subject, body=body)
                if Direction.EMPLOYER_REVIEWS_STUDENT not in written:
                    _tell_employer(window.employer_id, subject=subject, body=body)
    return done


def windows_reveal(now: dt.datetime) -> int:
    """Publish what was written in windows that closed: a lone review is shown too (S5.1)."""
    done = 0
    ids = list(ReviewWindow.objects.filter(revealed_at__isnull=True, closes_at__lte=now)
               .values_list("pk", flat=True).order_by("closes_at", "pk")[:SWEEP_BATCH])
    for pk in ids:
        with transaction.atomic():
            window = (ReviewWindow.objects.select_for_update(skip_locked=True).select_related("engagement__job")
                      .filter(pk=pk, revealed_at__isnull=True).first())
            if window is None:
                continue
            if _publish(window, now=now, reason="the review window closed"):
                _tell_both_published(window, window.engagement.job.title)
            done += 1
    return done
