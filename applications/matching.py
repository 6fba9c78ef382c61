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
from functools import cached_property

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

    @cached_property  # computed once per job, read once per candidate
    def slot_mask(self) -> int:
        return slot_mask(self.shift_slots)


# Labels and explanations are translated only when a part is shown: ranking
# 1,000 applicants must not translate 10,000 strings it never displays.
PART_LABELS = {
    "availability": _("Availability"), "experience": _("Experience"), "distance": _("Place"),
    "verification": _("Verification"), "credit": _("Credit"),
}
EXPLANATIONS = {
    "availability": _("Free for %(n)s%% of the shift times"),
    "experience": _("%(n)s completed jobs in this category"),
    # Levels count from 0 (verification 0–2, credit tiers 0–4): "n of the highest", never "of N".
    "verification": _("Verification level %(n)s (highest 2)"),
    "credit": _("Credit tier %(n)s (highest 4, five tiers 0–4)"),
    "remote": _("Remote work"),
    "district": _("Wants to work in this district"),
    "city": _("Wants to work in this city"),
    "elsewhere": _("Has not chosen this city"),
}


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: int
    maximum: int
    reason: str  # a key of EXPLANATIONS
    value: int = 0  # the number the explanation quotes

    @property
    def label(self) -> str:
        return str(PART_LABELS[self.name])

    @property
    def explanation(self) -> str:
        text = str(EXPLANATIONS[self.reason])
        return text % {"n": self.value} if "%(n)" in text else text


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


def slot_mask(slots: tuple[tuple[int, int], ...]) -> int:
    """The availability bits a job's distinct shift slots occupy."""
    mask = 0
    for weekday, part in slots:
        mask |= availability_bit(weekday, part)
    return mask


def availability_overlap(availability: int, slots: tuple[tuple[int, int], ...], mask: int | None = None) -> float:
    """Share of the job's (weekday, day part) slots the student is free in: the
    slots are distinct bits, so it is a popcount of the two masks' overlap."""
    if not slots:
        return 1.0
    mask = slot_mask(slots) if mask is None else mask
    return (availability & mask).bit_count() / len(slots)


def score(candidate: CandidateFacts, job: JobFacts) -> MatchScore:
    overlap = availability_overlap(candidate.availability, job.shift_slots, job.slot_mask)
    availability = round(AVAILABILITY_POINTS * overlap)

    experience = min(candidate.experience_in_category, EXPERIENCE_FULL_AT)
    experience_points = round(EXPERIENCE_POINTS * experience / EXPERIENCE_FULL_AT)

    if job.is_remote:
        distance_points = DISTANCE_POINTS if candidate.accepts_remote else DISTANCE_POINTS // 2
        distance_reason = "remote"
    elif (job.district and job.district in candidate.districts
          and (not candidate.cities or job.city in candidate.cities)):
        # District names repeat across cities (鼓楼区 is in Nanjing, Fuzhou, Xuzhou …):
        # a district counts only in a city the student chose.
        distance_points, distance_reason = DISTANCE_POINTS, "district"
    elif job.city and job.city in candidate.cities:
        distance_points, distance_reason = DISTANCE_POINTS * 3 // 5, "city"
    else:
        distance_points, distance_reason = 0, "elsewhere"

    verification_points = round(VERIFICATION_POINTS * min(candidate.verification_level, 2) / 2)
    credit_points = round(CREDIT_POINTS * max(0, min(candidate.credit_tier, 4)) / 4)

    return MatchScore(parts=[
        ScorePart("availability", availability, AVAILABILITY_POINTS, "availability", round(overlap * 100)),
        ScorePart("experience", experience_points, EXPERIENCE_POINTS, "experience",
                  candidate.experience_in_category),
        ScorePart("distance", distance_points, DISTANCE_POINTS, distance_reason),
        ScorePart("verification", verification_points, VERIFICATION_POINTS, "verification",
                  candidate.verification_level),
        ScorePart("credit", credit_points, CREDIT_POINTS, "credit", candidate.credit_tier),
    ])


def rank(candidates: list[CandidateFacts], job: JobFacts) -> list[tuple[CandidateFacts, MatchScore]]:
    """Best first; ties broken by student id so the order is stable and explainable."""
    scored = [(c, score(c, job)) for c in candidates]
    scored.sort(key=lambda pair: (-pair[1].total, pair[0].student_id))
    return scored
