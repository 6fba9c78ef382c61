"""Forms shared by several apps (admin transition forms, amounts typed in yuan), and the one
rule every text field of every form obeys: no control characters (J3.1)."""

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .money import MAX_CHARACTERS, MAX_FEN, AmountError, parse_yuan, yuan_text

# Unicode line and paragraph separators end a line for e-mail and many parsers too.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
_MULTILINE_ALLOWED = frozenset("\t\n\r")


def control_characters_check(value: str, *, multiline: bool) -> None:
    """J3.1: a single-line value carries no control character at all (CR and LF
    would end an e-mail header: a job title "活动助理\r\nBcc: …" broke every subject
    that quoted it); a multi-line one keeps tab, CR and LF but nothing else of
    category Cc (NUL, escape sequences, backspace …). Raises ValidationError."""
    for character in value:
        category = unicodedata.category(character)
        if multiline:
            if category == "Cc" and character not in _MULTILINE_ALLOWED:
                raise ValidationError(_("Control characters (such as NUL) are not allowed here."),
                                      code="control_characters")
        elif category in _LINE_BREAKING:
            raise ValidationError(_("Line breaks and control characters are not allowed in this field."),
                                  code="control_characters")


def install_control_character_check() -> None:
    """Make every forms.CharField (and its subclasses: e-mail, URL, slug, regex,
    password, the admin's and allauth's fields alike) refuse control characters
    when it validates: a Textarea widget means multi-line, any other single-line.

    One mechanism for every form of the project, the admin and allauth, which
    cannot all be made to inherit a project mixin; Django has no setting for a
    default form-field validator, so Field.validate is wrapped once for CharField
    (none of Django's CharField subclasses overrides validate). Called from
    CoreConfig.ready()."""
    if getattr(forms.CharField, "_control_characters_checked", False):
        return
    inherited = forms.CharField.validate

    def validate(self: forms.Field, value: Any) -> None:
        inherited(self, value)
        if isinstance(value, str) and value:
            control_characters_check(value, multiline=isinstance(self.widget, forms.Textarea))

    # The wrap on purpose (see above): mypy rightly flags assigning to a class's method.
    forms.CharField.validate = validate  # type: ignore[method-assign]
    forms.CharField._control_characters_checked = True  # type: ignore[attr-defined]


def install_text_limit_counter() -> None:
    """Long texts (Textarea) carry their limit as data-maxlength, not maxlength: a browser cuts a
    pasted text at maxlength without a word, and the employer saved half a description (issue 21).
    static/js/char-count.js counts live against it; the server refuses a longer text naming the
    limit and shows the form again with the whole text. The counter's words travel with the field
    in the reader's language (data-count-text, data-over-text). Done when the widget renders, so
    it holds for forms built before start-up finished (the admin's); one wrap, like the check above."""
    if getattr(forms.Textarea, "_text_limit_counted", False):
        return
    inherited = forms.Textarea.get_context

    def get_context(self: forms.Textarea, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = inherited(self, name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if "maxlength" in widget_attrs:
            widget_attrs["data-maxlength"] = widget_attrs.pop("maxlength")
            widget_attrs["data-count-text"] = _("%(count)s of %(limit)s characters") % {
                "count": "{count}", "limit": "{limit}"}
            widget_attrs["data-over-text"] = _("%(over)s characters over the limit of %(limit)s: shorten the "
                                               "text before sending it.") % {"over": "{over}", "limit": "{limit}"}
        return context

    forms.Textarea.get_context = get_context  # type: ignore[method-assign,assignment]
    forms.Textarea._text_limit_counted = True  # type: ignore[attr-defined]


class DecisionReasonForm(forms.Form):
    """A staff decision that the regulation says must carry a reason (S1.2, E1.2)."""

    reason = forms.CharField(
        label=_("Reason (shown to the user)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Say exactly what is wrong or which documents are needed."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class DecisionNoteForm(forms.Form):
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
                 **kwargs: Any) -> None:
        self.allow_negative, self.allow_zero, self.max_fen = allow_negative, allow_zero, max_fen
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "maxlength": MAX_CHARACTERS}))
        super().__init__(**kwargs)

    # A CharField for its widget and length checks; its cleaned value is fen, not text.
    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        try:
            return parse_yuan(text, allow_negative=self.allow_negative, max_fen=self.max_fen)
        except AmountError as error:
            raise forms.ValidationError(self.error_messages[error.code], code=error.code) from None

    def validate(self, value: int | None) -> None:
        super().validate(value)
        if value == 0 and not self.allow_zero:
            raise forms.ValidationError(self.error_messages["zero"], code="zero")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return yuan_text(value)
        return value


class IsoDateInput(forms.DateInput):
    """The browser's date picker (<input type="date">). Its value must be ISO
    yyyy-mm-dd whatever the language: zh-hans formats dates 2026/11/01, which the
    browser rejects, leaving the field empty (issue 23)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AlertPreferencesForm(forms.Form):
    """Issue 20: e-mail and SMS per kind of event (the inbox always keeps the alert)."""

    def __init__(self, *args: Any, initial_channels: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import AlertKind

        self.kinds = list(AlertKind.choices)
        for kind, _label in self.kinds:
            channels = initial_channels[kind]
            self.fields[f"{kind}_email"] = forms.BooleanField(required=False, initial=channels.email,
                                                              label=_("E-mail"))
            self.fields[f"{kind}_sms"] = forms.BooleanField(required=False, initial=channels.sms,
                                                            label=_("Text message"))

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(label, self[f"{kind}_email"], self[f"{kind}_sms"]) for kind, label in self.kinds]

    def choices(self) -> dict[str, Any]:
        from .alerts import Channels

        return {kind: Channels(email=self.cleaned_data[f"{kind}_email"], sms=self.cleaned_data[f"{kind}_sms"])
                for kind, _label in self.kinds}
