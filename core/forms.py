"""Forms shared by several apps (admin transition forms), and the one rule every
text field of every form obeys: no control characters (J3.1)."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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

    def validate(self, value):
        inherited(self, value)
        if isinstance(value, str) and value:
            control_characters_check(value, multiline=isinstance(self.widget, forms.Textarea))

    forms.CharField.validate = validate
    forms.CharField._control_characters_checked = True


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
