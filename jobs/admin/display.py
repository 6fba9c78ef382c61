"""How the moderation pages show a job to staff: the compliance findings with
the flagged text marked (J1.4), shifts and field values as a moderator reads
them, and the time a job or revision has waited in working hours (E2.2, P2.3)."""

import datetime as dt
import re

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.money import format_fen
from core.policy import get_policy
from core.working_days import WorkingCalendar, working_minutes_between

from ..compliance import highlight
from ..models import ComplianceTerm, Job, JobRevision, JobStatus
from ..schedule import ShiftSpec

# Rule findings of the compliance screen that are not lexicon categories (jobs.compliance.screen_rules).
RULE_CODES = [
    ("min_wage", _("Pay below the minimum wage")),
    ("no_min_wage", _("No minimum wage on file for the city")),
    ("piece_rate", _("Piece rate without pieces per hour")),
    ("settlement", _("Settlement over 15 days")),
    ("part_time_daily", _("Over 4 hours a day on average")),
    ("part_time_weekly", _("Over 24 hours a week")),
    ("night_work", _("Night work")),
    ("closed_to_minors", _("Declared closed to minors")),
    ("pay_text_low", _("Pay in the text below the minimum wage")),
    ("pay_text_mismatch", _("Pay in the text contradicts the pay fields")),
]
FLAG_CODES = [*ComplianceTerm.Category.choices, *RULE_CODES]
CHANGED_ROW = mark_safe(' style="background:#fff3cd"')  # a constant, no user input
SEVERITY_MARKS = {ComplianceTerm.Severity.BLOCK: "⛔", ComplianceTerm.Severity.FLAG: "⚑"}


# ------------------------------------------------------------------ working hours (SLA)
# The review target (Policy.job_review_hours, default 8) counts the moderators'
# office day on working days (core.working_days), so 8 working hours is one working day.


def mark_waiting(objects, *, since_attr: str, now: dt.datetime | None = None) -> None:
    """Set `waiting_minutes` and `is_overdue` on each row waiting for review (one calendar query)."""
    now = now or timezone.now()
    target = get_policy().job_review_hours * 60
    starts = [getattr(o, since_attr) for o in objects if getattr(o, since_attr, None)]
    calendar = WorkingCalendar(timezone.localtime(min(starts)).date(), timezone.localdate(now)) if starts else None
    for obj in objects:
        since = getattr(obj, since_attr, None)
        if calendar is None or since is None or not _is_waiting(obj):
            obj.waiting_minutes, obj.is_overdue = None, False
            continue
        obj.waiting_minutes = working_minutes_between(since, now, calendar)
        obj.is_overdue = obj.waiting_minutes >= target


def _is_waiting(obj) -> bool:
    if isinstance(obj, Job):
        return obj.status == JobStatus.PENDING_REVIEW
    return obj.status == JobRevision.Status.PENDING


def waiting_html(obj):
    minutes = getattr(obj, "waiting_minutes", None)
    if minutes is None:
        return "—"
    hours = _("%(hours)s h") % {"hours": f"{minutes / 60:.1f}"}
    if obj.is_overdue:
        return format_html('<strong style="color:#ba2121">{} · {}</strong>', hours, _("overdue"))
    return hours


# ------------------------------------------------------------------ rendering helpers


def flag_spans(text: str, matched: list[str]) -> list[tuple[int, int]]:
    """Where each matched text occurs in `text` (every occurrence, case-insensitive)."""
    spans = []
    for needle in filter(None, matched):
        for match in re.finditer(re.escape(needle), text, re.IGNORECASE):
            spans.append((match.start(), match.end()))
    return spans


def highlighted(text: str, flags) -> str:
    """The field text escaped, the flags' matched text marked, line breaks kept."""
    if not text:
        return "—"
    marked = highlight(text, flag_spans(text, [f.matched_text for f in flags]))
    return format_html('<div style="white-space:pre-wrap;max-width:60em">{}</div>', marked)


def flags_table(flags) -> str:
    if not flags:
        return _("No compliance findings.")
    labels = dict(FLAG_CODES)
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        _("rule"), _("severity"), _("field"), _("matched text"), _("finding"), _("resolved"),
        format_html_join("", "<tr><td>{} {}</td><td>{}</td><td>{}</td><td><mark>{}</mark></td><td>{}</td>"
                             "<td>{}</td></tr>",
                         ((SEVERITY_MARKS.get(f.severity, ""), labels.get(f.code, f.code), f.get_severity_display(),
                           field_label(f.field), f.matched_text, f.message,
                           f.resolution or (_("no") if f.resolved_at is None else _("yes"))) for f in flags)),
    )


def field_label(name: str) -> str:
    if not name:
        return "—"
    if name == "shifts":  # the schedule, screened as one pseudo-field (issue 21: not the raw name)
        return str(_("shifts"))
    try:
        return str(Job._meta.get_field(name).verbose_name)
    except Exception:  # other pseudo-fields of the screen
        return name


def shifts_table(shifts: list[ShiftSpec], other: list[ShiftSpec] | None = None) -> str:
    """Shifts as rows; with `other`, rows missing from it are highlighted."""
    if not shifts:
        return "—"
    others = set(other) if other is not None else None
    rows = [(CHANGED_ROW if others is not None and s not in others else "", s.date.isoformat(),
             date_format(s.date, "D"), f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in shifts]
    return format_html("<table>{}</table>", format_html_join(
        "", "<tr{}><td>{}</td><td>{}</td><td>{}–{}</td></tr>", rows))


def display_value(name: str, value) -> str:
    """A job field's value as a moderator reads it (labels for choices, yuan for fen)."""
    if value is None or value == "":
        return "—"
    field = Job._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name.endswith("_fen"):
        return format_fen(value)
    return str(value)


def verification_badge(employer) -> str:
    if employer.is_verified:
        return format_html('<span title="{}" style="color:#2e7d32">✔ {}</span>',
                           employer.get_verification_level_display(), _("verified"))
    return format_html('<span style="color:#666">{}</span>', _("not verified"))


def admin_link(name: str, *, args=None, query: dict | None = None) -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # the moderation app is not installed
        return None
    return f"{url}?{urlencode(query)}" if query else url


def flag_counts_html(obj):
    blocks, flags = getattr(obj, "unresolved_blocks", 0), getattr(obj, "unresolved_flags", 0)
    if not (blocks or flags):
        return "—"
    parts = []
    if blocks:
        parts.append(format_html('<span style="color:#ba2121">⛔ {}</span>', blocks))
    if flags:
        parts.append(format_html('<span style="color:#b26a00">⚑ {}</span>', flags))
    return format_html_join(" ", "{}", ((p,) for p in parts))
