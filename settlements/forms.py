"""Forms of the settlement pages. They only parse input; the rules (Luhn check,
mobile number, holder name, consent) live in `settlements.services`."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from core.screening import ScreenedFormMixin

from .models import PaymentDispute, PayoutMethod


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


# ------------------------------------------------------------------ payment disputes (S4.3)
# The largest sum a dispute form accepts: far above any one statement, small enough
# that no input overflows a BigIntegerField or a posting.
MAX_YUAN = Decimal("1000000")


class YuanField(forms.Field):
    """A sum typed in yuan ("12", "12.5", "¥1,200.50") cleaned to integer fen —
    through Decimal, never a float. Empty is 0."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, like 12.50."),
        "too_precise": _("Give at most two decimals (fen)."),
        "negative": _("The amount cannot be negative."),
        "too_large": _("This amount is too large."),
    }

    MAX_CHARACTERS = 20

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "maxlength": self.MAX_CHARACTERS}))
        super().__init__(**kwargs)

    def to_python(self, value) -> int:
        text = "" if value in self.empty_values else str(value).strip()
        text = text.replace("¥", "").replace("￥", "").replace(",", "").replace("，", "").replace(" ", "")
        if not text:
            return 0
        if len(text) > self.MAX_CHARACTERS:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if amount < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if amount > MAX_YUAN:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise forms.ValidationError(self.error_messages["too_precise"], code="too_precise")
        return int(fen)


class PaymentDisputeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is wrong?"), choices=PaymentDispute.Kind.choices,
                             widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Tell us what is wrong"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which shifts, hours or deductions, and what you expected instead."))
    claimed_fen = YuanField(label=_("Amount missing (yuan)"),
                            help_text=_("Optional. For example 37.50."))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False,
                               help_text=_("A photo, screenshot or PDF, e.g. of your own record of the hours."))


class DisputeAnswerForm(ScreenedFormMixin, forms.Form):
    """The employer's answer to a payment dispute (S4.3), which the student reads:
    screened by the one gate, refused when flagged (the dispute has a deadline, G2)."""

    screened_fields = ("text",)
    gate_door = "settlements.dispute_answer"
    gate_holds_flags = False

    text = forms.CharField(
        label=_("Your answer"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Explain the payment; customer service reads both sides before deciding."))


class DisputeDecisionForm(forms.Form):
    """Staff decide a payment dispute (S4.3); the service checks the amounts."""

    decision = forms.CharField(label=_("Decision, as both sides will read it"), max_length=3000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PaymentDispute.Outcome.choices,
                                widget=forms.RadioSelect)
    adjustment_fen = YuanField(label=_("Extra pay for the student (yuan)"),
                               help_text=_("Paid from the employer's escrow, with commission on top."))
    refund_fen = YuanField(label=_("Commission refunded to the employer (yuan)"),
                           help_text=_("Back into the employer's escrow; at most the statement's commission."))
