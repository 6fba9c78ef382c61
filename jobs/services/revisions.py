"""Edits of a live job (J2.2): headcount and deadline change at once; any
material change waits in a revision for a moderator, while students keep
seeing the approved version, and replaces it only when approved."""

import datetime as dt
from dataclasses import asdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition, NotPermitted
from core.history import history_record
from core.transitions import lock_row

from ..models import LIVE_STATUSES, Job, JobAction, JobRevision
from ..schedule import ShiftSpec
from .common import (
    CONTENT_FIELDS,
    IMMATERIAL_FIELDS,
    MODERATE_PERMISSION,
    ComplianceBlocked,
    _apply,
    _data_of,
    _job_for_member,
    _notify_moderators,
    _replace_shifts,
    _required,
    _resolve_flags,
    _save_flags,
    _screen,
    _shift_specs,
    _tell_employer,
    _withdraw_pending_revisions,
    check_workplace,
    shifts_for,
)


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
    check_workplace({**current, **data})
    immaterial = [f for f in IMMATERIAL_FIELDS if f in data and data[f] != current[f]]
    material = [f for f in CONTENT_FIELDS if f in data and data[f] != current[f]]
    shifts_changed = [asdict(s) for s in shifts] != [asdict(s) for s in _shift_specs(job)]
    if immaterial:
        for name in immaterial:
            setattr(job, name, data[name])
        job.save(update_fields=[*immaterial, "updated_at"])
        history_record(subject=job, transition=JobAction.EDIT, from_state=job.status, to_state=job.status,
                       actor=actor, reason=", ".join(immaterial))
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
    history_record(subject=job, transition=JobAction.REVISE, from_state=job.status, to_state=job.status,
                   actor=actor, reason=", ".join(material + (["shifts"] if shifts_changed else [])))
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


def _revision_for_moderation(*, revision_id: int, actor) -> JobRevision:
    if not (actor.is_active and actor.has_perm(MODERATE_PERMISSION)):
        raise NotPermitted()
    revision = lock_row(JobRevision, revision_id, related=("job__employer",))
    if revision.status != JobRevision.Status.PENDING:
        raise InvalidTransition()
    return revision


@transaction.atomic
def job_revision_approve(*, pk: int, actor, reason: str = "") -> JobRevision:
    """Replace the published version with the revision (J2.2)."""
    revision = _revision_for_moderation(revision_id=pk, actor=actor)
    job = lock_row(Job, revision.job_id, related=("employer",))
    data, shifts = revision_content(revision)
    _apply(job, data, shifts, CONTENT_FIELDS)
    job.content_updated_at, job.stale_notified_at = timezone.now(), None
    job.save()
    _replace_shifts(job, shifts)
    revision.status, revision.decided_at, revision.decided_by = JobRevision.Status.APPROVED, timezone.now(), actor
    revision.decision_reason = reason
    revision.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _resolve_flags(job, actor=actor, resolution=reason or str(_("Reviewed and accepted")), revision=revision)
    history_record(subject=job, transition=JobAction.REVISION_APPROVE, from_state=job.status,
                   to_state=job.status, actor=actor, reason=reason)
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
    history_record(subject=revision.job, transition=JobAction.REVISION_REJECT, from_state=revision.job.status,
                   to_state=revision.job.status, actor=actor, reason=reason)
    _tell_employer(revision.job, subject=_("Your changes were not approved: %(title)s") % {
        "title": revision.job.title}, body=_("Reason: %(reason)s") % {"reason": reason})
    return revision
