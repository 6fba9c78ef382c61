"""Every write to jobs: drafting and submitting postings through the compliance
screen (E2.1, J1), moderation (E2.2, J2.1), revisions of live jobs (J2.2),
employer controls, take-downs, and the patrol and expiry sweeps (J2.3)."""

import datetime as dt
from dataclasses import asdict

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import CreditTier, HistoryEntry
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from employers.models import Employer, EmployerMember
from employers.services import ensure_employer_member
from finance.fees import posting_fee_charge

from .compliance import Finding, screen, screen_rules
from .models import (
    LIVE_STATUSES,
    MAX_SHIFTS_PER_JOB,
    Job,
    JobFlag,
    JobRevision,
    JobStatus,
    PatrolRun,
    ScheduleKind,
    Shift,
)
from .schedule import ShiftSpec, expand_weekly, hourly_pay_fen, schedule_facts

# The fields a job form edits. Material ones send a live job back to review (J2.2).
CONTENT_FIELDS = [
    "title", "category", "description", "requirements_skills", "requirements_certificates", "is_hazardous",
    "is_remote", "city", "district", "address",
    "schedule_kind", "weekly_days", "weekly_start", "weekly_end", "weekly_from", "weekly_until",
    "pay_unit", "base_rate_fen", "pieces_per_hour", "overtime_rate_fen", "bonus_rules", "meal_allowance_fen",
    "transport_allowance_fen", "settlement_cycle", "payment_days",
]
IMMATERIAL_FIELDS = ["headcount", "application_deadline"]
ALL_FIELDS = CONTENT_FIELDS + IMMATERIAL_FIELDS


class ComplianceBlocked(DomainError):
    """The posting breaks a hard rule; `findings` say which and where."""

    default_message = _("This posting breaks the law or the platform's rules and cannot be submitted.")

    def __init__(self, findings: list[Finding]):
        super().__init__()
        self.findings = [f for f in findings if f.blocks]


class EmployerCannotPost(DomainError):
    default_message = _("Only employers approved by the platform may submit jobs.")

    @classmethod
    def for_employer(cls, employer) -> "EmployerCannotPost":
        """The message says why: a sanction in force (E4.2) and until when, or not approved."""
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
        return cls()


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


# ------------------------------------------------------------------ helpers
def shifts_for(data: dict, shifts: list[ShiftSpec] | None) -> list[ShiftSpec]:
    """The job's shifts: the ones given, or the weekly pattern expanded."""
    if data.get("schedule_kind") == ScheduleKind.WEEKLY:
        days = [int(d) for d in str(data.get("weekly_days") or "").split(",") if d.strip().isdigit()]
        if not (days and data.get("weekly_start") and data.get("weekly_end") and data.get("weekly_from")
                and data.get("weekly_until")):
            raise DomainError(_("Give the weekdays, the times and the date range of the weekly pattern."),
                              field="weekly_days")
        shifts = expand_weekly(days=days, start=data["weekly_start"], end=data["weekly_end"],
                               date_from=data["weekly_from"], date_until=data["weekly_until"])
    shifts = sorted(shifts or [], key=lambda s: (s.date, s.start))
    if not shifts:
        raise DomainError(_("Add at least one shift."), field="shifts")
    if len(shifts) > MAX_SHIFTS_PER_JOB:
        raise DomainError(_("A job can have at most %(n)s shifts; split it into several jobs.")
                          % {"n": MAX_SHIFTS_PER_JOB}, field="shifts")
    return shifts


def _apply(job: Job, data: dict, shifts: list[ShiftSpec], fields: list[str]) -> None:
    for name in fields:
        if name in data:
            setattr(job, name, data[name])
    if job.is_remote:
        job.city = job.city or ""
    facts = schedule_facts(shifts)
    job.total_minutes = facts.total_minutes
    job.first_shift_date = facts.first_date
    job.last_shift_end = timezone.make_aware(facts.last_end) if facts.last_end else None
    job.has_night_work = facts.has_night_work
    job.hourly_pay_fen = hourly_pay_fen(pay_unit=job.pay_unit, base_rate_fen=job.base_rate_fen, facts=facts,
                                        pieces_per_hour=job.pieces_per_hour) or 0
    job.search_document = search_document_for(job)


def search_document_for(job: Job) -> str:
    """What the public search matches: title, work content, employer, place; lower-cased
    so the search is case-insensitive with a plain (fast, indexable) LIKE."""
    return "\n".join(filter(None, [job.title, job.description, job.employer.name, job.district,
                                   job.city])).lower()


def _replace_shifts(job: Job, shifts: list[ShiftSpec]) -> None:
    job.shifts.all().delete()
    Shift.objects.bulk_create([Shift(job=job, date=s.date, start_time=s.start, end_time=s.end) for s in shifts])


def _job_for_member(*, job_id: int, user) -> Job:
    job = Job.objects.select_for_update().select_related("employer").get(pk=job_id)
    ensure_employer_member(user, job.employer_id)
    return job


def _screen(job_or_data: dict, shifts: list[ShiftSpec], employer: Employer) -> list[Finding]:
    return screen(job_or_data, shifts, employer_city=employer.city)


def _data_of(job: Job) -> dict:
    return {name: getattr(job, name) for name in ALL_FIELDS}


def _shift_specs(job: Job) -> list[ShiftSpec]:
    return [ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()]


def _save_flags(job: Job, findings: list[Finding], revision: JobRevision | None = None) -> None:
    JobFlag.objects.filter(job=job, revision=revision, resolved_at__isnull=True).delete()
    JobFlag.objects.bulk_create([
        JobFlag(job=job, revision=revision, code=f.code, severity=f.severity, field=f.field,
                matched_text=f.matched_text, message=f.message[:300])
        for f in findings
    ])


def _resolve_flags(job: Job, *, actor, resolution: str, revision: JobRevision | None = None) -> None:
    JobFlag.objects.filter(job=job, revision=revision, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=resolution[:300])


def _tell_employer(job: Job, *, subject, body) -> None:
    """Tell the employer's active members about their job, linking to its page."""
    link = reverse("jobs:employer_job", args=[job.pk])
    for member in EmployerMember.objects.filter(employer_id=job.employer_id).select_related("user"):
        if member.user.is_active:
            notify(recipient=member.user, subject=subject, body=body, link=link)


def _withdraw_pending_revisions(job: Job) -> None:
    JobRevision.objects.filter(job=job, status=JobRevision.Status.PENDING).update(
        status=JobRevision.Status.WITHDRAWN)


def _notify_moderators(*, subject, link: str) -> None:
    staff_role_notify(role="moderator", subject=subject, link=link)


def _required(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


# ------------------------------------------------------------------ employer side
@transaction.atomic
def job_save_draft(*, employer_id: int, actor, data: dict, shifts: list[ShiftSpec] | None = None,
                   job_id: int | None = None) -> Job:
    """Create or edit a job that is not live (draft, changes requested, rejected) (E2.1).

    Any member of the employer may draft; nothing is published until it is
    submitted and approved."""
    ensure_employer_member(actor, employer_id)
    shifts = shifts_for(data, shifts)
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
        history_record(subject=job, transition="create", from_state="", to_state=job.status, actor=actor)
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
    employer = Employer.objects.select_for_update().get(pk=job.employer_id)
    _ensure_posting_quota(employer, excluding_job_id=job.pk)
    if not can_proceed(job.submit):
        raise InvalidTransition()
    findings = _screen(_data_of(job), _shift_specs(job), job.employer)
    if any(f.blocks for f in findings):
        raise ComplianceBlocked(findings)
    before = job.status
    job.submit()
    job.save(update_fields=["status", "submitted_at", "updated_at"])
    _save_flags(job, findings)
    history_record(subject=job, transition="submit", from_state=before, to_state=job.status, actor=actor)
    _notify_moderators(subject=_("A job is waiting for review"),
                       link=reverse("admin:jobs_job_change", args=[job.pk]))
    return job


def _employer_transition(*, job_id: int, actor, name: str) -> Job:
    job = _job_for_member(job_id=job_id, user=actor)
    method = getattr(job, name)
    if not can_proceed(method):
        raise InvalidTransition()
    before = job.status
    method()
    job.save(update_fields=["status", "updated_at"])
    history_record(subject=job, transition=name, from_state=before, to_state=job.status, actor=actor)
    return job


@transaction.atomic
def job_pause(*, job_id: int, actor) -> Job:
    """The employer stops new applications for a while (E2.1); hired students are unaffected."""
    return _employer_transition(job_id=job_id, actor=actor, name="pause")


@transaction.atomic
def job_resume(*, job_id: int, actor) -> Job:
    return _employer_transition(job_id=job_id, actor=actor, name="resume")


@transaction.atomic
def job_close(*, job_id: int, actor) -> Job:
    """The employer closes a live job for good; it leaves the public list."""
    job = _employer_transition(job_id=job_id, actor=actor, name="close")
    _withdraw_pending_revisions(job)
    return job


@transaction.atomic
def job_revise(*, job_id: int, actor, data: dict, shifts: list[ShiftSpec] | None = None) -> JobRevision | Job:
    """Edit a live job (J2.2). Headcount and deadline change at once; any change
    to pay, time, place, content or requirements becomes a revision that goes
    back to review while students keep seeing the approved version."""
    job = _job_for_member(job_id=job_id, user=actor)
    if job.status not in LIVE_STATUSES:
        raise InvalidTransition(_("Only published or paused jobs are revised; edit drafts directly."))
    shifts = shifts_for(data, shifts)
    current = _data_of(job)
    immaterial = [f for f in IMMATERIAL_FIELDS if f in data and data[f] != current[f]]
    material = [f for f in CONTENT_FIELDS if f in data and data[f] != current[f]]
    shifts_changed = [asdict(s) for s in shifts] != [asdict(s) for s in _shift_specs(job)]
    if immaterial:
        for name in immaterial:
            setattr(job, name, data[name])
        job.save(update_fields=[*immaterial, "updated_at"])
        history_record(subject=job, transition="edit", from_state=job.status, to_state=job.status, actor=actor,
                       reason=", ".join(immaterial))
    if not (material or shifts_changed):
        return job
    findings = _screen({**current, **data}, shifts, job.employer)
    if any(f.blocks for f in findings):
        raise ComplianceBlocked(findings)
    _withdraw_pending_revisions(job)
    revision = JobRevision.objects.create(
        job=job, created_by=actor,
        data=_serialise({**{f: data.get(f, current[f]) for f in CONTENT_FIELDS}}, shifts),
    )
    _save_flags(job, findings, revision=revision)
    history_record(subject=job, transition="revise", from_state=job.status, to_state=job.status, actor=actor,
                   reason=", ".join(material + (["shifts"] if shifts_changed else [])))
    _notify_moderators(subject=_("A revision of a published job is waiting for review"),
                       link=reverse("admin:jobs_jobrevision_change", args=[revision.pk]))
    return revision


def _serialise(data: dict, shifts: list[ShiftSpec]) -> dict:
    def plain(value):
        return value.isoformat() if isinstance(value, dt.date | dt.time | dt.datetime) else value

    return {"fields": {k: plain(v) for k, v in data.items()},
            "shifts": [[s.date.isoformat(), s.start.isoformat(), s.end.isoformat()] for s in shifts]}


def revision_content(revision: JobRevision) -> tuple[dict, list[ShiftSpec]]:
    """The proposed fields (typed as on the model) and shifts of a revision."""
    data = {}
    for name, value in revision.data["fields"].items():
        field = Job._meta.get_field(name)
        data[name] = field.to_python(value) if value is not None else None
    shifts = [ShiftSpec(dt.date.fromisoformat(d), dt.time.fromisoformat(s), dt.time.fromisoformat(e))
              for d, s, e in revision.data["shifts"]]
    return data, shifts


@transaction.atomic
def job_confirm_current(*, job_id: int, actor) -> Job:
    """The employer confirms a live job is still accurate (answers the patrol, J2.3)."""
    job = _job_for_member(job_id=job_id, user=actor)
    if job.status not in LIVE_STATUSES:
        raise InvalidTransition()
    job.content_updated_at, job.stale_notified_at = timezone.now(), None
    job.save(update_fields=["content_updated_at", "stale_notified_at", "updated_at"])
    history_record(subject=job, transition="confirm_current", from_state=job.status, to_state=job.status,
                   actor=actor)
    return job


# ------------------------------------------------------------------ moderation
def _moderate(*, pk: int, actor, name: str, reason: str) -> Job:
    job = Job.objects.select_for_update().select_related("employer").get(pk=pk)
    if not (actor.is_active and actor.has_perm("jobs.moderate_job")):
        raise NotPermitted()
    method = getattr(job, name)
    if not can_proceed(method):
        raise InvalidTransition()
    before = job.status
    method(by=actor, reason=reason)
    job.save()
    history_record(subject=job, transition=name, from_state=before, to_state=job.status, actor=actor,
                   reason=reason)
    return job


@transaction.atomic
def job_approve(*, pk: int, actor, reason: str = "") -> Job:
    """Publish a job (E2.2, J2.1). The moderator has read every flag: approving
    resolves them. The posting fee (policy) is booked in the ledger on first
    publication only (F1; idempotent by the job's key)."""
    job = _moderate(pk=pk, actor=actor, name="approve", reason=reason)
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
    job = _moderate(pk=pk, actor=actor, name="request_changes", reason=reason)
    _resolve_flags(job, actor=actor, resolution=reason)
    _tell_employer(job, subject=_("Please change your job: %(title)s") % {"title": job.title},
                   body=_("Our reviewer asks for these changes:\n%(reason)s") % {"reason": reason})
    return job


@transaction.atomic
def job_reject(*, pk: int, actor, reason: str) -> Job:
    """Refuse a job with a reason (E2.2)."""
    reason = _required(reason)
    job = _moderate(pk=pk, actor=actor, name="reject", reason=reason)
    _resolve_flags(job, actor=actor, resolution=reason)
    _tell_employer(job, subject=_("Your job was not approved: %(title)s") % {"title": job.title},
                   body=_("Reason: %(reason)s") % {"reason": reason})
    return job


@transaction.atomic
def job_take_down(*, pk: int, actor, reason: str) -> Job:
    """Staff remove a job that is live or under review (E2.2, J2.3)."""
    reason = _required(reason)
    job = _moderate(pk=pk, actor=actor, name="take_down", reason=reason)
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


def _revision_for_moderation(*, revision_id: int, actor) -> JobRevision:
    if not (actor.is_active and actor.has_perm("jobs.moderate_job")):
        raise NotPermitted()
    revision = JobRevision.objects.select_for_update().select_related("job__employer").get(pk=revision_id)
    if revision.status != JobRevision.Status.PENDING:
        raise InvalidTransition()
    return revision


@transaction.atomic
def job_revision_approve(*, pk: int, actor, reason: str = "") -> JobRevision:
    """Replace the published version with the revision (J2.2)."""
    revision = _revision_for_moderation(revision_id=pk, actor=actor)
    job = Job.objects.select_for_update().select_related("employer").get(pk=revision.job_id)
    data, shifts = revision_content(revision)
    _apply(job, data, shifts, CONTENT_FIELDS)
    job.content_updated_at, job.stale_notified_at = timezone.now(), None
    job.save()
    _replace_shifts(job, shifts)
    revision.status, revision.decided_at, revision.decided_by = JobRevision.Status.APPROVED, timezone.now(), actor
    revision.decision_reason = reason
    revision.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _resolve_flags(job, actor=actor, resolution=reason or str(_("Reviewed and accepted")), revision=revision)
    history_record(subject=job, transition="revision_approve", from_state=job.status, to_state=job.status,
                   actor=actor, reason=reason)
    _tell_employer(job, subject=_("Your changes are published: %(title)s") % {"title": job.title},
                   body=_("Students now see the new version."))
    return revision


@transaction.atomic
def job_revision_reject(*, pk: int, actor, reason: str) -> JobRevision:
    """Refuse a revision; the published version stays as it was (J2.2)."""
    reason = _required(reason)
    revision = _revision_for_moderation(revision_id=pk, actor=actor)
    revision.status, revision.decided_at, revision.decided_by = JobRevision.Status.REJECTED, timezone.now(), actor
    revision.decision_reason = reason
    revision.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _resolve_flags(revision.job, actor=actor, resolution=reason, revision=revision)
    history_record(subject=revision.job, transition="revision_reject", from_state=revision.job.status,
                   to_state=revision.job.status, actor=actor, reason=reason)
    _tell_employer(revision.job, subject=_("Your changes were not approved: %(title)s") % {
        "title": revision.job.title}, body=_("Reason: %(reason)s") % {"reason": reason})
    return revision


# ------------------------------------------------------------------ patrol (J2.3)
SWEEP_BATCH_SIZE = 500  # rows per transaction: short locks; the task loops until done


def jobs_expire_due(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Expire live jobs whose application deadline or last shift has passed.

    Set-based and idempotent: each batch is one UPDATE guarded by the status,
    plus one bulk insert of history rows; running twice expires nothing twice."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(Job)
    due = (Job.objects.filter(status__in=LIVE_STATUSES)
           .filter(_due(now)).order_by("pk").values_list("pk", "status"))
    total = 0
    while True:
        with transaction.atomic():
            batch = list(due[:batch_size])
            if not batch:
                break
            ids = [pk for pk, _status in batch]
            updated = Job.objects.filter(pk__in=ids, status__in=LIVE_STATUSES).update(
                status=JobStatus.EXPIRED, updated_at=now)
            HistoryEntry.objects.bulk_create([
                HistoryEntry(content_type=content_type, object_id=str(pk), transition="expire",
                             from_state=status, to_state=JobStatus.EXPIRED, reason="patrol")
                for pk, status in batch
            ])
            total += updated
    return total


def _due(now: dt.datetime) -> Q:
    return Q(application_deadline__lt=now) | Q(last_shift_end__lt=now)


def jobs_flag_stale(*, now: dt.datetime | None = None) -> int:
    """Ask employers to confirm live jobs not updated for `stale_job_days` (J2.3).

    Each stale job is flagged once (stale_notified_at); each employer gets one
    notification per sweep listing its jobs."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=get_policy().stale_job_days)
    with transaction.atomic():
        stale = list(Job.objects.select_for_update(skip_locked=True)
                     .filter(status=JobStatus.PUBLISHED, content_updated_at__lt=cutoff, stale_notified_at__isnull=True)
                     .values_list("pk", "employer_id", "title"))
        if not stale:
            return 0
        Job.objects.filter(pk__in=[pk for pk, *_ in stale]).update(stale_notified_at=now)
        by_employer: dict[int, list[str]] = {}
        for _pk, employer_id, title in stale:
            by_employer.setdefault(employer_id, []).append(title)
        for member in EmployerMember.objects.filter(employer_id__in=by_employer).select_related("user"):
            titles = by_employer[member.employer_id]
            notify(recipient=member.user, subject=_("Please check that your jobs are still accurate"),
                   body=_("These jobs have not been updated for a while. Confirm or edit them:\n%(titles)s")
                   % {"titles": "\n".join(f"· {t}" for t in titles)},
                   link=reverse("jobs:employer_jobs"))
    return len(stale)


def jobs_patrol(*, now: dt.datetime | None = None) -> PatrolRun:
    """One patrol: expire what is due, flag what is stale, record the counts."""
    now = now or timezone.now()
    expired = jobs_expire_due(now=now)
    stale = jobs_flag_stale(now=now)
    return PatrolRun.objects.create(expired=expired, stale_flagged=stale)



# ------------------------------------------------------------------ consented changes (J1.3)
def _refresh_schedule_facts(job: Job) -> None:
    facts = schedule_facts(_shift_specs(job))
    job.total_minutes = facts.total_minutes
    job.first_shift_date = facts.first_date
    job.last_shift_end = timezone.make_aware(facts.last_end) if facts.last_end else None
    job.has_night_work = facts.has_night_work
    job.hourly_pay_fen = hourly_pay_fen(pay_unit=job.pay_unit, base_rate_fen=job.base_rate_fen, facts=facts,
                                        pieces_per_hour=job.pieces_per_hour) or 0
    job.save(update_fields=["total_minutes", "first_shift_date", "last_shift_end", "has_night_work",
                            "hourly_pay_fen", "updated_at"])


def shift_reschedule(*, shift_id: int, date: dt.date, start: dt.time, end: dt.time) -> Shift:
    """Move one shift. Called only by applications once every hired student has
    consented to the change (J1.3); the job's schedule facts follow."""
    shift = Shift.objects.select_for_update().select_related("job").get(pk=shift_id)
    before = str(shift)
    shift.date, shift.start_time, shift.end_time = date, start, end
    shift.save(update_fields=["date", "start_time", "end_time"])
    job = Job.objects.select_for_update().get(pk=shift.job_id)
    _refresh_schedule_facts(job)
    history_record(subject=job, transition="shift_moved", from_state=job.status, to_state=job.status,
                   reason=f"{before} → {shift}")
    return shift


def schedule_change_findings(*, job: Job, shift_id: int, new_spec: ShiftSpec) -> list[Finding]:
    """What the rules of the screen (part-time limits, night work, minimum wage;
    art. 68, J1.4) find in the job's schedule with one shift moved that they do
    not already find in the approved schedule (J1.3): a change re-checks only
    what it changes, so a night shift the moderator approved is not flagged again."""
    current = [(s.pk, ShiftSpec(s.date, s.start_time, s.end_time)) for s in job.shifts.all()]
    changed = [new_spec if pk == shift_id else spec for pk, spec in current]
    data = _data_of(job)
    before, _facts = screen_rules(data, [spec for _pk, spec in current], employer_city=job.employer.city)
    after, _facts = screen_rules(data, changed, employer_city=job.employer.city)
    known = {(f.code, f.field) for f in before}
    return [f for f in after if (f.code, f.field) not in known]


def job_workplace_change(*, job_id: int, address: str) -> Job:
    """Change the workplace address after the hired students consented (J1.3)."""
    job = Job.objects.select_for_update().select_related("employer").get(pk=job_id)
    before = job.address
    job.address = address
    job.search_document = search_document_for(job)
    job.save(update_fields=["address", "search_document", "updated_at"])
    history_record(subject=job, transition="workplace_changed", from_state=job.status, to_state=job.status,
                   reason=f"{before} → {address}")
    return job
