"""Forms of the daily check page (P2.1)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignOffForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What you looked at, and what you did about anything that needs attention."))
