"""Applying (S2.2, E3.1, K3.1): what a student looks for, the application and
its withdrawal, and the employer's invitations to apply."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile, User
from accounts.selectors import student_profile_for
from core.errors import DomainError, NotPermitted
from core.history import history_record
from core.notifications import notify
from core.policy import get_policy
from core.screening import gate_check, held_text_create
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after
from employers.models import Employer
from employers.services import ensure_employer_member, ensure_employer_vetted
from jobs.models import Job, JobStatus

from ..models import ALL_AVAILABLE, Application, ApplicationsAction, JobInvitation, StudentIntention
from ..selectors import apply_refusal, minor_job_refusal, places_taken, student_reachable_for_job
from .shared import JobFull, MinorRefused, application_of_student, ensure_no_schedule_overlap, tell_members

# The door of the one gate (core.screening) an invitation's message passes, registered in ApplicationsConfig.ready().
DOOR_INVITATION = "applications.invitation"


class CannotApply(DomainError):
    default_message = _("You cannot apply for this job.")


class InvitationRefused(DomainError):
    # One neutral answer for every student id the employer may not reach (not
    # a candidate, not discoverable, not approved, no such id): it must not
    # tell the employer which ids are students (G4, enumeration).
    default_message = _("This student cannot be invited.")


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
def _answer_due(job: Job, now: dt.datetime) -> dt.datetime:
    """E3.2: P3 working days after applying — but never later than the start of the
    job's next shift (issue 23): an answer after the work began is no answer. One query."""
    due = working_days_after(now, get_policy().response_working_days)
    next_start = min((s.starts_at for s in job.shifts.all() if s.starts_at > now), default=None)
    return min(due, next_start) if next_start is not None else due


@transaction.atomic
def application_apply(*, job_id: int, student: User, confirms_requirements: bool, commits_to_work: bool,
                      message: str = "") -> Application:
    """A student applies (S2.2).

    Preconditions: an approved student; the job published, before its deadline
    and not full; no overlap with the student's engagements; no night work and
    no work or workplace closed to minors for a student aged 16–17 (docs/minors.md); both confirmations given; one application per
    job. Effects: the answer deadline is P3 working days later (E3.2) or the
    start of the next shift if sooner, the reminder at half-time; the employer is told. K3.1: not before the job opens
    to the student's credit tier, and not beyond the tier's open-applications
    limit — the student's profile row is locked first, so two applies at once
    by the same student are counted one after the other."""
    profile = None
    if student.is_authenticated and student.is_student:
        profile = (StudentProfile.objects.select_for_update(of=("self",)).select_related("user")
                   .filter(user=student).first())
    job = lock_row(Job, job_id, related=("employer",))
    now = timezone.now()
    refusal = apply_refusal(job=job, student=student, now=now, profile=profile)
    if refusal:
        raise CannotApply(refusal)
    if not (confirms_requirements and commits_to_work):
        raise DomainError(_("Confirm that you meet the requirements and will do the work as agreed."),
                          field="confirms_requirements")
    if places_taken(job.pk) >= job.headcount:
        raise JobFull()
    ensure_no_schedule_overlap(student=student, job=job, now=now)
    due = _answer_due(job, now)
    application = Application.objects.create(
        job=job, student=student, confirms_requirements=True, commits_to_work=True,
        message=(message or "").strip()[:1000], applied_at=now, response_due_at=due,
        reminder_due_at=now + (due - now) / 2,
        invited=JobInvitation.objects.filter(job=job, student=student, held=False).exists(),
    )
    history_record(subject=application, transition=ApplicationsAction.APPLY, from_state="",
                   to_state=application.status, actor=student)
    tell_members(job.employer_id, subject=_("New application for “%(job)s”") % {"job": job.title},
                 body=_("Answer it by %(due)s.") % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
                 link=reverse("applications:employer_application", args=[application.pk]))
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, student: User) -> Application:
    """The student withdraws before a decision (S2.2)."""
    application = application_of_student(application_id, student)
    return run_transition(application, "withdraw", actor=student)


# ------------------------------------------------------------------ invitations (E3.1, G4)
@transaction.atomic
def job_invite_student(*, job_id: int, student_id: int, actor: User, message: str = "") -> JobInvitation:
    """The employer invites a student to apply (E3.1); the student decides.

    Only students the employer may reach (a candidate of the job, or a
    discoverable student), never a minor to night work or to work or a workplace
    closed to minors (S2.2, MinorRefused with the reason; docs/minors.md),
    at most the policy's number of invitations per employer a day. The message
    goes through the one gate (G2, J1.4): blocking text is refused; a flagged
    message is held, and the student hears of the invitation only once a
    moderator clears it. Every unreachable id gets the same InvitationRefused."""
    job = Job.objects.select_related("employer").get(pk=job_id)
    ensure_employer_member(actor, job.employer_id)
    ensure_employer_vetted(job.employer)  # re-verified every six months (docs/recruitment-rules.md)
    if job.status != JobStatus.PUBLISHED or job.application_deadline <= timezone.now():
        raise DomainError(_("Only a published job that takes applications can invite students."))
    message = (message or "").strip()[:300]
    gate = gate_check({"message": message}, door=DOOR_INVITATION) if message else None
    # The daily limit is counted under the employer row's lock, so two members cannot both pass it.
    lock_row(Employer, job.employer_id)
    limit = get_policy().invitations_per_employer_day
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if JobInvitation.objects.filter(job__employer_id=job.employer_id, created_at__gte=today).count() >= limit:
        raise DomainError(_("Your organisation has sent %(n)s invitations today, the daily limit; "
                            "try again tomorrow.") % {"n": limit})
    student = User.objects.filter(pk=student_id, kind=User.Kind.STUDENT, is_active=True).first()
    profile = student_profile_for(student) if student else None
    if (profile is None or not profile.can_apply
            or not student_reachable_for_job(job=job, student_id=student_id)):
        raise InvitationRefused()
    # Asked only of a student the employer may reach, so it tells nothing about other ids (G4).
    refusal = minor_job_refusal(job=job, profile=profile)
    if refusal:
        raise MinorRefused(refusal)
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
    tell_members(job.employer_id,
                 subject=_("%(job)s: your invitation was not delivered") % {"job": job.title},
                 body=_("Reason: %(reason)s") % {"reason": held.decision_reason},
                 link=reverse("applications:employer_candidates", args=[job.pk]))
