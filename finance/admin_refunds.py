"""Finance executes escrow refunds (E5.1, F3) here: approve or reject (with a
reason) what employers asked for, download the bank file of approved refunds
(the only place full account numbers appear, access-logged), then confirm each
transfer paid or mark it failed (money back in escrow). Every button is a POST
to one service in `finance.refunds`; the admin never changes a row itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.access import signed_in_user
from core.admin_mixins import ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.money import format_fen

from . import refunds
from .forms import RefundReasonForm
from .models import EscrowRefund

if TYPE_CHECKING:
    from django.utils.safestring import SafeString
    from django_stubs_ext import StrOrPromise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REASON_TEMPLATE = "admin/jobs/reason_form.html"


def _file_response(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="escrow-refunds-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@admin.register(EscrowRefund)
class EscrowRefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "employer", "amount", "account_holder", "bank_name", "account_masked",
                    "status", "exported_at", "paid_at", "decide"]
    list_filter = ["status"]
    list_select_related = ["employer"]
    search_fields = ["=id", "employer__name"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    # Never the full number (encrypted): only the refund file shows it, access-logged.
    fields = readonly_fields = ("employer", "amount", "account_holder", "bank_name", "account_masked",
                                "status", "requested_by", "created_at", "decided_by", "decided_at", "reason",
                                "exported_at", "paid_at", "history")
    actions = ["approve_selected", "export_selected", "confirm_paid_selected"]
    change_list_template = "admin/finance/escrowrefund/change_list.html"
    object_route_permissions = {"finance_escrowrefund_reject": refunds.EXECUTE_PERMISSION,
                                "finance_escrowrefund_fail": refunds.EXECUTE_PERMISSION}

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj: EscrowRefund) -> str:
        return format_fen(obj.amount_fen)

    @admin.display(description=_("account"))
    def account_masked(self, obj: EscrowRefund) -> str:
        return obj.account_masked

    @admin.display(description=_("history"))
    def history(self, obj: EscrowRefund) -> str:
        return history_table(obj)

    @admin.display(description=_("decide"))
    def decide(self, obj: EscrowRefund) -> str | SafeString:
        if obj.status == EscrowRefund.Status.REQUESTED:
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("admin:finance_escrowrefund_reject", args=[obj.pk]), _("Reject"))
        if obj.status == EscrowRefund.Status.APPROVED:
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("admin:finance_escrowrefund_fail", args=[obj.pk]), _("Mark failed"))
        return "—"

    # ------------------------------------------------------------ permissions
    def has_execute_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(refunds.EXECUTE_PERMISSION)

    def _executor(self, request: HttpRequest) -> None:
        if not self.has_execute_permission(request):
            raise PermissionDenied

    # ------------------------------------------------------------ list actions (POST from the changelist)
    def _each(self, request: HttpRequest, queryset: QuerySet[EscrowRefund], run: Callable[[int], object],
              done_message: StrOrPromise) -> None:
        done = 0
        for refund_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                run(refund_id)
            except DomainError as error:
                self.message_user(request, _("Refund %(id)s: %(error)s") % {"id": refund_id, "error": error.message},
                                  level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, level=messages.SUCCESS)

    @admin.action(description=_("Approve the selected refunds"), permissions=["execute"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[EscrowRefund]) -> None:
        self._each(request, queryset,
                   lambda pk: refunds.refund_approve(refund_id=pk, actor=signed_in_user(request)),
                   _("%(n)d refunds approved."))

    @admin.action(description=_("Confirm the selected refunds paid"), permissions=["execute"])
    def confirm_paid_selected(self, request: HttpRequest, queryset: QuerySet[EscrowRefund]) -> None:
        self._each(request, queryset,
                   lambda pk: refunds.refund_confirm_paid(refund_id=pk, actor=signed_in_user(request)),
                   _("%(n)d refunds confirmed paid."))

    @admin.action(description=_("Download the bank file of the selected approved refunds"), permissions=["execute"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[EscrowRefund]) -> HttpResponse:
        content = refunds.refunds_export(actor=signed_in_user(request),
                                         refund_ids=list(queryset.values_list("pk", flat=True)))
        return _file_response(content)

    # ------------------------------------------------------------ routes
    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="finance_escrowrefund_export"),
            path("<int:pk>/reject/", view(self.reject_view), name="finance_escrowrefund_reject"),
            path("<int:pk>/fail/", view(self.fail_view), name="finance_escrowrefund_fail"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """POST: the bank file of every approved refund not in a file yet."""
        self._executor(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return _file_response(refunds.refunds_export(actor=signed_in_user(request)))

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._reason(request, pk, title=_("Reject the refund"),
                            run=lambda refund, reason: refunds.refund_reject(
                                refund_id=refund.pk, actor=signed_in_user(request), reason=reason))

    def fail_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._reason(request, pk, title=_("The bank refused the refund transfer"),
                            run=lambda refund, reason: refunds.refund_fail(
                                refund_id=refund.pk, actor=signed_in_user(request), reason=reason))

    def _reason(self, request: HttpRequest, pk: int, *, title: StrOrPromise,
                run: Callable[[EscrowRefund, str], object]) -> HttpResponseBase:
        refund = EscrowRefund.objects.filter(pk=pk).select_related("employer").first()
        if refund is None:
            raise Http404
        self._executor(request)
        back_url = reverse("admin:finance_escrowrefund_change", args=[refund.pk])
        form = RefundReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run(refund, form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, str(error.message))
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": title}, messages.SUCCESS)
                return redirect(back_url)
        subject = f"{refund.employer} · {format_fen(refund.amount_fen)} · {refund.account_masked}"
        return TemplateResponse(request, REASON_TEMPLATE, {
            **self.admin_site.each_context(request), "title": title, "subject": subject, "form": form,
            "opts": self.opts, "original": refund, "back_url": back_url,
        })
