"""Every write from "apply" to confirmed hours (S2.2, S3, E3, E4, J1.3).

Each service: check → lock → transition → save changed fields → history row →
side effects on commit. Deadlines are computed here when their event happens
and stored on the rows; `sweeps.py` acts on what is due."""

import dataclasses
import datetime as dt
import secrets
from dataclasses import replace

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.models import StudentProfile, User
from accounts.selectors import student_profile_for
from accounts.services import staff_role_notify
from core.credit import credit_event_record, credit_event_reverse
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.policy import get_policy
from core.screening import GateResult, TextRefused, gate_check, held_text_create
from core.uploads import clean_upload
from core.working_days import working_days_after
from employers.models import Employer
from employers.services import ensure_employer_member
from jobs.models import Job, JobStatus, Shift
from jobs.schedule import ShiftSpec
from jobs.selectors import has_early_access, job_open_to_students_at
from jobs.services import job_workplace_change, schedule_change_findings, shift_reschedule

from .hooks import hire_checks_run
from .models import (
    ALL_AVAILABLE,
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    DemandReport,
    Engagement,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    JobInvitation,
    LossClaim,
    ScheduleChange,
    ScheduleChangeAnswer,
    StudentIntention,
)
from .selectors import student_applications_limit
from .signals import case_decided, case_opened

CHECKIN_SALT = "applications.checkin"
CHECKIN_ROTATE_SECONDS = 30  # the employer's page shows a new code this often
CHECKIN_TOKEN_MAX_AGE = 90  # a code photographed a minute ago still works; an old photo does not
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=60)
# Check-out by QR code opens this long after the check-in (or at the shift's end, if sooner): the probe
# checked in and out 30 ms apart and the row said "attended" (E4). A student who must leave earlier is
# marked out by the employer, who sees them go.
CHECKOUT_AFTER_CHECKIN = dt.timedelta(minutes=30)
CHECK_IN, CHECK_OUT = "in", "out"
MAX_OVERTIME_MINUTES = 240
CHANGE_ANSWER_HOURS = 48
STUDENT, EMPLOYER = "student", "employer"
# Doors of the one gate (core.screening), registered in ApplicationsConfig.ready().
DOOR_SCHEDULE_CHANGE = "applications.schedule_change"
DOOR_INVITATION = "applications.invitation"


# ------------------------------------------------------------------ errors users can cause
class CannotApply(DomainError):
    default_message = _("You cannot apply for this job.")


class JobFull(DomainError):
    default_message = _("All places of this job are taken.")


class ScheduleOverlap(DomainError):
    default_message = _("This job's shifts overlap with a job you are already hired for.")


class AnswerTooLate(DomainError):
    default_message = _("The time to answer this application has passed; it expires without an answer.")


class CheckInRefused(DomainError):
    default_message = _("This check-in code is not valid. Scan the code on the employer's screen again.")


# ------------------------------------------------------------------ helpers
def _history(subject, name: str, before: str, after: str, actor=None, reason: str = "") -> None:
    history_record(subject=subject, transition=name, from_state=before, to_state=after, actor=actor,
                   reason=reason)


def _required(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired()
    return text


def _check(method) -> None:
    if not can_proceed(method):
        raise InvalidTransition()


def _tell_members(employer_id: int, *, subject, body, link: str) -> None:
    members = User.objects.filter(employer_membership__employer_id=employer_id, is_active=True)
    for member in members:
        notify(recipient=member, subject=subject, body=body, link=link)


def _student_link(application: Application) -> str:
    return reverse("applications:student_application", args=[application.pk])


def _engagement_link(engagement: Engagement, *, for_student: bool) -> str:
    name = "applications:student_engagement" if for_student else "applications:employer_engagement"
    return reverse(name, args=[engagement.pk])


def _credit(*, key: str, subject_kind: str, subject_id: int, kind: str, reason, source) -> None:
    credit_event_record(key=key, subject_kind=subject_kind, subject_id=subject_id, kind=kind, reason=str(reason),
                        source=source)


def places_taken(job_id: int) -> int:
    """Offers still open plus students hired (active or done): what counts against the headcount."""
    offered = Application.objects.filter(job_id=job_id, status=ApplicationStatus.OFFERED).count()
    hired = Engagement.objects.filter(
        job_id=job_id, status__in=[EngagementStatus.ACTIVE, EngagementStatus.COMPLETED]).count()
    return offered + hired


def _intervals(shifts) -> list[tuple[dt.datetime, dt.datetime]]:
    return sorted((s.starts_at, s.ends_at) for s in shifts)


def _overlaps(a: list[tuple[dt.datetime, dt.datetime]], b: list[tuple[dt.datetime, dt.datetime]]) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][0] < b[j][1] and b[j][0] < a[i][1]:
            return True
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return False


def _ensure_no_overlap(*, student: User, job: Job, now: dt.datetime) -> None:
    """S2.2: no overlap with the shifts the student still has to work (or is working)
    in their other active engagements; overnight shifts end the next day."""
    busy = Shift.objects.filter(
        attendances__engagement__student=student,
        attendances__engagement__status=EngagementStatus.ACTIVE,
        attendances__status__in=[AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN],
        date__gte=(now - dt.timedelta(days=1)).date(),
    ).exclude(job=job)
    if _overlaps(_intervals(job.shifts.all()), _intervals(busy)):
        raise ScheduleOverlap()


# ------------------------------------------------------------------ intentions (E3.1)
def intention_save(*, student: User, categories: list[str], cities: list[str], districts: list[str],
                   availability: int, expected_hourly_fen: int, accepts_remote: bool,
                   discoverable: bool = False) -> StudentIntention:
    """Save what the student is looking for; it drives recommendations and the match score.
    `discoverable` (opt-in) lets any employer invite the student, not only those whose jobs match (E3.1)."""
    if not student.is_student:
        raise NotPermitted()
    if not 0 <= availability <= ALL_AVAILABLE:
        raise DomainError(_("The availability grid is not valid."), field="availability")
    clean = lambda values: sorted({v.strip()[:50] for v in values if v and v.strip()})[:10]  # noqa: E731
    intention, _created = StudentIntention.objects.update_or_create(student=student, defaults={
        "categories": clean(categories), "cities": clean(cities), "districts": clean(districts),
        "availability": availability, "expected_hourly_fen": max(0, int(expected_hourly_fen)),
        "accepts_remote": accepts_remote, "discoverable": bool(discoverable),
    })
    return intention


# ------------------------------------------------------------------ applying (S2.2)
def sanction_refusal(profile) -> str | None:
    """Why a sanction in force stops this student applying (E4.2, K3.2), with until when; None if none does."""
    if profile is None:
        return None
    if profile.terminated_at is not None:
        return str(_("The platform has ended its cooperation with you, so you cannot apply. See Sanctions to "
                     "appeal."))
    if profile.is_suspended:
        return str(_("Your account is suspended until %(until)s, so you cannot apply. See Sanctions to appeal.") % {
            "until": timezone.localtime(profile.suspended_until).strftime("%Y-%m-%d %H:%M")})
    if profile.is_applying_restricted:
        return str(_("You may not apply for jobs until %(until)s because of a sanction. See Sanctions to "
                     "appeal.") % {"until": timezone.localtime(profile.applying_restricted_until)
                                   .strftime("%Y-%m-%d %H:%M")})
    return None


# Credit tiers and applying (K3.1). The help page is the risk app's; a URL name, not an import.
CREDIT_HELP_URL = reverse_lazy("risk:credit_how_it_works")


def _minute_up(moment: dt.datetime) -> str:
    """A local time to the minute, never earlier than `moment` ("open to you from 14:31")."""
    moment = timezone.localtime(moment)
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if moment.date() == timezone.localdate():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def early_access_refusal(*, job: Job, profile: StudentProfile, now: dt.datetime) -> str | None:
    """K3.1: before `job_open_to_students_at`, only high-tier students may apply."""
    opens = job_open_to_students_at(job)
    if opens is None or now >= opens or has_early_access(profile):
        return None
    return str(_("New jobs open first to students with a credit tier of Very good or better. "
                 "This job is open to you from %(time)s.") % {"time": _minute_up(opens)})


def applications_limit_refusal(*, student: User, profile: StudentProfile) -> str | None:
    """K3.1: a student may hold only so many open applications, by credit tier."""
    limit = student_applications_limit(student=student, profile=profile)
    if not limit.reached:
        return None
    return str(_("You already have %(open)s open applications; with the credit tier %(tier)s you may have "
                 "at most %(limit)s at a time. Withdraw one or wait for answers. A higher credit tier raises "
                 "the limit: see how at %(url)s") % {
        "open": limit.open_count, "tier": limit.tier_label, "limit": limit.limit, "url": CREDIT_HELP_URL})


def apply_refusal(*, job: Job, student: User, now: dt.datetime | None = None,
                  check_existing: bool = True, check_limit: bool = True,
                  profile: StudentProfile | None = None) -> str | None:
    """Why this student cannot apply to this job now, or None. The job page shows
    the reason instead of a form; the service checks again under lock.

    `check_limit=False` leaves out the open-applications count (the job page's
    apply area, whose query count is pinned; the apply page and the service check it)."""
    now = now or timezone.now()
    if profile is None:
        profile = student_profile_for(student) if student.is_authenticated and student.is_student else None
    if profile is None or not profile.can_apply:
        return sanction_refusal(profile) or str(_("Only students whose registration the platform has approved can "
                                                  "apply."))
    if job.status != JobStatus.PUBLISHED:
        return str(_("This job is not taking applications."))
    if job.application_deadline <= now:
        return str(_("Applications for this job have closed."))
    if profile.is_minor_worker and (job.has_night_work or job.is_hazardous):
        # Labour Law art. 64, Provisions on minor workers: no night or hazardous work under 18.
        return str(_("Students under 18 cannot take night work or hazardous work."))
    refusal = early_access_refusal(job=job, profile=profile, now=now)
    if refusal:
        return refusal
    if check_existing and Application.objects.filter(job=job, student=student).exists():
        return str(_("You have already applied for this job."))
    if check_limit:
        return applications_limit_refusal(student=student, profile=profile)
    return None


@transaction.atomic
def application_apply(*, job_id: int, student: User, confirms_requirements: bool, commits_to_work: bool,
                      message: str = "") -> Application:
    """A student applies (S2.2).

    Preconditions: an approved student; the job published, before its deadline
    and not full; no overlap with the student's engagements; no night or
    hazardous work for minors; both confirmations given; one application per
    job. Effects: the answer deadline is P3 working days later (E3.2), the
    reminder at half-time; the employer is told. K3.1: not before the job opens
    to the student's credit tier, and not beyond the tier's open-applications
    limit — the student's profile row is locked first, so two applies at once
    by the same student are counted one after the other."""
    profile = None
    if student.is_authenticated and student.is_student:
        profile = (StudentProfile.objects.select_for_update(of=("self",)).select_related("user")
                   .filter(user=student).first())
    job = Job.objects.select_for_update().select_related("employer").get(pk=job_id)
    now = timezone.now()
    refusal = apply_refusal(job=job, student=student, now=now, profile=profile)
    if refusal:
        raise CannotApply(refusal)
    if not (confirms_requirements and commits_to_work):
        raise DomainError(_("Confirm that you meet the requirements and will do the work as agreed."),
                          field="confirms_requirements")
    if places_taken(job.pk) >= job.headcount:
        raise JobFull()
    _ensure_no_overlap(student=student, job=job, now=now)
    due = working_days_after(now, get_policy().response_working_days)
    application = Application.objects.create(
        job=job, student=student, confirms_requirements=True, commits_to_work=True,
        message=(message or "").strip()[:1000], applied_at=now, response_due_at=due,
        reminder_due_at=now + (due - now) / 2,
        invited=JobInvitation.objects.filter(job=job, student=student, held=False).exists(),
    )
    _history(application, "apply", "", application.status, actor=student)
    _tell_members(job.employer_id, subject=_("New application for “%(job)s”") % {"job": job.title},
                  body=_("Answer it by %(due)s.") % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
                  link=reverse("applications:employer_application", args=[application.pk]))
    return application


def _application_for_student(application_id: int, student: User) -> Application:
    application = Application.objects.select_for_update().select_related("job").get(pk=application_id)
    if application.student_id != student.pk:
        raise NotPermitted()
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, student: User) -> Application:
    """The student withdraws before a decision (S2.2)."""
    application = _application_for_student(application_id, student)
    _check(application.withdraw)
    before = application.status
    application.withdraw()
    application.save(update_fields=["status", "closed_at", "updated_at"])
    _history(application, "withdraw", before, application.status, actor=student)
    return application


def _application_for_member(application_id: int, actor: User) -> Application:
    application = Application.objects.select_for_update().select_related("job", "student").get(pk=application_id)
    ensure_employer_member(actor, application.job.employer_id)
    return application


def _ensure_answer_in_time(application: Application) -> None:
    """E3.2: past P3 the application is expired (and the employer's credit noted) even if
    the sweep has not run yet; a late answer must not slip in before it."""
    if application.status == ApplicationStatus.APPLIED and application.response_due_at <= timezone.now():
        raise AnswerTooLate()


@transaction.atomic
def application_hire(*, application_id: int, actor: User) -> Application:
    """The employer hires: an offer the student accepts within the policy window (E3.1).

    Only before the answer deadline (E3.2) and while a place is free. The job
    row is locked first, so two members hiring for the last place at the same
    moment are serialised and exactly one succeeds (headcount). An employer below the
    prefunding credit tier must hold the estimated pay in escrow first (E5.1,
    the prefunding check settlements registers, applications.hooks: PrefundRequired, nothing saved)."""
    member_job = Application.objects.filter(pk=application_id).values_list("job_id", flat=True).first()
    if member_job is None:
        raise InvalidTransition()
    Job.objects.select_for_update().get(pk=member_job)  # the headcount lock
    application = _application_for_member(application_id, actor)
    _check(application.offer)
    _ensure_answer_in_time(application)
    if places_taken(application.job_id) >= application.job.headcount:
        raise JobFull()
    hire_checks_run(employer=application.job.employer, job=application.job)  # E5.1: low credit tiers prefund
    before = application.status
    application.offer(by=actor, expires_at=timezone.now() + dt.timedelta(hours=get_policy().offer_accept_hours))
    application.save(update_fields=["status", "decided_at", "decided_by", "offer_expires_at", "updated_at"])
    _history(application, "offer", before, application.status, actor=actor)
    notify(recipient=application.student,
           subject=_("You have an offer for “%(job)s”") % {"job": application.job.title},
           body=_("Accept it by %(until)s, or the place goes to someone else.")
           % {"until": timezone.localtime(application.offer_expires_at).strftime("%Y-%m-%d %H:%M")},
           link=_student_link(application))
    return application


@transaction.atomic
def application_reject(*, application_id: int, actor: User, reason: str) -> Application:
    """The employer rejects before the answer deadline; the reason is required and the
    student sees it (E3.2)."""
    reason = _required(reason)
    application = _application_for_member(application_id, actor)
    _check(application.reject)
    _ensure_answer_in_time(application)
    before = application.status
    application.reject(by=actor, reason=reason)
    application.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason", "closed_at",
                                    "updated_at"])
    _history(application, "reject", before, application.status, actor=actor, reason=reason)
    notify(recipient=application.student,
           subject=_("Your application for “%(job)s” was not successful") % {"job": application.job.title},
           body=_("The employer's reason: %(reason)s") % {"reason": reason}, link=_student_link(application))
    return application


def _attendance_rows(engagement: Engagement, shifts, policy) -> list[Attendance]:
    return [Attendance(engagement=engagement, shift=shift, scheduled_minutes=shift.minutes,
                       hours_due_at=shift.ends_at + dt.timedelta(hours=policy.hours_confirm_hours))
            for shift in shifts]


@transaction.atomic
def offer_accept(*, application_id: int, student: User) -> Engagement:
    """The student accepts the offer before it lapses (E3.1): the engagement starts
    with one Attendance per remaining shift and contact details are exchanged. No
    overlap with the student's other engagements (S2.2); a change of time or place
    still open for answers asks this student too (J1.3)."""
    application = _application_for_student(application_id, student)
    _check(application.accept_offer)
    # A sanction that stops the student applying stops them taking an offer too (E4.2, K3.2).
    refusal = sanction_refusal(student_profile_for(student))
    if refusal:
        raise DomainError(refusal)
    if application.offer_expires_at and application.offer_expires_at <= timezone.now():
        raise DomainError(_("This offer has lapsed."))
    now = timezone.now()
    _ensure_no_overlap(student=student, job=application.job, now=now)
    before = application.status
    application.accept_offer()
    application.save(update_fields=["status", "closed_at", "updated_at"])
    _history(application, "accept_offer", before, application.status, actor=student)
    job = application.job
    engagement = Engagement.objects.create(application=application, job=job, employer_id=job.employer_id,
                                           student=student, started_at=now)
    policy = get_policy()
    # A change of time or place still waiting for answers needs this student's
    # consent too (J1.3). Locked before the shifts are read, so a change that the
    # last answer applies concurrently is either seen as applied or waits for us.
    open_change = (ScheduleChange.objects.select_for_update()
                   .filter(job=job, status=ScheduleChange.Status.PROPOSED).first())
    upcoming = [s for s in job.shifts.all() if s.ends_at > now]
    Attendance.objects.bulk_create(_attendance_rows(engagement, upcoming, policy))
    _history(engagement, "start", "", engagement.status, actor=student)
    if open_change is not None:
        ScheduleChangeAnswer.objects.create(change=open_change, engagement=engagement)
        notify(recipient=student,
               subject=_("%(job)s: the employer asks to change the time or place") % {"job": job.title},
               body=_("Nothing changes unless you accept. Answer by %(by)s.")
               % {"by": timezone.localtime(open_change.respond_by).strftime("%Y-%m-%d %H:%M")},
               link=_engagement_link(engagement, for_student=True))
    _tell_members(job.employer_id, subject=_("%(job)s: a student accepted your offer") % {"job": job.title},
                  body=_("Their contact details are on the engagement page."),
                  link=_engagement_link(engagement, for_student=False))
    return engagement


@transaction.atomic
def offer_decline(*, application_id: int, student: User) -> Application:
    application = _application_for_student(application_id, student)
    _check(application.decline_offer)
    before = application.status
    application.decline_offer()
    application.save(update_fields=["status", "closed_at", "updated_at"])
    _history(application, "decline_offer", before, application.status, actor=student)
    _tell_members(application.job.employer_id,
                  subject=_("%(job)s: a student declined your offer") % {"job": application.job.title},
                  body=_("The place is free again."),
                  link=reverse("applications:employer_applicants", args=[application.job_id]))
    return application


class InvitationRefused(DomainError):
    # One neutral answer for every student id the employer may not reach (not
    # a candidate, not discoverable, not approved, no such id): it must not
    # tell the employer which ids are students (G4, enumeration).
    default_message = _("This student cannot be invited.")


def student_reachable_for_job(*, job: Job, student_id: int) -> bool:
    """May the employer invite this student to this job (E3.1, G4)? Only a
    candidate from the job's matching list, or an approved student who chose to
    be discoverable by employers (off by default)."""
    if StudentIntention.objects.filter(
            student_id=student_id, discoverable=True, student__is_active=True,
            student__kind=User.Kind.STUDENT, student__student_profile__review_status="approved").exists():
        return True
    from .selectors import invite_candidates

    return any(user.pk == student_id for user, _score in invite_candidates(job=job))


@transaction.atomic
def job_invite_student(*, job_id: int, student_id: int, actor: User, message: str = "") -> JobInvitation:
    """The employer invites a student to apply (E3.1); the student decides.

    Only students the employer may reach (a candidate of the job, or a
    discoverable student), never a minor to night or hazardous work (S2.2),
    at most the policy's number of invitations per employer a day. The message
    goes through the one gate (G2, J1.4): blocking text is refused; a flagged
    message is held, and the student hears of the invitation only once a
    moderator clears it. Every unreachable id gets the same InvitationRefused."""
    job = Job.objects.select_related("employer").get(pk=job_id)
    ensure_employer_member(actor, job.employer_id)
    if job.status != JobStatus.PUBLISHED or job.application_deadline <= timezone.now():
        raise DomainError(_("Only a published job that takes applications can invite students."))
    message = (message or "").strip()[:300]
    gate = gate_check({"message": message}, door=DOOR_INVITATION) if message else None
    # The daily limit is counted under the employer row's lock, so two members cannot both pass it.
    Employer.objects.select_for_update().filter(pk=job.employer_id).first()
    limit = get_policy().invitations_per_employer_day
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if JobInvitation.objects.filter(job__employer_id=job.employer_id, created_at__gte=today).count() >= limit:
        raise DomainError(_("Your organisation has sent %(n)s invitations today, the daily limit; "
                            "try again tomorrow.") % {"n": limit})
    student = User.objects.filter(pk=student_id, kind=User.Kind.STUDENT, is_active=True).first()
    profile = student_profile_for(student) if student else None
    if (profile is None or not profile.can_apply
            or (profile.is_minor_worker and (job.has_night_work or job.is_hazardous))
            or not student_reachable_for_job(job=job, student_id=student_id)):
        raise InvitationRefused()
    if Application.objects.filter(job=job, student=student).exists():
        raise DomainError(_("This student has already applied."))
    held = bool(gate and gate.held)
    invitation, created = JobInvitation.objects.get_or_create(
        job=job, student=student, defaults={"invited_by": actor, "message": message, "held": held})
    if created and held:
        held_text_create(result=gate, target=invitation, author=actor)
    elif created:
        _invitation_deliver(invitation)
    return invitation


def _invitation_deliver(invitation: JobInvitation) -> None:
    job = invitation.job
    notify(recipient=invitation.student, subject=_("%(employer)s invites you to apply for “%(job)s”")
           % {"employer": job.employer.name, "job": job.title},
           body=invitation.message or _("Open the job to read it and apply."),
           link=reverse("jobs:detail", args=[job.pk]))


def _held_invitation(held) -> JobInvitation | None:
    return (JobInvitation.objects.select_for_update().select_related("job__employer", "student")
            .filter(pk=int(held.object_id), held=True).first())


def invitation_clear(held, actor) -> None:
    """A moderator cleared a held invitation message: the student receives it now."""
    invitation = _held_invitation(held)
    if invitation is None:
        return
    invitation.held = False
    invitation.save(update_fields=["held", "updated_at"])
    _invitation_deliver(invitation)


def invitation_reject(held, actor) -> None:
    """A moderator rejected a held invitation: it is dropped unseen and the employer told why."""
    invitation = _held_invitation(held)
    if invitation is None:
        return
    job = invitation.job
    invitation.delete()
    _tell_members(job.employer_id,
                  subject=_("%(job)s: your invitation was not delivered") % {"job": job.title},
                  body=_("Reason: %(reason)s") % {"reason": held.decision_reason},
                  link=reverse("applications:employer_candidates", args=[job.pk]))


# ------------------------------------------------------------------ cancellation (S3.1, E4.1)
def _future_expected(engagement: Engagement, now: dt.datetime) -> list[Attendance]:
    return [a for a in engagement.attendances.select_related("shift").order_by("shift__date", "shift__start_time")
            if a.status == AttendanceStatus.EXPECTED and a.shift.ends_at > now]


def _cancel_attendances(rows: list[Attendance]) -> None:
    now = timezone.now()
    for row in rows:
        row.updated_at = now  # bulk_update does not apply auto_now
        row.cancel()
        if row.hours_status == HoursStatus.PENDING:
            row.no_hours()
    Attendance.objects.bulk_update(rows, ["status", "hours_status", "confirmed_minutes", "overtime_minutes",
                                          "updated_at"])


def _engagement_locked(engagement_id: int) -> Engagement:
    return Engagement.objects.select_for_update().select_related("job", "student").get(pk=engagement_id)


@transaction.atomic
def engagement_cancel_by_student(*, engagement_id: int, student: User, reason: str) -> Engagement:
    """The student cancels with a reason (S3.1). At least the policy's notice
    before the next shift: no penalty; later: a late cancellation. Both are
    credit events; the place goes back to the employer."""
    reason = _required(reason)
    engagement = _engagement_locked(engagement_id)
    if engagement.student_id != student.pk:
        raise NotPermitted()
    _check(engagement.cancel_by_student)
    now, policy = timezone.now(), get_policy()
    remaining = _future_expected(engagement, now)
    late = bool(remaining) and remaining[0].shift.starts_at - now < dt.timedelta(hours=policy.cancel_notice_hours)
    before = engagement.status
    engagement.cancel_by_student(reason=reason, late=late)
    engagement.save(update_fields=["status", "ended_at", "end_reason", "late_cancellation", "updated_at"])
    _cancel_attendances(remaining)
    _history(engagement, "cancel_by_student", before, engagement.status, actor=student, reason=reason)
    _credit(key=f"engagement:{engagement.pk}:student_cancel", subject_kind=STUDENT, subject_id=student.pk,
            kind="late_cancellation" if late else "cancellation_with_notice",
            reason=(_("Cancelled less than %(h)s hours before the shift: %(reason)s") if late
                    else _("Cancelled with notice: %(reason)s")) % {"h": policy.cancel_notice_hours, "reason": reason},
            source=engagement)
    _tell_members(engagement.employer_id,
                  subject=_("%(job)s: a student cancelled") % {"job": engagement.job.title},
                  body=_("Reason: %(reason)s") % {"reason": reason},
                  link=_engagement_link(engagement, for_student=False))
    return engagement


def shift_pay_fen(job: Job, minutes: int) -> int:
    """Scheduled pay of `minutes` at the job's equivalent hourly rate, in whole fen."""
    return job.hourly_pay_fen * minutes // 60


@transaction.atomic
def engagement_cancel_by_employer(*, engagement_id: int, actor: User, reason: str) -> Engagement:
    """The employer cancels a hired student (E4.1). Within the notice period it
    owes the student compensation (policy % of the cancelled shifts' pay),
    recorded as an item settlements pays; a credit event either way."""
    reason = _required(reason)
    engagement = _engagement_locked(engagement_id)
    ensure_employer_member(actor, engagement.employer_id)
    _check(engagement.cancel_by_employer)
    now, policy = timezone.now(), get_policy()
    remaining = _future_expected(engagement, now)
    notice = dt.timedelta(hours=policy.cancel_notice_hours)
    short_notice = [a for a in remaining if a.shift.starts_at - now < notice]
    late = bool(short_notice)
    before = engagement.status
    engagement.cancel_by_employer(reason=reason, late=late)
    engagement.save(update_fields=["status", "ended_at", "end_reason", "late_cancellation", "updated_at"])
    _cancel_attendances(remaining)
    _history(engagement, "cancel_by_employer", before, engagement.status, actor=actor, reason=reason)
    if late:
        minutes = sum(a.scheduled_minutes for a in short_notice)
        amount = shift_pay_fen(engagement.job, minutes) * policy.late_cancel_compensation_percent // 100
        if amount > 0:
            EngagementItem.objects.create(
                engagement=engagement, kind=EngagementItem.Kind.LATE_CANCELLATION, amount_fen=amount,
                description=str(_("%(pct)s%% of the pay for %(n)s minutes cancelled at short notice"))
                % {"pct": policy.late_cancel_compensation_percent, "n": minutes},
                source_key=f"engagement:{engagement.pk}:late_cancel")
    _credit(key=f"engagement:{engagement.pk}:employer_cancel", subject_kind=EMPLOYER,
            subject_id=engagement.employer_id, kind="late_cancellation" if late else "cancellation_with_notice",
            reason=_("Cancelled a hired student: %(reason)s") % {"reason": reason}, source=engagement)
    notify(recipient=engagement.student,
           subject=_("%(job)s: the employer cancelled your engagement") % {"job": engagement.job.title},
           body=_("Reason: %(reason)s") % {"reason": reason}, link=_engagement_link(engagement, for_student=True))
    return engagement


def _release(engagement: Engagement, *, reason: str, actor=None) -> None:
    """End an engagement without penalty to the student (declined change, confirmed unlawful demand)."""
    before = engagement.status
    engagement.release(reason=reason)
    engagement.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    _cancel_attendances(_future_expected(engagement, timezone.now()))
    _history(engagement, "release", before, engagement.status, actor=actor, reason=reason)
    notify(recipient=engagement.student,
           subject=_("%(job)s: you are released without penalty") % {"job": engagement.job.title},
           body=reason, link=_engagement_link(engagement, for_student=True))


# ------------------------------------------------------------------ changes of time or place (J1.3)
@transaction.atomic
def schedule_change_propose(*, job_id: int, actor: User, reason: str, shift_id: int | None = None,
                            new_date: dt.date | None = None, new_start: dt.time | None = None,
                            new_end: dt.time | None = None, new_address: str = "") -> ScheduleChange:
    """The employer proposes a new time for a shift or a new workplace (J1.3).

    Nothing changes until every hired student has answered; students who
    decline are released without penalty when it takes effect. A change the
    students do not answer by the deadline lapses."""
    reason = _required(reason)
    job = Job.objects.select_for_update().get(pk=job_id)
    ensure_employer_member(actor, job.employer_id)
    now = timezone.now()
    shift = None
    if shift_id is not None:
        shift = Shift.objects.filter(pk=shift_id, job=job).first()
        if shift is None or shift.starts_at <= now:
            raise DomainError(_("Only a shift that has not started can be moved."), field="shift")
        if not (new_date and new_start and new_end):
            raise DomainError(_("Give the new date, start and end."), field="new_date")
        proposed = Shift(job=job, date=new_date, start_time=new_start, end_time=new_end)
        if proposed.starts_at <= now:
            raise DomainError(_("The new time must be in the future."), field="new_date")
        if (proposed.date, proposed.start_time, proposed.end_time) == (shift.date, shift.start_time, shift.end_time):
            raise DomainError(_("The new time is the same as the old one."), field="new_date")
        if ShiftSpec(new_date, new_start, new_end).is_night and Engagement.objects.filter(
                job=job, status=EngagementStatus.ACTIVE, student__student_profile__is_minor_worker=True).exists():
            raise DomainError(_("A student under 18 is hired for this job; the new time would be night work."),
                              field="new_start")
    else:
        new_address = (new_address or "").strip()[:200]
        if not new_address or new_address == job.address:
            raise DomainError(_("Give the new address."), field="new_address")
        new_date = new_start = new_end = None
    if ScheduleChange.objects.filter(job=job, status__in=[ScheduleChange.Status.PROPOSED,
                                                           ScheduleChange.Status.HELD]).exists():
        raise DomainError(_("Another change is waiting for the students' answers; withdraw it first."))
    gate = _screen_change(job=job, shift=shift, new_date=new_date, new_start=new_start, new_end=new_end,
                          new_address=new_address, reason=reason)
    change = ScheduleChange.objects.create(
        job=job, shift=shift, new_date=new_date, new_start=new_start, new_end=new_end, new_address=new_address,
        reason=reason, proposed_by=actor, respond_by=_change_respond_by(shift, proposed if shift else None, now),
        status=ScheduleChange.Status.HELD if gate.held else ScheduleChange.Status.PROPOSED)
    _history(change, "propose", "", change.status, actor=actor, reason=reason)
    if gate.held:
        # Nobody sees a flagged change: the approved time and place stay in force until a moderator clears it.
        held_text_create(result=gate, target=change, author=actor)
        return change
    _change_open(change, actor=actor)
    return change


def _change_respond_by(shift: Shift | None, proposed: Shift | None, now: dt.datetime) -> dt.datetime:
    respond_by = now + dt.timedelta(hours=CHANGE_ANSWER_HOURS)
    if shift is not None:
        # Answers are due before the shift starts at either time: a shift moved
        # earlier must not take effect after its new start has passed.
        respond_by = min(respond_by, shift.starts_at, proposed.starts_at)
    return respond_by


def _change_time_text(new_date, new_start, new_end) -> str:
    return f"{new_date:%Y-%m-%d} {new_start:%H:%M}–{new_end:%H:%M}"


def _screen_change(*, job: Job, shift: Shift | None, new_date, new_start, new_end, new_address: str,
                   reason: str) -> GateResult:
    """The one gate on a change (J1.3, J1.4, G2): the address and the reason the
    students read are screened, and a moved shift is re-checked against the
    part-time limits and night work. Blocking findings refuse the change at
    the field; flags hold it for a moderator."""
    values = {"reason": reason}
    if shift is None:
        values["new_address"] = new_address
    else:
        values["new_time"] = _change_time_text(new_date, new_start, new_end)
    gate = gate_check(values, door=DOOR_SCHEDULE_CHANGE)
    if shift is None:
        return gate
    rules = [replace(f, field="new_start") for f in schedule_change_findings(
        job=job, shift_id=shift.pk, new_spec=ShiftSpec(new_date, new_start, new_end))]
    blocking = [f for f in rules if f.blocks]
    if blocking:
        raise TextRefused(blocking)
    return GateResult(door=gate.door, values=gate.values, findings=[*gate.findings, *rules])


def _change_open(change: ScheduleChange, *, actor) -> None:
    """Put a screened change to the hired students, or apply it at once when nobody is hired yet."""
    job = change.job
    engagements = list(Engagement.objects.filter(job=job, status=EngagementStatus.ACTIVE).select_related("student"))
    ScheduleChangeAnswer.objects.bulk_create([ScheduleChangeAnswer(change=change, engagement=e) for e in engagements])
    respond_by = change.respond_by
    for engagement in engagements:
        notify(recipient=engagement.student,
               subject=_("%(job)s: the employer asks to change the time or place") % {"job": job.title},
               body=_("Nothing changes unless you accept. Answer by %(by)s.")
               % {"by": timezone.localtime(respond_by).strftime("%Y-%m-%d %H:%M")},
               link=_engagement_link(engagement, for_student=True))
    if not engagements:
        _apply_change(change, actor=actor)


def _held_change(held) -> ScheduleChange | None:
    change = (ScheduleChange.objects.select_for_update(of=("self",)).select_related("job", "shift")
              .filter(pk=int(held.object_id)).first())
    return change if change is not None and change.status == ScheduleChange.Status.HELD else None


def schedule_change_clear(held, actor) -> None:
    """A moderator cleared a held change (J1.3, J1.4): it goes to the hired students
    now, with a fresh answer window, or takes effect when nobody is hired."""
    change = _held_change(held)
    if change is None:  # withdrawn meanwhile: nothing to deliver
        return
    now = timezone.now()
    if change.shift is not None and min(change.shift.starts_at, Shift(
            job=change.job, date=change.new_date, start_time=change.new_start,
            end_time=change.new_end).starts_at) <= now:
        raise DomainError(_("The shift has started meanwhile; reject the change instead."))
    before = change.status
    change.release()
    change.respond_by = _change_respond_by(change.shift, Shift(
        job=change.job, date=change.new_date, start_time=change.new_start, end_time=change.new_end)
        if change.shift else None, now)
    change.save(update_fields=["status", "respond_by", "updated_at"])
    _history(change, "release", before, change.status, actor=actor, reason=held.decision_reason)
    _tell_members(change.job.employer_id,
                  subject=_("%(job)s: your change was cleared by a moderator") % {"job": change.job.title},
                  body=held.decision_reason or _("It now goes to the hired students."),
                  link=reverse("applications:change_propose", args=[change.job_id]))
    _change_open(change, actor=actor)


def schedule_change_reject(held, actor) -> None:
    """A moderator rejected a held change: nothing changes and the employer is told why."""
    change = _held_change(held)
    if change is None:
        return
    before = change.status
    change.refuse()
    change.save(update_fields=["status", "decided_at", "updated_at"])
    _history(change, "refuse", before, change.status, actor=actor, reason=held.decision_reason)
    _tell_members(change.job.employer_id,
                  subject=_("%(job)s: your change was rejected by a moderator") % {"job": change.job.title},
                  body=_("Reason: %(reason)s") % {"reason": held.decision_reason},
                  link=reverse("applications:change_propose", args=[change.job_id]))


def _apply_change(change: ScheduleChange, *, actor=None) -> None:
    before = change.status
    change.apply()
    change.save(update_fields=["status", "decided_at", "updated_at"])
    _history(change, "apply", before, change.status, actor=actor)
    if change.shift_id:
        shift = shift_reschedule(shift_id=change.shift_id, date=change.new_date, start=change.new_start,
                                 end=change.new_end)
        policy = get_policy()
        Attendance.objects.filter(shift=shift, status=AttendanceStatus.EXPECTED).update(
            scheduled_minutes=shift.minutes,
            hours_due_at=shift.ends_at + dt.timedelta(hours=policy.hours_confirm_hours))
    else:
        job_workplace_change(job_id=change.job_id, address=change.new_address)
    for answer in change.answers.filter(answer=ScheduleChangeAnswer.Answer.DECLINED).select_related(
            "engagement__job", "engagement__student"):
        engagement = Engagement.objects.select_for_update().select_related("job", "student").get(
            pk=answer.engagement_id)
        if engagement.is_active:
            _release(engagement, reason=str(_("You declined a change of time or place (J1.3).")))


@transaction.atomic
def schedule_change_answer(*, change_id: int, student: User, accept: bool) -> ScheduleChange:
    """A hired student accepts or declines a proposed change (J1.3)."""
    change = ScheduleChange.objects.select_for_update().select_related("job").get(pk=change_id)
    answer = change.answers.select_related("engagement").filter(engagement__student=student).first()
    if answer is None:
        raise NotPermitted()
    if change.status != ScheduleChange.Status.PROPOSED or change.respond_by <= timezone.now():
        raise InvalidTransition(_("This change is no longer open for answers."))
    if answer.answer != ScheduleChangeAnswer.Answer.PENDING:
        raise InvalidTransition(_("You have already answered."))
    answer.answer = ScheduleChangeAnswer.Answer.ACCEPTED if accept else ScheduleChangeAnswer.Answer.DECLINED
    answer.answered_at = timezone.now()
    answer.save(update_fields=["answer", "answered_at"])
    _history(change, "answer", change.status, change.status, actor=student, reason=answer.answer)
    pending = change.answers.filter(answer=ScheduleChangeAnswer.Answer.PENDING,
                                    engagement__status=EngagementStatus.ACTIVE).exists()
    if not pending:
        _apply_change(change, actor=student)
        _tell_members(change.job.employer_id,
                      subject=_("%(job)s: your change took effect") % {"job": change.job.title},
                      body=_("Every hired student has answered."),
                      link=reverse("jobs:employer_job", args=[change.job_id]))
    return change


@transaction.atomic
def schedule_change_withdraw(*, change_id: int, actor: User) -> ScheduleChange:
    change = ScheduleChange.objects.select_for_update().get(pk=change_id)
    ensure_employer_member(actor, change.job.employer_id)
    _check(change.withdraw)
    before = change.status
    change.withdraw()
    change.save(update_fields=["status", "decided_at", "updated_at"])
    _history(change, "withdraw", before, change.status, actor=actor)
    return change


# ------------------------------------------------------------------ attendance (E4, S3.1)
@dataclasses.dataclass(frozen=True)
class CheckinCode:
    shift_id: int
    action: str  # CHECK_IN or CHECK_OUT: separate codes, so one scan cannot do both (E4)
    nonce: str  # new on every display; a student can use it once


def checkin_token(*, shift_id: int, action: str = CHECK_IN, now: dt.datetime | None = None) -> str:
    """The code the employer's shift page shows as a QR code, one for checking in and
    one for checking out; a new one on every display (at least every 30 s)."""
    if action not in (CHECK_IN, CHECK_OUT):
        raise ValueError(action)
    window = int((now or timezone.now()).timestamp()) // CHECKIN_ROTATE_SECONDS
    payload = {"s": shift_id, "a": action, "w": window, "n": secrets.token_urlsafe(9)}
    return signing.dumps(payload, salt=CHECKIN_SALT, compress=True)


def checkin_code(token: str) -> CheckinCode:
    """What a scanned code is for; CheckInRefused if forged or older than 90 s."""
    try:
        data = signing.loads(token, salt=CHECKIN_SALT, max_age=CHECKIN_TOKEN_MAX_AGE)
        code = CheckinCode(shift_id=int(data["s"]), action=str(data["a"]), nonce=str(data["n"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise CheckInRefused() from None
    if code.action not in (CHECK_IN, CHECK_OUT):
        raise CheckInRefused()
    return code


def checkin_shift_id(token: str) -> int:
    """The shift a scanned code is for; CheckInRefused if forged or older than 90 s."""
    return checkin_code(token).shift_id


def checkout_opens_at(attendance: Attendance) -> dt.datetime:
    """When a QR check-out is accepted: CHECKOUT_AFTER_CHECKIN after the check-in, at the latest the shift's end."""
    return min(attendance.checked_in_at + CHECKOUT_AFTER_CHECKIN, attendance.shift.ends_at)


def _checkin_code_use(code: CheckinCode, student: User) -> None:
    """One use of one displayed code per student: a replay (a second tap, a back button, a
    copy of the link) is refused. The key lives as long as the code could be valid."""
    key = f"applications:checkin:{student.pk}:{code.nonce}"
    if not cache.add(key, 1, timeout=CHECKIN_TOKEN_MAX_AGE + CHECKIN_ROTATE_SECONDS):
        raise CheckInRefused(_("This code has already been used. Scan the code on the employer's screen again."))


def _attendance_of_student(*, shift_id: int, student: User) -> Attendance:
    attendance = (Attendance.objects.select_for_update().select_related("shift", "engagement__job")
                  .filter(shift_id=shift_id, engagement__student=student,
                          engagement__status=EngagementStatus.ACTIVE).first())
    if attendance is None:
        raise CheckInRefused(_("You are not hired for this shift."))
    return attendance


def _record_on_time(attendance: Attendance, at: dt.datetime) -> None:
    grace = dt.timedelta(minutes=get_policy().checkin_grace_minutes)
    if at <= attendance.shift.starts_at + grace:
        _credit(key=f"attendance:{attendance.pk}:on_time", subject_kind=STUDENT,
                subject_id=attendance.engagement.student_id, kind="on_time_check_in",
                reason=_("Checked in on time"), source=attendance)


@transaction.atomic
def checkin_scan(*, token: str, student: User) -> Attendance:
    """The signed-in student scanned one of the shift's QR codes (E4).

    The check-in code only checks in and the check-out code only checks out, for
    the signed-in student hired for the shift; check-out opens CHECKOUT_AFTER_CHECKIN
    after the check-in; each displayed code works once per student."""
    code = checkin_code(token)
    attendance = _attendance_of_student(shift_id=code.shift_id, student=student)
    _checkin_code_use(code, student)  # before the state checks: a replay is told so, whatever the state
    now, shift = timezone.now(), attendance.shift
    before = attendance.status
    if code.action == CHECK_IN:
        if attendance.status != AttendanceStatus.EXPECTED:
            raise CheckInRefused(_("You have already checked in; scan the check-out code when you leave.")
                                 if attendance.status == AttendanceStatus.CHECKED_IN
                                 else _("Your attendance for this shift is already recorded."))
        if not shift.starts_at - CHECKIN_OPENS_BEFORE <= now <= shift.ends_at:
            raise CheckInRefused(_("Check-in opens an hour before the shift and closes when it ends."))
        attendance.check_in(at=now)
        _record_on_time(attendance, now)
    else:
        if attendance.status == AttendanceStatus.EXPECTED:
            raise CheckInRefused(_("You have not checked in yet; scan the check-in code first."))
        if attendance.status != AttendanceStatus.CHECKED_IN:
            raise CheckInRefused(_("Your attendance for this shift is already recorded."))
        opens = checkout_opens_at(attendance)
        if now < opens:
            raise CheckInRefused(
                _("You can check out from %(time)s. If you must leave earlier, ask the employer to mark you out.")
                % {"time": timezone.localtime(opens).strftime("%H:%M")})
        attendance.check_out(at=now)
    attendance.save(update_fields=["status", "checked_in_at", "checked_out_at", "marked_by", "updated_at"])
    _history(attendance, "check_in" if code.action == CHECK_IN else "check_out", before, attendance.status,
             actor=student)
    return attendance


def _attendance_for_member(attendance_id: int, actor: User) -> Attendance:
    attendance = (Attendance.objects.select_for_update()
                  .select_related("shift", "engagement__job", "engagement__student").get(pk=attendance_id))
    ensure_employer_member(actor, attendance.engagement.employer_id)
    return attendance


@transaction.atomic
def attendance_mark(*, attendance_id: int, actor: User, checked_in: bool) -> Attendance:
    """The employer marks attendance by hand, from an hour before the shift: in (now,
    at the latest the shift's end; on time within the grace period is a credit
    fact as with the QR code) or out (E4)."""
    attendance = _attendance_for_member(attendance_id, actor)
    now, shift = timezone.now(), attendance.shift
    if now < shift.starts_at - CHECKIN_OPENS_BEFORE:
        raise DomainError(_("Attendance can be marked from an hour before the shift."))
    before = attendance.status
    if checked_in:
        _check(attendance.check_in)
        attendance.check_in(at=min(now, shift.ends_at), by=actor)
        _record_on_time(attendance, attendance.checked_in_at)
    else:
        _check(attendance.check_out)
        attendance.check_out(at=min(now, shift.ends_at), by=actor)
    attendance.save(update_fields=["status", "checked_in_at", "checked_out_at", "marked_by", "updated_at"])
    _history(attendance, "mark_in" if checked_in else "mark_out", before, attendance.status, actor=actor)
    return attendance


@transaction.atomic
def attendance_mark_no_show(*, attendance_id: int, actor: User) -> Attendance:
    """After the grace period without a check-in the employer may mark a no-show;
    the student can contest it within the policy's hours (E4, S3.1)."""
    attendance = _attendance_for_member(attendance_id, actor)
    policy, now = get_policy(), timezone.now()
    if now < attendance.shift.starts_at + dt.timedelta(minutes=policy.checkin_grace_minutes):
        raise DomainError(_("A no-show can be marked only after the check-in grace period of %(n)s minutes.")
                          % {"n": policy.checkin_grace_minutes})
    _check(attendance.mark_no_show)
    before = attendance.status
    attendance.mark_no_show(contest_due_at=now + dt.timedelta(hours=policy.no_show_contest_hours))
    attendance.no_hours()
    attendance.save(update_fields=["status", "no_show_at", "contest_due_at", "hours_status", "confirmed_minutes",
                                   "overtime_minutes", "updated_at"])
    _history(attendance, "no_show", before, attendance.status, actor=actor)
    _credit(key=f"attendance:{attendance.pk}:no_show", subject_kind=STUDENT,
            subject_id=attendance.engagement.student_id, kind="no_show",
            reason=_("Did not come to the shift on %(day)s") % {"day": attendance.shift.date}, source=attendance)
    notify(recipient=attendance.engagement.student,
           subject=_("%(job)s: you were marked as a no-show") % {"job": attendance.engagement.job.title},
           body=_("If this is wrong, contest it by %(by)s.")
           % {"by": timezone.localtime(attendance.contest_due_at).strftime("%Y-%m-%d %H:%M")},
           link=_engagement_link(attendance.engagement, for_student=True))
    return attendance


@transaction.atomic
def no_show_contest(*, attendance_id: int, student: User, text: str) -> Attendance:
    """The student contests a no-show within the window; a case opens for staff."""
    text = _required(text)
    attendance = Attendance.objects.select_for_update().select_related("engagement", "shift").get(pk=attendance_id)
    if attendance.engagement.student_id != student.pk:
        raise NotPermitted()
    if attendance.status != AttendanceStatus.NO_SHOW or attendance.contest_status:
        raise InvalidTransition()
    if attendance.contest_due_at and attendance.contest_due_at <= timezone.now():
        raise DomainError(_("The time to contest this no-show has passed."))
    attendance.contest_status, attendance.contest_text = ContestStatus.OPEN, text
    attendance.save(update_fields=["contest_status", "contest_text", "updated_at"])
    _history(attendance, "contest", attendance.status, attendance.status, actor=student, reason=text)
    case_opened.send(sender=Attendance, kind="no_show_contest", user=student, subject=attendance, summary=text)
    staff_role_notify(role="customer_service", subject=_("A student contests a no-show"),
                      link=reverse("admin:applications_attendance_change", args=[attendance.pk]))
    return attendance


@transaction.atomic
def no_show_contest_decide(*, attendance_id: int, actor: User, overturn: bool, reason: str) -> Attendance:
    """Staff decide a contested no-show; overturned, the credit event is reversed
    and the hours go back to the employer to confirm."""
    reason = _required(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    attendance = Attendance.objects.select_for_update().select_related("engagement__job", "shift").get(
        pk=attendance_id)
    if attendance.contest_status != ContestStatus.OPEN:
        raise InvalidTransition()
    before = attendance.status
    if overturn:
        attendance.overturn_no_show()
        attendance.checked_in_at = attendance.checked_in_at or attendance.shift.starts_at
        attendance.reopen_hours(due_at=timezone.now() + dt.timedelta(hours=get_policy().hours_confirm_hours))
        credit_event_reverse(key=f"attendance:{attendance.pk}:no_show", reason=reason)
    else:
        attendance.contest_status = ContestStatus.UPHELD
    attendance.save(update_fields=["status", "contest_status", "checked_in_at", "hours_status", "confirmed_minutes",
                                   "hours_due_at", "updated_at"])
    _history(attendance, "contest_decided", before, attendance.status, actor=actor, reason=reason)
    case_decided.send(sender=Attendance, kind="no_show_contest", subject=attendance, actor=actor, outcome=reason)
    notify(recipient=attendance.engagement.student,
           subject=_("Your no-show contest was decided"),
           body=(_("The no-show was removed: %(reason)s") if overturn
                 else _("The no-show stands: %(reason)s")) % {"reason": reason},
           link=_engagement_link(attendance.engagement, for_student=True))
    return attendance


# ------------------------------------------------------------------ hours (E4)
@transaction.atomic
def hours_confirm(*, attendance_id: int, actor: User, minutes: int, overtime_minutes: int = 0,
                  note: str = "") -> Attendance:
    """After the shift the employer confirms the actual hours and overtime (E4)."""
    attendance = _attendance_for_member(attendance_id, actor)
    now, shift = timezone.now(), attendance.shift
    if now < shift.ends_at:
        raise DomainError(_("Hours can be confirmed once the shift has ended."))
    if not 0 <= minutes <= attendance.scheduled_minutes:
        raise DomainError(_("Worked minutes must be between 0 and the %(n)s scheduled minutes; "
                            "enter extra time as overtime.") % {"n": attendance.scheduled_minutes}, field="minutes")
    if not 0 <= overtime_minutes <= MAX_OVERTIME_MINUTES:
        raise DomainError(_("Overtime must be between 0 and %(n)s minutes.") % {"n": MAX_OVERTIME_MINUTES},
                          field="overtime_minutes")
    if attendance.status not in (AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN, AttendanceStatus.ATTENDED):
        raise InvalidTransition()
    _check(attendance.confirm_hours)
    before = attendance.hours_status
    if attendance.status != AttendanceStatus.ATTENDED:
        attendance.check_out(at=shift.ends_at, by=actor)
    attendance.confirm_hours(minutes=minutes, overtime=overtime_minutes, by=actor, note=(note or "")[:300],
                             dispute_due_at=now + dt.timedelta(hours=get_policy().hours_dispute_hours))
    attendance.save(update_fields=["status", "checked_in_at", "checked_out_at", "marked_by", "hours_status",
                                   "confirmed_minutes", "overtime_minutes", "hours_note", "hours_confirmed_at",
                                   "hours_confirmed_by", "dispute_due_at", "updated_at"])
    _history(attendance, "confirm_hours", before, attendance.hours_status, actor=actor,
             reason=f"{minutes}+{overtime_minutes} min")
    notify(recipient=attendance.engagement.student,
           subject=_("%(job)s: your hours were confirmed") % {"job": attendance.engagement.job.title},
           body=_("%(m)s minutes and %(o)s minutes of overtime on %(day)s. Dispute them by %(by)s if wrong.")
           % {"m": minutes, "o": overtime_minutes, "day": shift.date,
              "by": timezone.localtime(attendance.dispute_due_at).strftime("%Y-%m-%d %H:%M")},
           link=_engagement_link(attendance.engagement, for_student=True), email=False)
    return attendance


@transaction.atomic
def hours_dispute(*, attendance_id: int, student: User, text: str) -> Attendance:
    """The student disputes confirmed hours within the window; a case opens for staff."""
    text = _required(text)
    attendance = Attendance.objects.select_for_update().select_related("engagement").get(pk=attendance_id)
    if attendance.engagement.student_id != student.pk:
        raise NotPermitted()
    _check(attendance.dispute_hours)
    if attendance.dispute_due_at and attendance.dispute_due_at <= timezone.now():
        raise DomainError(_("The time to dispute these hours has passed."))
    before = attendance.hours_status
    attendance.dispute_hours(text=text)
    attendance.save(update_fields=["hours_status", "dispute_text", "updated_at"])
    _history(attendance, "dispute_hours", before, attendance.hours_status, actor=student, reason=text)
    case_opened.send(sender=Attendance, kind="hours_dispute", user=student, subject=attendance, summary=text)
    staff_role_notify(role="customer_service", subject=_("A student disputes confirmed hours"),
                      link=reverse("admin:applications_attendance_change", args=[attendance.pk]))
    return attendance


@transaction.atomic
def hours_dispute_resolve(*, attendance_id: int, actor: User, minutes: int, overtime_minutes: int,
                          reason: str) -> Attendance:
    """Staff settle disputed hours; the result is final for the settlement."""
    reason = _required(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    attendance = Attendance.objects.select_for_update().select_related("engagement__job").get(pk=attendance_id)
    _check(attendance.resolve_hours)
    if not (0 <= minutes <= attendance.scheduled_minutes and 0 <= overtime_minutes <= MAX_OVERTIME_MINUTES):
        raise DomainError(_("The minutes are out of range."), field="minutes")
    before = attendance.hours_status
    attendance.resolve_hours(minutes=minutes, overtime=overtime_minutes, note=reason[:300])
    attendance.save(update_fields=["hours_status", "confirmed_minutes", "overtime_minutes", "hours_note",
                                   "updated_at"])
    _history(attendance, "resolve_hours", before, attendance.hours_status, actor=actor, reason=reason)
    case_decided.send(sender=Attendance, kind="hours_dispute", subject=attendance, actor=actor, outcome=reason)
    notify(recipient=attendance.engagement.student, subject=_("Your hours dispute was decided"),
           body=reason, link=_engagement_link(attendance.engagement, for_student=True))
    return attendance


# ------------------------------------------------------------------ unlawful demands (S3.3)
@transaction.atomic
def demand_report_file(*, engagement_id: int, student: User, kind: str, description: str, evidence=None,
                       refuses_and_leaves: bool = False) -> DemandReport:
    """The student reports an unlawful or unreasonable demand (S3.3): a moderation
    case due within the policy's hours. Refusing the demand costs the student
    nothing once the report is confirmed."""
    description = _required(description)
    engagement = _engagement_locked(engagement_id)
    if engagement.student_id != student.pk:
        raise NotPermitted()
    if kind not in DemandReport.Kind.values:
        raise DomainError(_("Choose what happened."), field="kind")
    if evidence:
        evidence = clean_upload(evidence, folder="evidence")
    report = DemandReport.objects.create(
        engagement=engagement, kind=kind, description=description[:3000], evidence=evidence or "",
        refuses_and_leaves=refuses_and_leaves,
        due_at=timezone.now() + dt.timedelta(hours=get_policy().demand_report_hours))
    _history(report, "file", "", report.status, actor=student, reason=description)
    staff_role_notify(role="moderator", subject=_("A student reports an unlawful demand"),
                      link=reverse("admin:applications_demandreport_change", args=[report.pk]))
    return report


def _demand_decision(*, pk: int, actor: User, name: str, reason: str) -> DemandReport:
    report = DemandReport.objects.select_for_update().select_related("engagement__job").get(pk=pk)
    method = getattr(report, name)
    if not can_proceed(method):
        raise InvalidTransition()
    from django_fsm import has_transition_perm

    if not has_transition_perm(method, actor):
        raise NotPermitted()
    before = report.status
    method(by=actor, reason=reason)
    report.save(update_fields=["status", "decided_at", "decided_by", "outcome", "updated_at"])
    _history(report, name, before, report.status, actor=actor, reason=reason)
    return report


@transaction.atomic
def demand_report_accept(*, pk: int, actor: User, reason: str) -> DemandReport:
    """Staff confirm the report: a credit event against the employer; a student
    who refused the demand is released without penalty (S3.3)."""
    reason = _required(reason)
    report = _demand_decision(pk=pk, actor=actor, name="accept", reason=reason)
    engagement = Engagement.objects.select_for_update().select_related("job", "student").get(pk=report.engagement_id)
    _credit(key=f"demand_report:{report.pk}:confirmed", subject_kind=EMPLOYER, subject_id=engagement.employer_id,
            kind=f"violation_{report.kind}", reason=_("Confirmed report: %(kind)s") % {"kind": report.get_kind_display()},
            source=report)
    if report.refuses_and_leaves and engagement.is_active:
        _release(engagement, actor=actor, reason=str(_("Your report was confirmed; you may leave this job "
                                                       "without penalty (S3.3).")))
    notify(recipient=engagement.student, subject=_("Your report was confirmed"), body=reason,
           link=_engagement_link(engagement, for_student=True))
    _tell_members(engagement.employer_id, subject=_("A report about %(job)s was confirmed") % {"job": engagement.job.title},
                  body=reason, link=_engagement_link(engagement, for_student=False))
    return report


@transaction.atomic
def demand_report_dismiss(*, pk: int, actor: User, reason: str) -> DemandReport:
    reason = _required(reason)
    report = _demand_decision(pk=pk, actor=actor, name="dismiss", reason=reason)
    notify(recipient=report.engagement.student, subject=_("Your report could not be confirmed"), body=reason,
           link=_engagement_link(report.engagement, for_student=True))
    return report


# ------------------------------------------------------------------ losses (S3.2)
@transaction.atomic
def loss_claim_file(*, engagement_id: int, actor: User, amount_fen: int, description: str,
                    evidence) -> LossClaim:
    """The employer claims a loss the student caused (S3.2), with evidence. Nothing
    is deducted: the student answers, and only an agreed or decided amount is charged."""
    description = _required(description)
    engagement = _engagement_locked(engagement_id)
    ensure_employer_member(actor, engagement.employer_id)
    if engagement.status not in (EngagementStatus.ACTIVE, EngagementStatus.COMPLETED):
        raise InvalidTransition()
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError(_("Give the amount of the loss."), field="amount_fen")
    if not evidence:
        raise DomainError(_("Attach evidence of the loss."), field="evidence")
    claim = LossClaim.objects.create(engagement=engagement, amount_fen=amount_fen, description=description[:3000],
                                     evidence=clean_upload(evidence, folder="evidence"), filed_by=actor)
    _history(claim, "file", "", claim.status, actor=actor, reason=description)
    notify(recipient=engagement.student,
           subject=_("%(job)s: the employer claims a loss") % {"job": engagement.job.title},
           body=_("Read the claim and answer it; nothing is deducted from your pay unless you agree or staff decide."),
           link=_engagement_link(engagement, for_student=True))
    return claim


def _loss_item(claim: LossClaim) -> None:
    EngagementItem.objects.get_or_create(source_key=f"loss_claim:{claim.pk}", defaults={
        "engagement_id": claim.engagement_id, "kind": EngagementItem.Kind.LOSS,
        "amount_fen": -int(claim.decided_amount_fen or 0),
        "description": str(_("Compensation for a loss (claim %(n)s)")) % {"n": claim.pk}})


@transaction.atomic
def loss_claim_answer(*, claim_id: int, student: User, agree: bool, answer: str) -> LossClaim:
    answer = _required(answer)
    claim = LossClaim.objects.select_for_update().select_related("engagement__job").get(pk=claim_id)
    if claim.engagement.student_id != student.pk:
        raise NotPermitted()
    method = claim.agree if agree else claim.contest
    _check(method)
    before = claim.status
    method(answer=answer[:3000])
    claim.save(update_fields=["status", "student_answer", "decided_amount_fen", "decided_at", "updated_at"])
    _history(claim, "agree" if agree else "contest", before, claim.status, actor=student, reason=answer)
    if agree:
        _loss_item(claim)
    else:
        staff_role_notify(role="moderator", subject=_("A student contests a loss claim"),
                          link=reverse("admin:applications_lossclaim_change", args=[claim.pk]))
    _tell_members(claim.engagement.employer_id, subject=_("The student answered your loss claim"), body=answer,
                  link=_engagement_link(claim.engagement, for_student=False))
    return claim


@transaction.atomic
def loss_claim_decide(*, pk: int, actor: User, uphold: bool, reason: str, amount_fen: int | None = None) -> LossClaim:
    """Staff decide a contested claim; an upheld amount (≤ the claim) becomes a visible item."""
    reason = _required(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    claim = LossClaim.objects.select_for_update().select_related("engagement__job", "engagement__student").get(pk=pk)
    before = claim.status
    if uphold:
        _check(claim.uphold)
        amount = claim.amount_fen if amount_fen is None else int(amount_fen)
        if not 0 < amount <= claim.amount_fen:
            raise DomainError(_("The amount must be more than 0 and at most the amount claimed."), field="amount_fen")
        claim.uphold(by=actor, amount_fen=amount, reason=reason)
    else:
        _check(claim.dismiss)
        claim.dismiss(by=actor, reason=reason)
    claim.save(update_fields=["status", "decided_amount_fen", "decided_at", "decided_by", "outcome", "updated_at"])
    _history(claim, "uphold" if uphold else "dismiss", before, claim.status, actor=actor, reason=reason)
    if uphold:
        _loss_item(claim)
        _credit(key=f"loss_claim:{claim.pk}:upheld", subject_kind=STUDENT, subject_id=claim.engagement.student_id,
                kind="loss_caused", reason=_("Caused a loss to the employer: %(reason)s") % {"reason": reason},
                source=claim)
    for recipient in [claim.engagement.student]:
        notify(recipient=recipient, subject=_("The loss claim was decided"), body=reason,
               link=_engagement_link(claim.engagement, for_student=True))
    return claim


# ------------------------------------------------------------------ completion
def engagement_complete(engagement: Engagement) -> None:
    """Mark a locked engagement completed: its confirmed hours go to settlements."""
    before = engagement.status
    engagement.complete()
    engagement.save(update_fields=["status", "completed_at", "ended_at", "updated_at"])
    _history(engagement, "complete", before, engagement.status)
    attended = engagement.attendances.filter(status=AttendanceStatus.ATTENDED).count()
    if attended:
        _credit(key=f"engagement:{engagement.pk}:completed", subject_kind=STUDENT,
                subject_id=engagement.student_id, kind="engagement_completed",
                reason=_("Completed %(job)s (%(n)s shifts)") % {"job": engagement.job.title, "n": attended},
                source=engagement)


def applicant_contact_visible(*, application: Application) -> bool:
    """Contact details stay hidden until the student has accepted the hire (E3.1)."""
    return application.status == ApplicationStatus.ACCEPTED
