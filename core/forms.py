"""Forms shared by several apps (admin transition forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
