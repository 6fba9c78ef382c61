"""Template tags reviews lends to other apps' pages (the job page, the applicant
page), so those apps show ratings without importing reviews (DESIGN: templates
are where the layers meet)."""

from django import template

from employers.models import Employer

from .. import selectors

register = template.Library()


@register.inclusion_tag("reviews/_summary.html", takes_context=True)
def rating_summary(context, subject):
    """A compact rating block: "4.6 ★ (12)", the averages per dimension and the latest
    five published, not hidden reviews. `subject` is an Employer or a student (User).
    One query (see selectors._summary)."""
    if isinstance(subject, Employer):
        summary, about_student = selectors.employer_rating_summary(subject.pk), False
    else:
        summary, about_student = selectors.student_rating_summary(subject.pk), True
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"summary": summary, "about_student": about_student,
            "can_report": bool(user and user.is_authenticated)}
