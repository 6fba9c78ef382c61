"""Template tags applications lends to other apps' pages, so those apps link to
the work on a job without importing applications (DESIGN: dependencies point
one way; templates are where the layers meet)."""

from django import template
from django.utils import timezone

from jobs.selectors import job_open_to_students_at

from .. import selectors

register = template.Library()


@register.inclusion_tag("applications/student/_apply_area.html", takes_context=True)
def apply_area(context, job):
    """The job page's apply area (S2.2): what this visitor can do with this job.

    Visitors and non-student accounts cost no query; a student costs two (their
    application to this job, if any; else the profile behind `apply_refusal`)."""
    request = context["request"]
    user = request.user
    area = {"job": job, "user": user, "request": request, "application": None, "apply_refusal": None,
            "early_access": False}
    if user.is_authenticated and user.is_student:
        area["application"] = selectors.student_application_for_job(student=user, job=job)
        if area["application"] is None:
            # The open-applications limit (K3.1) is checked on the apply page, not here:
            # counting them would cost this page a query.
            area["apply_refusal"] = selectors.apply_refusal(job=job, student=user, check_existing=False,
                                                           check_limit=False)
            # Not refused although the job is not yet open to everyone: early access by tier (K3.1).
            opens = job_open_to_students_at(job)
            area["early_access"] = (area["apply_refusal"] is None and opens is not None
                                    and timezone.now() < opens)
    return area
