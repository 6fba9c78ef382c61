"""Forms of the student's pages (S2.2, S3, E3.1): applying, intentions with the
weekly availability grid, and the short forms of an engagement (cancel,
contest, dispute, report, answer a loss claim). They only parse input; the
rules live in `applications.services`."""

import re

from django import forms
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from core.forms import YuanField
from jobs.models import JobCategory

from .models import DAY_PARTS, DemandReport, StudentIntention, availability_bit

TEXT_MAX = 3000
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_PLACES = 10  # the service keeps at most ten cities and ten districts


def split_places(text: str) -> list[str]:
    """"上海市、杭州市, 苏州市" → ["上海市", "杭州市", "苏州市"]: commas (either width),
    the enumeration comma 、, semicolons or spaces separate the names."""
    return [part for part in LIST_SEPARATORS.split(text or "") if part]


# ------------------------------------------------------------------ applying (S2.2)
class ApplyForm(forms.Form):
    confirms_requirements = forms.BooleanField(
        label=_("I meet the requirements of this job."),
        error_messages={"required": _("Confirm that you meet the requirements to apply.")},
    )
    commits_to_work = forms.BooleanField(
        label=_("If hired, I will do the work as agreed with the employer."),
        error_messages={"required": _("Confirm that you will do the work as agreed to apply.")},
    )
    message = forms.CharField(
        label=_("Message to the employer"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Why you are a good fit, when you are free; never share ID or bank numbers here."),
    )


# ------------------------------------------------------------------ intentions (E3.1)
class IntentionForm(forms.Form):
    """What the student is looking for. The availability grid is 7 weekdays × 4
    parts of the day; each ticked cell is one bit of the stored bitmask."""

    categories = forms.MultipleChoiceField(
        label=_("Kinds of work"), required=False, choices=JobCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    cities = forms.CharField(
        label=_("Cities"), required=False, max_length=300,
        help_text=_("Separate several with commas, e.g. 上海市、杭州市"),
    )
    districts = forms.CharField(
        label=_("Districts"), required=False, max_length=300,
        help_text=_("Optional; separate several with commas, e.g. 徐汇区、闵行区"),
    )
    availability = forms.MultipleChoiceField(
        label=_("When I am free"), required=False,
        choices=[(f"{day}-{part}", f"{day}-{part}") for day in range(7) for part in range(len(DAY_PARTS))],
    )
    expected_pay = YuanField(
        label=_("Expected pay per hour (yuan)"), required=False, max_fen=10_000 * 100,
        help_text=_("Jobs paying less still appear, further down the list."),
    )
    accepts_remote = forms.BooleanField(label=_("Remote work is fine for me"), required=False)
    discoverable = forms.BooleanField(
        label=_("Employers may find me and invite me to any job"), required=False,
        help_text=_("Off: only employers whose jobs match what you are looking for can invite you."))

    @classmethod
    def initial_for(cls, intention: StudentIntention | None) -> dict:
        if intention is None:
            return {"accepts_remote": True}
        return {
            "categories": intention.categories,
            "cities": "、".join(intention.cities),
            "districts": "、".join(intention.districts),
            "availability": [f"{d}-{p}" for d in range(7) for p in range(len(DAY_PARTS))
                             if intention.is_available(d, p)],
            "expected_pay": intention.expected_hourly_fen or None,
            "accepts_remote": intention.accepts_remote,
            "discoverable": intention.discoverable,
        }

    def clean_cities(self) -> list[str]:
        places = split_places(self.cleaned_data["cities"])
        if len(places) > MAX_PLACES:
            raise forms.ValidationError(_("Name at most %(n)s cities."), params={"n": MAX_PLACES})
        return places

    def clean_districts(self) -> list[str]:
        places = split_places(self.cleaned_data["districts"])
        if len(places) > MAX_PLACES:
            raise forms.ValidationError(_("Name at most %(n)s districts."), params={"n": MAX_PLACES})
        return places

    def clean_availability(self) -> int:
        bits = 0
        for cell in self.cleaned_data["availability"]:
            day, part = (int(n) for n in cell.split("-"))
            bits |= availability_bit(day, part)
        return bits

    def expected_hourly_fen(self) -> int:
        return self.cleaned_data.get("expected_pay") or 0  # blank: no expectation

    def grid(self) -> list[dict]:
        """Rows for the template: one per weekday, one checkbox per part of the day."""
        ticked = set(self["availability"].value() or [])
        return [{
            "day": WEEKDAYS_ABBR[day],
            "cells": [{"value": f"{day}-{part}", "label": label, "checked": f"{day}-{part}" in ticked,
                       "id": f"id_availability_{day}_{part}"}
                      for part, (_name, label, _start, _end) in enumerate(DAY_PARTS)],
        } for day in range(7)]

    @staticmethod
    def day_parts() -> list:
        return [label for _name, label, _start, _end in DAY_PARTS]


# ------------------------------------------------------------------ engagement actions (S3)
class ReasonForm(forms.Form):
    """Cancelling (S3.1): the reason is required and the employer reads it."""

    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give a reason.")},
    )


class ExplanationForm(forms.Form):
    """Contesting a no-show or disputing hours: staff read the explanation."""

    text = forms.CharField(
        label=_("Your explanation"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please explain what happened.")},
    )


class ChangeAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])


class LossClaimAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("agree", _("I agree")), ("contest", _("I contest it"))])
    text = forms.CharField(
        label=_("Your answer"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write your answer.")},
    )


class DemandReportForm(forms.Form):
    """Report an unlawful or unreasonable demand (S3.3)."""

    kind = forms.ChoiceField(label=_("What happened"), choices=DemandReport.Kind.choices,
                             widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe it"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When, who asked, what exactly. Staff verify every report."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"), required=False,
        help_text=_("A photo, screenshot or PDF, e.g. a chat message with the demand."),
    )
    refuses_and_leaves = forms.BooleanField(
        label=_("I refuse this demand and want to stop working on this job. Once staff confirm my report, "
                "I leave without any penalty."),
        required=False,
    )
