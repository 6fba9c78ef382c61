"""The user's sanctions and the appeal form (E4.2).

Thin: a student sees their own sanctions, an employer member the organisation's;
someone else's sanction is a 404, found before the method is checked. Domain
errors become form errors, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from core.access import owned_object
from core.errors import DomainError

from . import sanctions as services
from .forms import AppealForm

PER_PAGE = 100  # a subject with more sanctions than this has long been terminated
STUDENT_BASE, EMPLOYER_BASE = "base.html", "applications/employer/_base.html"


def _base(user) -> str:
    return EMPLOYER_BASE if user.is_employer_member else STUDENT_BASE


@login_required
@require_safe
def sanctions_home(request):
    """Every sanction of the student or organisation: rung, reason, evidence, dates,
    status, and the appeal button while an appeal is possible."""
    now = timezone.now()
    rows = list(services.sanctions_for_user(user=request.user)[:PER_PAGE])
    for sanction in rows:
        sanction.rung = services.rung_text(sanction)
        sanction.appealable = services.can_appeal(sanction, now)
        sanction.appeal = getattr(sanction, "appeal_filed", None)
    return render(request, "risk/sanction_list.html", {
        "sanctions": rows, "base_template": _base(request.user), "now": now,
        "has_subject": services.subject_of_user(request.user) is not None,
    })


@login_required
@owned_object(lambda user, pk: services.sanction_for_user(user=user, pk=pk), ("GET", "HEAD", "POST"))
def appeal_file(request, sanction):
    """Appeal once against one's own sanction, before the deadline (E4.2)."""
    appealable = services.can_appeal(sanction)
    form = AppealForm(request.POST or None) if appealable else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This sanction can no longer be appealed."))
            return redirect("risk:sanctions")
        if form.is_valid():
            try:
                services.appeal_file(sanction_id=sanction.pk, user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Your appeal is sent. A staff member who did not impose the sanction "
                                            "decides and tells you the outcome."))
                return redirect("risk:sanctions")
    return render(request, "risk/appeal_form.html", {
        "sanction": sanction, "rung": services.rung_text(sanction), "effect": services.effect_text(sanction),
        "form": form, "appeal": getattr(sanction, "appeal_filed", None), "base_template": _base(request.user),
    })
