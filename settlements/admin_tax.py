"""Income tax in the admin (docs/tax.md): the withholding rows (read-only), and
for finance the month's withholding list (扣缴申报, XLSX, access-logged) and the
record of a month's remittance to the tax authority (`tax-remit:<yyyy-mm>`,
exactly once); the quarterly tax information report (国务院令第810号 art. 4): finance
downloads it (logged) and marks it submitted. Thin: each view parses the month and calls one service."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from core.access import signed_in_user
from core.admin_mixins import ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.money import format_fen

from . import tax_exports, tax_report, withholding
from .models import EmployerWithholding, TaxInfoReport, TaxRemittance, TaxWithholding

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TaxMonthForm(forms.Form):
    month = forms.RegexField(label=_("Month (YYYY-MM)"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7,
                             error_messages={"invalid": _("Enter a month as YYYY-MM, for example 2026-10.")})

    def year_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class RemitForm(TaxMonthForm):
    reference = forms.CharField(label=_("Tax payment reference"), max_length=80, required=False)


class IncomeAndTaxColumns:
    """The income and tax of a withholding row (the platform's or an employer's), in yuan."""

    @admin.display(description=_("income"))
    def gross(self, obj: TaxWithholding | EmployerWithholding) -> str:
        return format_fen(obj.gross_fen)

    @admin.display(description=_("tax"))
    def tax(self, obj: TaxWithholding | EmployerWithholding) -> str:
        return format_fen(obj.tax_fen)


@admin.register(TaxWithholding)
class TaxWithholdingAdmin(IncomeAndTaxColumns, ReadOnlyAdmin):
    list_display = ["id", "student", "year", "month", "gross", "tax", "consecutive_months", "reason_shown",
                    "created_at"]
    list_filter = ["year", "month"]
    list_select_related = ["student"]
    exclude = ["reason"]  # the stored code; shown in words by reason_shown
    readonly_fields = ["reason_shown"]
    search_fields = ["=student__email", "=settlement__id"]
    show_full_result_count = False

    @admin.display(description=_("reason"))
    def reason_shown(self, obj: TaxWithholding) -> str:
        """The statement's own words for why (the stored code is for the integrity check)."""
        return str(withholding.no_tax_reason(obj)) if not obj.tax_fen else str(_("Income tax withheld"))


@admin.register(EmployerWithholding)
class EmployerWithholdingAdmin(IncomeAndTaxColumns, ReadOnlyAdmin):
    """What employers withhold when the policy names them withholding agent (61号 art. 8)."""

    list_display = ["id", "student", "employer", "year", "month", "gross", "tax", "created_at"]
    list_filter = ["year", "month"]
    list_select_related = ["student", "employer"]
    search_fields = ["=student__email", "=settlement__id"]
    show_full_result_count = False


@admin.register(TaxRemittance)
class TaxRemittanceAdmin(ReadOnlyAdmin):
    list_display = ["year", "month", "amount", "reference", "recorded_by", "created_at"]
    change_list_template = "admin/settlements/taxremittance/change_list.html"

    @admin.display(description=_("amount"))
    def amount(self, obj: TaxRemittance) -> str:
        return format_fen(obj.amount_fen)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [path("withholding-list/", view(self.list_view), name="settlements_taxremittance_list"),
                path("record/", view(self.remit_view), name="settlements_taxremittance_record"),
                *super().get_urls()]

    def _page(self, request: HttpRequest, form: forms.Form, *, title: str, intro: str, submit: str,
              errors: list[str]) -> TemplateResponse:
        return TemplateResponse(request, "admin/settlements/taxremittance/month_form.html", {
            **self.admin_site.each_context(request), "title": title, "intro": intro, "submit": submit,
            "form": form, "errors": errors, "opts": self.model._meta})

    def list_view(self, request: HttpRequest) -> HttpResponseBase:
        """POST a month: its withholding list as XLSX (full ID numbers: logged)."""
        if not request.user.has_perm(tax_exports.LIST_PERMISSION):
            raise PermissionDenied
        form = TaxMonthForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            year, month = form.year_month()
            content = tax_exports.withholding_list_xlsx(year=year, month=month, staff=signed_in_user(request))
            response = HttpResponse(content, content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="{tax_exports.list_filename(year, month)}"'
            return response
        return self._page(request, form, title=str(_("Monthly income tax withholding list (扣缴申报)")),
                          intro=str(_("One line per student paid in the month: the month's income and tax and "
                                      "the year's cumulative figures. The file holds full ID numbers; each "
                                      "download is logged.")), submit=str(_("Download")), errors=[])

    def remit_view(self, request: HttpRequest) -> HttpResponseBase:
        """POST a month: record that its withheld tax was paid to the tax authority (once)."""
        if not request.user.has_perm(withholding.REMIT_PERMISSION):
            raise PermissionDenied
        form = RemitForm(request.POST or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            year, month = form.year_month()
            try:
                remittance = withholding.tax_remit(year=year, month=month, actor=signed_in_user(request),
                                                   reference=form.cleaned_data["reference"])
            except DomainError as error:
                errors = [str(error.message)]
            else:
                self.message_user(request, _("The income tax of %(month)s (%(amount)s) is recorded as remitted.") % {
                    "month": form.cleaned_data["month"], "amount": format_fen(remittance.amount_fen)},
                    level=messages.SUCCESS)
                return redirect("admin:settlements_taxremittance_changelist")
        return self._page(request, form, title=str(_("Record the remittance of a month's income tax")),
                          intro=str(_("After paying the month's withheld income tax to the tax authority, record "
                                      "it here: the tax payable account is debited and the settlement bank account "
                                      "credited, once per month.")), submit=str(_("Record the remittance")),
                          errors=errors)


@admin.register(TaxInfoReport)
class TaxInfoReportAdmin(ReadOnlyAdmin):
    """The quarterly reports beat generates (810号 art. 4): finance downloads one (full ID
    numbers: logged), checks it, files it with the tax authority and marks it submitted."""

    list_display = ["year", "quarter", "status", "student_rows", "employer_rows", "income", "generated_at",
                    "submitted_by", "submitted_at"]
    list_filter = ["status", "year"]
    fields = readonly_fields = ("year", "quarter", "status", "student_rows", "employer_rows", "income", "sha256",
                                "generated_at", "submitted_by", "submitted_at", "history")
    change_form_template = "admin/settlements/taxinforeport/change_form.html"
    object_route_permissions = {"settlements_taxinforeport_download": tax_report.VIEW_PERMISSION,
                                "settlements_taxinforeport_submit": tax_report.SUBMIT_PERMISSION}

    @admin.display(description=_("students' income"))
    def income(self, obj: TaxInfoReport) -> str:
        return format_fen(obj.income_fen)

    @admin.display(description=_("history"))
    def history(self, obj: TaxInfoReport) -> str:
        return history_table(obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [path("<int:pk>/download/", view(self.download_view), name="settlements_taxinforeport_download"),
                path("<int:pk>/submit/", view(self.submit_view), name="settlements_taxinforeport_submit"),
                *super().get_urls()]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """POST: the report's file as generated (its checksum verified); the download is logged."""
        if not request.user.has_perm(tax_report.VIEW_PERMISSION):
            raise PermissionDenied
        if not TaxInfoReport.objects.filter(pk=pk).exists():
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            report, content = tax_report.tax_info_report_file(report_id=pk, staff=signed_in_user(request))
        except DomainError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return redirect("admin:settlements_taxinforeport_change", pk)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="{tax_exports.tax_info_filename(report.year, report.quarter)}"')
        return response

    def submit_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """POST: finance marks the report filed with the tax authority (once)."""
        if not request.user.has_perm(tax_report.SUBMIT_PERMISSION):
            raise PermissionDenied
        if not TaxInfoReport.objects.filter(pk=pk).exists():
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            tax_report.tax_info_report_submit(report_id=pk, actor=signed_in_user(request),
                                              note=request.POST.get("note", ""))
        except DomainError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
        else:
            self.message_user(request, _("The report is recorded as submitted to the tax authority."),
                              level=messages.SUCCESS)
        return redirect("admin:settlements_taxinforeport_change", pk)
