"""Settlement pages (S4.1, S4.2): the student's "My pay" with each statement and
their payout methods; the employer's statements with the commission.

Thin: parse input, call one service or selector, render. Student pages are for
student accounts only and employer pages for employer accounts only (403
otherwise); a statement or payout method of someone else is a 404, found
before the method is checked so nobody learns anything from a 405. Domain
errors become form errors or messages, never a 500."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from accounts.views import student_account_required
from core.access import AuthenticatedHttpRequest, owned_object
from core.errors import DomainError
from core.uploads import serve_private_file
from employers.views import employer_account_required

from . import disputes, selectors, services, withholding
from .forms import DisputeAnswerForm, PaymentDisputeForm, PayoutMethodForm
from .models import PaymentDispute, PayoutMethod, Settlement
from .statement import LineKind

STATEMENTS_PER_PAGE = 30

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")


def _page(request: HttpRequest, queryset: models.QuerySet[M]) -> Page[M]:
    return Paginator(queryset, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))


# ------------------------------------------------------------------ the student's pay
@student_account_required
@require_safe
def student_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My pay: every statement, newest first, and where the money goes."""
    return render(request, "settlements/student_home.html", {
        "page": _page(request, selectors.student_settlements(student=request.user)),
        "default_method": selectors.payout_methods_for(student=request.user).filter(is_default=True).first(),
        "tax_years": selectors.student_tax_years(student=request.user),
    })


def _student_statement_page(request: HttpRequest, settlement: Settlement, *,
                            dispute_form: PaymentDisputeForm | None = None) -> HttpResponse:
    now = timezone.now()
    window_open = disputes.dispute_window_open(settlement, now)
    rows = list(disputes.disputes_of_settlement(settlement))
    for dispute in rows:
        dispute.answer_overdue = disputes.answer_overdue(dispute, now)
    live = any(d.status in disputes.LIVE for d in rows)
    tax = selectors.settlement_tax_withholding(settlement)
    employer_tax = selectors.settlement_employer_withholding(settlement)
    return render(request, "settlements/student_statement.html", {
        "employer_tax": employer_tax,
        "settlement": settlement, "job": settlement.engagement.job, "lines": list(settlement.lines.all()),
        "tax": tax, "tax_explanation": withholding.tax_explanation(tax) if tax else "",
        "no_tax_reason": withholding.no_tax_reason(tax) if tax and not tax.tax_fen else "",
        "loss_kind": LineKind.LOSS, "setoff": selectors.settlement_setoff(settlement),
        "disputes": rows, "dispute_live": live,
        "dispute_window_open": window_open,
        "dispute_form": (dispute_form or PaymentDisputeForm()) if window_open and not live else None,
        "dispute_closed_message": (disputes.dispute_window_closed_message(settlement)
                                   if settlement.dispute_window_ends_at and not window_open else ""),
    })


@student_account_required
@owned_object(lambda user, pk: selectors.settlement_for_student(student=user, pk=pk), ("GET", "HEAD"))
def student_statement(request: AuthenticatedHttpRequest, settlement: Settlement) -> HttpResponse:
    """One statement, line by line: what the student receives. The commission is
    the employer's and is not on it; losses are lines of their own. Once paid,
    the student may dispute it for P2 working days (S4.3), or reads why not."""
    return _student_statement_page(request, settlement)


# ------------------------------------------------------------------ the employer's statements
@employer_account_required
@require_safe
def employer_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The employer's statements, newest first, with what each costs."""
    return render(request, "settlements/employer_home.html", {
        "page": _page(request, selectors.employer_settlements(user=request.user)),
    })


@employer_account_required
@owned_object(lambda user, pk: selectors.settlement_for_employer(user=user, pk=pk), ("GET", "HEAD"))
def employer_statement(request: AuthenticatedHttpRequest, settlement: Settlement) -> HttpResponse:
    """One statement with the commission on top: what the employer pays (F1)."""
    lines = list(settlement.lines.all())
    return render(request, "settlements/employer_statement.html", {
        "settlement": settlement, "job": settlement.engagement.job,
        "lines": [line for line in lines if line.kind != LineKind.COMMISSION],
        "commission_lines": [line for line in lines if line.kind == LineKind.COMMISSION],
        "loss_kind": LineKind.LOSS, "setoff": selectors.settlement_setoff(settlement),
        "employer_tax": (employer_tax := selectors.settlement_employer_withholding(settlement)),
        "employer_tax_explanation": withholding.as_per_payment(employer_tax).explanation if employer_tax else "",
    })


# ------------------------------------------------------------------ payout methods (S4.2)
def _form_error(form: forms.BaseForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


@student_account_required
@require_http_methods(["GET", "HEAD", "POST"])
def payout_methods(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The student's payout methods (masked) and the form to add one."""
    form = PayoutMethodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            method = services.payout_method_add(
                student=request.user, kind=data["kind"], account_number=data["account_number"],
                account_holder=data["account_holder"], bank_name=data["bank_name"],
                make_default=data["make_default"], consents=data["consents"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(method)s was added.") % {"method": str(method)})
            return redirect("settlements:payout_methods")
    if request.method != "POST":
        profile = getattr(request.user, "student_profile", None)
        form.initial["account_holder"] = profile.real_name if profile else ""
    return render(request, "settlements/payout_methods.html", {
        "form": form, "methods": list(selectors.payout_methods_for(student=request.user)),
    })


def _method(user: User, pk: int) -> PayoutMethod | None:
    return selectors.payout_method_for(student=user, pk=pk)


def _run(request: HttpRequest, action: Callable[..., T], **kwargs: Any) -> T | None:
    try:
        return action(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return None


@student_account_required
@owned_object(_method, ("POST",))
def payout_method_default(request: AuthenticatedHttpRequest, method: PayoutMethod) -> HttpResponseRedirect:
    """Payouts go to this method from now on (S4.2)."""
    if _run(request, services.payout_method_set_default, student=request.user, method_id=method.pk):
        messages.success(request, _("Your pay goes to %(method)s from now on.") % {"method": str(method)})
    return redirect("settlements:payout_methods")


@student_account_required
@owned_object(_method, ("POST",))
def payout_method_remove(request: AuthenticatedHttpRequest, method: PayoutMethod) -> HttpResponseRedirect:
    """Remove a method; the record stays for past payouts, its number is never shown again."""
    try:
        successor = services.payout_method_remove(student=request.user, method_id=method.pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(method)s was removed.") % {"method": str(method)})
        if successor is not None:
            messages.info(request, _("Your pay now goes to %(method)s.") % {"method": str(successor)})
    return redirect("settlements:payout_methods")


# ------------------------------------------------------------------ payment disputes (S4.3)
@student_account_required
@owned_object(lambda user, pk: selectors.settlement_for_student(student=user, pk=pk), ("POST",))
def student_dispute_open(request: AuthenticatedHttpRequest, settlement: Settlement) -> HttpResponse:
    """The student disputes a payment they received, within P2 working days (S4.3).
    Errors re-show the statement with the form and the reason."""
    form = PaymentDisputeForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            disputes.dispute_open(settlement_id=settlement.pk, student=request.user, kind=data["kind"],
                                  description=data["description"], claimed_fen=data["claimed_fen"],
                                  evidence=data["evidence"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your dispute was sent. The employer is asked to answer, and customer "
                                        "service decides; you are told at each step."))
            return redirect("settlements:student_statement", settlement.pk)
    return _student_statement_page(request, settlement, dispute_form=form)


@student_account_required
@owned_object(lambda user, pk: disputes.dispute_for_student(student=user, pk=pk), ("POST",))
def student_dispute_withdraw(request: AuthenticatedHttpRequest,
                             dispute: PaymentDispute) -> HttpResponseRedirect:
    """The student withdraws their dispute while it waits for a decision."""
    if _run(request, disputes.dispute_withdraw, dispute_id=dispute.pk, student=request.user):
        messages.success(request, _("Your dispute was withdrawn."))
    return redirect("settlements:student_statement", dispute.settlement_id)


@student_account_required
@owned_object(lambda user, pk: disputes.dispute_for_student(student=user, pk=pk), ("GET", "HEAD"))
def student_dispute_evidence(request: AuthenticatedHttpRequest, dispute: PaymentDispute) -> HttpResponseBase:
    """The student's own evidence; nobody else's (404)."""
    if not dispute.evidence:
        raise Http404
    return serve_private_file(dispute.evidence, download_name=f"payment-dispute-{dispute.pk}-evidence")


@employer_account_required
@require_safe
def employer_disputes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The payment disputes about the employer's statements, those waiting for an answer first."""
    now = timezone.now()
    page = _page(request, disputes.disputes_for_employer(user=request.user))
    for dispute in page:
        dispute.answer_overdue = disputes.answer_overdue(dispute, now)
    return render(request, "settlements/employer_disputes.html", {"page": page})


@employer_account_required
@owned_object(lambda user, pk: disputes.dispute_for_employer(user=user, pk=pk), ("GET", "HEAD", "POST"))
def employer_dispute(request: AuthenticatedHttpRequest, dispute: PaymentDispute) -> HttpResponse:
    """One dispute: what the student says, the due time of the answer, the answer form."""
    form = DisputeAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disputes.dispute_answer(dispute_id=dispute.pk, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your answer was sent to the student and customer service."))
            return redirect("settlements:employer_dispute", dispute.pk)
    dispute.answer_overdue = disputes.answer_overdue(dispute)
    return render(request, "settlements/employer_dispute_detail.html", {
        "dispute": dispute, "settlement": dispute.settlement, "job": dispute.settlement.engagement.job,
        "form": form if dispute.status == PaymentDispute.Status.OPEN else None,
    })


@employer_account_required
@owned_object(lambda user, pk: disputes.dispute_for_employer(user=user, pk=pk), ("GET", "HEAD"))
def employer_dispute_evidence(request: AuthenticatedHttpRequest, dispute: PaymentDispute) -> HttpResponseBase:
    """The student's evidence, for the members of the employer concerned only (404 otherwise)."""
    if not dispute.evidence:
        raise Http404
    return serve_private_file(dispute.evidence, download_name=f"payment-dispute-{dispute.pk}-evidence")


# ------------------------------------------------------------------ income tax (docs/tax.md)
@student_account_required
def student_tax_statement(request: AuthenticatedHttpRequest, year: int) -> HttpResponseBase:
    """The student's own income and tax statement for a year (XLSX, logged as their
    own export); a year without pay on the platform is a 404, found before the
    method is checked (nobody learns anything from a 405)."""
    if year not in selectors.student_tax_years(student=request.user):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    from . import tax_exports

    response = HttpResponse(tax_exports.student_tax_statement_xlsx(student=request.user, year=year),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{tax_exports.statement_filename(year)}"'
    return response
