"""The back office's expense screens (F1, F2, F3.1): expense claims (with the
queue of claims waiting for me), budgets with spent and remaining, adjusting
transactions (requested by one finance member, approved by another) and the
monthly reconciliations (bank balance entered, signed off once). Every button
calls one service; domain errors become messages. Auditors read everything and
change nothing (view permissions only)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin, history_table
from core.errors import DomainError
from core.forms import IsoDateInput, YuanField
from core.money import format_fen

from . import adjustments, expenses, reconciliation
from .forms import AdjustmentForm, BankClosingForm, ReasonForm, SignOffForm
from .models import AdjustmentRequest, Budget, ExpenseClaim, MonthlyReconciliation

FORM_TEMPLATE = "admin/jobs/reason_form.html"


def _form_page(model_admin, request, *, form, title, subject, original, back_url):
    return TemplateResponse(request, FORM_TEMPLATE, {
        **model_admin.admin_site.each_context(request), "title": title, "subject": subject, "form": form,
        "opts": model_admin.opts, "original": original, "back_url": back_url})


def _add_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


# ------------------------------------------------------------------ claims
class WaitingForMeFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("Waiting for me"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(pk__in=expenses.claims_waiting_for(request.user).values("pk"))
        return queryset


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "claimant", "category", "spent_on", "amount", "status",
                    "needs_second_approval", "open_page"]
    list_filter = [WaitingForMeFilter, "status", "category"]
    list_select_related = ["claimant"]
    search_fields = ["=id", "claimant__email"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = ["claimant", "category", "spent_on", "amount", "description", "status", "needs_second_approval",
              "budget_warning", "decisions", "receipt_links", "ledger_key", "booked_at", "paid_at",
              "rejection_reason", "history"]
    readonly_fields = fields
    actions = ["approve_selected", "pay_selected"]

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj):
        return format_fen(obj.amount_fen)

    @admin.display(description=_("decide"))
    def open_page(self, obj):
        return format_html('<a class="button" href="{}">{}</a>', reverse("backoffice:expense_claim", args=[obj.pk]),
                           _("Open"))

    @admin.display(description=_("budget"))
    def budget_warning(self, obj):
        warning = expenses.claim_budget_warning(obj)
        if warning is None:
            return "—"
        return format_html('<strong style="color:#b00">{}</strong>', _(
            "Over budget: %(spent)s against %(budget)s") % {"spent": format_fen(warning.spent_fen),
                                                           "budget": format_fen(warning.budget.amount_fen)})

    @admin.display(description=_("decisions"))
    def decisions(self, obj):
        rows = [(a.get_stage_display(), a.approver, _("approved") if a.approved else _("rejected"), a.note)
                for a in obj.approvals.select_related("approver")]
        return format_html_join("", "<p>{}: {} — {} {}</p>", rows) or "—"

    @admin.display(description=_("receipts"))
    def receipt_links(self, obj):
        rows = [(reverse("backoffice:expense_receipt", args=[obj.pk, r.pk]), r.pk) for r in obj.receipts.all()]
        return format_html_join(" ", '<a href="{}">#{}</a>', rows) or "—"

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def has_decide_permission(self, request) -> bool:
        return (request.user.has_perm(expenses.HEAD_PERMISSION)
                or request.user.has_perm(expenses.FINANCE_PERMISSION))

    def has_pay_permission(self, request) -> bool:
        return request.user.has_perm(expenses.FINANCE_PERMISSION)

    def _each(self, request, queryset, run, done_message) -> None:
        done = 0
        for claim_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                run(claim_id)
            except DomainError as error:
                self.message_user(request, _("Claim %(id)s: %(error)s") % {"id": claim_id, "error": error.message},
                                  level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, level=messages.SUCCESS)

    @admin.action(description=_("Approve the selected claims (my stage)"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        self._each(request, queryset, lambda pk: expenses.claim_approve(claim_id=pk, actor=request.user),
                   _("%(n)d claims approved."))

    @admin.action(description=_("Mark the selected booked claims paid"), permissions=["pay"])
    def pay_selected(self, request, queryset):
        self._each(request, queryset, lambda pk: expenses.claim_pay(claim_id=pk, actor=request.user),
                   _("%(n)d claims marked paid."))


# ------------------------------------------------------------------ budgets
class BudgetForm(forms.ModelForm):
    amount = YuanField(label=_("Budget (yuan)"), max_fen=expenses.MAX_AMOUNT_FEN)

    class Meta:
        model = Budget
        fields = ["category", "period_start", "period_end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["amount"].initial = self.instance.amount_fen


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    form = BudgetForm
    list_display = ["category", "period_start", "period_end", "budget", "spent", "remaining"]
    list_filter = ["category"]
    ordering = ["-period_start", "category"]
    readonly_fields = ["created_by", "history"]

    def get_fields(self, request, obj=None):
        """Who may only read (the auditor) sees the amount as money, not the form's "Amount: None" (issue 21)."""
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return ["budget" if name == "amount" else name for name in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "budget"] if obj is not None and not self.has_change_permission(request, obj) else readonly

    @admin.display(description=_("budget"), ordering="amount_fen")
    def budget(self, obj):
        return format_fen(obj.amount_fen)

    @admin.display(description=_("spent"))
    def spent(self, obj):
        return format_fen(expenses.budget_spent_fen(obj))

    @admin.display(description=_("remaining"))
    def remaining(self, obj):
        spent = expenses.budget_spent_fen(obj)
        text = format_fen(obj.amount_fen - spent)
        return format_html('<strong style="color:#b00">{}</strong>', text) if spent > obj.amount_fen else text

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj) if obj.pk else "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Through the service: a changed period is a new budget; the amount is set with history."""
        data = form.cleaned_data
        saved = expenses.budget_set(actor=request.user, category=data["category"], period_start=data["period_start"],
                                    period_end=data["period_end"], amount_fen=data["amount"])
        obj.pk, obj.amount_fen, obj.created_by_id = saved.pk, saved.amount_fen, saved.created_by_id
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at


# ------------------------------------------------------------------ adjusting transactions
@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "memo", "requested_by", "status", "decided_by", "decide"]
    list_filter = ["status"]
    list_select_related = ["requested_by", "decided_by"]
    ordering = ["-created_at", "-id"]
    fields = ["memo", "line_table", "requested_by", "status", "decided_by", "decided_at", "decision_note",
              "ledger_key", "history"]
    readonly_fields = fields
    change_list_template = "admin/backoffice/expense_adjustment_change_list.html"
    object_route_permissions = {"backoffice_adjustmentrequest_approve": adjustments.APPROVE_PERMISSION,
                                "backoffice_adjustmentrequest_reject": adjustments.APPROVE_PERMISSION}

    @admin.display(description=_("lines"))
    def line_table(self, obj):
        return format_html_join("", "<p>{} {}</p>", [(code, format_fen(int(amount))) for code, amount in obj.lines])

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj.status != AdjustmentRequest.Status.REQUESTED:
            return "—"
        return format_html('<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
                           reverse("admin:backoffice_adjustmentrequest_approve", args=[obj.pk]), _("Approve"),
                           reverse("admin:backoffice_adjustmentrequest_reject", args=[obj.pk]), _("Reject"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.new_view), name="backoffice_adjustmentrequest_new"),
            path("<int:pk>/approve/", view(self.approve_view), name="backoffice_adjustmentrequest_approve"),
            path("<int:pk>/reject/", view(self.reject_view), name="backoffice_adjustmentrequest_reject"),
            *super().get_urls(),
        ]

    def new_view(self, request):
        if not request.user.has_perm(adjustments.REQUEST_PERMISSION):
            raise PermissionDenied
        back_url = reverse("admin:backoffice_adjustmentrequest_changelist")
        form = AdjustmentForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                adjustments.adjustment_request(actor=request.user, memo=form.cleaned_data["memo"],
                                               lines=form.cleaned_data["lines"])
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(request, _("Requested: another finance member must approve it."), messages.SUCCESS)
                return redirect(back_url)
        return _form_page(self, request, form=form, title=_("Request an adjusting transaction"), subject="",
                          original=None, back_url=back_url)

    def _request(self, request, pk: int) -> AdjustmentRequest:
        if not request.user.has_perm(adjustments.APPROVE_PERMISSION):
            raise PermissionDenied
        obj = AdjustmentRequest.objects.filter(pk=pk).first()
        if obj is None:
            raise Http404
        return obj

    def approve_view(self, request, pk: int):
        obj = self._request(request, pk)
        back_url = reverse("admin:backoffice_adjustmentrequest_change", args=[obj.pk])
        form = forms.Form(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            try:
                adjustments.adjustment_approve(request_id=obj.pk, actor=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("Approved and posted."), messages.SUCCESS)
            return redirect(back_url)
        return _form_page(self, request, form=form, title=_("Approve and post the adjusting transaction"),
                          subject=obj.memo, original=obj, back_url=back_url)

    def reject_view(self, request, pk: int):
        obj = self._request(request, pk)
        back_url = reverse("admin:backoffice_adjustmentrequest_change", args=[obj.pk])
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                adjustments.adjustment_reject(request_id=obj.pk, actor=request.user, note=form.cleaned_data["reason"])
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(request, _("Rejected."), messages.SUCCESS)
                return redirect(back_url)
        return _form_page(self, request, form=form, title=_("Reject the adjusting transaction"), subject=obj.memo,
                          original=obj, back_url=back_url)


# ------------------------------------------------------------------ monthly reconciliations
class MonthForm(forms.Form):
    month = forms.DateField(label=_("Any day of the month"), widget=IsoDateInput())


@admin.register(MonthlyReconciliation)
class MonthlyReconciliationAdmin(ReadOnlyAdmin):
    list_display = ["month", "settlement_account", "parts_difference", "bank_closing", "difference",
                    "signed_off_by", "signed_off_at", "decide"]
    ordering = ["-month"]
    list_select_related = ["signed_off_by"]
    fields = ["month", "figure_table", "bank_closing", "difference", "prepared_at", "signed_off_by",
              "signed_off_at", "notes", "history"]
    readonly_fields = fields
    change_list_template = "admin/backoffice/expense_reconciliation_change_list.html"
    object_route_permissions = {"backoffice_monthlyreconciliation_bank": reconciliation.SIGN_OFF_PERMISSION,
                                "backoffice_monthlyreconciliation_sign_off": reconciliation.SIGN_OFF_PERMISSION}

    @admin.display(description=_("settlement account"))
    def settlement_account(self, obj):
        return format_fen(obj.figures.get("settlement_account", 0))

    @admin.display(description=_("account less its parts"))
    def parts_difference(self, obj):
        return format_fen(obj.figures.get("parts_difference", 0))

    @admin.display(description=_("bank statement"))
    def bank_closing(self, obj):
        return "—" if obj.bank_closing_fen is None else format_fen(obj.bank_closing_fen)

    @admin.display(description=_("difference"))
    def difference(self, obj):
        return "—" if obj.difference_fen is None else format_fen(obj.difference_fen)

    @admin.display(description=_("figures"))
    def figure_table(self, obj):
        return format_html_join("", "<p>{}: {}</p>",
                                [(label, format_fen(value)) for label, value in reconciliation.figure_rows(obj)])

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj.signed_off_at is not None:
            return "—"
        return format_html('<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
                           reverse("admin:backoffice_monthlyreconciliation_bank", args=[obj.pk]), _("Bank balance"),
                           reverse("admin:backoffice_monthlyreconciliation_sign_off", args=[obj.pk]), _("Sign off"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("prepare/", view(self.prepare_view), name="backoffice_monthlyreconciliation_prepare"),
            path("<int:pk>/bank/", view(self.bank_view), name="backoffice_monthlyreconciliation_bank"),
            path("<int:pk>/sign-off/", view(self.sign_off_view), name="backoffice_monthlyreconciliation_sign_off"),
            *super().get_urls(),
        ]

    def prepare_view(self, request):
        if not request.user.has_perm("backoffice.add_monthlyreconciliation"):
            raise PermissionDenied
        back_url = reverse("admin:backoffice_monthlyreconciliation_changelist")
        form = MonthForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            rec = reconciliation.reconciliation_prepare(month=form.cleaned_data["month"])
            self.message_user(request, _("Figures prepared for %(month)s.") % {"month": f"{rec.month:%Y-%m}"},
                              messages.SUCCESS)
            return redirect(reverse("admin:backoffice_monthlyreconciliation_change", args=[rec.pk]))
        return _form_page(self, request, form=form, title=_("Prepare a monthly reconciliation"), subject="",
                          original=None, back_url=back_url)

    def _rec(self, request, pk: int) -> MonthlyReconciliation:
        if not request.user.has_perm(reconciliation.SIGN_OFF_PERMISSION):
            raise PermissionDenied
        obj = MonthlyReconciliation.objects.filter(pk=pk).first()
        if obj is None:
            raise Http404
        return obj

    def bank_view(self, request, pk: int):
        obj = self._rec(request, pk)
        back_url = reverse("admin:backoffice_monthlyreconciliation_change", args=[obj.pk])
        form = BankClosingForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                reconciliation.reconciliation_enter_bank(reconciliation_id=obj.pk, actor=request.user,
                                                         bank_closing_fen=form.cleaned_data["bank_closing"],
                                                         notes=form.cleaned_data["notes"])
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(request, _("Bank balance entered."), messages.SUCCESS)
                return redirect(back_url)
        return _form_page(self, request, form=form, title=_("Enter the bank statement's closing balance"),
                          subject=f"{obj.month:%Y-%m}", original=obj, back_url=back_url)

    def sign_off_view(self, request, pk: int):
        obj = self._rec(request, pk)
        back_url = reverse("admin:backoffice_monthlyreconciliation_change", args=[obj.pk])
        form = SignOffForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                reconciliation.reconciliation_sign_off(reconciliation_id=obj.pk, actor=request.user,
                                                       notes=form.cleaned_data["notes"])
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(request, _("Signed off."), messages.SUCCESS)
                return redirect(back_url)
        return _form_page(self, request, form=form, title=_("Sign off the monthly reconciliation"),
                          subject=f"{obj.month:%Y-%m}", original=obj, back_url=back_url)


