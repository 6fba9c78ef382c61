"""May it happen, and if not, why not: the read-only rules of applying and
hiring (S2.2, E3, K3.1, E4.2). Pages show their reasons before the user acts;
the services ask them again under lock."""

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile, User
from accounts.selectors import guardian_consent_current, student_profile_for
from core.models import CreditTier
from core.policy import get_policy
from jobs.models import Job, JobStatus, Shift
from jobs.selectors import has_early_access, job_open_to_students_at

from ..models import (
    OPEN_APPLICATION,
    Application,
    ApplicationStatus,
    AttendanceStatus,
    Engagement,
    EngagementStatus,
    StudentIntention,
)
from .ranking import invite_candidates

# ------------------------------------------------------------------ limits by credit tier (K3.1)
LOW_TIER_MAX = CreditTier.FAIR  # tiers 0–1 get the low limit


@dataclass(frozen=True)
class ApplicationsLimit:
    """How many open applications a student may have, and why (shown on the apply page)."""

    limit: int
    tier: int
    open_count: int

    @property
    def tier_label(self) -> str:
        return str(CreditTier(self.tier).label)

    @property
    def reached(self) -> bool:
        return self.open_count >= self.limit

    @property
    def is_low_tier(self) -> bool:
        return self.tier <= LOW_TIER_MAX


def applications_limit_for_tier(tier: int, policy=None) -> int:
    policy = policy or get_policy()
    return policy.applications_limit_low_tier if tier <= LOW_TIER_MAX else policy.applications_limit


def student_open_applications_count(*, student: User) -> int:
    """Applications still waiting for an answer or holding an offer (OPEN_APPLICATION)."""
    return Application.objects.filter(student=student, status__in=OPEN_APPLICATION).count()


def student_applications_limit(*, student: User, profile: StudentProfile) -> ApplicationsLimit:
    return ApplicationsLimit(limit=applications_limit_for_tier(profile.credit_tier), tier=profile.credit_tier,
                             open_count=student_open_applications_count(student=student))


# ------------------------------------------------------------------ headcount and schedule (E3, S2.2)
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


def student_schedule_overlaps(*, student: User, job: Job, now: dt.datetime) -> bool:
    """S2.2: do the job's shifts overlap the shifts the student still has to work (or is
    working) in their other active engagements? Overnight shifts end the next day."""
    busy = Shift.objects.filter(
        attendances__engagement__student=student,
        attendances__engagement__status=EngagementStatus.ACTIVE,
        attendances__status__in=[AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN],
        date__gte=(now - dt.timedelta(days=1)).date(),
    ).exclude(job=job)
    return _overlaps(_intervals(job.shifts.all()), _intervals(busy))


# ------------------------------------------------------------------ applying (S2.2, K3.1, E4.2)
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


def minor_job_refusal(*, job: Job, profile: StudentProfile | None) -> str | None:
    """Why a student aged 16–17 may not apply for, be invited to or be hired for this job, or
    None: night work, or what the employer declared minors may not do there (《未成年工特殊保护规定》
    art. 3; Minors Protection Law arts. 58, 61; docs/minors.md). The one check the apply,
    invitation, hire and offer services share."""
    if profile is None or not profile.is_minor_worker or not job.excludes_minors:
        return None
    if job.closed_to_minors:
        items = job.get_minor_restricted_work_display()
        if job.minor_restricted_venue:
            items.append(str(job.get_minor_restricted_venue_display()))
        return str(_("Students aged 16–17 cannot take this job: it involves work or a workplace closed to minors "
                     "(%(items)s; Provisions on the Special Protection of Juvenile Workers art. 3, Minors "
                     "Protection Law arts. 58 and 61).") % {"items": "; ".join(items)})
    return str(_("Students aged 16–17 cannot take this job: it includes night work (22:00–06:00)."))


GUARDIAN_CONSENT_URL = reverse_lazy("accounts:guardian_consent")


def guardian_consent_refusal(*, student: User, profile: StudentProfile) -> str | None:
    """A student aged 16–17 applies only with their guardian's consent in force (Civil Code
    art. 19; docs/minors.md)."""
    if not profile.is_minor_worker or guardian_consent_current(student) is not None:
        return None
    return str(_("Students aged 16–17 need their guardian's consent before applying (Civil Code art. 19). "
                 "Record it at %(url)s") % {"url": GUARDIAN_CONSENT_URL})


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
    refusal = minor_job_refusal(job=job, profile=profile) or guardian_consent_refusal(student=student,
                                                                                     profile=profile)
    if refusal:
        return refusal
    refusal = early_access_refusal(job=job, profile=profile, now=now)
    if refusal:
        return refusal
    if check_existing and Application.objects.filter(job=job, student=student).exists():
        return str(_("You have already applied for this job."))
    if check_limit:
        return applications_limit_refusal(student=student, profile=profile)
    return None


# ------------------------------------------------------------------ invitations and contact (E3.1, G4)
def student_reachable_for_job(*, job: Job, student_id: int) -> bool:
    """May the employer invite this student to this job (E3.1, G4)? Only a
    candidate from the job's matching list, or an approved student who chose to
    be discoverable by employers (off by default)."""
    if StudentIntention.objects.filter(
            student_id=student_id, discoverable=True, student__is_active=True,
            student__kind=User.Kind.STUDENT, student__student_profile__vetting_status="approved").exists():
        return True
    return any(user.pk == student_id for user, _score in invite_candidates(job=job))


def applicant_contact_visible(*, application: Application) -> bool:
    """Contact details stay hidden until the student has accepted the hire (E3.1)."""
    return application.status == ApplicationStatus.ACCEPTED
