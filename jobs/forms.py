"""Forms of the jobs app: admin transition forms with reason templates."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import ReasonTemplate


class _TemplateSelect(forms.Select):
    """Each option carries the text the employer will read (data-text), for the live preview."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-text"] = without_rule_codes(instance.text)
        return option


class ReasonTemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class JobReasonForm(forms.Form):
    """A moderator's reason, typed or started from a template (E2.2). The employer reads the
    template's text and the typed words as one message, previewed live as it is put together
    (static/js/reason-preview.js, issue 21); internal rule codes such as "（J1.4）" are staff
    shorthand and are left out of it."""

    template = ReasonTemplateChoiceField(
        label=_("Start from a template"), required=False,
        queryset=ReasonTemplate.objects.filter(context=ReasonTemplate.Context.JOB, active=True),
        widget=_TemplateSelect(attrs={"data-preview-label": _("The employer will read:"),
                                      "data-preview-empty": _("(nothing yet: choose a template or write a reason)")}),
    )
    reason = forms.CharField(label=_("Reason (shown to the employer)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    class Media:
        js = ["js/reason-preview.js"]

    def clean(self):
        data = super().clean()
        template, reason = data.get("template"), (data.get("reason") or "").strip()
        if template is not None:
            reason = f"{without_rule_codes(template.text)}\n{reason}".strip()
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


# "（J1.4）", "（平台规则 J1.4）", "(G3、J1.1)": the regulation's requirement IDs, staff shorthand.
_RULE_CODES = re.compile(r"\s*[（(](?:平台规则\s*)?[A-Z]\d+(?:\.\d+)*(?:\s*[、,，]\s*[A-Z]\d+(?:\.\d+)*)*[)）]")


def without_rule_codes(text: str) -> str:
    """A reason for an employer without the staff's requirement IDs: "…平台规则（J1.4），" → "…平台规则，"."""
    return _RULE_CODES.sub("", text)
