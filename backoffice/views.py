"""Staff pages for expense claims (F2), budgets and the income and expenses
report (F1): any staff member submits claims and sees their own; approvers see
what waits for them and decide; finance books and pays. Receipts are served
only to the claimant and to staff allowed to see claims (approvers, finance,
auditors). Thin: parse, call one service or selector, render; domain errors
become messages or form errors, never a 500. Every page needs a staff account
signed in with its second factor (the back office's own test)."""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import staff_page
from core.errors import DomainError
from core.uploads import serve_private_file

from . import expenses
from .forms import ExpenseClaimForm, ReasonForm
from .income import income_statement, income_statement_xlsx
from .models import ExpenseClaim, ExpenseReceipt

PER_LIST = 100
REPORT_PERMISSION = "backoffice.view_budget"  # finance, auditors and managers
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible_claim(request, pk: int) -> ExpenseClaim:
    claim = ExpenseClaim.objects.filter(pk=pk).select_related("claimant").first()
    if claim is None or not expenses.may_view(request.user, claim):
        raise Http404
    return claim


def _is_approver(user) -> bool:
    return user.has_perm(expenses.HEAD_PERMISSION) or user.has_perm(expenses.FINANCE_PERMISSION)


# ------------------------------------------------------------------ claims
@staff_page()
@require_safe
def claim_list(request):
    """My claims and, for approvers, the claims waiting for me."""
    waiting = list(expenses.claims_waiting_for(request.user)[:PER_LIST]) if _is_approver(request.user) else []
    return render(request, "backoffice/expense_list.html", {
        "claims": list(expenses.claims_of(request.user)[:PER_LIST]), "waiting": waiting,
        "can_report": request.user.has_perm(REPORT_PERMISSION)})


@staff_page()
@require_http_methods(["GET", "POST"])
def claim_new(request):
    form = ExpenseClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = expenses.claim_submit(claimant=request.user, category=data["category"], spent_on=data["spent_on"],
                                          amount_fen=data["amount"], description=data["description"],
                                          receipts=data["receipts"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Your claim was submitted to the department head."))
            return redirect("backoffice:expense_claim", pk=claim.pk)
    return render(request, "backoffice/expense_new.html", {"form": form})


@staff_page()
def claim_detail(request, pk: int):
    claim = _visible_claim(request, pk)  # before the method: others learn nothing, whatever they send
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    user = request.user
    may_decide = expenses.may_decide(user, claim)
    return render(request, "backoffice/expense_detail.html", {
        "claim": claim, "receipts": list(claim.receipts.order_by("pk")),
        "approvals": list(claim.approvals.select_related("approver")),
        "may_decide": may_decide, "reject_form": ReasonForm(),
        "may_pay": claim.status == ExpenseClaim.Status.BOOKED and user.has_perm(expenses.FINANCE_PERMISSION),
        "warning": expenses.claim_budget_warning(claim) if (may_decide or _is_approver(user)) else None,
        "stage": expenses.stage_of(claim)})


def _decision(request, pk: int, run, done_message):
    claim = ExpenseClaim.objects.filter(pk=pk).first()
    if claim is None:
        raise Http404
    try:
        run(claim)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("backoffice:expense_claim", pk=pk)


@staff_page(allowed=_is_approver)
@require_POST
def claim_approve(request, pk: int):
    return _decision(request, pk, lambda claim: expenses.claim_approve(claim_id=claim.pk, actor=request.user),
                     _("Approved."))


@staff_page(allowed=_is_approver)
@require_POST
def claim_reject(request, pk: int):
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    return _decision(request, pk, lambda claim: expenses.claim_reject(claim_id=claim.pk, actor=request.user,
                                                                      reason=reason),
                     _("Rejected; the claimant has been told."))


@staff_page(expenses.FINANCE_PERMISSION)
@require_POST
def claim_pay(request, pk: int):
    return _decision(request, pk, lambda claim: expenses.claim_pay(claim_id=claim.pk, actor=request.user),
                     _("Marked paid."))


@staff_page()
def receipt(request, pk: int, receipt_id: int):
    claim = _visible_claim(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    item = ExpenseReceipt.objects.filter(pk=receipt_id, claim=claim).first()
    if item is None or not item.file:
        raise Http404
    return serve_private_file(item.file, download_name=f"claim-{claim.pk}-receipt-{item.pk}")


# ------------------------------------------------------------------ budgets and the report
@staff_page(REPORT_PERMISSION)
@require_safe
def budgets(request):
    """This period's budgets with spent and remaining per category."""
    return render(request, "backoffice/expense_budgets.html", {
        "rows": expenses.budgets_overview(on=timezone.localdate())})


def _report_period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1), today
    try:
        if request.GET.get("start"):
            start = dt.date.fromisoformat(request.GET["start"])
        if request.GET.get("end"):
            end = dt.date.fromisoformat(request.GET["end"])
    except ValueError:
        messages.error(request, _("Enter dates as YYYY-MM-DD."))
        return today.replace(month=1, day=1), today
    if end < start or (end - start).days > 366 * 3:
        messages.error(request, _("Choose a period of at most three years that ends after it starts."))
        return today.replace(month=1, day=1), today
    return start, end


@staff_page(REPORT_PERMISSION)
@require_safe
def report(request):
    start, end = _report_period(request)
    statement = income_statement(start=start, end=end)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(income_statement_xlsx(statement), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="income-expenses-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        return response
    return render(request, "backoffice/expense_report.html", {
        "statement": statement, "start": start, "end": end,
        "budgets": expenses.budgets_overview(on=end)})
