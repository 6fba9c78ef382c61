"""Forms of the jobs app: admin transition forms with reason templates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import ReasonTemplate


class ReasonTemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class JobReasonForm(forms.Form):
    """A moderator's reason, typed or started from a template (E2.2)."""

    template = ReasonTemplateChoiceField(
        label=_("Start from a template"), required=False,
        queryset=ReasonTemplate.objects.filter(context=ReasonTemplate.Context.JOB, active=True),
    )
    reason = forms.CharField(label=_("Reason (shown to the employer)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self):
        data = super().clean()
        template, reason = data.get("template"), (data.get("reason") or "").strip()
        if template is not None:
            reason = f"{template.text}\n{reason}".strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        data["reason"] = reason
        data.pop("template", None)
        return data


class ApproveJobForm(forms.Form):
    reason = forms.CharField(label=_("Note (optional, shown to the employer)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    flags_reviewed = forms.BooleanField(
        label=_("I have read every compliance flag and the highlighted text, and the job is lawful."))

    def clean(self):
        data = super().clean()
        data.pop("flags_reviewed", None)
        return data
