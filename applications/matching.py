"""The match score (E3.1) and what it is allowed to know (G4).

A score is the sum of five parts, each shown to the employer with its reason,
so a ranking can always be explained. The inputs are a closed list
(`CandidateFacts`): availability, work experience on the platform, where the
student wants to work, verification level and the credit tier. Nothing about
who the student is — gender, ethnicity, religion, household registration,
marital status, age — reaches this module; minors are kept off night and
hazardous work by the apply rules, not by a lower score."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import DAY_PARTS, availability_bit

# Maximum points of each part; they add up to 100.
AVAILABILITY_POINTS = 35
EXPERIENCE_POINTS = 20
DISTANCE_POINTS = 20
VERIFICATION_POINTS = 15
CREDIT_POINTS = 10
EXPERIENCE_FULL_AT = 3  # completed engagements in the category that earn the full part
NEUTRAL_CREDIT_TIER = 2  # tiers run 0..4; until the credit issue lands everyone is neutral


@dataclass(frozen=True)
class CandidateFacts:
    """Everything the score may use about a student — and nothing else (G4)."""

    student_id: int
    availability: int = 0
    cities: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    accepts_remote: bool = True
    experience_in_category: int = 0
    verification_level: int = 0
    credit_tier: int = NEUTRAL_CREDIT_TIER


@dataclass(frozen=True)
class JobFacts:
    category: str
    city: str
    district: str
    is_remote: bool
    # (weekday, day part) of every shift, for the availability overlap
    shift_slots: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ScorePart:
    name: str
    label: str
    points: int
    maximum: int
    explanation: str


@dataclass
class MatchScore:
    parts: list[ScorePart] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(p.points for p in self.parts)


def day_part_of(time: dt.time) -> int:
    """Index into DAY_PARTS of the part of the day a shift starts in."""
    for index, (_name, _label, start, end) in enumerate(DAY_PARTS):
        if start < end and start <= time < end:
            return index
    return len(DAY_PARTS) - 1  # night wraps around midnight


def shift_slots(shifts) -> tuple[tuple[int, int], ...]:
    """Distinct (weekday, day part) pairs of shifts with `.date` and `.start_time`."""
    return tuple(sorted({(s.date.weekday(), day_part_of(s.start_time)) for s in shifts}))


def availability_overlap(availability: int, slots: tuple[tuple[int, int], ...]) -> float:
    if not slots:
        return 1.0
    covered = sum(1 for weekday, part in slots if availability & availability_bit(weekday, part))
    return covered / len(slots)


def score(candidate: CandidateFacts, job: JobFacts) -> MatchScore:
    overlap = availability_overlap(candidate.availability, job.shift_slots)
    availability = round(AVAILABILITY_POINTS * overlap)

    experience = min(candidate.experience_in_category, EXPERIENCE_FULL_AT)
    experience_points = round(EXPERIENCE_POINTS * experience / EXPERIENCE_FULL_AT)

    if job.is_remote:
        distance_points = DISTANCE_POINTS if candidate.accepts_remote else DISTANCE_POINTS // 2
        distance_text = _("Remote work")
    elif job.district and job.district in candidate.districts:
        distance_points, distance_text = DISTANCE_POINTS, _("Wants to work in this district")
    elif job.city and job.city in candidate.cities:
        distance_points, distance_text = DISTANCE_POINTS * 3 // 5, _("Wants to work in this city")
    else:
        distance_points, distance_text = 0, _("Has not chosen this city")

    verification_points = round(VERIFICATION_POINTS * min(candidate.verification_level, 2) / 2)
    credit_points = round(CREDIT_POINTS * max(0, min(candidate.credit_tier, 4)) / 4)

    return MatchScore(parts=[
        ScorePart("availability", str(_("Availability")), availability, AVAILABILITY_POINTS,
                  str(_("Free for %(pct)s%% of the shift times")) % {"pct": round(overlap * 100)}),
        ScorePart("experience", str(_("Experience")), experience_points, EXPERIENCE_POINTS,
                  str(_("%(n)s completed jobs in this category")) % {"n": candidate.experience_in_category}),
        ScorePart("distance", str(_("Place")), distance_points, DISTANCE_POINTS, str(distance_text)),
        ScorePart("verification", str(_("Verification")), verification_points, VERIFICATION_POINTS,
                  str(_("Verification level %(n)s of 2")) % {"n": candidate.verification_level}),
        ScorePart("credit", str(_("Credit")), credit_points, CREDIT_POINTS,
                  str(_("Credit tier %(n)s of 4")) % {"n": candidate.credit_tier}),
    ])


def rank(candidates: list[CandidateFacts], job: JobFacts) -> list[tuple[CandidateFacts, MatchScore]]:
    """Best first; ties broken by student id so the order is stable and explainable."""
    scored = [(c, score(c, job)) for c in candidates]
    scored.sort(key=lambda pair: (-pair[1].total, pair[0].student_id))
    return scored
