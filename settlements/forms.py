"""Forms of the settlement pages. They only parse input; the rules (Luhn check,
mobile number, holder name, consent) live in `settlements.services`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField
from core.screening import ScreenedFormMixin

from .models import PaymentDispute, PayoutMethod

if TYPE_CHECKING:
    _FormBase = forms.BaseForm  # BlankIsNoMoneyMixin is mixed into forms
else:
    _FormBase = object


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
MAX_FEN = 1_000_000 * 100


def _amount(**kwargs: Any) -> YuanField:
    return YuanField(required=False, max_fen=MAX_FEN, **kwargs)


class BlankIsNoMoneyMixin(_FormBase):
    """In the dispute forms a blank amount means no sum: the student names none, the
    decision moves none. Said here, not by the amount field (blank is None there)."""

    amount_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; a form's own clean() may return None
        for name in self.amount_fields:
            if name in data and data[name] is None:
                data[name] = 0
        return cleaned


class PaymentDisputeForm(BlankIsNoMoneyMixin, forms.Form):
    amount_fields = ("claimed_fen",)

    kind = forms.ChoiceField(label=_("What is wrong?"), choices=PaymentDispute.Kind.choices,
                             widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Tell us what is wrong"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which shifts, hours or deductions, and what you expected instead."))
    claimed_fen = _amount(label=_("Amount missing (yuan)"),
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


class DisputeDecisionForm(BlankIsNoMoneyMixin, forms.Form):
    """Staff decide a payment dispute (S4.3); the service checks the amounts."""

    amount_fields = ("adjustment_fen", "refund_fen")

    decision = forms.CharField(label=_("Decision, as both sides will read it"), max_length=3000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PaymentDispute.Outcome.choices,
                                widget=forms.RadioSelect)
    adjustment_fen = _amount(label=_("Extra pay for the student (yuan)"),
                             help_text=_("Paid from the employer's escrow, with commission on top."))
    refund_fen = _amount(label=_("Commission refunded to the employer (yuan)"),
                         help_text=_("Back into the employer's escrow; at most the statement's commission."))
