"""Moderation pages for users: reporting a job, an employer, a student's profile
or a review (S5.2, G3). Thin: find what the user may report, call the service, redirect.

Whatever the user cannot see is a 404, as on the page it would be reported from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError

from .forms import ReportForm, ReportJobForm
from .services import (
    CATEGORIES_BY_TARGET,
    report_create,
    report_job_create,
    reportable_employer,
    reportable_job,
    reportable_review,
    reportable_student,
)

THANKS = _("Thank you. Our moderators will check this and tell you what they found.")


@login_required
@require_http_methods(["GET", "POST"])
def report_job(request, job_id: int):
    """Any signed-in user may report a published job; others are 404 as on the job page."""
    job = reportable_job(job_id=job_id)
    if job is None:
        raise Http404
    form = ReportJobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_job_create(job_id=job.pk, reporter=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Thank you. Our moderators will check this job and tell you what they "
                                        "found."))
            return redirect(reverse("jobs:detail", args=[job.pk]))
    return render(request, "moderation/report_job.html", {"job": job, "form": form})


def _report(request, *, kind: str, target, title, described, back_url: str):
    form = ReportForm(request.POST or None, categories=CATEGORIES_BY_TARGET[kind])
    if request.method == "POST" and form.is_valid():
        try:
            report_create(target_kind=kind, target_id=target.pk, reporter=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, THANKS)
            return redirect(back_url)
    return render(request, "moderation/report.html", {"form": form, "title": title, "described": described,
                                                      "back_url": back_url})


@login_required
@require_http_methods(["GET", "POST"])
def report_employer(request, employer_id: int):
    """Any signed-in user may report false information on an approved employer's profile."""
    employer = reportable_employer(employer_id=employer_id)
    if employer is None:
        raise Http404
    back = request.GET.get("job")
    back_url = reverse("jobs:detail", args=[back]) if back and back.isdigit() else reverse("jobs:list")
    return _report(request, kind="employer", target=employer, title=_("Report an employer"),
                   described=_("You are reporting false information about the employer “%(name)s”.") % {
                       "name": employer.name}, back_url=back_url)


@login_required
@require_http_methods(["GET", "POST"])
def report_student(request, profile_id: int):
    """Only an employer the student applied to may report the student's profile."""
    profile = reportable_student(profile_id=profile_id, user=request.user)
    if profile is None:
        raise Http404
    return _report(request, kind="student", target=profile, title=_("Report a student's profile"),
                   described=_("You are reporting false information in the profile of %(name)s.") % {
                       "name": profile.real_name}, back_url=reverse("jobs:employer_jobs"))


@login_required
@require_http_methods(["GET", "POST"])
def report_review(request, review_id: int):
    """Any signed-in reader may report a published review (not its author): false, abusive,
    revealing personal data, or something else (S5.1, G3) — the one report of a review."""
    review = reportable_review(review_id=review_id, user=request.user)
    if review is None:
        raise Http404
    return _report(request, kind="review", target=review, title=_("Report a review"),
                   described=_("You are reporting a review of “%(title)s”.") % {
                       "title": review.engagement.job.title}, back_url=reverse("core:home"))
