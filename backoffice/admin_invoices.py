"""Finance's queue of employers' invoice requests (F1, E5): what waits for
finance first, then the rest; each request shows the title and taxpayer number it
was asked under and the fee lines it covers. Finance records the invoice it
issued (number, date, amount) or refuses with a reason, each on a page of its own
that runs one service. Auditors read, and change nothing."""

from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DecideViewMixin, DefaultStatusFilter, ReadOnlyAdmin, history_table
from core.money import format_fen

from . import invoices
from .forms_invoices import InvoiceIssueForm, InvoiceRefuseForm
from .models import ISSUE_INVOICE_PERMISSION, InvoiceRequest


class InvoiceStatusFilter(DefaultStatusFilter):
    """By default what waits for finance."""

    default = InvoiceRequest.Status.REQUESTED
    statuses = InvoiceRequest.Status.choices


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(DecideViewMixin, ReadOnlyAdmin):
    list_display = ["id", "created_at", "employer", "period", "amount", "status", "invoice_number", "invoice_date",
                    "decide"]
    list_filter = [InvoiceStatusFilter]
    list_select_related = ["employer"]
    search_fields = ["=id", "=invoice_number", "title", "=tax_number"]
    # Waiting requests first (under "All" too), the oldest of them first.
    ordering = [Case(When(status=InvoiceRequest.Status.REQUESTED, then=Value(0)), default=Value(1),
                     output_field=IntegerField()).asc(), "created_at", "id"]
    show_full_result_count = False
    fields = ["decide", "employer", "title", "tax_number", "period", "amount", "status", "requested_by",
              "created_at", "invoice_number", "invoice_date", "decided_by", "decided_at", "refusal_reason",
              "covered_lines", "history"]
    object_route_permissions = {"backoffice_invoicerequest_issue": ISSUE_INVOICE_PERMISSION,
                                "backoffice_invoicerequest_refuse": ISSUE_INVOICE_PERMISSION}

    def get_list_display(self, request):
        may_decide = request.user.has_perm(ISSUE_INVOICE_PERMISSION)
        return [name for name in self.list_display if may_decide or name != "decide"]

    def get_fields(self, request, obj=None):
        may_decide = request.user.has_perm(ISSUE_INVOICE_PERMISSION)
        return [name for name in self.fields if may_decide or name != "decide"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("fees of"))
    def period(self, obj):
        return f"{obj.period_start:%Y-%m-%d} – {obj.period_end:%Y-%m-%d}"

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj):
        return format_fen(obj.amount_fen)

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj.status != InvoiceRequest.Status.REQUESTED:
            return "—"
        return format_html('<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
                           reverse("admin:backoffice_invoicerequest_issue", args=[obj.pk]), _("Record the invoice"),
                           reverse("admin:backoffice_invoicerequest_refuse", args=[obj.pk]), _("Refuse"))

    @admin.display(description=_("fee lines covered"))
    def covered_lines(self, obj):
        statement = invoices.invoice_statement(invoice=obj)
        rows = [(f"{timezone.localtime(line.posted_at):%Y-%m-%d}", line.description, format_fen(line.amount_fen))
                for line in statement.lines]
        if not rows:
            return "—"
        return format_html("<table><tbody>{}</tbody></table>",
                           format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/issue/", view(self.issue_view), name="backoffice_invoicerequest_issue"),
            path("<int:pk>/refuse/", view(self.refuse_view), name="backoffice_invoicerequest_refuse"),
            *super().get_urls(),
        ]

    @staticmethod
    def _describe(obj):
        return (f"{obj.title} · {obj.tax_number} · {obj.period_start:%Y-%m-%d} – {obj.period_end:%Y-%m-%d} · "
                f"{format_fen(obj.amount_fen)}", None)

    def issue_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=ISSUE_INVOICE_PERMISSION, form_class=InvoiceIssueForm,
            title=_("Record the invoice issued"), applicable=lambda o: o.status == InvoiceRequest.Status.REQUESTED,
            describe=self._describe, initial=lambda o: {"amount": o.amount_fen, "invoice_date": timezone.localdate()},
            already_decided=_("This request has been decided already."),
            run=lambda o, data: invoices.invoice_issue(
                pk=o.pk, actor=request.user, invoice_number=data["invoice_number"],
                invoice_date=data["invoice_date"], amount_fen=data["amount"]))

    def refuse_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=ISSUE_INVOICE_PERMISSION, form_class=InvoiceRefuseForm,
            title=_("Refuse the invoice request"), applicable=lambda o: o.status == InvoiceRequest.Status.REQUESTED,
            describe=self._describe, already_decided=_("This request has been decided already."),
            run=lambda o, data: invoices.invoice_refuse(pk=o.pk, actor=request.user, reason=data["reason"]))
