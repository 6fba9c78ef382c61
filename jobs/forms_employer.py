"""The employer's job form (E2.1, J1): one form for the whole posting, with a
formset of shifts or a weekly pattern, and pay typed in yuan but kept in fen.

`JobPosting` validates the form and its shifts together and turns them into
the plain data `jobs.services.job_save_draft` / `job_revise` take. Every bad
input becomes a translated error on the field it concerns: the services and
the compliance screen check again, and their errors are mapped back here."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.forms import YuanField
from core.money import yuan_text
from core.screening import ScreenedFormMixin

from .compliance import Finding
from .geo import CoordinateSystem, to_wgs84, workplace_error
from .models import (
    MAX_SETTLEMENT_DAYS,
    MAX_SHIFTS_PER_JOB,
    InsuranceKind,
    JobCategory,
    MinorRestrictedVenue,
    MinorRestrictedWork,
    PayUnit,
    ScheduleKind,
    SettlementCycle,
)
from .schedule import ShiftSpec, expand_weekly

MAX_HEADCOUNT = 500
# Above this per unit a figure is a typo (an extra zero), not a wage.
MAX_AMOUNT_FEN = 100_000 * 100
# An end before the start is an overnight shift; longer than this it is a typo.
MAX_OVERNIGHT_MINUTES = 12 * 60
# Rows beyond the 120 shifts a job may have, so a full job still shows blank rows.
SHIFT_ROWS_SPARE = 10
BLANK_SHIFT_ROWS = 3

# Form fields typed in yuan → the job's fields in fen.
MONEY_FIELDS = {
    "base_rate": "base_rate_fen",
    "overtime_rate": "overtime_rate_fen",
    "meal_allowance": "meal_allowance_fen",
    "transport_allowance": "transport_allowance_fen",
}
FORM_FIELD_FOR = {fen: name for name, fen in MONEY_FIELDS.items()}

ISO_WEEKDAY_CHOICES = [(str(day + 1), WEEKDAYS[day]) for day in range(7)]

def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _local_naive(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _overnight_error(spec: ShiftSpec) -> ValidationError | None:
    """An end before the start means the shift ends the next day (J1.3), unless it cannot be one."""
    if spec.start == spec.end:
        return ValidationError(_("The shift must end after it starts."), code="zero_length")
    if spec.end < spec.start and spec.minutes > MAX_OVERNIGHT_MINUTES:
        return ValidationError(
            _("An end before the start means an overnight shift ending the next day, and %(hours)s hours is "
              "too long for one. Check the start and end times."),
            code="overnight_too_long", params={"hours": round(spec.minutes / 60, 1)})
    return None


# ------------------------------------------------------------------ shifts
class ShiftForm(forms.Form):
    """One shift: date, start, end. A row left blank is ignored."""

    date = forms.DateField(label=_("date"), required=False, widget=_date_input())
    start = forms.TimeField(label=_("start"), required=False, widget=_time_input())
    end = forms.TimeField(label=_("end"), required=False, widget=_time_input())

    def __init__(self, *args, now: dt.datetime | None = None, existing: frozenset = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.existing = now or timezone.now(), existing

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = [data.get("date"), data.get("start"), data.get("end")]
        if not any(v is not None for v in values):
            return data
        missing = [name for name, v in zip(("date", "start", "end"), values, strict=True) if v is None]
        for name in missing:
            self.add_error(name, _("Give the date, start and end of every shift."))
        if missing:
            return data
        spec = ShiftSpec(*values)
        error = _overnight_error(spec)
        if error is not None:
            self.add_error("end", error)
        elif spec.start_dt < _local_naive(self.now) and spec not in self.existing:
            self.add_error("date", _("This shift is in the past."))
        return data

    @property
    def spec(self) -> ShiftSpec | None:
        data = getattr(self, "cleaned_data", {})
        if all(data.get(k) is not None for k in ("date", "start", "end")):
            return ShiftSpec(data["date"], data["start"], data["end"])
        return None

    @property
    def is_overnight(self) -> bool:
        """Ends the next day: shown beside the row so the employer sees how it was read."""
        spec = self.spec
        if spec is None and not self.is_bound:
            start, end = self.initial.get("start"), self.initial.get("end")
            return bool(start and end and end < start)
        return bool(spec and spec.end < spec.start)


class BaseShiftFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        specs = self.specs()
        if not specs:
            raise ValidationError(_("Add at least one shift."), code="no_shifts")
        if len(specs) > MAX_SHIFTS_PER_JOB:
            raise ValidationError(
                _("A job can have at most %(n)s shifts; split it into several jobs."),
                code="too_many", params={"n": MAX_SHIFTS_PER_JOB})
        ordered = sorted(specs, key=lambda s: s.start_dt)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if after.start_dt < before.end_dt:
                raise ValidationError(
                    _("Two shifts overlap: %(first)s and %(second)s."), code="overlap",
                    params={"first": shift_label(before), "second": shift_label(after)})

    def specs(self) -> list[ShiftSpec]:
        return [form.spec for form in self.forms
                if form.spec is not None and not (self.can_delete and self._should_delete_form(form))]


ShiftFormSet = forms.formset_factory(
    ShiftForm, formset=BaseShiftFormSet, extra=BLANK_SHIFT_ROWS, can_delete=True,
    max_num=MAX_SHIFTS_PER_JOB + SHIFT_ROWS_SPARE, absolute_max=MAX_SHIFTS_PER_JOB + SHIFT_ROWS_SPARE,
)


def shift_label(spec: ShiftSpec) -> str:
    label = f"{spec.date:%Y-%m-%d} {spec.start:%H:%M}–{spec.end:%H:%M}"
    if spec.end < spec.start:
        label += " " + str(_("(ends the next day)"))
    return label


# ------------------------------------------------------------------ the posting
class JobForm(forms.Form):
    """Everything about a posting except the individual shifts (E2.1, J1.1–J1.3)."""

    # What
    title = forms.CharField(label=_("job title"), max_length=80)
    category = forms.ChoiceField(label=_("category"), choices=JobCategory.choices)
    description = forms.CharField(
        label=_("work content"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the student will do, where and with whom. Be specific: students rely on it."))
    requirements_skills = forms.CharField(label=_("skills required"), max_length=1000, required=False,
                                          widget=forms.Textarea(attrs={"rows": 3}))
    requirements_certificates = forms.CharField(label=_("certificates required"), max_length=300,
                                                required=False)
    headcount = forms.IntegerField(
        label=_("number of students"), min_value=1, max_value=MAX_HEADCOUNT,
        error_messages={"min_value": _("Hire at least one student."),
                        "max_value": _("At most %(limit_value)s students per job; split larger needs into "
                                       "several jobs.")})
    # The minors declaration (《未成年工特殊保护规定》 art. 3; Minors Protection Law arts. 58, 61).
    minor_restricted_work = forms.MultipleChoiceField(
        label=_("work minors may not do"), choices=MinorRestrictedWork.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every item the work involves. Such jobs are not offered to students aged 16–17."))
    minor_restricted_venue = forms.ChoiceField(
        label=_("workplace closed to minors"),
        choices=[("", _("Not an entertainment venue, bar or internet café")), *MinorRestrictedVenue.choices],
        required=False,
        help_text=_("An entertainment venue, bar or internet café may not employ students aged 16–17."))

    # Where
    is_remote = forms.BooleanField(label=_("remote work"), required=False,
                                   help_text=_("The student works from home; leave the address empty."))
    city = forms.CharField(label=_("city"), max_length=50, required=False)
    district = forms.CharField(label=_("district"), max_length=50, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    # S2.1 "near me": where students find the job by distance (docs/near-me.md). Optional.
    latitude = forms.FloatField(
        label=_("latitude"), required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Optional: lets students find the job by distance. Use “use my current position” at the "
                    "workplace, or copy the coordinates from a map app."))
    longitude = forms.FloatField(label=_("longitude"), required=False, min_value=-180, max_value=180,
                                 widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    coordinate_system = forms.ChoiceField(
        label=_("coordinates from"), required=False, initial=CoordinateSystem.WGS84,
        choices=[(CoordinateSystem.WGS84, _("this device's position or GPS (WGS-84)")),
                 (CoordinateSystem.GCJ02, _("Amap, Tencent Maps or Apple Maps in China (GCJ-02)")),
                 (CoordinateSystem.BD09, _("Baidu Maps (BD-09)"))],
        help_text=_("Map apps in China shift coordinates by a few hundred metres; we convert them."))

    # When
    schedule_kind = forms.ChoiceField(label=_("schedule"), choices=ScheduleKind.choices,
                                      initial=ScheduleKind.SHIFTS, widget=forms.RadioSelect)
    weekly_days = forms.MultipleChoiceField(label=_("weekdays"), choices=ISO_WEEKDAY_CHOICES, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    weekly_start = forms.TimeField(label=_("start time"), required=False, widget=_time_input())
    weekly_end = forms.TimeField(label=_("end time"), required=False, widget=_time_input(),
                                 help_text=_("An end before the start means the shift ends the next day."))
    weekly_from = forms.DateField(label=_("first day"), required=False, widget=_date_input())
    weekly_until = forms.DateField(label=_("last day"), required=False, widget=_date_input())
    application_deadline = forms.DateTimeField(
        label=_("applications close"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    # Pay (J1.2)
    pay_unit = forms.ChoiceField(label=_("pay unit"), choices=PayUnit.choices)
    base_rate = YuanField(label=_("base pay (yuan)"), max_fen=MAX_AMOUNT_FEN)
    pieces_per_hour = forms.IntegerField(
        label=_("pieces a student can do in an hour"), required=False, min_value=1, max_value=10000,
        help_text=_("Required for piece rates: used to check the minimum hourly wage."))
    overtime_rate = YuanField(label=_("overtime pay per hour (yuan)"), required=False, max_fen=MAX_AMOUNT_FEN,
                              help_text=_("Leave empty if there is no overtime."))
    bonus_rules = forms.CharField(label=_("bonus rules"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    meal_allowance = YuanField(label=_("meal allowance per shift (yuan)"), required=False,
                               max_fen=MAX_AMOUNT_FEN)
    transport_allowance = YuanField(label=_("transport allowance per shift (yuan)"), required=False,
                                    max_fen=MAX_AMOUNT_FEN)
    settlement_cycle = forms.ChoiceField(label=_("settlement cycle"), choices=SettlementCycle.choices)
    payment_days = forms.IntegerField(
        label=_("employer pays within (days after each settlement period)"), min_value=0,
        max_value=MAX_SETTLEMENT_DAYS, initial=3,
        error_messages={"max_value": _("At most %(limit_value)s days: the law allows no longer "
                                       "(Labour Contract Law art. 72).")})

    WEEKLY_FIELDS = ("weekly_days", "weekly_start", "weekly_end", "weekly_from", "weekly_until")

    def __init__(self, *args, now: dt.datetime | None = None, existing: frozenset = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.existing = now or timezone.now(), existing
        self.weekly_shifts: list[ShiftSpec] = []

    def clean_application_deadline(self):
        deadline = self.cleaned_data["application_deadline"]
        if deadline <= self.now:
            raise ValidationError(_("The application deadline is in the past."), code="past")
        return deadline

    def clean(self):
        data = super().clean()
        self._clean_place(data)
        self._clean_pay(data)
        if data.get("schedule_kind") == ScheduleKind.WEEKLY:
            self._clean_weekly(data)
        return data

    def _clean_place(self, data):
        for name in ("city", "district", "address"):
            data[name] = (data.get(name) or "").strip()
        if data.get("is_remote"):
            if data["address"]:
                self.add_error("address", _("A remote job has no workplace address: leave it empty, or untick "
                                            "“remote work”."))
        else:
            if not data["city"] and "city" not in self.errors:
                self.add_error("city", _("Give the city where the work takes place, or tick “remote work”."))
            if not data["address"] and "address" not in self.errors:
                self.add_error("address", _("Give the address where the work takes place."))
        self._clean_position(data)

    def _clean_position(self, data):
        """Both coordinates or neither, converted to WGS-84, inside the job's city (S2.1)."""
        if "latitude" in self.errors or "longitude" in self.errors:
            return
        lat, lng = data.get("latitude"), data.get("longitude")
        if lat is not None and lng is not None:
            lat, lng = to_wgs84(lat, lng, data.get("coordinate_system") or CoordinateSystem.WGS84)
            lat, lng = round(lat, 6), round(lng, 6)  # ≈ 0.1 m: the precision a position has
        data["latitude"], data["longitude"] = lat, lng
        data["coordinate_system"] = CoordinateSystem.WGS84
        error = workplace_error(is_remote=bool(data.get("is_remote")), city=data.get("city", ""), lat=lat, lng=lng)
        if error:
            self.add_error("latitude", error)

    def _clean_pay(self, data):
        if data.get("pay_unit") == PayUnit.PIECE:
            if not data.get("pieces_per_hour") and "pieces_per_hour" not in self.errors:
                self.add_error("pieces_per_hour", _("For a piece rate, say how many pieces a student can do in "
                                                    "an hour, so the pay can be checked against the minimum "
                                                    "hourly wage."))
        else:
            data["pieces_per_hour"] = None
        if data.get("base_rate") == 0:
            self.add_error("base_rate", _("The base pay must be more than zero."))

    def _clean_weekly(self, data):
        labels = {"weekly_days": _("Choose at least one weekday."), "weekly_start": _("Give the start time."),
                  "weekly_end": _("Give the end time."), "weekly_from": _("Give the first date."),
                  "weekly_until": _("Give the last date.")}
        missing = [name for name in self.WEEKLY_FIELDS if not data.get(name) and name not in self.errors]
        for name in missing:
            self.add_error(name, labels[name])
        if missing or any(name in self.errors for name in self.WEEKLY_FIELDS):
            return
        start, end, first, last = (data["weekly_start"], data["weekly_end"], data["weekly_from"],
                                   data["weekly_until"])
        error = _overnight_error(ShiftSpec(first, start, end))
        if error is not None:
            self.add_error("weekly_end", error)
            return
        if last < first:
            self.add_error("weekly_until", _("The last date is before the first date."))
            return
        if (last - first).days > 366:
            self.add_error("weekly_until", _("A weekly pattern can run for at most a year."))
            return
        shifts = expand_weekly(days=[int(d) for d in data["weekly_days"]], start=start, end=end,
                               date_from=first, date_until=last)
        if not shifts:
            self.add_error("weekly_days", _("None of the chosen weekdays falls within the date range."))
        elif len(shifts) > MAX_SHIFTS_PER_JOB:
            self.add_error("weekly_until", ValidationError(
                _("This pattern has more than %(n)s shifts, the most a job can have; shorten the date range or "
                  "split it into several jobs."), params={"n": MAX_SHIFTS_PER_JOB}))
        elif any(s.start_dt < _local_naive(self.now) and s not in self.existing for s in shifts):
            self.add_error("weekly_from", _("The pattern starts in the past: its first shifts have already "
                                            "begun."))
        else:
            self.weekly_shifts = shifts


class JobPosting:
    """The job form and its shifts, validated together, ready for the services.

    `existing` are the shifts the job already has: a live job may keep shifts
    that have begun; new ones must lie in the future."""

    def __init__(self, data=None, *, initial: dict | None = None, shifts_initial: list[dict] | None = None,
                 existing: frozenset = frozenset(), now: dt.datetime | None = None):
        now = now or timezone.now()
        self.form = JobForm(data, initial=initial, now=now, existing=existing)
        # Initial rows only for display: bound rows equal to them would count as unchanged, i.e. blank.
        self.shifts = ShiftFormSet(data, initial=shifts_initial if data is None else None, prefix="shifts",
                                   form_kwargs={"now": now, "existing": existing})

    @property
    def schedule_kind(self) -> str:
        if self.form.is_bound:
            return self.form.data.get("schedule_kind") or ScheduleKind.SHIFTS
        return self.form.initial.get("schedule_kind") or ScheduleKind.SHIFTS

    def is_valid(self) -> bool:
        """Validates once; the answer is kept (the compliance box reads it)."""
        if getattr(self, "valid", None) is None:
            self.valid = self._validate()
        return self.valid

    def _validate(self) -> bool:
        form_valid = self.form.is_valid()
        shifts_valid = self.schedule_kind != ScheduleKind.SHIFTS or self.shifts.is_valid()
        if not (form_valid and shifts_valid):
            return False
        specs = self.shift_specs_for_rules()
        if not specs:  # each path that leaves none has already said why
            return False
        deadline = self.form.cleaned_data["application_deadline"]
        last = max(specs, key=lambda s: s.start_dt)
        if _local_naive(deadline) > last.start_dt:
            self.form.add_error("application_deadline", ValidationError(
                _("Applications must close before the last shift starts (%(when)s)."),
                params={"when": f"{last.date:%Y-%m-%d} {last.start:%H:%M}"}))
            return False
        return True

    # -------------------------------------------------------------- for the services
    def service_data(self) -> dict:
        """The cleaned posting as the job's own fields (money in fen)."""
        cleaned = dict(self.form.cleaned_data)
        data = {name: cleaned.get(name) for name in (
            "title", "category", "description", "requirements_skills", "requirements_certificates",
            "headcount", "minor_restricted_work", "minor_restricted_venue", "is_remote", "city", "district", "address",
            "latitude", "longitude", "schedule_kind",
            "application_deadline", "pay_unit", "pieces_per_hour", "bonus_rules", "settlement_cycle",
            "payment_days")}
        for name, fen_name in MONEY_FIELDS.items():
            data[fen_name] = cleaned.get(name)
        data["meal_allowance_fen"] = data["meal_allowance_fen"] or 0
        data["transport_allowance_fen"] = data["transport_allowance_fen"] or 0
        for name in ("requirements_skills", "requirements_certificates", "bonus_rules", "description"):
            data[name] = (data[name] or "").strip()
        if data["schedule_kind"] == ScheduleKind.WEEKLY:
            data["weekly_days"] = ",".join(sorted(cleaned["weekly_days"]))
            for name in ("weekly_start", "weekly_end", "weekly_from", "weekly_until"):
                data[name] = cleaned[name]
        else:
            data.update(weekly_days="", weekly_start=None, weekly_end=None, weekly_from=None, weekly_until=None)
        return data

    def shift_specs(self) -> list[ShiftSpec] | None:
        """The individual shifts, or None for a weekly pattern (the service expands it)."""
        if self.schedule_kind == ScheduleKind.WEEKLY:
            return None
        return sorted(self.shifts.specs(), key=lambda s: (s.date, s.start))

    def shift_specs_for_rules(self) -> list[ShiftSpec]:
        if self.schedule_kind == ScheduleKind.WEEKLY:
            return self.form.weekly_shifts
        return self.shift_specs() or []

    # -------------------------------------------------------------- errors from below
    def add_domain_error(self, error: DomainError) -> None:
        self._add(error.field or "", str(error.message))

    def add_findings(self, findings: list[Finding]) -> None:
        """Blocking compliance findings as errors on their fields, quoting the matched text (J1.4).
        Flags are not errors: the compliance box beside the form lists them for the reviewer."""
        for finding in findings:
            if not finding.blocks:
                continue
            message = finding.message
            if finding.matched_text:
                message = _("“%(text)s”: %(message)s") % {"text": finding.matched_text, "message": message}
            self._add(finding.field, str(message))

    def _add(self, field: str, message: str) -> None:
        field = FORM_FIELD_FOR.get(field, field)
        if field == "shifts":
            if self.schedule_kind == ScheduleKind.WEEKLY:
                field = "weekly_days"
            else:
                self.shifts.non_form_errors().append(message)
                return
        if field in self.form.fields:
            self.form.add_error(field, message)
        else:
            self.form.add_error(None, message)


# ------------------------------------------------------------------ from a job to the form
def initial_from(data: dict) -> dict:
    """Form initial values from a job's fields (or a revision's), money back in yuan."""
    initial = {name: value for name, value in data.items() if name not in FORM_FIELD_FOR}
    for fen_name, name in FORM_FIELD_FOR.items():
        if fen_name in data:
            value = data[fen_name]
            if fen_name in ("meal_allowance_fen", "transport_allowance_fen") and not value:
                value = None
            initial[name] = yuan_text(value)
    initial["weekly_days"] = [d for d in str(data.get("weekly_days") or "").split(",") if d]
    deadline = data.get("application_deadline")
    if isinstance(deadline, dt.datetime):
        initial["application_deadline"] = timezone.localtime(deadline).replace(tzinfo=None, second=0,
                                                                               microsecond=0)
    return initial


def shifts_initial_from(shifts: list[ShiftSpec]) -> list[dict]:
    return [{"date": s.date, "start": s.start, "end": s.end} for s in shifts]


def post_data_from(data: dict, shifts: list[ShiftSpec]) -> dict:
    """The form as if the employer had posted the saved job unchanged (to show errors on it)."""
    initial = initial_from(data)
    post: dict = {}
    for name, field in JobForm.base_fields.items():
        value = initial.get(name)
        if value is None or value is False:
            continue
        if isinstance(field, forms.MultipleChoiceField):
            post[name] = list(value)
        elif isinstance(value, bool):
            post[name] = "on"
        elif isinstance(value, dt.datetime):
            post[name] = f"{value:%Y-%m-%dT%H:%M}"
        elif isinstance(value, dt.time):
            post[name] = f"{value:%H:%M}"
        elif isinstance(value, dt.date):
            post[name] = f"{value:%Y-%m-%d}"
        else:
            post[name] = str(value)
    rows = [] if data.get("schedule_kind") == ScheduleKind.WEEKLY else shifts
    post.update({"shifts-TOTAL_FORMS": str(len(rows) + BLANK_SHIFT_ROWS), "shifts-INITIAL_FORMS": str(len(rows)),
                 "shifts-MIN_NUM_FORMS": "0", "shifts-MAX_NUM_FORMS": str(MAX_SHIFTS_PER_JOB)})
    for i, spec in enumerate(rows):
        post.update({f"shifts-{i}-date": f"{spec.date:%Y-%m-%d}", f"shifts-{i}-start": f"{spec.start:%H:%M}",
                     f"shifts-{i}-end": f"{spec.end:%H:%M}"})
    return post



class InsuranceForm(ScreenedFormMixin, forms.Form):
    """The job's work-injury or accident cover and its certificate (docs/insurance.md). Students
    read the insurer's name on the job ("由…承保"), so it passes the one gate (G2); the cover
    cannot be held for a moderator, so a flag is refused at the field."""

    screened_fields = ("insurer",)
    gate_door = "jobs.insurance"
    gate_holds_flags = False

    kind = forms.ChoiceField(label=_("kind of cover"), choices=InsuranceKind.choices)
    insurer = forms.CharField(label=_("insurer"), max_length=100)
    policy_number = forms.CharField(label=_("policy number"), max_length=64)
    covers_from = forms.DateField(label=_("cover starts"), widget=_date_input())
    covers_until = forms.DateField(label=_("cover ends"), widget=_date_input())
    certificate = forms.FileField(label=_("certificate"), help_text=_("A PDF or a photo of the policy."),
                                  widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}))
