"""The guarantee fund's page in the admin (E5.2): what the fund holds,
the advances employers have not repaid yet, and a form for finance to put the
platform's own money into the fund.

Not a model admin (the fund is a ledger account, read-only like all of them):
one extra admin URL, `admin:finance_guarantee_fund`, behind the admin site's
staff + MFA check and the finance money-in permission. It lists settlements'
advances, so it is settlements' page (the fund itself is a ledger account)."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _

from core.access import signed_in_user
from core.errors import DomainError
from finance.forms import AmountInYuanField
from finance.guarantee import CONTRIBUTE_PERMISSION, guarantee_fund_balance, guarantee_fund_contribute
from finance.models import LedgerAccount

from .selectors import advances_outstanding

VIEW_PERMISSION = "finance.view_ledgeraccount"


class ContributionForm(forms.Form):
    amount = AmountInYuanField(widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "10000.00"}))
    memo = forms.CharField(label=_("Memo"), max_length=200,
                           help_text=_("Where the money comes from, e.g. the transfer's bank reference."))
    # One contribution per form shown: a double click or a resubmitted page posts nothing twice.
    token = forms.UUIDField(widget=forms.HiddenInput)


def guarantee_fund_view(request: HttpRequest) -> HttpResponseBase:
    """GET: the fund and the outstanding advances; POST: a contribution (finance only)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    can_contribute = request.user.has_perm(CONTRIBUTE_PERMISSION)
    form: ContributionForm | None = None
    if can_contribute:
        form = ContributionForm(request.POST or None, initial={"token": uuid.uuid4()})
    if request.method == "POST":
        if form is None:  # only who may contribute gets the form
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                guarantee_fund_contribute(amount_fen=data["amount"], actor=signed_in_user(request),
                                          memo=data["memo"], key=f"guarantee:contribution:{data['token']}")
            except DomainError as error:
                form.add_error("amount" if error.field == "amount" else None, str(error.message))
            else:
                messages.success(request, _("The contribution is in the guarantee fund."))
                return redirect("admin:finance_guarantee_fund")
    return TemplateResponse(request, "admin/settlements/guarantee_fund.html", {
        **admin.site.each_context(request), "title": _("Guarantee fund"), "opts": LedgerAccount._meta,
        "balance_fen": guarantee_fund_balance(), "outstanding": advances_outstanding(), "form": form,
    })


# The fund's page joins the admin site's URLs (before the model admins' own).
_site_urls = admin.site.get_urls


def _get_urls() -> list[URLResolver | URLPattern]:
    return [path("finance/guarantee-fund/", admin.site.admin_view(guarantee_fund_view),
                 name="finance_guarantee_fund"), *_site_urls()]


# Django's default site, not a subclass of our own: its method is replaced on the instance.
admin.site.get_urls = _get_urls  # type: ignore[method-assign]
