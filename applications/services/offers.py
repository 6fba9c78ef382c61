"""The employer's answer and the offer (E3.1, E3.2): hire (an offer the student
accepts within the policy window) or reject with a reason, before the answer
deadline; the student accepts, which starts the engagement, or declines."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import student_profile_for
from accounts.services import guardian_notice_record
from core.alerts import alert_send
from core.errors import DomainError, InvalidTransition
from core.history import history_record
from core.models import AlertKind
from core.notifications import notify
from core.policy import get_policy
from core.sms import SmsTemplate
from core.transitions import lock_row, run_transition
from employers.services import ensure_employer_member, ensure_employer_vetted
from jobs.models import Job
from jobs.services import ensure_insured_for_hire

from ..hooks import hire_checks_run
from ..models import (
    Agreement,
    Application,
    ApplicationsAction,
    ApplicationStatus,
    Attendance,
    Engagement,
    ScheduleChange,
    ScheduleChangeAnswer,
)
from ..selectors import minor_job_refusal, places_taken, sanction_refusal
from .agreements import agreement_accept, agreement_issue
from .shared import (
    JobFull,
    MinorRefused,
    application_of_student,
    engagement_link,
    ensure_no_schedule_overlap,
    required_reason,
    tell_members,
)


class AnswerTooLate(DomainError):
    default_message = _("The time to answer this application has passed; it expires without an answer.")


def _student_link(application: Application) -> str:
    return reverse("applications:student_application", args=[application.pk])


def _application_for_member(application_id: int, actor: User) -> Application:
    application = lock_row(Application, application_id, related=("job", "student"))
    ensure_employer_member(actor, application.job.employer_id)
    return application


def _ensure_answer_in_time(application: Application) -> None:
    """E3.2: past P3 the application is expired (and the employer's credit noted) even if
    the sweep has not run yet; a late answer must not slip in before it."""
    if application.status == ApplicationStatus.APPLIED and application.response_due_at <= timezone.now():
        raise AnswerTooLate()


# ------------------------------------------------------------------ the employer answers (E3.1, E3.2)
@transaction.atomic
def application_hire(*, application_id: int, actor: User) -> Application:
    """The employer hires: an offer the student accepts within the policy window (E3.1).

    Only before the answer deadline (E3.2) and while a place is free. The job
    row is locked first, so two members hiring for the last place at the same
    moment are serialised and exactly one succeeds (headcount). Never a student aged
    16–17 for a job closed to minors (MinorRefused, docs/minors.md). An employer below the
    prefunding credit tier must hold the estimated pay in escrow first (E5.1,
    the prefunding check settlements registers, applications.hooks: PrefundRequired, nothing saved)."""
    member_job = Application.objects.filter(pk=application_id).values_list("job_id", flat=True).first()
    if member_job is None:
        raise InvalidTransition()
    lock_row(Job, member_job)  # the headcount lock
    application = _application_for_member(application_id, actor)
    _ensure_answer_in_time(application)
    ensure_employer_vetted(application.job.employer)  # re-verified every six months (docs/recruitment-rules.md)
    if places_taken(application.job_id) >= application.job.headcount:
        raise JobFull()
    # The job may have closed to minors after the student applied (an approved revision).
    refusal = minor_job_refusal(job=application.job, profile=student_profile_for(application.student))
    if refusal:
        raise MinorRefused(refusal)
    ensure_insured_for_hire(application.job)  # docs/insurance.md: a lapsed cover pauses new hiring
    hire_checks_run(employer=application.job.employer, job=application.job)  # E5.1: low credit tiers prefund
    run_transition(application, "offer", actor=actor, by=actor,
                   expires_at=timezone.now() + dt.timedelta(hours=get_policy().offer_accept_hours))
    alert_send(recipient=application.student, kind=AlertKind.OFFER,
               subject=_("You have an offer for “%(job)s”") % {"job": application.job.title},
               body=_("Accept it by %(until)s, or the place goes to someone else.")
               % {"until": timezone.localtime(application.offer_expires_at).strftime("%Y-%m-%d %H:%M")},
               link=_student_link(application))
    return application


@transaction.atomic
def application_reject(*, application_id: int, actor: User, reason: str) -> Application:
    """The employer rejects before the answer deadline; the reason is required and the
    student sees it (E3.2)."""
    reason = required_reason(reason)
    application = _application_for_member(application_id, actor)
    _ensure_answer_in_time(application)
    run_transition(application, "reject", actor=actor, note=reason, by=actor, reason=reason)
    notify(recipient=application.student,
           subject=_("Your application for “%(job)s” was not successful") % {"job": application.job.title},
           body=_("The employer's reason: %(reason)s") % {"reason": reason}, link=_student_link(application))
    return application


# ------------------------------------------------------------------ the student answers the offer (E3.1)
def _attendance_rows(engagement: Engagement, shifts, policy) -> list[Attendance]:
    return [Attendance(engagement=engagement, shift=shift, scheduled_minutes=shift.minutes,
                       hours_due_at=shift.ends_at + dt.timedelta(hours=policy.hours_confirm_hours))
            for shift in shifts]


@transaction.atomic
def offer_accept(*, application_id: int, student: User, ip: str | None = None) -> Engagement:
    """The student accepts the offer before it lapses (E3.1): the engagement starts
    with one Attendance per remaining shift and contact details are exchanged. No
    overlap with the student's other engagements (S2.2); a change of time or place
    still open for answers asks this student too (J1.3). The platform issues the
    service agreement (劳务协议, issue 19) and records the student's acceptance of
    it, from `ip`: accepting the offer is accepting its written terms."""
    application = application_of_student(application_id, student)
    # A sanction that stops the student applying stops them taking an offer too (E4.2, K3.2).
    profile = student_profile_for(student)
    refusal = sanction_refusal(profile) or minor_job_refusal(job=application.job, profile=profile)
    if refusal:
        raise DomainError(refusal)
    if not application.job.employer.is_approved:  # its vetting lapsed since the offer (docs/recruitment-rules.md)
        raise DomainError(_("%(employer)s is waiting for the platform's six-monthly re-verification; you can "
                            "accept this offer once it is re-verified, if the offer is still open then.")
                          % {"employer": application.job.employer.name})
    if application.offer_expires_at and application.offer_expires_at <= timezone.now():
        raise DomainError(_("This offer has lapsed."))
    now = timezone.now()
    ensure_no_schedule_overlap(student=student, job=application.job, now=now)
    run_transition(application, "accept_offer", actor=student)
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
    history_record(subject=engagement, transition=ApplicationsAction.START, from_state="",
                   to_state=engagement.status, actor=student)
    agreement = agreement_issue(engagement=engagement, reason=Agreement.Reason.HIRED, actor=student)
    agreement_accept(agreement_id=agreement.pk, user=student, ip=ip)
    if profile is not None and profile.is_minor_worker:
        _tell_guardian_of_hire(engagement, profile, upcoming)
        tell_members(job.employer_id, subject=_("%(job)s: the student you hired is aged 16–17") % {"job": job.title},
                     body=_("Before the first shift, confirm the health check (art. 6) and the registration with "
                            "the labour administration (art. 9) on the engagement page; check-in waits for it."),
                     link=engagement_link(engagement, for_student=False))
    if open_change is not None:
        ScheduleChangeAnswer.objects.create(change=open_change, engagement=engagement)
        alert_send(recipient=student, kind=AlertKind.SCHEDULE_CHANGE,
                   subject=_("%(job)s: the employer asks to change the time or place") % {"job": job.title},
                   body=_("Nothing changes unless you accept. Answer by %(by)s.")
                   % {"by": timezone.localtime(open_change.respond_by).strftime("%Y-%m-%d %H:%M")},
                   link=engagement_link(engagement, for_student=True))
    tell_members(job.employer_id, subject=_("%(job)s: a student accepted your offer") % {"job": job.title},
                 body=_("Their contact details are on the engagement page."),
                 link=engagement_link(engagement, for_student=False))
    return engagement


def _tell_guardian_of_hire(engagement: Engagement, profile, shifts) -> None:
    """A minor's guardian is told of each hire by text message, in Chinese (docs/minors.md):
    accounts records the GuardianNotice and hands it to the SMS gateway (core.sms)."""
    first = min((s.starts_at for s in shifts), default=None)
    guardian_notice_record(
        student=engagement.student, template=SmsTemplate.GUARDIAN_HIRE, source=f"engagement:{engagement.pk}",
        params={"name": profile.real_name, "employer": engagement.job.employer.name, "job": engagement.job.title,
                "first": timezone.localtime(first).strftime("%Y-%m-%d %H:%M") if first else "—"})


@transaction.atomic
def offer_decline(*, application_id: int, student: User) -> Application:
    """The student declines the offer; the place is free again (E3.1)."""
    application = application_of_student(application_id, student)
    run_transition(application, "decline_offer", actor=student)
    tell_members(application.job.employer_id,
                 subject=_("%(job)s: a student declined your offer") % {"job": application.job.title},
                 body=_("The place is free again."),
                 link=reverse("applications:employer_applicants", args=[application.job_id]))
    return application
