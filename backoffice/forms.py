"""Forms of the expense pages (F2) and the back office's adjusting transactions and reconciliations (F1, F3.1).
They only parse input: every rule is in `backoffice.expenses`, `backoffice.adjustments`, `backoffice.reconciliation`."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import IsoDateInput, YuanField
from core.money import parse_yuan
from finance.forms import AmountInYuanField

from .models import ExpenseCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; cleaned to a list (each is checked by content in the service)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class ExpenseClaimForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    spent_on = forms.DateField(label=_("Spent on"), widget=IsoDateInput())
    amount = AmountInYuanField()
    description = forms.CharField(label=_("What it was for"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    receipts = MultipleFileField(label=_("Receipts (JPEG, PNG or PDF)"))

    def clean_spent_on(self):
        spent_on = self.cleaned_data["spent_on"]
        if spent_on > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        if spent_on < timezone.localdate() - dt.timedelta(days=366):
            raise ValidationError(_("Claims must be made within a year of the spending."))
        return spent_on


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AdjustmentForm(forms.Form):
    """Memo plus lines "account code, amount in yuan" (debits positive, credits negative), one per line."""

    memo = forms.CharField(label=_("What it corrects"), max_length=300)
    lines = forms.CharField(
        label=_("Lines"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One line per account: the account code, a comma, the amount in yuan; debits positive, "
                    "credits negative. The amounts must sum to zero."))

    def clean_lines(self):
        parsed = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not raw.strip():
                continue
            code, sep, amount = raw.rpartition(",")
            if not sep:
                raise ValidationError(_("Line %(n)d: write the account code, a comma and the amount.") % {"n": number})
            try:
                fen = parse_yuan(amount, allow_negative=True)
            except ValueError:
                fen = None
            if fen is None:
                raise ValidationError(_("Line %(n)d: the amount is not a number of yuan.") % {"n": number})
            parsed.append((code.strip(), fen))
        return parsed


class BankClosingForm(forms.Form):
    bank_closing = YuanField(label=_("Bank statement closing balance (yuan)"), allow_negative=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SignOffForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


# ====================================================================== reports (F3.3)
class ReportPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=IsoDateInput())
    date_to = forms.DateField(label=_("To (inclusive)"), widget=IsoDateInput())

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The period must start before it ends."))
        return data


class ReportDayForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=IsoDateInput())
