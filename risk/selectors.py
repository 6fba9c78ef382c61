"""Reads of credit scores (K3.1): whose score a user sees, the score with its
parts, the history of credit events with what each adds today, and what a tier
gives. No writes here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import CreditEvent, CreditTier
from core.policy import get_policy

from . import scoring
from .models import CreditScore


@dataclass(frozen=True)
class Subject:
    kind: str  # "student" | "employer"
    id: int
    name: str


def credit_subject_for(*, user) -> Subject | None:
    """A student sees their own score; an employer member sees their organisation's."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_student:
        return Subject(scoring.STUDENT, user.pk, "")
    if user.is_employer_member:
        from employers.selectors import employer_for_user

        employer = employer_for_user(user=user)
        if employer is not None:
            return Subject(scoring.EMPLOYER, employer.pk, employer.name)
    return None


def credit_score_of(*, subject_kind: str, subject_id: int) -> CreditScore:
    """The stored score; a subject never scored yet is computed on the fly (not saved)."""
    stored = CreditScore.objects.filter(subject_kind=subject_kind, subject_id=subject_id).first()
    if stored is not None:
        return stored
    result = scoring.compute(
        subject_kind=subject_kind,
        level=scoring.verification_level(subject_kind=subject_kind, subject_id=subject_id),
        events=scoring.counted_events(subject_kind=subject_kind, subject_id=subject_id).values_list(
            "kind", "value", "occurred_at"),
        policy=get_policy())
    return CreditScore(subject_kind=subject_kind, subject_id=subject_id, score=result.score, tier=result.tier,
                       parts=result.parts, events_counted=result.events_counted, computed_at=timezone.now())


def credit_history(*, subject_kind: str, subject_id: int):
    """Every credit event of the subject, newest first, with `is_reversed`."""
    return (CreditEvent.objects.filter(subject_kind=subject_kind, subject_id=subject_id)
            .annotate(is_reversed=Exists(CreditEvent.objects.filter(reverses_id=OuterRef("pk"))))
            .order_by("-occurred_at", "-id"))


def _verification_points_by_event(events: list, *, subject_kind: str, subject_id: int,
                                  points: float | None) -> dict[int, float]:
    """A verification's points come from the level on the profile, not from a rule, and
    never fade: the newest "verified" entry shows what the verification part of the score
    adds (the summary's figure, issue 23); an earlier one, superseded by it, adds nothing
    of its own. `points`: the score's verification part as the summary shows it (else
    computed from the level). One or two queries, only on a page that has a verification."""
    verified = [e for e in events if e.kind == scoring.VERIFIED_KIND and e.reverses_id is None
                and not getattr(e, "is_reversed", False)]
    if not verified:
        return {}
    newest = (CreditEvent.objects.filter(subject_kind=subject_kind, subject_id=subject_id, kind=scoring.VERIFIED_KIND,
                                         reverses__isnull=True)
              .exclude(Exists(CreditEvent.objects.filter(reverses_id=OuterRef("pk"))))
              .order_by("-occurred_at", "-id").values_list("pk", flat=True).first())
    if points is None:
        level = scoring.verification_level(subject_kind=subject_kind, subject_id=subject_id)
        points = scoring.verification_points(subject_kind=subject_kind, level=level)
    return {e.pk: (points if e.pk == newest else 0) for e in verified}  # as the summary shows it


def with_points_now(events, *, subject_kind: str, subject_id: int, verification_points: float | None = None) -> list:
    """The page of events, each with `points_now` (None for a review: reviews are averaged)
    and `rating` for reviews. One query for the reference moment."""
    events = list(events)
    if not events:
        return events
    policy = get_policy()
    reference = scoring.reference_time(subject_kind=subject_kind, subject_id=subject_id)
    index = scoring.rule_index()
    verification = _verification_points_by_event(events, subject_kind=subject_kind, subject_id=subject_id,
                                                 points=verification_points)
    for event in events:
        event.points_now = verification.get(event.pk) if event.pk in verification else scoring.points_now(
            event, reference=reference, policy=policy, index=index)
        event.counts = event.reverses_id is None and not event.is_reversed
        event.weight_percent = (round(100 * scoring.event_weight(event.occurred_at, reference,
                                                                 policy.credit_half_life_days))
                                if reference and event.counts else 0)
    return events


PART_LABELS = {
    "base": _("Starting score"),
    "verification": _("Verification"),
    "reviews": _("Reviews received"),
    "reliability": _("Reliability"),
    "sanctions": _("Sanctions"),
    "external": _("Third-party credit flags"),
}


def parts_for_display(score: CreditScore) -> list[tuple[str, float]]:
    return [(PART_LABELS[name], score.parts.get(name, 0)) for name in scoring.PARTS]


def tier_thresholds(policy=None) -> list[tuple[int, str, int, int | None]]:
    """(tier, name, lowest score, highest score) from the policy."""
    policy = policy or get_policy()
    minimums = [0, policy.credit_tier1_min, policy.credit_tier2_min, policy.credit_tier3_min,
                policy.credit_tier4_min]
    rows = []
    for tier in CreditTier:
        upper = minimums[tier + 1] - 1 if tier < CreditTier.EXCELLENT else 100
        rows.append((int(tier), tier.label, minimums[tier], upper))
    return rows


def tier_privileges(*, subject_kind: str, tier: int, policy=None) -> list[str]:
    """What the tier gives (K3.1), from the policy's numbers."""
    policy = policy or get_policy()
    lines = []
    if subject_kind == scoring.STUDENT:
        limit = policy.applications_limit_low_tier if tier <= 1 else policy.applications_limit
        lines.append(_("You may have up to %(n)d open applications at a time.") % {"n": limit})
        if tier >= 3:
            lines.append(_("You see new jobs %(h)d hours before other students.") % {"h": policy.early_access_hours})
        else:
            lines.append(_("From tier 3 (very good) you would see new jobs %(h)d hours earlier.")
                         % {"h": policy.early_access_hours})
    else:
        quota = (policy.posting_quota_low_tier if tier <= 1 else policy.posting_quota if tier == 2
                 else policy.posting_quota_high_tier)
        lines.append(_("You may have up to %(n)d live jobs at a time.") % {"n": quota})
        if tier < policy.prefund_below_tier:
            lines.append(_("You pay the estimated wages into escrow before hiring."))
        else:
            lines.append(_("You pay wages after the hours are confirmed; no prefunding is needed."))
    return lines


def rules_for(subject_kind: str) -> list[scoring.Rule]:
    return [rule for rule in scoring.rules() if rule.subject_kind == subject_kind]
