"""Forms of the settlement pages. They only parse input; the rules (Luhn check,
mobile number, holder name, consent) live in `settlements.services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PayoutMethod


class PayoutMethodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Paid into"), choices=PayoutMethod.Kind.choices, widget=forms.RadioSelect,
                             initial=PayoutMethod.Kind.BANK_CARD)
    bank_name = forms.CharField(label=_("Bank"), required=False, max_length=60,
                                help_text=_("For a bank card, e.g. 中国工商银行."))
    account_number = forms.CharField(
        label=_("Card number, or Alipay mobile number or e-mail"), max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("After saving, only the last four characters are ever shown."),
    )
    account_holder = forms.CharField(label=_("Account holder"), max_length=50,
                                     help_text=_("Your real name, as registered: we pay only into your own account."))
    make_default = forms.BooleanField(label=_("Use this account for my payouts"), required=False)
    consents = forms.BooleanField(
        label=_("I agree that the platform stores this account number, encrypted, to pay my wages "
                "(sensitive personal information)."),
        required=False,
    )
