"""The employer's fees and invoices (F1, E5): each posting fee and commission
with its invoice status, the request for a VAT invoice for a period, the
requests with their number and date, and the fee statement downloads (XLSX,
access-logged). Employer accounts only (403 otherwise), each seeing only its own
organisation; another organisation's request is a 404. Thin: parse input, call
one service or selector, render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from core.access import owned_object
from core.errors import DomainError
from employers.selectors import employer_membership_get
from employers.views import employer_account_required

from . import invoices
from .forms_invoices import FeePeriodForm, InvoiceRequestForm, last_month

FEE_LINES_PER_PAGE = 50
REQUESTS_SHOWN = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _membership(request):
    membership = employer_membership_get(user=request.user)
    if membership is None:  # an employer account that has not registered its organisation yet
        raise Http404
    return membership


def _period(request) -> tuple[tuple, FeePeriodForm]:
    """The period asked for in the query string, else this year so far."""
    today = timezone.localdate()
    default = (today.replace(month=1, day=1), today)
    bound = "start" in request.GET or "end" in request.GET
    form = FeePeriodForm(request.GET if bound else None, initial={"start": default[0], "end": default[1]})
    if bound and form.is_valid():
        return (form.cleaned_data["start"], form.cleaned_data["end"]), form
    return default, form


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@employer_account_required
@require_http_methods(["GET", "HEAD", "POST"])
def employer_fees(request):
    """The period's fee lines (paged), the invoice request form, the requests."""
    membership = _membership(request)
    employer = membership.employer
    (start, end), period_form = _period(request)
    request_start, request_end = last_month()
    form = InvoiceRequestForm(request.POST or None, initial={"period_start": request_start,
                                                              "period_end": request_end})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invoices.invoice_request(employer_id=employer.pk, actor=request.user,
                                         period_start=form.cleaned_data["period_start"],
                                         period_end=form.cleaned_data["period_end"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Your invoice request was sent to finance."))
                return redirect(reverse("backoffice:employer_fees") + "#requests")
        status = 400
    page = Paginator(invoices.fee_line_rows(employer_id=employer.pk, start=start, end=end),
                     FEE_LINES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "backoffice/employer_fees.html", {
        "employer": employer, "start": start, "end": end, "period_form": period_form,
        "period_query": urlencode({"start": start.isoformat(), "end": end.isoformat()}),
        "page": page, "lines": invoices.fee_lines_describe(page.object_list),
        "totals": invoices.fee_totals(employer_id=employer.pk, start=start, end=end),
        "form": form, "requests": list(invoices.invoice_requests_for(employer_id=employer.pk)[:REQUESTS_SHOWN]),
    }, status=status)


@employer_account_required
@require_safe
def employer_fee_statement(request):
    """The period's fee statement as XLSX; each download is access-logged."""
    membership = _membership(request)
    (start, end), form = _period(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Choose a period of at most three years that ends after it starts."))
        return redirect("backoffice:employer_fees")
    statement = invoices.fee_statement(employer=membership.employer, start=start, end=end)
    invoices.fee_statement_download_record(user=request.user, employer=membership.employer,
                                           what=f"{start:%Y-%m-%d} – {end:%Y-%m-%d}")
    return _xlsx(invoices.fee_statement_xlsx(statement), f"fee-statement-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


@employer_account_required
@owned_object(lambda user, pk: invoices.invoice_request_for_member(user=user, pk=pk), ("GET", "HEAD"))
def employer_invoice_statement(request, invoice):
    """The fee lines one invoice request covers (清单) as XLSX; each download is access-logged."""
    statement = invoices.invoice_statement(invoice=invoice)
    invoices.fee_statement_download_record(user=request.user, employer=invoice.employer,
                                           what=f"invoice request {invoice.pk}")
    return _xlsx(invoices.fee_statement_xlsx(statement), f"invoice-request-{invoice.pk}-fees.xlsx")
