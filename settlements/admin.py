"""Staff read settlements and payout methods (finance: F3.2, F3.3). Read-only:
statements change only through `settlements.services`, and a payout method's
number is shown masked. Finance executes payout batches here: the batch files
(the only place full numbers appear, access-logged), confirm, mark a line failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.access import signed_in_user
from core.admin_mixins import ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.money import format_fen

from . import exports, payout_execution, payout_results, payouts, selectors
from .models import Payout, PayoutBatch, PayoutMethod, Settlement

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["id", "engagement_link", "employer", "student", "status", "student_total", "commission",
                    "employer_total", "computed_at"]
    list_filter = ["status"]
    list_select_related = ["employer", "student", "engagement__job"]
    search_fields = ["=id", "=engagement__id", "employer__name", "student__email", "engagement__job__title"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = (
        "engagement_link", "employer", "student", "status", "commission_percent", "wages", "allowances",
        "compensation", "losses", "setoff_explained", "student_total", "commission", "employer_total", "pending_shifts",
        "computed_at", "ready_at", "funding_short_fen", "funded_at", "payout_due_at", "payout_failed_at",
        "paid_at", "lines_table", "history")

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj: Settlement) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("admin:applications_engagement_change",
                                                          args=[obj.engagement_id]), obj.engagement.job.title)

    @admin.display(description=_("wages"))
    def wages(self, obj: Settlement) -> str:
        return format_fen(obj.wages_fen)

    @admin.display(description=_("allowances"))
    def allowances(self, obj: Settlement) -> str:
        return format_fen(obj.allowances_fen)

    @admin.display(description=_("compensation"))
    def compensation(self, obj: Settlement) -> str:
        return format_fen(obj.compensation_fen)

    @admin.display(description=_("losses set off"))
    def losses(self, obj: Settlement) -> str:
        return format_fen(obj.losses_fen)

    @admin.display(description=_("loss set-off (wage payment rules art. 16)"))
    def setoff_explained(self, obj: Settlement) -> str:
        setoff = selectors.settlement_setoff(obj)
        if setoff is None:
            return "—"
        return f"{setoff.summary} {setoff.explanation}"

    @admin.display(description=_("the student receives"))
    def student_total(self, obj: Settlement) -> str:
        return format_fen(obj.student_total_fen)

    @admin.display(description=_("commission"))
    def commission(self, obj: Settlement) -> str:
        return format_fen(obj.commission_fen)

    @admin.display(description=_("the employer pays"))
    def employer_total(self, obj: Settlement) -> str:
        return format_fen(obj.employer_total_fen)

    @admin.display(description=_("statement"))
    def lines_table(self, obj: Settlement) -> str:
        lines = obj.lines.order_by("order")
        if not lines:
            return "—"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.order + 1, line.get_kind_display(), line.work_date or line.description, line.quantity,
              format_fen(line.amount_fen)) for line in lines)))

    @admin.display(description=_("history"))
    def history(self, obj: Settlement) -> str:
        return history_table(obj)


@admin.register(PayoutMethod)
class PayoutMethodAdmin(ReadOnlyAdmin):
    list_display = ["id", "student", "kind", "bank_name", "account_masked", "account_holder", "is_default",
                    "removed_at"]
    list_filter = ["kind", "is_default"]
    list_select_related = ["student"]
    search_fields = ["=id", "student__email"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    # Never the number itself (encrypted) nor its hash: staff see what the student sees.
    fields = readonly_fields = ("student", "kind", "bank_name", "account_masked", "account_holder",
                                "is_default", "created_at", "removed_at", "history")

    @admin.display(description=_("account"))
    def account_masked(self, obj: PayoutMethod) -> str:
        return obj.account_masked

    @admin.display(description=_("history"))
    def history(self, obj: PayoutMethod) -> str:
        return history_table(obj)


# ------------------------------------------------------------------ payout batches (F3.2)
EXECUTE_PERMISSION = "settlements.execute_payoutbatch"


def _executor(request: HttpRequest) -> None:
    if not request.user.has_perm(EXECUTE_PERMISSION):
        raise PermissionDenied


class FailReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why the bank or Alipay refused it"), max_length=300)


class ResultFileForm(forms.Form):
    file = forms.FileField(label=_("Result file from the bank or Alipay (CSV or XLSX)"))


class PayoutInline(admin.TabularInline):
    model = Payout
    fields = readonly_fields = ("id", "settlement", "adjustment", "student", "amount", "method_kind",
                                "bank_name", "account_masked", "account_holder", "status", "failure_reason",
                                "fail_link")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: PayoutBatch | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PayoutBatch | None = None) -> bool:
        return False

    @admin.display(description=_("amount"))
    def amount(self, obj: Payout) -> str:
        return format_fen(obj.amount_fen)

    @admin.display(description=_("failed?"))
    def fail_link(self, obj: Payout) -> str:
        if obj.status not in (Payout.Status.QUEUED, Payout.Status.SENT):
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:settlements_payout_fail", args=[obj.pk]),
                           _("Mark line failed"))


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    """Finance executes the day's batch outside (bank, Alipay) with the two files,
    then confirms it or marks single lines failed. Every button is a POST to one
    service; the files are the only place full account numbers appear."""

    list_display = ["id", "created_at", "status", "payout_count", "total", "exported_at", "confirmed_at"]
    list_filter = ["status"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = ("status", "created_at", "created_by", "payout_count", "total", "exported_at",
                                "confirmed_at", "confirmed_by", "history")
    inlines = [PayoutInline]
    change_form_template = "admin/settlements/payoutbatch/change_form.html"
    change_list_template = "admin/settlements/payoutbatch/change_list.html"
    object_route_permissions = {"settlements_payoutbatch_download_bank": EXECUTE_PERMISSION,
                                "settlements_payoutbatch_download_alipay": EXECUTE_PERMISSION,
                                "settlements_payoutbatch_confirm": EXECUTE_PERMISSION,
                                "settlements_payoutbatch_import_results": EXECUTE_PERMISSION}

    @admin.display(description=_("total"))
    def total(self, obj: PayoutBatch) -> str:
        return format_fen(obj.total_fen)

    @admin.display(description=_("history"))
    def history(self, obj: PayoutBatch) -> str:
        return history_table(obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/download/bank/", view(self.download_bank_view),
                 name="settlements_payoutbatch_download_bank"),
            path("<int:pk>/download/alipay/", view(self.download_alipay_view),
                 name="settlements_payoutbatch_download_alipay"),
            path("<int:pk>/confirm/", view(self.confirm_view), name="settlements_payoutbatch_confirm"),
            path("build/", view(self.build_view), name="settlements_payoutbatch_build"),
            path("<int:pk>/import-results/", view(self.import_results_view),
                 name="settlements_payoutbatch_import_results"),
        ] + super().get_urls()

    def import_results_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """Upload the bank's or Alipay's result file: failed lines back to the students'
        payables, successful ones paid, the batch confirmed once nothing is outstanding."""
        batch = PayoutBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise Http404
        _executor(request)
        form = ResultFileForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                summary = payout_results.payout_batch_import_results(
                    batch_id=batch.pk, file=form.cleaned_data["file"], actor=signed_in_user(request))
            except exports.ResultFileInvalid as error:
                errors = error.errors
            except DomainError as error:
                errors = [str(error.message)]
            else:
                self.message_user(request, _(
                    "Result file applied: %(paid)d paid, %(failed)d failed, %(pending)d still pending, "
                    "%(unchanged)d already recorded; %(outstanding)d payouts outstanding.") % {
                    "paid": summary.paid, "failed": summary.failed, "pending": summary.pending,
                    "unchanged": summary.unchanged, "outstanding": summary.outstanding}, level=messages.SUCCESS)
                return redirect("admin:settlements_payoutbatch_change", batch.pk)
        return TemplateResponse(request, "admin/settlements/payoutbatch/import_results.html", {
            **self.admin_site.each_context(request), "title": _("Import the result file of payout batch %(id)d")
            % {"id": batch.pk}, "form": form, "errors": errors, "batch": batch, "opts": self.model._meta,
            "original": batch,
        })

    def download_bank_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._download(request, pk, "bank")

    def download_alipay_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._download(request, pk, "alipay")

    def _download(self, request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
        batch = PayoutBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise Http404
        _executor(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        staff = signed_in_user(request)
        with transaction.atomic():
            write_file = exports.batch_bank_file if kind == "bank" else exports.batch_alipay_file
            content = write_file(batch, staff=staff)
            payout_execution.payout_batch_mark_exported(batch_id=batch.pk, actor=staff)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(batch, kind)}"'
        return response

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """GET: the confirmation step, with the count and total of the lines it pays
        (issue 23). POST (from that page, quoting them): confirm the batch as paid;
        refused when the lines changed since the page was shown."""
        batch = PayoutBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise Http404
        _executor(request)
        outstanding = selectors.payout_batch_outstanding(batch_id=pk)
        shown = f"{outstanding.count}:{outstanding.total_fen}"
        if request.method == "POST":
            if request.POST.get("expected") != shown:
                self.message_user(request, _("The batch's lines changed since you looked: check the count and "
                                             "total again before confirming."), level=messages.ERROR)
                return redirect("admin:settlements_payoutbatch_confirm", pk)
            try:
                payout_execution.payout_batch_confirm(batch_id=pk, actor=signed_in_user(request))
            except DomainError as error:
                self.message_user(request, str(error.message), level=messages.ERROR)
            else:
                self.message_user(request, _("The batch is confirmed as paid."), level=messages.SUCCESS)
            return redirect("admin:settlements_payoutbatch_change", pk)
        return TemplateResponse(request, "admin/settlements/payoutbatch/confirm.html", {
            **self.admin_site.each_context(request),
            "title": _("Confirm payout batch %(id)d as paid") % {"id": batch.pk},
            "batch": batch, "outstanding": outstanding, "expected": shown, "opts": self.model._meta,
            "original": batch,
        })

    def build_view(self, request: HttpRequest) -> HttpResponseBase:
        """Finance builds the batch now (issue 23: a Sunday, or after fixing a failed line)
        from the settlements already due, through the same builder beat runs at 09:00
        (settlements.payouts.payout_batch_build): a concurrent build, a double click or
        beat at the same moment pay each settlement once. GET: what is due; POST: build."""
        _executor(request)
        if request.method == "POST":
            batch = payouts.payout_batch_build(actor=signed_in_user(request))
            if batch is None:
                self.message_user(request, _("Nothing was due to pay (or another build took it just now)."),
                                  level=messages.WARNING)
                return redirect("admin:settlements_payoutbatch_changelist")
            self.message_user(request, _("Payout batch %(id)d built: %(n)d payouts, %(total)s.") % {
                "id": batch.pk, "n": batch.payout_count, "total": format_fen(batch.total_fen)},
                level=messages.SUCCESS)
            return redirect("admin:settlements_payoutbatch_change", batch.pk)
        return TemplateResponse(request, "admin/settlements/payoutbatch/build.html", {
            **self.admin_site.each_context(request), "title": _("Build the payout batch now"),
            "due": selectors.payouts_due_summary(), "opts": self.model._meta,
        })


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "batch", "settlement", "student", "amount", "method_kind", "account_masked", "status",
                    "paid_at", "failed_at"]
    list_filter = ["status", "method_kind"]
    list_select_related = ["student"]
    search_fields = ["=id", "=settlement__id", "student__email"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    # Never the full number (encrypted): only the batch files show it, access-logged.
    object_route_permissions = {"settlements_payout_fail": EXECUTE_PERMISSION}
    fields = readonly_fields = ("batch", "settlement", "adjustment", "student", "attempt", "amount",
                                "method_kind", "bank_name", "account_masked", "account_holder", "status",
                                "ledger_key", "paid_at", "failed_at", "failure_reason")

    @admin.display(description=_("amount"))
    def amount(self, obj: Payout) -> str:
        return format_fen(obj.amount_fen)

    def get_urls(self) -> list[URLPattern]:
        return [path("<int:pk>/fail/", self.admin_site.admin_view(self.fail_view), name="settlements_payout_fail"),
                *super().get_urls()]

    def fail_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        payout = Payout.objects.filter(pk=pk).first()
        if payout is None:
            raise Http404
        _executor(request)
        form = FailReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payout_execution.payout_fail(payout_id=payout.pk, actor=signed_in_user(request),
                                             reason=form.cleaned_data["reason"])
            except DomainError as error:
                self.message_user(request, str(error.message), level=messages.ERROR)
            else:
                self.message_user(request, _("The line is marked failed; the money is back in the student's "
                                             "payable and they are asked to fix their details."),
                                  level=messages.SUCCESS)
            return redirect("admin:settlements_payoutbatch_change", payout.batch_id)
        return TemplateResponse(request, "admin/settlements/payoutbatch/fail.html", {
            **self.admin_site.each_context(request), "title": _("Mark a payout line failed"), "form": form,
            "payout": payout, "opts": self.model._meta,
        })


from . import admin_disputes, admin_guarantee, admin_tax  # noqa: E402,F401  (guarantee fund: E5.2; income tax)
