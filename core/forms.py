"""Forms shared by several apps (admin transition forms, amounts typed in yuan)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .money import MAX_CHARACTERS, MAX_FEN, AmountError, parse_yuan, yuan_text


class ReviewReasonForm(forms.Form):
    """A staff decision that the regulation says must carry a reason (S1.2, E1.2)."""

    reason = forms.CharField(
        label=_("Reason (shown to the user)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Say exactly what is wrong or which documents are needed."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class ReviewNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Note (optional, shown to the user)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class YuanField(forms.CharField):
    """The one form field for an amount typed in yuan ("25", "25.5", "¥1,234.50", "25元"),
    cleaned to integer fen by `core.money.parse_yuan`.

    Blank is None (a required field says so; an optional one leaves the meaning of a blank
    to its form, never a silent 0); a third decimal is an error, never truncated; negative
    only with `allow_negative`; zero refused with `allow_zero=False`; above `max_fen` refused.
    An initial value given as an int is fen and shows as yuan."""

    default_error_messages = {
        "invalid": _("Enter an amount in yuan, e.g. 25 or 25.50."),
        "precision": _("Use at most two decimal places: the smallest unit is one fen (0.01 yuan)."),
        "negative": _("The amount cannot be negative."),
        "zero": _("Enter an amount above zero."),
        "too_large": _("That amount is too large; please check the figure."),
    }

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, max_fen: int = MAX_FEN,
                 **kwargs):
        self.allow_negative, self.allow_zero, self.max_fen = allow_negative, allow_zero, max_fen
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "maxlength": MAX_CHARACTERS}))
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        text = super().to_python(value)
        try:
            return parse_yuan(text, allow_negative=self.allow_negative, max_fen=self.max_fen)
        except AmountError as error:
            raise forms.ValidationError(self.error_messages[error.code], code=error.code) from None

    def validate(self, value) -> None:
        super().validate(value)
        if value == 0 and not self.allow_zero:
            raise forms.ValidationError(self.error_messages["zero"], code="zero")

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return yuan_text(value)
        return value
