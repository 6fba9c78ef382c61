"""Reads for applications and engagements, by what they answer:

- `refusals`: may it happen, and if not, why not (applying, headcount,
  schedule overlaps, limits by credit tier, who may be invited);
- `ranking`: the employer's ranked applicants, students to invite, a
  student's recommendations (E3.1);
- `pages`: the rows behind the student's and the employer's pages.

Every name is importable from `applications.selectors`."""

from .pages import (
    AgreementRow,
    agreement_for_employer,
    agreement_for_student,
    employer_application_get,
    employer_engagements,
    engagement_agreements,
    engagement_for_employer,
    engagement_for_student,
    job_open_change,
    open_changes_for_engagement,
    shift_attendance,
    student_application_for_job,
    student_application_get,
    student_applications,
    student_engagements,
    student_invitations,
)
from .ranking import (
    CANDIDATE_POOL,
    CANDIDATES_SHOWN,
    RECOMMENDATION_CANDIDATES,
    RECOMMENDATIONS_SHOWN,
    RankedApplicant,
    Recommendation,
    applicants_hydrate,
    applicants_ranked,
    application_score,
    invite_candidates,
    job_facts,
    job_facts_from_card,
    recommendations_for,
)
from .refusals import (
    CREDIT_HELP_URL,
    LOW_TIER_MAX,
    ApplicationsLimit,
    applicant_contact_visible,
    applications_limit_for_tier,
    applications_limit_refusal,
    apply_refusal,
    early_access_refusal,
    minor_job_refusal,
    places_taken,
    sanction_refusal,
    student_applications_limit,
    student_open_applications_count,
    student_reachable_for_job,
    student_schedule_overlaps,
)

__all__ = [
    "CANDIDATES_SHOWN", "CANDIDATE_POOL", "CREDIT_HELP_URL", "LOW_TIER_MAX", "RECOMMENDATIONS_SHOWN",
    "RECOMMENDATION_CANDIDATES", "AgreementRow", "ApplicationsLimit", "agreement_for_employer",
    "agreement_for_student", "engagement_agreements", "RankedApplicant", "Recommendation",
    "applicant_contact_visible", "applicants_hydrate", "applicants_ranked", "application_score",
    "applications_limit_for_tier", "applications_limit_refusal", "apply_refusal", "early_access_refusal",
    "employer_application_get", "employer_engagements", "engagement_for_employer", "engagement_for_student",
    "invite_candidates", "job_facts", "job_facts_from_card", "job_open_change", "minor_job_refusal", "open_changes_for_engagement",
    "places_taken", "recommendations_for", "sanction_refusal", "shift_attendance", "student_application_for_job",
    "student_application_get", "student_applications", "student_applications_limit", "student_engagements",
    "student_invitations", "student_open_applications_count", "student_reachable_for_job",
    "student_schedule_overlaps",
]
