"""Moderation pages for users: reporting a job (S5.2, G3). Thin: parse, call the service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from jobs.models import Job, JobStatus

from .forms import ReportJobForm
from .services import report_job_create


@login_required
@require_http_methods(["GET", "POST"])
def report_job(request, job_id: int):
    """Any signed-in user may report a published job; others are 404 as on the job page."""
    job = Job.objects.select_related("employer").filter(pk=job_id, status=JobStatus.PUBLISHED).first()
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
