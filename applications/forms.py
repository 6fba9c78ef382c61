"""Forms of the applications app: staff decisions on cases raised from an
engagement (S3.2, S3.3, E4). Each form only parses input; the admin passes
its cleaned data to one service, which enforces the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField
from jobs.forms_employer import MAX_AMOUNT_FEN

from .services.attendance import MAX_OVERTIME_MINUTES


class CaseDecisionForm(forms.Form):
    """A decision on a report of an unlawful demand (S3.3): the reason is required
    and the student (and, when confirmed, the employer) read it."""

    reason = forms.CharField(
        label=_("Reason (shown to the student and the employer)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what you verified and how."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class NoShowContestDecisionForm(CaseDecisionForm):
    """Staff decide a contested no-show: overturn it (the student attended) or let it stand."""

    OVERTURN, UPHOLD = "overturn", "uphold"
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(OVERTURN, _("Overturn: the student was there (the no-show and its credit event are removed)")),
                 (UPHOLD, _("Uphold: the no-show stands"))],
    )
    field_order = ["decision", "reason"]

    def clean(self):
        data = super().clean()
        if "decision" in data:
            data["overturn"] = data.pop("decision") == self.OVERTURN
        return data


class HoursResolutionForm(CaseDecisionForm):
    """Staff settle disputed hours (E4): the minutes worked and the overtime are final."""

    minutes = forms.IntegerField(label=_("Minutes worked (within the scheduled time)"), min_value=0)
    overtime_minutes = forms.IntegerField(label=_("Overtime minutes"), min_value=0, max_value=MAX_OVERTIME_MINUTES,
                                          initial=0)
    field_order = ["minutes", "overtime_minutes", "reason"]


class LossClaimDecisionForm(CaseDecisionForm):
    """Staff decide a contested loss claim (S3.2): uphold (up to the amount
    claimed) or dismiss. Wages are never deducted: an upheld amount becomes a
    separate item that settlements posts."""

    UPHOLD, DISMISS = "uphold", "dismiss"
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(UPHOLD, _("Uphold: the student compensates the amount below")),
                 (DISMISS, _("Dismiss: the student owes nothing"))],
    )
    amount = YuanField(label=_("Amount the student compensates (yuan)"), required=False, max_fen=MAX_AMOUNT_FEN,
                       help_text=_("At most the amount claimed. Empty: the full amount claimed."))
    field_order = ["decision", "amount", "reason"]

    def clean(self):
        data = super().clean()
        if "decision" in data:
            data["uphold"] = data.pop("decision") == self.UPHOLD
            amount = data.pop("amount", None)
            if data["uphold"] and amount is not None:
                data["amount_fen"] = amount
        return data
