"""The compliance screen (J1.4, G2): what a posting must not say or do.

It runs on plain form data as the employer types (server-side, before
submit) and again in the submit service. The words live in the staff-edited
lexicon (ComplianceTerm); the arithmetic rules (minimum wage, art. 72
settlement, art. 68 part-time limits, night work) are code. Hard violations
block submission; the rest become flags a moderator must resolve."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.money import format_fen

from .models import (
    MAX_SETTLEMENT_DAYS,
    PART_TIME_MAX_DAILY_AVERAGE_MINUTES,
    PART_TIME_MAX_WEEKLY_MINUTES,
    ComplianceTerm,
    MinimumWage,
    PayUnit,
)
from .schedule import ScheduleFacts, ShiftSpec, hourly_pay_fen, schedule_facts, settlement_delay_days

BLOCK, FLAG = ComplianceTerm.Severity.BLOCK, ComplianceTerm.Severity.FLAG

# The free-text fields the lexicon is matched against, in display order.
SCREENED_FIELDS = ("title", "description", "requirements_skills", "requirements_certificates", "bonus_rules",
                   "address")


@dataclass(frozen=True)
class Finding:
    code: str            # lexicon category or rule name, e.g. "fee", "min_wage"
    severity: str        # BLOCK or FLAG
    message: str         # translated, for the employer and the moderator
    field: str = ""      # the form field it concerns
    matched_text: str = ""
    start: int = -1      # span of matched_text in the field's value
    end: int = -1

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK


# ------------------------------------------------------------------ the lexicon
LEXICON_CACHE_SECONDS = 60


def _compiled_lexicon() -> list[tuple[re.Pattern, ComplianceTerm]]:
    """Active terms, compiled; cached for a minute and refreshed when staff edit them."""
    stamp = ComplianceTerm.objects.aggregate(last=Max("updated_at"))["last"]
    key = f"jobs:lexicon:{stamp.isoformat() if stamp else 'empty'}"
    rows = cache.get(key)
    if rows is None:
        rows = list(ComplianceTerm.objects.filter(active=True).values(
            "pk", "category", "severity", "pattern", "is_regex", "explanation", "explanation_en"))
        cache.set(key, rows, LEXICON_CACHE_SECONDS)
    compiled = []
    for row in rows:
        source = row["pattern"] if row["is_regex"] else re.escape(row["pattern"])
        try:
            pattern = re.compile(source, re.IGNORECASE)
        except re.error:  # a staff typo must not break every submission
            continue
        compiled.append((pattern, ComplianceTerm(**{k: v for k, v in row.items() if k != "pk"})))
    return compiled


# "不收押金" reassures rather than demands: a blocking term right after a negation
# becomes a flag the moderator reads, instead of refusing an honest employer.
_NEGATION = re.compile(r"(不|无|免|没有|拒绝|绝不|\bno\b|\bnot?\b|\bwithout\b)\s*(收取?|需要?|交纳?|任何|须|要|charge|any|require)?\s*$",
                       re.IGNORECASE)


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATION.search(text[max(0, start - 8):start]))


def screen_text(values: dict[str, str]) -> list[Finding]:
    """Lexicon findings for every field of `values` (any field name: postings,
    schedule changes, invitations, descriptions and answers all come here)."""
    findings: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    lexicon = _compiled_lexicon()
    language = get_language()
    for field, text in values.items():
        text = text or ""
        if not text:
            continue
        for pattern, term in lexicon:
            for match in pattern.finditer(text):
                span = (field, match.start(), match.end())
                if span in seen or not match.group(0).strip():
                    continue
                seen.add(span)
                severity = term.severity
                if severity == BLOCK and _negated(text, match.start()):
                    severity = FLAG
                findings.append(Finding(
                    code=term.category, severity=severity, message=term.explanation_for(language), field=field,
                    matched_text=match.group(0)[:200], start=match.start(), end=match.end(),
                ))
    return findings


# ------------------------------------------------------------------ the rules
def minimum_wage_for(city: str, on: dt.date) -> MinimumWage | None:
    """The standard in force in `city` on `on` (city names match with or without 市)."""
    name = (city or "").strip().removesuffix("市")
    if not name:
        return None
    return (MinimumWage.objects.filter(city__in=[name, f"{name}市"], effective_from__lte=on)
            .order_by("-effective_from").first())


def screen_rules(data: dict, shifts: list[ShiftSpec], *, employer_city: str = "",
                 today: dt.date | None = None) -> tuple[list[Finding], ScheduleFacts]:
    today = today or timezone.localdate()
    facts = schedule_facts(shifts)
    findings: list[Finding] = []
    pay_unit, base = data.get("pay_unit"), data.get("base_rate_fen")

    # Pay below the local minimum hourly wage (hard).
    if pay_unit and base is not None:
        hourly = hourly_pay_fen(pay_unit=pay_unit, base_rate_fen=base, facts=facts,
                                pieces_per_hour=data.get("pieces_per_hour"))
        city = employer_city if data.get("is_remote") else data.get("city", "")
        if hourly is None and pay_unit == PayUnit.PIECE:
            findings.append(Finding("piece_rate", BLOCK, _(
                "For a piece rate, say how many pieces a student can do in an hour, so the pay can be "
                "checked against the minimum hourly wage."), field="pieces_per_hour"))
        elif hourly is not None:
            standard = minimum_wage_for(city, facts.first_date or today)
            if standard is None:
                findings.append(Finding("no_min_wage", FLAG, _(
                    "No minimum hourly wage for %(city)s is on file yet; staff will check the local standard "
                    "before publishing.") % {"city": city or _("this city")}, field="city"))
            elif hourly < standard.hourly_min_fen:
                findings.append(Finding("min_wage", BLOCK, _(
                    "The pay works out at %(hourly)s an hour, below %(city)s's minimum hourly wage of "
                    "%(minimum)s (in force since %(since)s).") % {
                    "hourly": format_fen(hourly), "city": standard.city,
                    "minimum": format_fen(standard.hourly_min_fen), "since": standard.effective_from},
                    field="base_rate_fen"))

    # Settlement at most 15 days after the work (Labour Contract Law art. 72, hard).
    cycle, payment_days = data.get("settlement_cycle"), data.get("payment_days")
    if cycle and payment_days is not None:
        delay = settlement_delay_days(cycle=cycle, payment_days=payment_days, facts=facts)
        if delay > MAX_SETTLEMENT_DAYS:
            findings.append(Finding("settlement", BLOCK, _(
                "Students would wait up to %(days)s days for their pay; the law allows at most 15 days "
                "(Labour Contract Law art. 72). Choose a shorter settlement cycle or pay sooner.")
                % {"days": delay}, field="settlement_cycle"))

    # Part-time limits (Labour Contract Law art. 68, flag).
    if facts.daily_average_minutes > PART_TIME_MAX_DAILY_AVERAGE_MINUTES:
        findings.append(Finding("part_time_daily", FLAG, _(
            "Shifts average %(hours)s hours a day; part-time work averages at most 4 hours a day "
            "(Labour Contract Law art. 68).") % {"hours": round(facts.daily_average_minutes / 60, 1)},
            field="shifts"))
    if facts.max_week_minutes > PART_TIME_MAX_WEEKLY_MINUTES:
        findings.append(Finding("part_time_weekly", FLAG, _(
            "One week has %(hours)s hours of work; part-time work is at most 24 hours a week "
            "(Labour Contract Law art. 68).") % {"hours": round(facts.max_week_minutes / 60, 1)},
            field="shifts"))

    # Work minors may not do: they are excluded from applying; the moderator confirms.
    if facts.has_night_work:
        findings.append(Finding("night_work", FLAG, _(
            "Some shifts fall between 22:00 and 06:00: the job will not be offered to students aged 16–17."),
            field="shifts"))
    if data.get("is_hazardous"):
        findings.append(Finding("hazardous", FLAG, _(
            "Declared hazardous: the job will not be offered to students aged 16–17."), field="is_hazardous"))
    return findings, facts


def screen(data: dict, shifts: list[ShiftSpec], *, employer_city: str = "",
           today: dt.date | None = None) -> list[Finding]:
    """Everything the screen finds for a posting, blocking findings first."""
    text_findings = screen_text({field: data.get(field) or "" for field in SCREENED_FIELDS})
    rule_findings, _facts = screen_rules(data, shifts, employer_city=employer_city, today=today)
    findings = text_findings + rule_findings
    return sorted(findings, key=lambda f: (not f.blocks, SCREENED_FIELDS.index(f.field)
                                           if f.field in SCREENED_FIELDS else 99, f.start))


def highlight(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each (start, end) span wrapped in <mark> for the moderator."""
    pieces, cursor = [], 0
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if start < cursor:
            continue
        pieces.append((text[cursor:start], text[start:end]))
        cursor = end
    tail = text[cursor:]
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pieces), tail)
