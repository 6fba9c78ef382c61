"""The compliance screen (J1.4, G2): what a posting, or any text one user writes
for another, must not say or do. docs/compliance-screen.md explains it in full.

It runs on plain form data as the employer types (server-side, before submit)
and again in the submit service, so the box and the submit always agree.

Three layers, each where it can be expressed and maintained best:

1. Normalisation (jobs.normalise) undoes evasion once for every rule: full-width,
   traditional characters, spacing and punctuation between characters, zero-width
   characters and emoji, Chinese numerals and spaced digits, respelled contact
   words. It keeps a map back to the original offsets, so every finding's
   start/end and matched_text are the original characters.
2. The words and phrases live in the staff-edited lexicon (ComplianceTerm, seeded
   from jobs.lexicon and kept in step by data migrations), matched in the
   normalised text with re2: linear time, so no staff pattern can hang the site.
   The generic grammar of paying to work (a demand + a pay verb near an amount
   or a 费/金 word) is a lexicon regex too, so staff can tune it.
3. Code handles what a regex cannot: honest negations (无需押金, 不限男女) are
   dropped, by category; overlapping matches of one rule are merged into one
   finding; and the arithmetic rules — minimum wage (in the pay fields and in a
   pay figure written in the text), the art. 72 settlement limit, art. 68
   part-time limits, night work and hazards.

Hard violations block submission; the rest become flags a moderator must resolve."""

import datetime as dt
import logging
import re
from dataclasses import dataclass

import re2
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
from .normalise import normalise
from .schedule import ScheduleFacts, ShiftSpec, hourly_pay_fen, schedule_facts, settlement_delay_days

logger = logging.getLogger(__name__)

BLOCK, FLAG = ComplianceTerm.Severity.BLOCK, ComplianceTerm.Severity.FLAG

# The free-text fields the lexicon is matched against, in display order.
SCREENED_FIELDS = ("title", "description", "requirements_skills", "requirements_certificates", "bonus_rules",
                   "district", "address")


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


@dataclass(frozen=True)
class CompiledTerm:
    regex: object        # an re2 pattern: linear time whatever staff type
    category: str
    severity: str
    explanation: str
    explanation_en: str
    hit_group: int = 0   # the named group "hit", when the pattern marks only part of its match

    def explanation_for(self, language: str | None) -> str:
        if language and language.startswith("en") and self.explanation_en:
            return self.explanation_en
        return self.explanation


def _re2_options():
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = 8 << 20  # a staff pattern's automaton stays small
    return options


def compile_term(pattern: str, is_regex: bool):
    """The re2 pattern the screen runs for a lexicon entry; raises re2.error with
    the reason when re2 cannot compile it (backreferences, lookaround, ...).

    A plain word is normalised like the text it is matched against, so staff may
    type it in traditional characters, full-width or with spaces."""
    source = pattern if is_regex else re2.escape(normalise(pattern).text)
    return re2.compile(source, _re2_options())


def re2_error_reason(error: Exception) -> str:
    reason = error.args[0] if error.args else error
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def _compiled_lexicon() -> list[CompiledTerm]:
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
        try:
            regex = compile_term(row["pattern"], row["is_regex"])
        except re2.error as error:  # the admin refuses these; an old row must not break every submission
            logger.warning("Compliance term %s skipped: %s", row["pk"], re2_error_reason(error))
            continue
        if not row["pattern"].strip():
            continue
        compiled.append(CompiledTerm(regex, row["category"], row["severity"], row["explanation"],
                                     row["explanation_en"], regex.groupindex.get("hit", 0)))
    return compiled


# An honest reassurance is not a demand, and a term right after one is dropped.
# Fees and scams: "无需押金", "不收任何费用", "no deposit", also along a list of fee
# words ("不收押金、服装费、培训费"). Discrimination: only words that lift a
# requirement ("不限男女", "不看颜值", "不歧视乙肝携带者"); "no hepatitis B" or
# "无残疾" is itself the exclusion. Read in the normalised text, so "无 需 押 金"
# is honest too.
_NEGATION = re.compile(
    r"(?:不|无|免|没有|拒绝|绝不|决不|从不|零|never|no|not|without|free of|zero)"
    r"(?:需要?|用|必|须|会|收取?|交纳?|缴纳?|任何|额外|一切|一分钱?|其他|\s|"
    r"charges?|ask(?:s|ing)? for|requires?|any|an?|for)*"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:费用?|金)|[a-z]+ (?:fees?|deposits?)(?: or| and)? ?)*\s*$")
_LIFTED = re.compile(r"(?:不限|不看|不歧视|歧视|不要求|无要求|没有要求|不论|无论|不分|不问|不设|不介意|"
                     r"regardless of|no matter|open to all)\s?[\u4e00-\u9fff]{0,4}$")
_LIFTED_INSIDE = re.compile(r"(?:不|无)$")  # 不 + 限男 / 要求女 / 看颜值
_DISCRIMINATION = {"gender", "age", "ethnicity", "religion", "household", "health", "marital", "appearance"}
# ...unless a condition follows: "不交押金不能上岗" demands the deposit.
_CONDITION = re.compile(r"^(?:的话)?(?:不能|不得|无法|不可|不予|不让|不给|则不|就不|就别|别来|勿扰|免谈|才能|方可)")


def _negated(text: str, start: int, end: int, category: str) -> bool:
    if _CONDITION.search(text[end:end + 6]):
        return False
    before = text[max(0, start - 16):start]
    if category in _DISCRIMINATION:
        return bool(_LIFTED.search(before) or (_LIFTED_INSIDE.search(before)
                                                and text[start:end].startswith(("限", "要求", "看", "招"))))
    return bool(_NEGATION.search(before))


@dataclass
class _Match:
    field: str
    term: CompiledTerm
    start: int   # in the original text
    end: int
    severity: str


def screen_text(values: dict[str, str]) -> list[Finding]:
    """Lexicon findings for every field of `values` (any field name: postings,
    schedule changes, invitations, descriptions and answers all come here).

    Each field is normalised (jobs.normalise) and matched there; spans map back to
    the original text. Matches of one rule that overlap in a field are one finding
    with one highlight (the span that covers them all)."""
    lexicon = _compiled_lexicon()
    language = get_language()
    findings: list[Finding] = []
    for field, text in values.items():
        text = str(text or "")
        if not text.strip():
            continue
        view = normalise(text)
        matches: list[_Match] = []
        for term in lexicon:
            for match in term.regex.finditer(view.text):
                start, end = match.start(term.hit_group), match.end(term.hit_group)
                if start < 0 or start >= end or not view.text[start:end].strip():
                    continue
                if _negated(view.text, start, end, term.category):
                    continue
                original_start, original_end = view.original_span(start, end)
                matches.append(_Match(field, term, original_start, original_end, term.severity))
        for merged in _merge(matches):
            findings.append(Finding(
                code=merged.term.category, severity=merged.severity,
                message=merged.term.explanation_for(language), field=field,
                matched_text=text[merged.start:merged.end][:200], start=merged.start, end=merged.end,
            ))
    return findings


def _merge(matches: list[_Match]) -> list[_Match]:
    """Overlapping matches of one rule become one; the blocking term speaks for it."""
    merged: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m.term.category, m.start, m.severity != BLOCK, -m.end)):
        last = merged[-1] if merged else None
        if last and last.term.category == match.term.category and match.start < last.end:
            last.end = max(last.end, match.end)
            if match.severity == BLOCK and last.severity != BLOCK:
                last.term, last.severity = match.term, BLOCK
            continue
        merged.append(_Match(match.field, match.term, match.start, match.end, match.severity))
    return sorted(merged, key=lambda m: (m.start, m.term.category))


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

    findings.extend(_pay_in_text(data, city=employer_city if data.get("is_remote") else data.get("city", ""),
                                 on=facts.first_date or today))

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
    if declares_closed_to_minors(data):
        findings.append(Finding("closed_to_minors", FLAG, _(
            "Declared as work or a workplace closed to minors: the job will not be offered to students aged "
            "16–17 (Provisions on the Special Protection of Juvenile Workers art. 3; Minors Protection Law "
            "arts. 58, 61)."), field="minor_restricted_work"))
    return findings, facts


# Lexicon categories naming work or workplaces minors may not have (docs/minors.md). On a
# posting they matter only while the declaration says none: then the text contradicts it.
MINOR_TEXT_CODES = frozenset({"hazard", "minor_venue"})


def declares_closed_to_minors(data: dict) -> bool:
    """Does the posting's minors declaration name an art. 3 item or a venue type?"""
    return bool(data.get("minor_restricted_work") or data.get("minor_restricted_venue"))


# A pay figure written in the text: "时薪15元", "15元/小时", "每小时十五块", "¥15/h",
# "日薪120元", "120元/天" (matched in the normalised text, so numerals are digits).
_AMOUNT = r"\d+(?:\.\d+)?"
_HOURLY_IN_TEXT = re.compile(
    r"(?:时薪|每小时|每个小时|一小时|1小时|小时工资|小时薪|hourly(?: pay| rate)?|per hour)"
    rf"(?:是|为|仅|只有|约|大概|才|:| )*(?:人民币|rmb)?(?P<a>{_AMOUNT})(?:[-~至到](?P<a_hi>{_AMOUNT}))?(?:元|块|rmb| ?yuan)?"
    rf"|(?:(?P<b_lo>{_AMOUNT})[-~至到])?(?P<b>{_AMOUNT})(?:(?:元|块钱?|rmb| ?yuan)(?:/|每|一个?| ?per | ?an? )?|/)"
    r"(?:小时|hour|h(?![a-z]))")
_DAILY_IN_TEXT = re.compile(
    r"(?:日薪|每天|一天|1天|每日|daily(?: pay| rate)?|per day)(?:是|为|仅|只有|约|才|:| )*(?:人民币|rmb)?"
    rf"(?P<a>{_AMOUNT})(?:[-~至到](?P<a_hi>{_AMOUNT}))?(?:元|块|rmb| ?yuan)"
    rf"|(?:(?P<b_lo>{_AMOUNT})[-~至到])?(?P<b>{_AMOUNT})(?:(?:元|块钱?|rmb| ?yuan)(?:/|每|一| ?per | ?a )?|/)"
    r"(?:天|日|day)(?![a-z])")
_UNIT_PATTERNS = {PayUnit.HOUR: _HOURLY_IN_TEXT, PayUnit.DAY: _DAILY_IN_TEXT}


def _pay_figures(text: str, pattern: re.Pattern) -> list[tuple[int, int, int, int]]:
    """(lowest fen, highest fen, start, end) for each pay figure or range ("25-30元/小时")
    of `pattern` in `text`, spans in the original."""
    view = normalise(text)
    figures = []
    for match in pattern.finditer(view.text):
        if match.group("a"):
            amounts = [match.group("a"), match.group("a_hi")]
        else:
            amounts = [match.group("b_lo"), match.group("b")]
        try:
            fens = [round(float(a) * 100) for a in amounts if a]
        except ValueError:
            continue
        start, end = view.original_span(match.start(), match.end())
        figures.append((min(fens), max(fens), start, end))
    return figures


def _pay_in_text(data: dict, *, city: str, on: dt.date) -> list[Finding]:
    """J1.2 in the text: a stated hourly pay below the local minimum blocks like the
    pay field would; a stated pay that contradicts the pay fields is flagged."""
    findings: list[Finding] = []
    standard = None
    pay_unit, base = data.get("pay_unit"), data.get("base_rate_fen")
    for field in SCREENED_FIELDS:
        text = str(data.get(field) or "")
        if not text:
            continue
        for fen, _highest, start, end in _pay_figures(text, _HOURLY_IN_TEXT):
            if fen <= 0:
                continue
            standard = standard or minimum_wage_for(city, on)
            if standard is not None and fen < standard.hourly_min_fen:
                findings.append(Finding("pay_text_low", BLOCK, _(
                    "Minimum wage: the text states %(stated)s an hour, below %(city)s's minimum hourly wage of "
                    "%(minimum)s (Minimum Wage Provisions art. 12; Labour Law art. 48).") % {
                    "stated": format_fen(fen), "city": standard.city,
                    "minimum": format_fen(standard.hourly_min_fen)},
                    field=field, matched_text=text[start:end], start=start, end=end))
        pattern = _UNIT_PATTERNS.get(pay_unit)
        if pattern is None or not base:
            continue
        for fen, highest, start, end in _pay_figures(text, pattern):
            if fen > 0 and not fen <= base <= highest:
                findings.append(Finding("pay_text_mismatch", FLAG, _(
                    "Pay mismatch: the text states %(stated)s but the pay field says %(field)s: students must "
                    "read one pay (Employment Services Provisions art. 14: no false recruitment information).") % {
                    "stated": format_fen(fen), "field": format_fen(base)},
                    field=field, matched_text=text[start:end], start=start, end=end))
    return findings


def screen(data: dict, shifts: list[ShiftSpec], *, employer_city: str = "",
           today: dt.date | None = None) -> list[Finding]:
    """Everything the screen finds for a posting, blocking findings first."""
    text_findings = screen_text({field: data.get(field) or "" for field in SCREENED_FIELDS})
    if declares_closed_to_minors(data):  # the declaration already closes the job to minors
        text_findings = [f for f in text_findings if f.code not in MINOR_TEXT_CODES]
    rule_findings, _facts = screen_rules(data, shifts, employer_city=employer_city, today=today)
    findings = text_findings + rule_findings
    return sorted(findings, key=lambda f: (not f.blocks, SCREENED_FIELDS.index(f.field)
                                           if f.field in SCREENED_FIELDS else 99, f.start))


def highlight(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each (start, end) span wrapped in <mark> for the moderator."""
    merged: list[list[int]] = []  # overlapping spans are one highlight
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, cursor = [], 0
    for start, end in merged:
        pieces.append((text[cursor:start], text[start:end]))
        cursor = end
    tail = text[cursor:]
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pieces), tail)
