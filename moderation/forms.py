"""Forms of the moderation app: the report a user files, and the moderator's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Report


class ReportJobForm(forms.Form):
    """What a user tells us about a job they think is wrong (S5.2, G3)."""

    category = forms.ChoiceField(label=_("What is wrong with this job?"), choices=Report.Category.choices,
                                 widget=forms.RadioSelect)
    details = forms.CharField(label=_("Details"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What did you see or experience? Do not include your ID number or "
                                          "bank details."))


class ReportForm(forms.Form):
    """What a user tells us about an employer, a student's profile or a review they
    think is false (G3); the categories offered depend on the target."""

    category = forms.ChoiceField(label=_("What is wrong?"), choices=(), widget=forms.RadioSelect)
    details = forms.CharField(label=_("Details"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("What is false, and how do you know? Do not include ID numbers or "
                                          "bank details."))

    def __init__(self, *args, categories: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Report.Category.choices)
        self.fields["category"].choices = [(value, labels[value]) for value in categories]
        if Report.Category.FALSE_INFORMATION in categories:
            self.fields["category"].initial = Report.Category.FALSE_INFORMATION


class ReportDismissForm(forms.Form):
    note = forms.CharField(label=_("Note to the reporter"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class ReportConfirmForm(ReportDismissForm):
    take_down = forms.BooleanField(
        label=_("Take the job down (the employer is told, with this note as the reason)"), required=False)
