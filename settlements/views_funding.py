"""Employer funding page (E5.1, E5.2), under /finance/funding/: escrow balance, what is owed and by when
(late statements, advances of the guarantee fund still owed), what escrow must
keep and what is free, the funding reference with the platform's bank details,
recent payments in; in the sandbox (`make run`), "Pay now" funds escrow instantly.

Thin: parse input, call one service or selector, render. Employer accounts only
(403 otherwise); the sandbox route does not exist (404) unless PAYMENTS_SANDBOX."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from core.access import AuthenticatedHttpRequest
from core.errors import DomainError
from core.money import format_fen
from employers.models import Employer
from employers.selectors import employer_for_user
from employers.views import employer_account_required
from finance import banking
from finance.forms import SandboxPaymentForm

from .selectors import employer_commitments, employer_unpaid_statements


def _employer(request: HttpRequest) -> Employer:
    employer = employer_for_user(user=request.user)
    if employer is None:  # an employer account without an organisation yet
        raise Http404
    return employer


def _employer_id(request: HttpRequest) -> int:
    return _employer(request).pk


def _render(request: HttpRequest, form: SandboxPaymentForm | None = None, status: int = 200) -> HttpResponse:
    employer = _employer(request)
    overview = banking.funding_overview(employer_id=employer.pk)
    commitments = employer_commitments(employer.pk, credit_tier=employer.credit_tier)
    committed_fen = commitments.total_fen
    # E5.1, E5.2: what is due and by when, what the guarantee advanced, what escrow must keep.
    unpaid = list(employer_unpaid_statements(employer_id=employer.pk))
    advanced = [settlement for settlement in unpaid if settlement.advance_outstanding]
    return render(request, "settlements/funding.html", {
        "overview": overview,
        "unpaid": unpaid,
        "advances": {"count": len(advanced), "owed_fen": sum(s.employer_total_fen for s in advanced)},
        "committed_fen": committed_fen,
        "commitments": commitments,
        "available_fen": max(0, overview.escrow_fen - committed_fen),
        "now": timezone.now(),
        "bank_name": settings.PLATFORM_BANK_NAME,
        "bank_account": settings.PLATFORM_BANK_ACCOUNT,
        "bank_account_name": settings.PLATFORM_BANK_ACCOUNT_NAME,
        "sandbox": settings.PAYMENTS_SANDBOX,
        "sandbox_form": form or (SandboxPaymentForm() if settings.PAYMENTS_SANDBOX else None),
    }, status=status)


@employer_account_required
@require_safe
def funding(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How to pay into escrow, and what has arrived."""
    return _render(request)


@employer_account_required
@require_POST
def funding_sandbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Sandbox only: pay an amount into escrow at once, like a matched bank transfer."""
    if not settings.PAYMENTS_SANDBOX:
        raise Http404
    form = SandboxPaymentForm(request.POST)
    if form.is_valid():
        try:
            line = banking.funding_sandbox_pay(employer_id=_employer_id(request),
                                               amount_fen=form.cleaned_data["amount"], actor=request.user)
        except DomainError as error:
            form.add_error("amount" if error.field == "amount" else None, str(error.message))
        else:
            messages.success(request, _("Sandbox payment of %(amount)s received into escrow.")
                             % {"amount": format_fen(line.amount_fen)})
            return redirect("funding:page")
    return _render(request, form, status=400)
