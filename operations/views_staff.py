"""Staff-management pages (P3): the managers' list of staff with their measured
indicators and the appraisal form; every staff member's own appraisals,
rewards and penalties; the suggestion scheme.

Thin: parse input, call one selector or service, render. Every page needs a
staff account signed in with its second factor (as the back office does);
the list and the appraisal form need the appraise permission (managers).
Domain errors become form errors, never a 500."""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.roles import ROLE_LABELS
from core.access import staff_page
from core.errors import DomainError

from . import appraisal, suggestions
from .forms_staff import AppraisalForm, PeriodForm, SuggestionForm, amount_or_zero
from .models import APPRAISE_PERMISSION

PER_LIST = 100  # a person's own appraisals and suggestions: years of them fit on one page


def _form_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _period(request) -> tuple[PeriodForm, dt.date, dt.date]:
    start, end = appraisal.last_month()
    form = PeriodForm(request.GET if "start" in request.GET or "end" in request.GET else None,
                      initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, end


# ------------------------------------------------------------------ managers
@staff_page(APPRAISE_PERMISSION)
@require_safe
def staff_list(request):
    """Every active staff member with the period's indicators (default: last month)."""
    form, start, end = _period(request)
    members = list(appraisal.staff_members())
    indicators = appraisal.staff_indicators_all(start=start, end=end, staff_ids=[m.pk for m in members])
    for member in members:
        member.role_labels = [str(ROLE_LABELS.get(group.name, group.name)) for group in member.groups.all()]
    rows = [(member, indicators[member.pk]) for member in members]
    return render(request, "operations/staff_list.html", {
        "form": form, "start": start, "end": end, "rows": rows})


@staff_page(APPRAISE_PERMISSION)
@require_http_methods(["GET", "POST"])
def staff_appraise(request, pk: int):
    """The indicators of one staff member for the period and the appraisal form."""
    member = appraisal.staff_member(pk)
    if member is None:
        raise Http404
    period_form, start, end = _period(request)
    own = member.pk == request.user.pk
    form = AppraisalForm(request.POST or None)
    if request.method == "POST" and period_form.is_bound and not period_form.is_valid():
        form.add_error(None, _("Choose a valid period first."))  # never appraise a period nobody chose
    elif request.method == "POST" and not own and form.is_valid():
        data = form.cleaned_data
        try:
            appraisal.staff_appraisal_create(
                actor=request.user, staff_id=member.pk, period_start=start, period_end=end,
                results=data["results"], attitude=data["attitude"], teamwork=data["teamwork"],
                comments=data["comments"], outcome_kind=data["outcome_kind"],
                outcome_amount_fen=amount_or_zero(data["outcome_amount"]), outcome_reason=data["outcome_reason"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The appraisal is recorded and %(name)s has been told.")
                             % {"name": member.email})
            return redirect("operations:staff_list")
    existing = appraisal.appraisals_of(staff=member).filter(period_start=start, period_end=end).first()
    return render(request, "operations/staff_appraise.html", {
        "member": member, "period_form": period_form, "start": start, "end": end, "form": form, "own": own,
        "existing": existing,
        "indicators": appraisal.staff_indicators(staff=member, start=start, end=end)})


# ------------------------------------------------------------------ any staff member
@staff_page()
@require_safe
def my_appraisals(request):
    """My appraisals (with the indicators frozen in them) and my rewards and penalties."""
    return render(request, "operations/staff_me.html", {
        "appraisals": list(appraisal.appraisals_of(staff=request.user)[:PER_LIST]),
        "records": list(appraisal.rewards_and_penalties_of(staff=request.user)[:PER_LIST])})


@staff_page()
@require_safe
def suggestion_list(request):
    return render(request, "operations/staff_suggestions.html", {
        "suggestions": list(suggestions.suggestions_of(author=request.user)[:PER_LIST])})


@staff_page()
@require_http_methods(["GET", "POST"])
def suggestion_new(request):
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestions.suggestion_submit(author=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you: your suggestion was sent to the managers."))
            return redirect("operations:suggestions")
    return render(request, "operations/staff_suggestion_new.html", {"form": form})
