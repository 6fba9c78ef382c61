"""Forms of the staff-management pages (P3): the period picker, the appraisal,
rewards and penalties, suggestions and the decisions on them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IsoDateInput, YuanField

from .models import RewardOrPenalty, Suggestion

MARKS = [(n, str(n)) for n in range(1, 6)]
# Amounts are typed in yuan (what a manager thinks in) and stored in fen.
MAX_AMOUNT_YUAN = 1_000_000
# Periods the platform can have data for (and dates whose time-zone arithmetic cannot overflow).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=IsoDateInput())
    end = forms.DateField(label=_("Until"), widget=IsoDateInput())

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not FIRST_YEAR <= data[name].year <= LAST_YEAR:
                self.add_error(name, _("Choose a date between %(first)s and %(last)s.")
                               % {"first": FIRST_YEAR, "last": LAST_YEAR})
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period must end after it starts."))
        return data


def _amount_field():
    return YuanField(label=_("Amount (yuan)"), required=False, max_fen=MAX_AMOUNT_YUAN * 100, initial=0,
                     help_text=_("A bonus or a deduction paid through payroll; 0 for none."))


def amount_or_zero(amount_fen: int | None) -> int:
    """A blank amount is none ("0 for none", the field says)."""
    return amount_fen or 0


class AppraisalForm(forms.Form):
    """The manager's marks and comments, and optionally a reward or a penalty recorded with them."""

    results = forms.TypedChoiceField(label=_("Results"), choices=MARKS, coerce=int, widget=forms.RadioSelect,
                                     help_text=_("1 = far below what the role needs, 5 = outstanding."))
    attitude = forms.TypedChoiceField(label=_("Attitude"), choices=MARKS, coerce=int, widget=forms.RadioSelect)
    teamwork = forms.TypedChoiceField(label=_("Teamwork"), choices=MARKS, coerce=int, widget=forms.RadioSelect)
    comments = forms.CharField(label=_("Comments"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    outcome_kind = forms.ChoiceField(label=_("Reward or penalty (optional)"), required=False,
                                     choices=[("", _("None")), *RewardOrPenalty.Kind.choices])
    outcome_amount = _amount_field()
    outcome_reason = forms.CharField(label=_("Reason for the reward or penalty"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("outcome_kind") and not (data.get("outcome_reason") or "").strip():
            self.add_error("outcome_reason", _("Please give a reason."))
        return data


class RewardOrPenaltyForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Staff member"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=RewardOrPenalty.Kind.choices)
    amount = _amount_field()
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Your suggestion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("What should change, why, and how we would know it worked."))


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("adopt", Suggestion.Status.ADOPTED.label),
                                          ("decline", Suggestion.Status.DECLINED.label)])
    reason = forms.CharField(label=_("Reason (the author reads it)"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class SuggestionRewardForm(forms.Form):
    effect = forms.CharField(label=_("Measured effect"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("What changed, measured how: e.g. first answers 20 per cent faster over four weeks."))
    amount = _amount_field()
    reason = forms.CharField(label=_("Reason shown with the reward (optional)"), required=False, max_length=2000)

