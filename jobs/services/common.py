"""What the job services share: the fields a job form edits, the schedule
facts derived from the shifts, the compliance flags a moderator reads (J1.4),
locking a job for one of its employer's members, and telling people."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify
from core.errors import DomainError, ReasonRequired
from core.notifications import notify
from core.transitions import lock_row
from employers.models import Employer, EmployerMember
from employers.services import ensure_employer_member

from ..compliance import Finding, screen
from ..geo import workplace_error
from ..models import MAX_SHIFTS_PER_JOB, Job, JobFlag, JobRevision, ScheduleKind, Shift, build_search_document
from ..schedule import ShiftSpec, expand_weekly, hourly_pay_fen, schedule_facts

# The fields a job form edits. Material ones send a live job back to review (J2.2).
CONTENT_FIELDS = [
    "title", "category", "description", "requirements_skills", "requirements_certificates",
    "minor_restricted_work", "minor_restricted_venue",
    "is_remote", "city", "district", "address", "latitude", "longitude",
    "schedule_kind", "weekly_days", "weekly_start", "weekly_end", "weekly_from", "weekly_until",
    "pay_unit", "base_rate_fen", "pieces_per_hour", "overtime_rate_fen", "bonus_rules", "meal_allowance_fen",
    "transport_allowance_fen", "settlement_cycle", "payment_days",
]
IMMATERIAL_FIELDS = ["headcount", "application_deadline"]
ALL_FIELDS = CONTENT_FIELDS + IMMATERIAL_FIELDS

MODERATE_PERMISSION = "jobs.moderate_job"


class ComplianceBlocked(DomainError):
    """The posting breaks a hard rule; `findings` say which and where."""

    default_message = _("This posting breaks the law or the platform's rules and cannot be submitted.")

    def __init__(self, findings: list[Finding]):
        super().__init__()
        self.findings = [f for f in findings if f.blocks]


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
        job.latitude = job.longitude = None
    job.closed_to_minors = bool(job.minor_restricted_work or job.minor_restricted_venue)
    _set_schedule_facts(job, shifts)
    job.search_document = search_document_for(job)


def check_workplace(data: dict) -> None:
    """S2.1 "near me": a workplace position lies in the job's city; a remote job has none."""
    error = workplace_error(is_remote=bool(data.get("is_remote")), city=data.get("city") or "",
                            lat=data.get("latitude"), lng=data.get("longitude"))
    if error:
        raise DomainError(error, field="latitude")


def _set_schedule_facts(job: Job, shifts: list[ShiftSpec]) -> None:
    """The derived columns lists, filters and sorting read (hours, dates, night work, hourly pay)."""
    facts = schedule_facts(shifts)
    job.total_minutes = facts.total_minutes
    job.first_shift_date = facts.first_date
    job.last_shift_end = timezone.make_aware(facts.last_end) if facts.last_end else None
    job.has_night_work = facts.has_night_work
    job.hourly_pay_fen = hourly_pay_fen(pay_unit=job.pay_unit, base_rate_fen=job.base_rate_fen, facts=facts,
                                        pieces_per_hour=job.pieces_per_hour) or 0


def search_document_for(job: Job) -> str:
    """What the public search matches (S2.1): title, work content, skills and
    certificates required, the category's name, employer, place; lower-cased so
    the search is case-insensitive with a plain (fast, indexable) LIKE."""
    return build_search_document(title=job.title, description=job.description, category=job.category,
                                 skills=job.requirements_skills, certificates=job.requirements_certificates,
                                 employer_name=job.employer.name, district=job.district, city=job.city)


def _replace_shifts(job: Job, shifts: list[ShiftSpec]) -> None:
    job.shifts.all().delete()
    Shift.objects.bulk_create([Shift(job=job, date=s.date, start_time=s.start, end_time=s.end) for s in shifts])


def _job_for_member(*, job_id: int, user) -> Job:
    """The job, locked, once the user is known to act for its employer."""
    job = lock_row(Job, job_id, related=("employer",))
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
