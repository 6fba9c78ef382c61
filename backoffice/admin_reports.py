"""Finance reports in the admin (F3.3).

The reports hang under the ledger accounts' admin (finance and auditors read
the ledger; customer service does not): settlements by period, the daily
reconciliation, the trial balance, each a page with XLSX (and CSV) downloads.
The ledger's admin is registered in finance.admin; the back office extends it
and registers it again (the settlement report reads settlements, which the
ledger never imports)."""

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.replica import using_replica
from finance.admin import LedgerAccountAdmin
from finance.models import LedgerAccount

from . import reports
from .forms import ReportDayForm, ReportPeriodForm

# Whoever may read the ledger may read its reports: finance and auditors.
REPORT_PERMISSION = "finance.view_ledgeraccount"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class LedgerAccountReportsAdmin(LedgerAccountAdmin):
    change_list_template = "admin/backoffice/ledgeraccount_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("reports/settlements/", view(self.settlements_view), name="finance_report_settlements"),
            path("reports/reconciliation/", view(self.reconciliation_view), name="finance_report_reconciliation"),
            path("reports/trial-balance/", view(self.trial_balance_view), name="finance_report_trial_balance"),
            *super().get_urls(),
        ]

    def _reader(self, request) -> None:
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied

    def _page(self, request, template: str, title, **context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "title": title, "opts": self.opts, **context})

    def settlements_view(self, request):
        """Settlements by period; ?format=xlsx|csv downloads it (aggregates: no personal data)."""
        self._reader(request)
        date_from, date_to = reports.last_month()
        form = ReportPeriodForm(request.GET or None, initial={"date_from": date_from, "date_to": date_to})
        if request.GET and form.is_valid():
            date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        with using_replica():  # a read-only report: the replica when one is configured (issue 22)
            report = reports.settlement_report(date_from=date_from, date_to=date_to)
        name = f"settlements-{date_from:%Y%m%d}-{date_to:%Y%m%d}"
        if request.GET.get("format") == "xlsx":
            return _download(reports.settlement_report_xlsx(report), name=f"{name}.xlsx", content_type=XLSX)
        if request.GET.get("format") == "csv":
            return _download(reports.settlement_report_csv(report), name=f"{name}.csv", content_type=CSV)
        return self._page(request, "admin/backoffice/report_settlements.html", _("Settlements by period"),
                          form=form, report=report, query=f"date_from={date_from}&date_to={date_to}")

    def reconciliation_view(self, request):
        """The day's money in and out against the ledger; ?format=xlsx downloads it."""
        self._reader(request)
        day = timezone.localdate() - dt.timedelta(days=1)
        form = ReportDayForm(request.GET or None, initial={"day": day})
        if request.GET and form.is_valid():
            day = form.cleaned_data["day"]
        rec = reports.reconciliation_for(day=day)
        if request.GET.get("format") == "xlsx":
            return _download(reports.reconciliation_xlsx(rec), name=f"reconciliation-{day:%Y%m%d}.xlsx",
                             content_type=XLSX)
        return self._page(request, "admin/backoffice/report_reconciliation.html", _("Daily reconciliation"),
                          form=form, rec=rec, summary=reports.reconciliation_summary(rec), query=f"day={day}")

    def trial_balance_view(self, request):
        """Every account kind's debits, credits and balance at the end of a date."""
        self._reader(request)
        day = timezone.localdate()
        form = ReportDayForm(request.GET or None, initial={"day": day})
        if request.GET and form.is_valid():
            day = form.cleaned_data["day"]
        tb = reports.trial_balance(at=day)
        name = f"trial-balance-{day:%Y%m%d}"
        if request.GET.get("format") == "xlsx":
            return _download(reports.trial_balance_xlsx(tb), name=f"{name}.xlsx", content_type=XLSX)
        if request.GET.get("format") == "csv":
            return _download(reports.trial_balance_csv(tb), name=f"{name}.csv", content_type=CSV)
        return self._page(request, "admin/backoffice/report_trial_balance.html", _("Trial balance"),
                          form=form, tb=tb, query=f"day={day}")


# The ledger accounts' list gets the report links: registered again with this admin.
admin.site.unregister(LedgerAccount)
admin.site.register(LedgerAccount, LedgerAccountReportsAdmin)
