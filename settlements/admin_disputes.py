"""Staff queue of payment disputes (S4.3) and the adjustments they create.

Read-only: a dispute changes only through `settlements.disputes`. Staff with
`settlements.change_paymentdispute` (finance, customer service) decide on a
page of its own; opening the student's evidence asks for a reason and is
logged (J3.2). Overdue = the employer has not answered by its due time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import RevealForm
from applications.admin import agreements_html
from core.access import signed_in_user
from core.admin_mixins import DecideViewMixin, DefaultStatusFilter, ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.money import format_fen
from core.uploads import serve_private_file

from . import disputes
from .forms import DisputeDecisionForm
from .models import PaymentDispute, SettlementAdjustment

if TYPE_CHECKING:
    from django.utils.safestring import SafeString
    from django_stubs_ext import StrOrPromise

DECIDE_PERMISSION = disputes.DECIDE_PERMISSION


def _when(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


class DisputeStatusFilter(DefaultStatusFilter):
    """By default what waits for staff: open or answered disputes."""

    default = "live"
    statuses = [("live", _("Waiting for a decision")), *PaymentDispute.Status.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or self.default
        if value == "live":
            return queryset.filter(status__in=disputes.LIVE)
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class AnswerOverdueFilter(admin.SimpleListFilter):
    title = _("employer answer overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest,
                model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = {"status": PaymentDispute.Status.OPEN, "employer_response_due_at__lt": timezone.now()}
        if self.value() == "yes":
            return queryset.filter(**overdue)
        if self.value() == "no":
            return queryset.exclude(**overdue)
        return queryset


@admin.register(PaymentDispute)
class PaymentDisputeAdmin(DecideViewMixin, ReadOnlyAdmin):
    list_display = ["id", "settlement", "student", "employer", "kind", "status", "due", "overdue", "created_at"]
    list_filter = [DisputeStatusFilter, AnswerOverdueFilter, "kind", "outcome"]
    list_select_related = ["settlement", "student", "employer"]
    search_fields = ["=id", "=settlement__id", "student__email", "employer__name"]
    # The employer's answer due first: the oldest case waits longest.
    ordering = ["employer_response_due_at", "id"]
    show_full_result_count = False
    fields = DETAIL_FIELDS = (
        "settlement_link", "agreements", "student", "employer", "kind", "description", "claimed", "evidence_link",
        "status", "due", "overdue", "employer_response", "employer_responded_at", "employer_responded_by", "outcome",
        "decision", "adjustment", "refund", "decided_by", "decided_at", "adjustment_link", "history")
    object_route_permissions = {"settlements_paymentdispute_decide": DECIDE_PERMISSION,
                                "settlements_paymentdispute_evidence": DECIDE_PERMISSION}

    def get_fields(self, request: HttpRequest, obj: PaymentDispute | None = None) -> tuple[str, ...]:
        if request.user.has_perm(DECIDE_PERMISSION):
            return ("decide", *self.DETAIL_FIELDS)
        return self.DETAIL_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: PaymentDispute | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description=_("employer answers by"), ordering="employer_response_due_at")
    def due(self, obj: PaymentDispute) -> str:
        return _when(obj.employer_response_due_at)

    @admin.display(description=_("answer overdue"), boolean=True)
    def overdue(self, obj: PaymentDispute) -> bool:
        return disputes.answer_overdue(obj)

    @admin.display(description=_("settlement"))
    def settlement_link(self, obj: PaymentDispute) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("admin:settlements_settlement_change",
                                                          args=[obj.settlement_id]), obj.settlement)

    @admin.display(description=_("service agreement"))
    def agreements(self, obj: PaymentDispute) -> str:
        """The engagement's service agreement, every version (issue 19)."""
        return agreements_html(obj.settlement.engagement_id)

    @admin.display(description=_("amount the student says is missing"))
    def claimed(self, obj: PaymentDispute) -> str:
        return format_fen(obj.claimed_fen) if obj.claimed_fen else "—"

    @admin.display(description=_("extra pay for the student"))
    def adjustment(self, obj: PaymentDispute) -> str:
        return format_fen(obj.adjustment_fen) if obj.adjustment_fen else "—"

    @admin.display(description=_("commission refunded"))
    def refund(self, obj: PaymentDispute) -> str:
        return format_fen(obj.refund_fen) if obj.refund_fen else "—"

    @admin.display(description=_("adjustment"))
    def adjustment_link(self, obj: PaymentDispute) -> str:
        adjustment = SettlementAdjustment.objects.filter(dispute=obj).first()
        if adjustment is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:settlements_settlementadjustment_change",
                                                          args=[adjustment.pk]), adjustment.get_status_display())

    @admin.display(description=_("evidence"))
    def evidence_link(self, obj: PaymentDispute) -> StrOrPromise:
        if not obj.evidence:
            return _("No evidence attached.")
        return format_html('<a href="{}">{}</a>', reverse("admin:settlements_paymentdispute_evidence",
                                                          args=[obj.pk]), _("Open (reason required, access is logged)"))

    @admin.display(description=_("decide"))
    def decide(self, obj: PaymentDispute) -> StrOrPromise:
        if obj.status not in disputes.LIVE:
            return _("Nothing to decide.")
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:settlements_paymentdispute_decide", args=[obj.pk]),
                           _("Decide the dispute"))

    @admin.display(description=_("history"))
    def history(self, obj: PaymentDispute) -> str:
        return history_table(obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="settlements_paymentdispute_decide"),
            path("<int:pk>/evidence/", view(self.evidence_view), name="settlements_paymentdispute_evidence"),
            *super().get_urls(),
        ]

    def _allowed(self, request: HttpRequest, pk: int) -> PaymentDispute:
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404
        return obj

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        def prepare_form(form: forms.BaseForm, dispute: PaymentDispute) -> None:
            form.fields["refund_fen"].help_text = _(
                "At most %(cap)s (the statement's commission less refunds).") % {
                "cap": format_fen(disputes._refund_cap_fen(dispute.settlement))}

        return self.decide_view_for(
            request, pk, permission=DECIDE_PERMISSION, form_class=DisputeDecisionForm,
            title=_("Decide the dispute"), page_title=_("Decide the payment dispute"),
            applicable=lambda d: d.status in disputes.LIVE, prepare_form=prepare_form,
            describe=lambda d: (
                f"{d.student} · {d.employer} · {d.settlement.engagement.job.title} · "
                f"{format_fen(d.settlement.student_total_fen)}",
                _("The student says (%(kind)s): %(text)s — the employer answers: %(answer)s") % {
                    "kind": d.get_kind_display(), "text": d.description,
                    "answer": d.employer_response or _("no answer yet")}),
            run=lambda d, data: disputes.dispute_decide(dispute_id=d.pk, actor=signed_in_user(request),
                                                        **data))

    def evidence_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """Ask for a reason, log the access (J3.2), then stream the evidence."""
        dispute = self._allowed(request, pk)
        if not dispute.evidence:
            raise Http404
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                disputes.dispute_evidence_access_record(staff=signed_in_user(request), dispute=dispute,
                                                        reason=form.cleaned_data["reason"])
            except DomainError as error:
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                return serve_private_file(dispute.evidence, download_name=f"payment-dispute-{dispute.pk}-evidence")
        return TemplateResponse(request, "admin/reveal_reason.html", {
            **self.admin_site.each_context(request), "title": _("Open the evidence"), "subject_label": str(dispute),
            "form": form, "opts": self.opts,
        })


@admin.register(SettlementAdjustment)
class SettlementAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "settlement", "student", "employer", "amount", "commission", "status", "funded_at",
                    "payout_due_at", "paid_at"]
    list_filter = ["status"]
    list_select_related = ["settlement", "student", "employer"]
    search_fields = ["=id", "=settlement__id", "student__email", "employer__name"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = ("settlement", "dispute", "student", "employer", "amount", "commission",
                                "status", "funded_at", "payout_due_at", "paid_at", "history")

    @admin.display(description=_("extra pay"), ordering="amount_fen")
    def amount(self, obj: SettlementAdjustment) -> str:
        return format_fen(obj.amount_fen)

    @admin.display(description=_("commission"))
    def commission(self, obj: SettlementAdjustment) -> str:
        return format_fen(obj.commission_fen)

    @admin.display(description=_("history"))
    def history(self, obj: SettlementAdjustment) -> str:
        return history_table(obj)
