"""Operations pages under /ops/ (P2.1): the daily system check and its sign-off,
the weekly reports with charts and their XLSX, and the campaigns' effect.

Staff pages: a signed-in staff member whose sign-in used the second factor
(as for the back office) and who holds the page's permission — operations and
managers; anyone else gets 403. Thin: parse, call one service or selector,
render. Domain errors become messages, never a 500."""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from core.access import staff_page
from core.errors import DomainError
from core.money import format_fen

from . import health, reports, selectors
from .forms_health import SignOffForm
from .models import Campaign

VIEW_CHECK, VIEW_REPORT, VIEW_CAMPAIGN = ("operations.view_dailycheck", "operations.view_weeklyreport",
                                          "operations.view_campaign")
RUN_CHECK = "operations.add_dailycheck"
REPORTS_PER_PAGE = 104  # two years of Mondays


# ------------------------------------------------------------------ daily check
@staff_page(VIEW_CHECK)
@require_safe
def health_page(request):
    today = selectors.daily_check_today()
    rows = []
    if today is not None:
        rows = [{"name": name, "label": label, **today.results.get(name, {})}
                for name, label in health.PROBE_LABELS.items() if name in today.results]
    can_sign = request.user.has_perm(health.SIGN_OFF_PERMISSION)
    return render(request, "operations/health.html", {
        "today": today, "rows": rows, "history": selectors.daily_checks_recent(),
        "failed_tasks": selectors.task_failures_recent(),
        "can_run": request.user.has_perm(RUN_CHECK),
        "sign_off_form": SignOffForm() if can_sign and today is not None and today.signed_off_at is None else None,
    })


@staff_page(RUN_CHECK)
@require_POST
def health_run(request):
    try:
        health.daily_check_run()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The check ran again."))
    return redirect("operations:health")


@staff_page(health.SIGN_OFF_PERMISSION)
@require_POST
def health_sign_off(request):
    today = selectors.daily_check_today()
    if today is None:
        messages.error(request, _("Run today's check before signing it off."))
        return redirect("operations:health")
    form = SignOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The notes are too long."))
        return redirect("operations:health")
    try:
        health.daily_check_sign_off(check_id=today.pk, actor=request.user, notes=form.cleaned_data["notes"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Today's check is signed off."))
    return redirect("operations:health")


# ------------------------------------------------------------------ weekly reports
def _week(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None
    if day.weekday() != 0:
        raise Http404
    return day


@staff_page(VIEW_REPORT)
@require_safe
def report_list(request):
    return render(request, "operations/reports.html", {"reports": selectors.weekly_reports()[:REPORTS_PER_PAGE]})


@staff_page(VIEW_REPORT)
@require_safe
def report_detail(request, week: str):
    report = selectors.weekly_report_for(week_start=_week(week))
    if report is None:
        raise Http404
    return render(request, "operations/report_detail.html", {
        "report": report, "tables": reports.report_tables(report.data), "charts": reports.chart_data(report.data),
    })


@staff_page(VIEW_REPORT)
@require_safe
def report_xlsx(request, week: str):
    report = selectors.weekly_report_for(week_start=_week(week))
    if report is None:
        raise Http404
    response = HttpResponse(reports.weekly_report_xlsx(report),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="weekly-report-{report.week_start.isoformat()}.xlsx"'
    return response


# ------------------------------------------------------------------ campaigns
@staff_page(VIEW_CAMPAIGN)
@require_safe
def campaign_list(request):
    return render(request, "operations/campaigns.html", {"campaigns": selectors.campaigns_with_totals()})


@staff_page(VIEW_CAMPAIGN)
@require_safe
def campaign_detail(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk)
    effect = selectors.campaign_effect(campaign=campaign)
    cost = effect.cost_per_signup_fen
    return render(request, "operations/campaign_detail.html", {
        "campaign": campaign, "effect": effect, "budget": format_fen(campaign.budget_fen),
        "cost_per_signup": format_fen(cost) if cost is not None else None,
        "link": request.build_absolute_uri(f"{campaign.landing_path or '/'}?c={campaign.code}"),
    })
