"""Forms of the review pages: ratings as five radio buttons each (thumb-sized on a phone)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.screening import ScreenedFormMixin

from .models import MAX_COMMENT, MAX_REPLY, RATINGS_BY_DIRECTION, Direction, Review

STARS = [(n, "★" * n) for n in range(1, 6)]

HELP = {
    "work_as_described": _("Were the tasks, hours and place what the job said?"),
    "treatment_and_safety": _("Were you treated with respect, and was the work safe?"),
    "work_performance": _("Did the student do the work well and on time?"),
    "communication": _("Were they easy to reach and clear?"),
    "overall": _("All in all, how satisfied are you?"),
}


class ReviewForm(ScreenedFormMixin, forms.Form):
    """The ratings of one direction (S5.1 / E6.1) and an optional comment.

    An employer's comment about a student is screened (G2), refused when flagged
    (a review window closes). A student's review of an employer is not: it may
    quote an unlawful demand to warn other students, and reports handle abuse (S5.1)."""

    screened_fields = ("comment",)
    gate_door = "reviews.comment"
    gate_holds_flags = False

    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_COMMENT}),
                              help_text=_("Stick to facts about this job. Insults and personal data are removed."))

    def __init__(self, *args, direction: str, **kwargs):
        super().__init__(*args, **kwargs)
        if direction == Direction.STUDENT_REVIEWS_EMPLOYER:
            self.screened_fields = ()
        rating_fields = {}
        for name in RATINGS_BY_DIRECTION[direction]:
            rating_fields[name] = forms.TypedChoiceField(
                label=Review._meta.get_field(name).verbose_name, choices=STARS, coerce=int,
                widget=forms.RadioSelect(attrs={"class": "stars"}), help_text=HELP.get(name, ""),
                error_messages={"required": _("Give a rating from 1 to 5.")})
        comment = self.fields.pop("comment")
        self.fields.update(rating_fields)
        self.fields["comment"] = comment
        self.rating_names = list(rating_fields)

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in self.rating_names}


class ReplyForm(ScreenedFormMixin, forms.Form):
    """The reviewee's public answer (S5.1, E6.1): everybody reads it, so the one gate screens it (G2)."""

    screened_fields = ("text",)
    gate_door = "reviews.answer"

    text = forms.CharField(label=_("Your public answer"), max_length=MAX_REPLY,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REPLY}),
                           help_text=_("You can answer once; everybody who reads the review reads your answer."))
