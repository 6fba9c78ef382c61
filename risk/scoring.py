"""The published credit formula (K3.1) and the services that apply it.

Everything comes from the subject's credit events (`core.CreditEvent`) plus the
verification level on the student profile or the employer. An event that was
reversed counts for nothing, and so does the reversing row itself.

    score = clamp(0, 100, round(base + verification + reviews + reliability + sanctions + external))

- base: BASE (60).
- verification: VERIFICATION_POINTS by level.
- reviews: a Bayesian average of the overall ratings received, with REVIEW_PRIOR_COUNT
  pseudo-reviews of REVIEW_PRIOR_MEAN, so a handful of reviews cannot swing a score:
  avg = (C·m + Σ w·r) / (C + Σ w); points = round((avg − m) × REVIEW_POINTS_PER_STAR, 1),
  rounded half away from zero like every rounding here.
- reliability, sanctions: Σ w × points of each event, from the one table `rules()`,
  each part clamped to its PART_LIMITS.
- external: third-party flags (K3.3), each w × its points, clamped per flag.

Decay: an event's weight is w = 0.5 ** (age_days / policy.credit_half_life_days),
its age counted from the subject's most recent counted event — not from now, so
time without activity alone never changes a score.

`rules()` is the single table of weights: the public help page renders it, so the
page and the code cannot drift apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.models import CreditEvent, CreditTier
from core.policy import get_policy

from .models import CreditScore

STUDENT, EMPLOYER = CreditEvent.Subject.STUDENT.value, CreditEvent.Subject.EMPLOYER.value

BASE = 60
# student: 0 none, 1 real name, 2 real name + student status; employer: 0 / 1 verified.
VERIFICATION_POINTS = {STUDENT: {0: 0, 1: 5, 2: 10}, EMPLOYER: {0: 0, 1: 10}}
VERIFIED_KIND = "verified"  # shown in the history; its points come from the level (verification_points)
REVIEW_KIND = "review_received"
REVIEW_PRIOR_MEAN = 4.0
REVIEW_PRIOR_COUNT = 5
REVIEW_POINTS_PER_STAR = 10
EXTERNAL_KIND = "external_flag"
EXTERNAL_FLAG_LIMITS = (-30, 10)  # per flag
PART_LIMITS = {"reliability": (-40, 20), "sanctions": (-60, 0)}
PARTS = ("base", "verification", "reviews", "reliability", "sanctions", "external")


@dataclass(frozen=True)
class Rule:
    """Points per event of one kind, for one kind of subject, in one part of the score."""

    subject_kind: str
    kind: str
    part: str  # "reliability" | "sanctions"
    points: float
    label: str


def _demand_report_rules() -> list[Rule]:
    # A confirmed report of an unlawful demand (S3.3) is recorded as "violation_<kind of report>".
    from applications.models import DemandReport

    return [Rule(EMPLOYER, f"violation_{value}", "reliability", -10,
                 format_lazy("{}: {}", _("Confirmed report by a student"), label))
            for value, label in DemandReport.Kind.choices]


def _sanction_rules(subject_kind: str) -> list[Rule]:
    return [
        Rule(subject_kind, "sanction_warning", "sanctions", -5, _("Sanction: warning")),
        Rule(subject_kind, "sanction_restriction", "sanctions", -10, _("Sanction: restriction")),
        Rule(subject_kind, "sanction_suspension", "sanctions", -20, _("Sanction: suspension")),
        Rule(subject_kind, "sanction_termination", "sanctions", -60, _("Sanction: termination of cooperation")),
        Rule(subject_kind, "false_information_confirmed", "sanctions", -10, _("False information confirmed")),
    ]


def _build_rules() -> list[Rule]:
    return [
        # students
        Rule(STUDENT, "engagement_completed", "reliability", 2, _("Job completed")),
        Rule(STUDENT, "on_time_check_in", "reliability", 0.5, _("Checked in on time")),
        Rule(STUDENT, "no_show", "reliability", -8, _("No-show")),
        Rule(STUDENT, "late_cancellation", "reliability", -4, _("Late cancellation")),
        Rule(STUDENT, "cancellation_with_notice", "reliability", 0, _("Cancellation with notice")),
        Rule(STUDENT, "loss_caused", "reliability", -5, _("Loss caused to an employer (upheld)")),
        *_sanction_rules(STUDENT),
        # employers
        Rule(EMPLOYER, "application_unanswered", "reliability", -1, _("Application left unanswered")),
        Rule(EMPLOYER, "late_cancellation", "reliability", -4, _("Late cancellation")),
        Rule(EMPLOYER, "cancellation_with_notice", "reliability", 0, _("Cancellation with notice")),
        Rule(EMPLOYER, "late_funding", "reliability", -5, _("Wages funded late")),
        Rule(EMPLOYER, "guarantee_advanced", "reliability", -10, _("Wages advanced from the guarantee fund")),
        Rule(EMPLOYER, "payment_dispute_lost", "reliability", -5, _("Payment dispute lost")),
        *_demand_report_rules(),
        *_sanction_rules(EMPLOYER),
    ]


_RULES: list[Rule] | None = None


def rules() -> list[Rule]:
    """The table of weights (built once: it reads the demand report kinds)."""
    global _RULES
    if _RULES is None:
        _RULES = _build_rules()
    return _RULES


def rule_index() -> dict[tuple[str, str], Rule]:
    return {(r.subject_kind, r.kind): r for r in rules()}


# ------------------------------------------------------------------ the computation
def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def round_half_up(value: float, digits: int = 0) -> float:
    """Round half away from zero (−11.25 → −11.3, 2.5 → 3), ignoring float noise below 1e-9."""
    exact = Decimal(repr(round(value, 9))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(exact) if digits == 0 else float(exact)


def event_weight(occurred_at: dt.datetime, reference: dt.datetime, half_life_days: int) -> float:
    """w = 0.5 ** (age / half-life), the age counted back from the subject's most recent event."""
    age_days = max(0.0, (reference - occurred_at).total_seconds() / 86400)
    return 0.5 ** (age_days / max(1, half_life_days))


def tier_for(score: int, policy) -> int:
    thresholds = [(CreditTier.EXCELLENT, policy.credit_tier4_min), (CreditTier.VERY_GOOD, policy.credit_tier3_min),
                  (CreditTier.GOOD, policy.credit_tier2_min), (CreditTier.FAIR, policy.credit_tier1_min)]
    for tier, minimum in thresholds:
        if score >= minimum:
            return int(tier)
    return int(CreditTier.POOR)


def event_points(*, subject_kind: str, kind: str, value: int | None, weight: float,
                 index: dict[tuple[str, str], Rule]) -> tuple[str | None, float]:
    """(part, weighted points) one counted event adds; reviews are averaged, not added (part "reviews", 0)."""
    if kind == REVIEW_KIND:
        return "reviews", 0.0
    if kind == EXTERNAL_KIND:
        return "external", weight * _clamp(value or 0, *EXTERNAL_FLAG_LIMITS)
    rule = index.get((subject_kind, kind))
    if rule is None:
        return None, 0.0
    return rule.part, weight * rule.points


def verification_points(*, subject_kind: str, level: int | None) -> int:
    """The verification part of the score: VERIFICATION_POINTS of the level."""
    points = VERIFICATION_POINTS[subject_kind]
    return points.get(int(level or 0), max(points.values()))


@dataclass
class Result:
    score: int
    tier: int
    parts: dict
    events_counted: int


def compute(*, subject_kind: str, level: int, events: Iterable[tuple[str, int | None, dt.datetime]],
            policy, index: dict[tuple[str, str], Rule] | None = None) -> Result:
    """The score of one subject from its counted events (kind, value, occurred_at)."""
    index = index if index is not None else rule_index()
    events = list(events)
    reference = max((e[2] for e in events), default=None)
    sums = {"reliability": 0.0, "sanctions": 0.0, "external": 0.0}
    weight_sum = rating_sum = 0.0
    half_life = policy.credit_half_life_days
    for kind, value, occurred_at in events:
        weight = event_weight(occurred_at, reference, half_life)
        if kind == REVIEW_KIND:
            if value:
                weight_sum += weight
                rating_sum += weight * _clamp(value, 1, 5)
            continue
        part, points = event_points(subject_kind=subject_kind, kind=kind, value=value, weight=weight, index=index)
        if part is not None:
            sums[part] += points
    average = ((REVIEW_PRIOR_COUNT * REVIEW_PRIOR_MEAN + rating_sum) / (REVIEW_PRIOR_COUNT + weight_sum))
    parts = {
        "base": BASE,
        "verification": verification_points(subject_kind=subject_kind, level=level),
        "reviews": round_half_up((average - REVIEW_PRIOR_MEAN) * REVIEW_POINTS_PER_STAR, 1),
        "reliability": round_half_up(_clamp(sums["reliability"], *PART_LIMITS["reliability"]), 1),
        "sanctions": round_half_up(_clamp(sums["sanctions"], *PART_LIMITS["sanctions"]), 1),
        "external": round_half_up(sums["external"], 1),
    }
    score = int(_clamp(round_half_up(sum(parts[p] for p in PARTS)), 0, 100))
    return Result(score=score, tier=tier_for(score, policy), parts=parts, events_counted=len(events))


# ------------------------------------------------------------------ reading the inputs
def reversed_event_ids() -> set[int]:
    """Ids of events cancelled by a reversing row (the reversing rows are excluded by `reverses__isnull`)."""
    return set(CreditEvent.objects.filter(reverses__isnull=False).values_list("reverses_id", flat=True))


def counted_events(*, subject_kind: str, subject_id: int):
    """The subject's events that count: neither reversed nor reversing."""
    return CreditEvent.objects.filter(subject_kind=subject_kind, subject_id=subject_id, reverses__isnull=True,
                                      reversed_by__isnull=True)


def verification_level(*, subject_kind: str, subject_id: int) -> int:
    if subject_kind == STUDENT:
        from accounts.models import StudentProfile

        level = StudentProfile.objects.filter(user_id=subject_id).values_list("verification_level", flat=True).first()
    else:
        from employers.models import Employer

        level = Employer.objects.filter(pk=subject_id).values_list("verification_level", flat=True).first()
    return int(level or 0)


def _tiers_set(subject_kind: str, tiers: dict[int, int]) -> int:
    if not tiers:
        return 0
    if subject_kind == STUDENT:
        from accounts.services import student_credit_tiers_set

        return student_credit_tiers_set(tiers=tiers)
    from employers.services import employer_credit_tiers_set

    return employer_credit_tiers_set(tiers=tiers)


# ------------------------------------------------------------------ services
@transaction.atomic
def credit_score_refresh(*, subject_kind: str, subject_id: int) -> CreditScore:
    """Rescore one subject (incremental, after a new credit event) and write its tier
    onto the student profile or the employer."""
    policy = get_policy()
    events = counted_events(subject_kind=subject_kind, subject_id=subject_id).values_list(
        "kind", "value", "occurred_at")
    result = compute(subject_kind=subject_kind, level=verification_level(subject_kind=subject_kind,
                                                                         subject_id=subject_id),
                     events=events, policy=policy)
    score, _created = CreditScore.objects.update_or_create(
        subject_kind=subject_kind, subject_id=subject_id,
        defaults={"score": result.score, "tier": result.tier, "parts": result.parts,
                  "events_counted": result.events_counted, "computed_at": timezone.now()})
    _tiers_set(subject_kind, {int(subject_id): result.tier})
    return score


STREAM_CHUNK = 20_000
WRITE_CHUNK = 5_000


def _grouped(rows: Iterator[tuple], reversed_ids: set[int]) -> Iterator[tuple[tuple[str, int], list[tuple]]]:
    """Group a stream ordered by (subject_kind, subject_id) into (subject, [(kind, value, occurred_at)])."""
    current, bucket = None, []
    for pk, subject_kind, subject_id, kind, value, occurred_at in rows:
        if pk in reversed_ids:
            continue
        subject = (subject_kind, subject_id)
        if subject != current:
            if current is not None:
                yield current, bucket
            current, bucket = subject, []
        bucket.append((kind, value, occurred_at))
    if current is not None:
        yield current, bucket


def credit_scores_recompute(*, now: dt.datetime | None = None) -> dict:
    """Recompute every student's and employer's score, set-based (the nightly job).

    A handful of queries whatever the number of subjects: the reversed ids, the
    verification levels (one query per kind of subject), the existing scores, and
    one stream of every counted event ordered by subject. Scores that changed are
    upserted in chunks; tiers are written with the bulk tier setters, which touch
    only the rows whose tier differs. Subjects without events get the neutral score
    too. Returns counts."""
    from accounts.models import StudentProfile
    from employers.models import Employer

    now = now or timezone.now()
    policy = get_policy()
    index = rule_index()
    levels = {
        STUDENT: dict(StudentProfile.objects.values_list("user_id", "verification_level").iterator(
            chunk_size=STREAM_CHUNK)),
        EMPLOYER: dict(Employer.objects.values_list("pk", "verification_level").iterator(chunk_size=STREAM_CHUNK)),
    }
    existing = {(k, i): (s, t, p, n) for k, i, s, t, p, n in CreditScore.objects.values_list(
        "subject_kind", "subject_id", "score", "tier", "parts", "events_counted").iterator(chunk_size=STREAM_CHUNK)}
    reversed_ids = reversed_event_ids()
    rows = (CreditEvent.objects.filter(reverses__isnull=True)
            .order_by("subject_kind", "subject_id", "-occurred_at")
            .values_list("pk", "subject_kind", "subject_id", "kind", "value", "occurred_at")
            .iterator(chunk_size=STREAM_CHUNK))
    results: dict[tuple[str, int], Result] = {}
    for (subject_kind, subject_id), events in _grouped(rows, reversed_ids):
        if subject_kind not in levels:
            continue
        results[(subject_kind, subject_id)] = compute(
            subject_kind=subject_kind, level=levels[subject_kind].get(subject_id, 0), events=events,
            policy=policy, index=index)
    for subject_kind, by_id in levels.items():
        for subject_id, level in by_id.items():
            if (subject_kind, subject_id) not in results:
                results[(subject_kind, subject_id)] = compute(subject_kind=subject_kind, level=level, events=(),
                                                              policy=policy, index=index)
    changed = [CreditScore(subject_kind=k, subject_id=i, score=r.score, tier=r.tier, parts=r.parts,
                           events_counted=r.events_counted, computed_at=now)
               for (k, i), r in results.items()
               if existing.get((k, i)) != (r.score, r.tier, r.parts, r.events_counted)]
    for start in range(0, len(changed), WRITE_CHUNK):
        with transaction.atomic():
            CreditScore.objects.bulk_create(
                changed[start:start + WRITE_CHUNK], update_conflicts=True, unique_fields=["subject_kind", "subject_id"],
                update_fields=["score", "tier", "parts", "events_counted", "computed_at"])
    tiers_changed = 0
    for subject_kind in (STUDENT, EMPLOYER):
        tiers = {i: r.tier for (k, i), r in results.items() if k == subject_kind}
        with transaction.atomic():
            tiers_changed += _tiers_set(subject_kind, tiers)
    return {"subjects": len(results), "scores_written": len(changed), "tiers_changed": tiers_changed}


# ------------------------------------------------------------------ reading a score for display
def points_now(event: CreditEvent, *, reference: dt.datetime | None, policy,
               index: dict[tuple[str, str], Rule] | None = None) -> float | None:
    """What one event adds to its subject's score today (reviews: None — they are averaged)."""
    if event.reverses_id is not None or getattr(event, "is_reversed", False) or reference is None:
        return 0.0
    if event.kind == REVIEW_KIND:
        return None
    weight = event_weight(event.occurred_at, reference, policy.credit_half_life_days)
    _part, points = event_points(subject_kind=event.subject_kind, kind=event.kind, value=event.value, weight=weight,
                                 index=index if index is not None else rule_index())
    return round_half_up(points, 1)


def reference_time(*, subject_kind: str, subject_id: int) -> dt.datetime | None:
    """The subject's most recent counted event: the moment every weight is counted from."""
    return counted_events(subject_kind=subject_kind, subject_id=subject_id).aggregate(
        latest=Max("occurred_at"))["latest"]
