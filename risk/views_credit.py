"""Credit pages (K3.1): my score with its parts, what my tier gives and my credit
history (students; employer members see their organisation's), and the public
page that publishes the formula.

Thin: find whose score the user may see, call selectors, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.models import CreditTier
from core.policy import get_policy

from . import scoring, selectors

HISTORY_PER_PAGE = 20
STUDENT_BASE, EMPLOYER_BASE = "base.html", "applications/employer/_base.html"


@login_required
@require_safe
def credit_home(request):
    """My credit: the score, its tier and parts, what the tier gives, and the history."""
    subject = selectors.credit_subject_for(user=request.user)
    if subject is None:
        raise PermissionDenied
    policy = get_policy()
    score = selectors.credit_score_of(subject_kind=subject.kind, subject_id=subject.id)
    page = Paginator(selectors.credit_history(subject_kind=subject.kind, subject_id=subject.id),
                     HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_points_now(page.object_list, subject_kind=subject.kind,
                                                 subject_id=subject.id,
                                                 verification_points=score.parts.get("verification"))
    return render(request, "risk/credit_home.html", {
        "base_template": STUDENT_BASE if subject.kind == scoring.STUDENT else EMPLOYER_BASE,
        "subject": subject, "score": score, "tier_label": CreditTier(score.tier).label,
        "parts": selectors.parts_for_display(score),
        "privileges": selectors.tier_privileges(subject_kind=subject.kind, tier=score.tier, policy=policy),
        "page": page, "policy": policy,
    })


@require_safe
def credit_how_it_works(request):
    """The published formula, for students and employers (public)."""
    policy = get_policy()
    return render(request, "risk/credit_how_it_works.html", {
        "policy": policy, "base": scoring.BASE,
        "student_rules": selectors.rules_for(scoring.STUDENT),
        "employer_rules": selectors.rules_for(scoring.EMPLOYER),
        "student_verification": scoring.VERIFICATION_POINTS[scoring.STUDENT],
        "employer_verification": scoring.VERIFICATION_POINTS[scoring.EMPLOYER],
        "prior_mean": scoring.REVIEW_PRIOR_MEAN, "prior_count": scoring.REVIEW_PRIOR_COUNT,
        "points_per_star": scoring.REVIEW_POINTS_PER_STAR,
        "reliability_limits": scoring.PART_LIMITS["reliability"],
        "sanction_limits": scoring.PART_LIMITS["sanctions"],
        "external_limits": scoring.EXTERNAL_FLAG_LIMITS,
        "tiers": selectors.tier_thresholds(policy),
        "student_privileges": [(t, selectors.tier_privileges(subject_kind=scoring.STUDENT, tier=t, policy=policy))
                               for t, *_rest in selectors.tier_thresholds(policy)],
        "employer_privileges": [(t, selectors.tier_privileges(subject_kind=scoring.EMPLOYER, tier=t, policy=policy))
                                for t, *_rest in selectors.tier_thresholds(policy)],
    })
