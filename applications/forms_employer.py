"""Forms of the employer's side of applications and engagements (E3, E4, J1.3,
S3.2): the reason for a rejection (a template or free text), cancelling a
hired student, hours after a shift, a change of time or place, and a loss
claim with its amount typed in yuan and kept in fen."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidUpload
from core.forms import YuanField
from core.models import ReasonTemplate
from core.screening import ScreenedFormMixin, TextRefused
from jobs.forms_employer import MAX_AMOUNT_FEN
from jobs.models import Shift

from .services.applying import DOOR_INVITATION
from .services.attendance import MAX_OVERTIME_MINUTES
from .services.schedule_changes import DOOR_SCHEDULE_CHANGE

REASON_MAX_LENGTH = 2000


def application_reason_templates():
    """The active reason templates staff wrote for rejecting applications (E3.2)."""
    return ReasonTemplate.objects.filter(context=ReasonTemplate.Context.APPLICATION, active=True)


class RejectForm(ScreenedFormMixin, forms.Form):
    """A rejection needs a reason the student sees (E3.2): a template, free text, or
    a template edited into free text (the text wins when both are sent)."""

    screened_fields = ("reason",)
    gate_door = "applications.rejection_reason"
    # The student reads this text; a rejection or cancellation cannot wait for a moderator,
    # so a flag refuses it too, with the reason (G2).
    gate_holds_flags = False

    template = forms.ModelChoiceField(
        label=_("Reason template"), queryset=ReasonTemplate.objects.none(), required=False,
        empty_label=_("— write your own —"))
    reason = forms.CharField(
        label=_("Reason (the student sees it)"), required=False, max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = application_reason_templates()

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("reason") or "").strip()
        template = cleaned.get("template")
        if not text and template is not None:
            text = template.text.strip()
        if not text and "reason" not in self.errors:
            self.add_error("reason", _("Please give a reason: choose a template or write one."))
        cleaned["reason"] = text
        return cleaned


class ReasonForm(ScreenedFormMixin, forms.Form):
    """Cancelling a hired student needs a reason the student sees (E4.1)."""

    screened_fields = ("reason",)
    gate_door = "applications.cancellation_reason"
    # The student reads this text; a rejection or cancellation cannot wait for a moderator,
    # so a flag refuses it too, with the reason (G2).
    gate_holds_flags = False

    reason = forms.CharField(label=_("Reason (the student sees it)"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason


class InviteForm(ScreenedFormMixin, forms.Form):
    """The invitation's message reaches the student's inbox and e-mail: screened (G2)."""

    screened_fields = ("message",)
    gate_door = DOOR_INVITATION

    message = forms.CharField(label=_("Message (optional)"), max_length=300, required=False)


class HoursForm(ScreenedFormMixin, forms.Form):
    """Hours worked on one shift (E4); the scheduled minutes are the default. The
    note reaches the student with the hours: screened, refused when flagged (G2)."""

    screened_fields = ("note",)
    gate_door = "applications.hours_note"
    gate_holds_flags = False

    minutes = forms.IntegerField(label=_("Minutes worked"), min_value=0)
    overtime_minutes = forms.IntegerField(label=_("Overtime minutes"), min_value=0,
                                          max_value=MAX_OVERTIME_MINUTES, initial=0, required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)

    def clean_overtime_minutes(self):
        return self.cleaned_data.get("overtime_minutes") or 0


class ChangeForm(ScreenedFormMixin, forms.Form):
    """A change of time of one future shift, or of the workplace (J1.3). The new
    address and the reason reach the students: screened by the one gate (G2)."""

    screened_fields = ("new_address", "reason")
    gate_door = DOOR_SCHEDULE_CHANGE

    KIND_TIME, KIND_PLACE = "time", "place"
    kind = forms.ChoiceField(
        label=_("What changes"), widget=forms.RadioSelect,
        choices=[(KIND_TIME, _("The time of one shift")), (KIND_PLACE, _("The workplace address"))],
        initial=KIND_TIME)
    shift = forms.ModelChoiceField(label=_("Shift to move"), queryset=Shift.objects.none(), required=False,
                                   empty_label=_("— choose a shift —"))
    new_date = forms.DateField(label=_("New date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    new_start = forms.TimeField(label=_("New start"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    new_end = forms.TimeField(label=_("New end"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                              help_text=_("An end before the start means the shift ends the next day."))
    new_address = forms.CharField(label=_("New address"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason (the students see it)"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, shifts: list[Shift], **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        future = [s.pk for s in shifts if s.starts_at > now]
        field = self.fields["shift"]
        field.queryset = Shift.objects.filter(pk__in=future).order_by("date", "start_time")
        field.label_from_instance = lambda s: f"{s.date:%Y-%m-%d} {s.start_time:%H:%M}–{s.end_time:%H:%M}"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please give a reason."))
        return reason

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == self.KIND_TIME:
            if not cleaned.get("shift"):
                self.add_error("shift", _("Choose the shift to move."))
            for name in ("new_date", "new_start", "new_end"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        elif cleaned.get("kind") == self.KIND_PLACE and not (cleaned.get("new_address") or "").strip():
            self.add_error("new_address", _("Give the new address."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if data["kind"] == self.KIND_TIME:
            return {"shift_id": data["shift"].pk, "new_date": data["new_date"], "new_start": data["new_start"],
                    "new_end": data["new_end"], "reason": data["reason"]}
        return {"new_address": data["new_address"].strip(), "reason": data["reason"]}

    def add_domain_error(self, error) -> None:
        if isinstance(error, TextRefused):  # every refusing finding at its own field
            for finding in error.findings:
                self.add_error(finding.field if finding.field in self.fields else None, str(finding.message))
            return
        field = {"new_start": "new_start", "new_end": "new_end"}.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


class LossClaimForm(ScreenedFormMixin, forms.Form):
    """A loss the student caused (S3.2): amount in yuan (kept in fen, never a float),
    what happened, and evidence, which the service checks by content. The student
    reads the description: screened, refused when flagged (a claim has its own deadlines, G2)."""

    screened_fields = ("description",)
    gate_door = "applications.loss_claim"
    gate_holds_flags = False

    amount = YuanField(label=_("Amount of the loss (yuan)"), max_fen=MAX_AMOUNT_FEN)
    description = forms.CharField(label=_("What was lost and how"), max_length=3000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(
        label=_("Evidence (photo or PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        help_text=_("A photo of the damage, a receipt or an invoice."))

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if not amount:
            raise forms.ValidationError(_("Give the amount of the loss."))
        return amount

    def add_domain_error(self, error) -> None:
        field = {"amount_fen": "amount", "reason": "description"}.get(error.field, error.field)
        if field is None and isinstance(error, InvalidUpload):
            field = "evidence"
        self.add_error(field if field in self.fields else None, str(error.message))


def _past_date(label) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class MinorChecksForm(forms.Form):
    """The employer's confirmation of a minor's health check (art. 6) and registration (art. 9)
    of the Provisions on the Special Protection of Juvenile Workers (docs/minors.md)."""

    health_check_date = _past_date(_("health check date"))
    health_check_place = forms.CharField(label=_("health check done at"), max_length=100,
                                         help_text=_("The hospital or medical institution."))
    health_check_reference = forms.CharField(label=_("health check report number"), max_length=64)
    registration_date = _past_date(_("registration date"))
    registration_place = forms.CharField(label=_("registered with"), max_length=100,
                                         help_text=_("The labour administration at county level or above."))
    registration_reference = forms.CharField(label=_("registration certificate number"), max_length=64)
