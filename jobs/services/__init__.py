"""Every write to jobs, by sub-domain:

- `posting`: drafting and submitting postings through the compliance screen
  within the posting quota (E2.1, J1, K3.1), and the employer's controls;
- `moderation`: the moderators' decisions and take-downs (E2.2, J2.1, E4.2);
- `revisions`: edits of live jobs and their review (J2.2);
- `sweeps`: the patrol's expiry and staleness sweeps (J2.3);
- `changes`: schedule and workplace changes the hired students consented to (J1.3).

Other apps import the names below from `jobs.services`."""

from .changes import job_workplace_change, schedule_change_findings, shift_reschedule
from .common import (
    ALL_FIELDS,
    CONTENT_FIELDS,
    IMMATERIAL_FIELDS,
    ComplianceBlocked,
    search_document_for,
    shifts_for,
)
from .insurance import (
    InsuranceLapsed,
    InsuranceRequired,
    ensure_insured_for_hire,
    insurance_of,
    insurance_required,
    job_insurance_declare,
)
from .moderation import employer_jobs_take_down, job_approve, job_reject, job_request_changes, job_take_down
from .posting import (
    QUOTA_STATUSES,
    EmployerCannotPost,
    PostingQuotaReached,
    job_close,
    job_confirm_current,
    job_delete_draft,
    job_pause,
    job_resume,
    job_save_draft,
    job_submit,
    posting_quota_for_tier,
)
from .revisions import job_revise, job_revision_approve, job_revision_reject, revision_content
from .sweeps import SWEEP_BATCH_SIZE, jobs_expire_due, jobs_flag_stale, jobs_patrol

__all__ = [
    "ALL_FIELDS", "CONTENT_FIELDS", "IMMATERIAL_FIELDS", "QUOTA_STATUSES", "SWEEP_BATCH_SIZE",
    "ComplianceBlocked", "EmployerCannotPost", "InsuranceLapsed", "InsuranceRequired", "PostingQuotaReached",
    "ensure_insured_for_hire", "insurance_of", "insurance_required", "job_insurance_declare",
    "employer_jobs_take_down", "job_approve", "job_close", "job_confirm_current", "job_delete_draft", "job_pause", "job_reject",
    "job_request_changes", "job_resume", "job_revise", "job_revision_approve", "job_revision_reject",
    "job_save_draft", "job_submit", "job_take_down", "job_workplace_change", "jobs_expire_due",
    "jobs_flag_stale", "jobs_patrol", "posting_quota_for_tier", "revision_content", "schedule_change_findings",
    "search_document_for", "shift_reschedule", "shifts_for",
]
