"""Forms of money in (E5.1): the statement upload and the manual matching queue
(admin), and the sandbox payment (employer page). They parse; services decide."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField
from core.money import MAX_CHARACTERS
from employers.models import Employer

from .banking import funding_code_in


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (CSV or XLSX)"),
                           help_text=_("Columns: 交易日期 booked_on, 金额 amount, 付款人 payer, 附言 reference, "
                                       "流水号 transaction_id. See docs/bank-statement-format.md."))


class LineMatchForm(forms.Form):
    employer = forms.CharField(label=_("Employer"), max_length=40,
                               help_text=_("The employer's funding reference (JZ…) or its id number."))

    def clean_employer(self) -> int:
        value = self.cleaned_data["employer"].strip().upper()
        if value.startswith("JZ"):
            code = funding_code_in(value)
            if code is None:
                raise ValidationError(_("This is not a valid funding reference: check the digits and the letter."))
            employer_id = int(code[2:10])
        elif value.isdigit():
            employer_id = int(value)
        else:
            raise ValidationError(_("Enter a funding reference like JZ00000042E or an employer id."))
        if not Employer.objects.filter(pk=employer_id).exists():
            raise ValidationError(_("There is no such employer."))
        return employer_id


class LineIgnoreForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class AmountInYuanField(YuanField):
    """A positive amount typed in yuan ("1,000.00"), cleaned to integer fen (core.forms.YuanField)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Amount (yuan)"))
        kwargs.setdefault("allow_zero", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1000.00",
                                                           "maxlength": MAX_CHARACTERS}))
        super().__init__(**kwargs)


class SandboxPaymentForm(forms.Form):
    amount = AmountInYuanField()


# ====================================================================== refunds (E5.1)
class RefundRequestForm(forms.Form):
    amount = AmountInYuanField()
    account_holder = forms.CharField(label=_("Account holder"), max_length=200,
                                     help_text=_("The organisation's registered name: refunds go only to its own "
                                                 "account."))
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    account_number = forms.CharField(label=_("Account number"), max_length=40,
                                     widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class RefundReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
