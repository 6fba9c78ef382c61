"""Forms of the sanction pages and the staff screens (E4.2)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Appeal, Sanction, Subject

MAX_TEXT = 4000


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Why is the sanction wrong?"), max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_TEXT}),
                           help_text=_("You can appeal once. A staff member who did not impose the sanction "
                                       "decides and tells you the outcome."))
    evidence = forms.CharField(label=_("Evidence (optional)"), required=False, max_length=MAX_TEXT,
                               widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT}),
                               help_text=_("Links or references to documents, one per line."))


class ViolationForm(forms.Form):
    """The moderator records a confirmed violation; the rung is computed by the ladder."""

    subject_kind = forms.ChoiceField(label=_("About"), choices=Subject.choices)
    subject_id = forms.IntegerField(label=_("Subject id"), min_value=1,
                                    help_text=_("A student's user id, or an employer's id."))
    category = forms.ChoiceField(label=_("Violation"), choices=Sanction.Category.choices)
    severe = forms.TypedChoiceField(
        label=_("Severe"), coerce=lambda v: {"": None, "1": True, "0": False}[v], empty_value=None, required=False,
        choices=[("", _("By the kind of violation (taking money from students and fraud are severe)")),
                 ("1", _("Severe: at least a 30-day suspension")), ("0", _("Not severe"))])
    reason = forms.CharField(label=_("Reason (shown to the user)"), max_length=MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(label=_("Evidence links"), required=False, max_length=MAX_TEXT,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("One link or document reference per line; the user sees them."))


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (Appeal.Status.UPHELD, _("Uphold: the sanction stands")),
        (Appeal.Status.OVERTURNED, _("Overturn: withdraw the sanction and lift its effects"))])
    reason = forms.CharField(label=_("Reason (sent to the user)"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=MAX_TEXT)
