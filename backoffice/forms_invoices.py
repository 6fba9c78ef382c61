"""Forms of invoices for employers' fees (F1, E5): the employer's request for a
period, finance's record of the invoice it issued or its refusal. They only parse
input: every rule is in `backoffice.invoices`."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import IsoDateInput, YuanField


def _date_field(label) -> forms.DateField:
    return forms.DateField(label=label, widget=IsoDateInput())


def last_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


class InvoiceRequestForm(forms.Form):
    """The period whose fees the invoice covers (dates of posting, inclusive)."""

    period_start = _date_field(_("Fees from"))
    period_end = _date_field(_("Fees until (inclusive)"))

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_start"] > data["period_end"]:
            raise ValidationError(_("The period must start before it ends."))
        return data


class FeePeriodForm(forms.Form):
    """The period of fees a page or a statement shows (GET)."""

    start = _date_field(_("From"))
    end = _date_field(_("Until (inclusive)"))
    MAX_DAYS = 366 * 3

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > self.MAX_DAYS):
            raise ValidationError(_("Choose a period of at most three years that ends after it starts."))
        return data


class InvoiceIssueForm(forms.Form):
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=30,
                                     help_text=_("As printed on the VAT invoice: 8 to 20 digits."))
    invoice_date = _date_field(_("Invoice date"))
    amount = YuanField(label=_("Amount on the invoice (yuan)"), allow_zero=False)


class InvoiceRefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the employer)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
