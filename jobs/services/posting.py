"""The employer's side of a posting: drafting, submitting through the
compliance screen (E2.1, J1.4) within the posting quota of the credit tier
(K3.1), and the controls of a live job: pause, resume, close, confirm it is
still accurate (J2.3)."""

from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_record
from core.models import CreditTier
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from employers.models import Employer
from employers.selectors import employer_vetting_refusal
from employers.services import ensure_employer_member, ensure_employer_vetted

from ..models import LIVE_STATUSES, Job, JobAction, JobStatus
from ..schedule import ShiftSpec
from .common import (
    ALL_FIELDS,
    ComplianceBlocked,
    _apply,
    _data_of,
    _job_for_member,
    _notify_moderators,
    _replace_shifts,
    _save_flags,
    _screen,
    _shift_specs,
    _withdraw_pending_revisions,
    check_workplace,
    shifts_for,
)
from .insurance import ensure_insured_for_submit


class EmployerCannotPost(DomainError):
    default_message = _("Only employers approved by the platform may submit jobs.")

    @classmethod
    def for_employer(cls, employer) -> "EmployerCannotPost":
        """The message says why: a sanction in force (E4.2) and until when, a lapsed vetting
        (re-verification every six months, docs/recruitment-rules.md), or not approved."""
        if employer.terminated_at is not None:
            return cls(_("The platform has ended its cooperation with your organisation, so it cannot submit "
                         "jobs. See Sanctions to appeal."))
        if employer.is_suspended:
            return cls(_("Your organisation is suspended until %(until)s and cannot submit jobs. See Sanctions "
                         "to appeal.") % {"until": timezone.localtime(employer.suspended_until)
                                          .strftime("%Y-%m-%d %H:%M")})
        if employer.is_posting_restricted:
            return cls(_("Your organisation may not submit jobs until %(until)s because of a sanction. See "
                         "Sanctions to appeal.") % {"until": timezone.localtime(employer.posting_restricted_until)
                                                     .strftime("%Y-%m-%d %H:%M")})
        refusal = employer_vetting_refusal(employer=employer)
        return cls(refusal) if refusal else cls()


class PostingQuotaReached(DomainError):
    default_message = _("You have reached your posting quota.")


# Jobs that count against the posting quota (K3.1): waiting for review or live.
QUOTA_STATUSES = (JobStatus.PENDING_REVIEW, *LIVE_STATUSES)


def posting_quota_for_tier(tier: int, policy=None) -> int:
    """K3.1: live jobs an employer may have — fewer at tiers 0–1, more at 3–4."""
    policy = policy or get_policy()
    if tier <= CreditTier.FAIR:
        return policy.posting_quota_low_tier
    if tier >= CreditTier.VERY_GOOD:
        return policy.posting_quota_high_tier
    return policy.posting_quota


def _ensure_posting_quota(employer: Employer, *, excluding_job_id: int) -> None:
    quota = posting_quota_for_tier(employer.credit_tier)
    live = (Job.objects.filter(employer_id=employer.pk, status__in=QUOTA_STATUSES)
            .exclude(pk=excluding_job_id).count())
    if live >= quota:
        raise PostingQuotaReached(_(
            "You already have %(live)s jobs waiting for review or live; with the credit tier %(tier)s you may "
            "have at most %(quota)s. Close a job first. A higher credit tier raises the quota: see how at "
            "%(url)s") % {"live": live, "tier": CreditTier(employer.credit_tier).label,
                          "quota": quota, "url": reverse("risk:credit_how_it_works")})


@transaction.atomic
def job_save_draft(*, employer_id: int, actor, data: dict, shifts: list[ShiftSpec] | None = None,
                   job_id: int | None = None) -> Job:
    """Create or edit a job that is not live (draft, changes requested, rejected) (E2.1).

    Any member of the employer may draft; nothing is published until it is
    submitted and approved."""
    ensure_employer_member(actor, employer_id)
    shifts = shifts_for(data, shifts)
    check_workplace(data)
    if job_id is None:
        job = Job(employer=Employer.objects.get(pk=employer_id), created_by=actor)
    else:
        job = _job_for_member(job_id=job_id, user=actor)
        if job.employer_id != employer_id:
            raise NotPermitted()
        if not job.is_editable:
            raise InvalidTransition(_("This job is live; edit it to propose a revision instead."))
    _apply(job, data, shifts, ALL_FIELDS)
    job.save()
    _replace_shifts(job, shifts)
    if job_id is None:
        history_record(subject=job, transition=JobAction.CREATE, from_state="", to_state=job.status, actor=actor)
    return job


@transaction.atomic
def job_submit(*, job_id: int, actor) -> Job:
    """Submit a job for review (E2.2) after the compliance screen (J1.4).

    Preconditions: the actor belongs to the employer, the employer may post
    (E1.2), and no hard rule is broken (fees from students, pay below the
    minimum wage, settlement over 15 days). Flags go to the moderator.
    K3.1: the employer's jobs waiting for review or live stay within the
    posting quota of its credit tier, counted under the employer row's lock."""
    job = _job_for_member(job_id=job_id, user=actor)
    if not job.employer.can_post:
        raise EmployerCannotPost.for_employer(job.employer)
    employer = lock_row(Employer, job.employer_id)
    _ensure_posting_quota(employer, excluding_job_id=job.pk)
    # A job that cannot be submitted is refused as such before the screen reads its text.
    if not can_proceed(job.submit):
        raise InvalidTransition()
    ensure_insured_for_submit(job)  # docs/insurance.md: the policy's categories need cover first
    findings = _screen(_data_of(job), _shift_specs(job), job.employer)
    if any(f.blocks for f in findings):
        raise ComplianceBlocked(findings)
    run_transition(job, "submit", actor=actor)
    _save_flags(job, findings)
    _notify_moderators(subject=_("A job is waiting for review"),
                       link=reverse("admin:jobs_job_change", args=[job.pk]))
    return job


@transaction.atomic
def job_pause(*, job_id: int, actor) -> Job:
    """The employer stops new applications for a while (E2.1); hired students are unaffected."""
    return run_transition(_job_for_member(job_id=job_id, user=actor), "pause", actor=actor)


@transaction.atomic
def job_resume(*, job_id: int, actor) -> Job:
    """The employer reopens a paused job; not while its vetting is lapsed (docs/recruitment-rules.md)."""
    job = _job_for_member(job_id=job_id, user=actor)
    ensure_employer_vetted(job.employer)
    return run_transition(job, "resume", actor=actor)


@transaction.atomic
def job_close(*, job_id: int, actor) -> Job:
    """The employer closes a live job for good; it leaves the public list."""
    job = run_transition(_job_for_member(job_id=job_id, user=actor), "close", actor=actor)
    _withdraw_pending_revisions(job)
    return job


@transaction.atomic
def job_delete_draft(*, job_id: int, actor) -> str:
    """The employer deletes a draft that was never published (issue 21: a duplicate made by Back and
    send again, or a job they no longer need). Returns its title, for the message. A job that was
    ever published keeps its record: close it instead."""
    job = _job_for_member(job_id=job_id, user=actor)
    if job.status != JobStatus.DRAFT or job.published_at is not None:
        raise InvalidTransition(_("Only a draft can be deleted. A job that was submitted or published stays on "
                                  "record: close it instead."))
    title = job.title
    try:
        job.delete()  # its shifts, flags and revisions with it
    except ProtectedError:
        raise InvalidTransition(_("This draft is referred to by other records and cannot be deleted; close it "
                                  "instead.")) from None
    return title


@transaction.atomic
def job_confirm_current(*, job_id: int, actor) -> Job:
    """The employer confirms a live job is still accurate (answers the patrol, J2.3)."""
    job = _job_for_member(job_id=job_id, user=actor)
    if job.status not in LIVE_STATUSES:
        raise InvalidTransition()
    job.content_updated_at, job.stale_notified_at = timezone.now(), None
    job.save(update_fields=["content_updated_at", "stale_notified_at", "updated_at"])
    history_record(subject=job, transition=JobAction.CONFIRM_CURRENT, from_state=job.status, to_state=job.status,
                   actor=actor)
    return job
