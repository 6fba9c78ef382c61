"""The employer's refunds of unused escrow (E5.1): what may be taken back (what
escrow must keep comes from the hook settlements registers, finance.hooks), the
request form (owners) and the requests. Thin: parse input, call one service,
render. Employer accounts only (403 otherwise)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.access import AuthenticatedHttpRequest
from core.errors import DomainError
from employers.selectors import employer_membership_get
from employers.views import employer_account_required

from .forms import RefundRequestForm
from .refunds import refund_available_fen, refund_request, refunds_for_employer


# ------------------------------------------------------------------ refunds of unused prefunding (E5.1)
@employer_account_required
def refunds_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the employer may take back, the request form (owners), and its requests."""
    membership = employer_membership_get(user=request.user)
    if membership is None:
        raise Http404
    employer_id = membership.employer_id
    form = RefundRequestForm(request.POST or None,
                             initial={"account_holder": membership.employer.name})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                refund_request(employer_id=employer_id, actor=request.user, amount_fen=form.cleaned_data["amount"],
                               account_holder=form.cleaned_data["account_holder"],
                               bank_name=form.cleaned_data["bank_name"],
                               account_number=form.cleaned_data["account_number"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Your refund request was sent to finance."))
                return redirect("finance:refunds")
        status = 400
    return render(request, "finance/refunds.html", {
        "available_fen": refund_available_fen(employer_id=employer_id),
        "is_owner": membership.is_owner,
        "form": form,
        "refunds": refunds_for_employer(employer_id=employer_id)[:50],
    }, status=status)
