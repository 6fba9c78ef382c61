"""Review pages (S5.1, E6.1): "My reviews" for students and for employers, the
review form and the reviewee's one answer (reporting a review is moderation's, G3).

Thin: parse input, call one service or selector, render. Student pages are for
student accounts, employer pages for employer members (403 otherwise); an
engagement or review of someone else is a 404, found before the method is
checked. Domain errors become form errors or messages, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.views import student_account_required
from applications.models import EngagementStatus
from core.access import owned_object
from core.errors import DomainError
from employers.selectors import employer_for_user
from employers.views import employer_account_required

from . import selectors, services
from .forms import ReplyForm, ReviewForm
from .models import Direction

PER_LIST = 50  # reviews per list on "My reviews"; older ones are rare reading
STUDENT_BASE, EMPLOYER_BASE = "base.html", "applications/employer/_base.html"


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _received_with_forms(reviews) -> list:
    rows = list(reviews[:PER_LIST])
    # An answer held by the screen is shown to its author only, marked as awaiting review (G2).
    pending = selectors.pending_replies(reviews=rows)
    for review in rows:
        review.pending_reply = pending.get(review.pk)
        review.reply_form = (ReplyForm(prefix=f"r{review.pk}")
                             if review.replied_at is None and review.pending_reply is None else None)
    return rows


# ------------------------------------------------------------------ "My reviews"
@student_account_required
@require_safe
def student_home(request):
    """Engagements waiting for my review (with the closing date), reviews about me
    (published only), and the reviews I wrote."""
    return render(request, "reviews/home.html", {
        "side": "student", "base_template": STUDENT_BASE,
        "waiting": list(selectors.student_waiting(student=request.user)),
        "received": _received_with_forms(selectors.student_received(student=request.user)),
        "written": list(selectors.student_written(student=request.user)[:PER_LIST]),
    })


@employer_account_required
@require_safe
def employer_home(request):
    """The employer's side: students waiting for a review, reviews about the employer, reviews written."""
    employer = employer_for_user(user=request.user)
    if employer is None:
        return render(request, "reviews/home.html", {"side": "employer", "no_employer": True,
                                                     "base_template": EMPLOYER_BASE})
    return render(request, "reviews/home.html", {
        "side": "employer", "employer": employer, "base_template": EMPLOYER_BASE,
        "waiting": list(selectors.employer_waiting(employer_id=employer.pk)),
        "received": _received_with_forms(selectors.employer_received(employer_id=employer.pk)),
        "written": list(selectors.employer_written(employer_id=employer.pk)[:PER_LIST]),
    })


# ------------------------------------------------------------------ writing a review
def _write_page(request, engagement, *, direction: str, home: str):
    window = selectors.window_of(engagement)
    mine = selectors.review_of(engagement, direction)
    now = timezone.now()
    closed = window is not None and (window.revealed_at is not None or window.closes_at <= now)
    can_write = engagement.status == EngagementStatus.COMPLETED and mine is None and not closed
    form = ReviewForm(request.POST or None, direction=direction) if can_write else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This engagement cannot be reviewed now."))
            return redirect(request.path)
        if form.is_valid():
            try:
                services.review_submit(engagement_id=engagement.pk, author=request.user, ratings=form.ratings(),
                                       comment=form.cleaned_data["comment"])
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Thank you. Your review is shown when the other side has written "
                                            "theirs, or when the time to review ends."))
                return redirect(home)
    return render(request, "reviews/write.html", {
        "engagement": engagement, "job": engagement.job, "window": window, "mine": mine, "form": form,
        "completed": engagement.status == EngagementStatus.COMPLETED, "closed": closed,
        "about_student": direction == Direction.EMPLOYER_REVIEWS_STUDENT, "home": home,
        "base_template": EMPLOYER_BASE if direction == Direction.EMPLOYER_REVIEWS_STUDENT else STUDENT_BASE,
    })


@student_account_required
@owned_object(lambda user, pk: selectors.engagement_for_student(student=user, pk=pk), ("GET", "HEAD", "POST"))
def student_write(request, engagement):
    """The student reviews the employer (S5.1)."""
    return _write_page(request, engagement, direction=Direction.STUDENT_REVIEWS_EMPLOYER,
                       home="reviews:student_home")


@employer_account_required
@owned_object(lambda user, pk: selectors.engagement_for_member(user=user, pk=pk), ("GET", "HEAD", "POST"))
def employer_write(request, engagement):
    """The employer reviews the student (E6.1)."""
    return _write_page(request, engagement, direction=Direction.EMPLOYER_REVIEWS_STUDENT,
                       home="reviews:employer_home")


# ------------------------------------------------------------------ answering and reporting
def _review_for_reviewee(user, pk: int):
    review = selectors.visible_review(pk=pk)
    return review if review is not None and services.is_reviewee(user=user, review=review) else None


@login_required
@owned_object(_review_for_reviewee, ("POST",))
def reply(request, review):
    """The reviewee answers once, in public (S5.1, E6.1)."""
    home = "reviews:student_home" if review.about_student else "reviews:employer_home"
    form = ReplyForm(request.POST, prefix=f"r{review.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(home)
    try:
        review = services.review_reply(review_id=review.pk, author=request.user, text=form.cleaned_data["text"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if review.replied_at is None:
            messages.warning(request, _("The compliance screen flagged your answer: a moderator reviews it "
                                        "before it is shown."))
        else:
            messages.success(request, _("Your answer is shown under the review."))
    return redirect(home)
