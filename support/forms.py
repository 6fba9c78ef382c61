"""Admin transition forms of tickets: what customer service tells the user."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TicketAnswerForm(forms.Form):
    """Resolving a ticket: the answer the user reads (P2.2)."""

    reason = forms.CharField(
        label=_("How it was resolved (shown to the user)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what was done and what the user can expect next."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class TicketNoteForm(forms.Form):
    reason = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
