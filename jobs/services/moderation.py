"""The moderators' decisions on a job (E2.2, J2.1): publish it, send it back
for changes, refuse it, or take it down (J2.3, E4.2). Each checks
`jobs.moderate_job`, resolves or keeps the compliance flags, and tells the
employer why."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition, NotPermitted
from core.money import format_fen
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from finance.fees import posting_fee_charge

from ..models import LIVE_STATUSES, Job, JobStatus
from .common import (
    MODERATE_PERMISSION,
    _required,
    _resolve_flags,
    _tell_employer,
    _withdraw_pending_revisions,
)


def _job_for_moderator(*, pk: int, actor) -> Job:
    """The job, locked, once the actor is known to be a moderator."""
    job = lock_row(Job, pk, related=("employer",))
    if not (actor.is_active and actor.has_perm(MODERATE_PERMISSION)):
        raise NotPermitted()
    return job


@transaction.atomic
def job_approve(*, pk: int, actor, reason: str = "") -> Job:
    """Publish a job (E2.2, J2.1). The moderator has read every flag: approving
    resolves them. The posting fee (policy) is booked in the ledger on first
    publication only (F1; idempotent by the job's key). Not a job of an employer whose vetting
    is not approved, e.g. lapsed for re-verification (docs/recruitment-rules.md)."""
    job = _job_for_moderator(pk=pk, actor=actor)
    if not job.employer.is_approved:
        raise InvalidTransition(_("%(name)s is not approved at the moment (%(status)s): re-verify the employer "
                                  "before publishing its jobs.") % {
            "name": job.employer.name, "status": job.employer.get_vetting_status_display()})
    job = run_transition(job, "approve", actor=actor, note=reason, by=actor, reason=reason)
    _resolve_flags(job, actor=actor, resolution=reason or str(_("Reviewed and accepted")))
    fee = get_policy().job_posting_fee_fen
    posting_fee_charge(employer_id=job.employer_id, job_id=job.pk, amount_fen=fee,
                       memo=f"posting fee: {job.title}"[:300])
    _tell_employer(job, subject=_("Your job is published: %(title)s") % {"title": job.title},
                   body=_("Students can now see and apply for “%(title)s”. Posting fee: %(fee)s.")
                   % {"title": job.title, "fee": format_fen(fee)})
    return job


@transaction.atomic
def job_request_changes(*, pk: int, actor, reason: str) -> Job:
    """Send a job back to the employer with what to change (E2.2)."""
    reason = _required(reason)
    job = run_transition(_job_for_moderator(pk=pk, actor=actor), "request_changes", actor=actor, note=reason,
                         by=actor, reason=reason)
    _resolve_flags(job, actor=actor, resolution=reason)
    _tell_employer(job, subject=_("Please change your job: %(title)s") % {"title": job.title},
                   body=_("Our reviewer asks for these changes:\n%(reason)s") % {"reason": reason})
    return job


@transaction.atomic
def job_reject(*, pk: int, actor, reason: str) -> Job:
    """Refuse a job with a reason (E2.2)."""
    reason = _required(reason)
    job = run_transition(_job_for_moderator(pk=pk, actor=actor), "reject", actor=actor, note=reason,
                         by=actor, reason=reason)
    _resolve_flags(job, actor=actor, resolution=reason)
    _tell_employer(job, subject=_("Your job was not approved: %(title)s") % {"title": job.title},
                   body=_("Reason: %(reason)s") % {"reason": reason})
    return job


@transaction.atomic
def job_take_down(*, pk: int, actor, reason: str) -> Job:
    """Staff remove a job that is live or under review (E2.2, J2.3)."""
    reason = _required(reason)
    job = run_transition(_job_for_moderator(pk=pk, actor=actor), "take_down", actor=actor, note=reason,
                         by=actor, reason=reason)
    _withdraw_pending_revisions(job)
    _tell_employer(job, subject=_("Your job was taken down: %(title)s") % {"title": job.title},
                   body=_("Reason: %(reason)s") % {"reason": reason})
    return job


@transaction.atomic
def employer_jobs_take_down(*, employer_id: int, actor, reason: str) -> int:
    """Take down every live or pending job of one employer (E4.2); returns how many."""
    reason = _required(reason)
    ids = list(Job.objects.filter(employer_id=employer_id,
                                  status__in=[JobStatus.PENDING_REVIEW, *LIVE_STATUSES])
               .values_list("pk", flat=True))
    for job_id in ids:
        job_take_down(pk=job_id, actor=actor, reason=reason)
    return len(ids)
