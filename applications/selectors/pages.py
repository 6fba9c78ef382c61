"""Reads behind the student's and the employer's pages of applications,
engagements, shifts and changes."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from jobs.models import Job, JobStatus, Shift

from ..models import (
    Agreement,
    AgreementAcceptance,
    AgreementParty,
    Application,
    Attendance,
    Engagement,
    EngagementStatus,
    JobInvitation,
    ScheduleChange,
    ScheduleChangeAnswer,
)


# ------------------------------------------------------------------ student pages
def student_applications(*, student: User) -> QuerySet[Application]:
    return (Application.objects.filter(student=student).select_related("job", "job__employer")
            .order_by("-applied_at", "-id"))


def student_engagements(*, student: User) -> QuerySet[Engagement]:
    return (Engagement.objects.filter(student=student).select_related("job", "job__employer")
            .order_by("-started_at", "-id"))


def student_invitations(*, student: User) -> QuerySet[JobInvitation]:
    return (JobInvitation.objects.filter(student=student, held=False, job__status=JobStatus.PUBLISHED,
                                         job__application_deadline__gt=timezone.now())
            .exclude(job__applications__student=student).select_related("job", "job__employer"))


def student_application_for_job(*, student: User, job: Job) -> Application | None:
    return Application.objects.filter(student=student, job=job).only("pk", "status", "job_id").first()


def student_application_get(*, student: User, pk: int) -> Application | None:
    return Application.objects.select_related("job", "job__employer").filter(pk=pk, student=student).first()


def engagement_for_student(*, student: User, pk: int) -> Engagement | None:
    return (Engagement.objects.select_related("job", "job__employer", "student")
            .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.select_related("shift")),
                              "items", "loss_claims", "demand_reports")
            .filter(pk=pk, student=student).first())


def engagement_for_employer(*, employer_id: int, pk: int) -> Engagement | None:
    return (Engagement.objects.select_related("job", "student", "student__student_profile")
            .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.select_related("shift")),
                              "items", "loss_claims")
            .filter(pk=pk, employer_id=employer_id).first())


def open_changes_for_engagement(*, engagement: Engagement) -> list[ScheduleChangeAnswer]:
    return list(ScheduleChangeAnswer.objects.filter(
        engagement=engagement, change__status=ScheduleChange.Status.PROPOSED,
        answer=ScheduleChangeAnswer.Answer.PENDING).select_related("change", "change__shift"))


# ------------------------------------------------------------------ employer pages
def employer_application_get(*, employer_id: int, pk: int) -> Application | None:
    return (Application.objects.select_related("job__employer", "student", "student__student_profile")
            .filter(pk=pk, job__employer_id=employer_id).first())


def shift_attendance(*, shift: Shift) -> QuerySet[Attendance]:
    """Hired students of one shift, for the employer's shift page."""
    return (Attendance.objects.filter(shift=shift)
            .exclude(engagement__status__in=[EngagementStatus.CANCELLED_BY_EMPLOYER,
                                             EngagementStatus.CANCELLED_BY_STUDENT, EngagementStatus.RELEASED])
            .select_related("engagement__student__student_profile").order_by("engagement__student__id"))


def job_open_change(*, job: Job) -> ScheduleChange | None:
    """The change waiting for the students, or held for a moderator (J1.3, J1.4)."""
    return (ScheduleChange.objects.filter(job=job, status__in=[ScheduleChange.Status.PROPOSED,
                                                               ScheduleChange.Status.HELD])
            .prefetch_related("answers").first())


def employer_engagements(*, employer_id: int, job: Job | None = None) -> QuerySet[Engagement]:
    qs = Engagement.objects.filter(employer_id=employer_id)
    if job is not None:
        qs = qs.filter(job=job)
    return qs.select_related("job", "student__student_profile").order_by("-started_at", "-id")


# ------------------------------------------------------------------ the service agreement (issue 19)
@dataclass(frozen=True)
class AgreementRow:
    """One version of an engagement's agreement as a party's page shows it."""

    agreement: Agreement
    student: AgreementAcceptance | None
    employer: AgreementAcceptance | None
    latest: bool
    mine: AgreementAcceptance | None

    @property
    def can_accept(self) -> bool:
        return self.latest and self.mine is None


def engagement_agreements(*, engagement: Engagement, party: str) -> list[AgreementRow]:
    """Every version, newest first, with each side's acceptance; `party` is the reader's side. Two queries."""
    agreements = list(engagement.agreements.order_by("-version").prefetch_related("acceptances"))
    rows = []
    for n, agreement in enumerate(agreements):
        by_party = {a.party: a for a in agreement.acceptances.all()}
        rows.append(AgreementRow(agreement=agreement, student=by_party.get(AgreementParty.STUDENT),
                                 employer=by_party.get(AgreementParty.EMPLOYER), latest=n == 0,
                                 mine=by_party.get(party)))
    return rows


def agreement_for_student(*, student: User, pk: int) -> Agreement | None:
    return Agreement.objects.filter(pk=pk, engagement__student=student).select_related("engagement").first()


def agreement_for_employer(*, employer_id: int, pk: int) -> Agreement | None:
    return Agreement.objects.filter(pk=pk, engagement__employer_id=employer_id).select_related("engagement").first()
