"""What several applications services share: the errors more than one of them
raises, the locks of the rows a party acts on, the reason rule, and how they
tell employers and students. Internal to the services package."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.alerts import alert_send
from core.credit import credit_event_record
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.models import AlertKind
from core.transitions import lock_row
from jobs.models import Job

from ..models import Application, Engagement
from ..selectors import student_schedule_overlaps

STUDENT, EMPLOYER = "student", "employer"  # the two kinds of credit subject (core.credit)


class JobFull(DomainError):
    default_message = _("All places of this job are taken.")


class MinorRefused(DomainError):
    """A student aged 16–17 and a job closed to minors (docs/minors.md); the message says why."""

    default_message = _("Students aged 16–17 cannot take this job.")


class ScheduleOverlap(DomainError):
    default_message = _("This job's shifts overlap with a job you are already hired for.")


def required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired()
    return text


def ensure_no_schedule_overlap(*, student: User, job: Job, now: dt.datetime) -> None:
    """S2.2: a student is never hired twice for the same hours."""
    if student_schedule_overlaps(student=student, job=job, now=now):
        raise ScheduleOverlap()


def application_of_student(application_id: int, student: User) -> Application:
    """The student's own application, locked."""
    application = lock_row(Application, application_id, related=("job",))
    if application.student_id != student.pk:
        raise NotPermitted()
    return application


def engagement_locked(engagement_id: int) -> Engagement:
    return lock_row(Engagement, engagement_id, related=("job", "student"))


def tell_members(employer_id: int, *, subject, body, link: str, kind: str = AlertKind.OTHER) -> None:
    """Tell every active member of the employer (in-site; e-mail and SMS as each chose for `kind`)."""
    members = User.objects.filter(employer_membership__employer_id=employer_id, is_active=True)
    for member in members:
        alert_send(recipient=member, kind=kind, subject=subject, body=body, link=link)


def engagement_link(engagement: Engagement, *, for_student: bool) -> str:
    name = "applications:student_engagement" if for_student else "applications:employer_engagement"
    return reverse(name, args=[engagement.pk])


def credit_record(*, key: str, subject_kind: str, subject_id: int, kind: str, reason, source) -> None:
    credit_event_record(key=key, subject_kind=subject_kind, subject_id=subject_id, kind=kind, reason=str(reason),
                        source=source)
