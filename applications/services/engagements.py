"""How an engagement ends (S3.1, E4.1): cancellation by the student or the
employer with the notice rule, release without penalty, and completion, which
hands the confirmed hours to settlements."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.alerts import alert_send
from core.errors import NotPermitted
from core.models import AlertKind
from core.notifications import notify
from core.policy import get_policy
from core.transitions import run_transition
from employers.services import ensure_employer_member

from ..models import Attendance, AttendanceStatus, Engagement, EngagementItem, HoursStatus
from .shared import (
    EMPLOYER,
    STUDENT,
    credit_record,
    engagement_link,
    engagement_locked,
    required_reason,
    tell_members,
)


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


# ------------------------------------------------------------------ cancellation (S3.1, E4.1)
@transaction.atomic
def engagement_cancel_by_student(*, engagement_id: int, student: User, reason: str) -> Engagement:
    """The student cancels with a reason (S3.1). At least the policy's notice
    before the next shift: no penalty; later: a late cancellation. Both are
    credit events; the place goes back to the employer."""
    reason = required_reason(reason)
    engagement = engagement_locked(engagement_id)
    if engagement.student_id != student.pk:
        raise NotPermitted()
    now, policy = timezone.now(), get_policy()
    remaining = _future_expected(engagement, now)
    late = bool(remaining) and remaining[0].shift.starts_at - now < dt.timedelta(hours=policy.cancel_notice_hours)
    run_transition(engagement, "cancel_by_student", actor=student, note=reason, reason=reason, late=late)
    _cancel_attendances(remaining)
    credit_record(key=f"engagement:{engagement.pk}:student_cancel", subject_kind=STUDENT, subject_id=student.pk,
                  kind="late_cancellation" if late else "cancellation_with_notice",
                  reason=(_("Cancelled less than %(h)s hours before the shift: %(reason)s") if late
                  else _("Cancelled with notice: %(reason)s"))
                  % {"h": policy.cancel_notice_hours, "reason": reason},
                  source=engagement)
    tell_members(engagement.employer_id,
                 subject=_("%(job)s: a student cancelled") % {"job": engagement.job.title},
                 body=_("Reason: %(reason)s") % {"reason": reason},
                 link=engagement_link(engagement, for_student=False), kind=AlertKind.CANCELLATION)
    return engagement


@transaction.atomic
def engagement_cancel_by_employer(*, engagement_id: int, actor: User, reason: str) -> Engagement:
    """The employer cancels a hired student (E4.1). Within the notice period it
    owes the student compensation (policy % of the cancelled shifts' pay),
    recorded as an item settlements pays; a credit event either way."""
    reason = required_reason(reason)
    engagement = engagement_locked(engagement_id)
    ensure_employer_member(actor, engagement.employer_id)
    now, policy = timezone.now(), get_policy()
    remaining = _future_expected(engagement, now)
    notice = dt.timedelta(hours=policy.cancel_notice_hours)
    short_notice = [a for a in remaining if a.shift.starts_at - now < notice]
    late = bool(short_notice)
    run_transition(engagement, "cancel_by_employer", actor=actor, note=reason, reason=reason, late=late)
    _cancel_attendances(remaining)
    if late:
        minutes = sum(a.scheduled_minutes for a in short_notice)
        amount = engagement.job.scheduled_pay_fen(minutes) * policy.late_cancel_compensation_percent // 100
        if amount > 0:
            EngagementItem.objects.create(
                engagement=engagement, kind=EngagementItem.Kind.LATE_CANCELLATION, amount_fen=amount,
                description=str(_("%(pct)s%% of the pay for %(n)s minutes cancelled at short notice"))
                % {"pct": policy.late_cancel_compensation_percent, "n": minutes},
                source_key=f"engagement:{engagement.pk}:late_cancel")
    credit_record(key=f"engagement:{engagement.pk}:employer_cancel", subject_kind=EMPLOYER,
                  subject_id=engagement.employer_id, kind="late_cancellation" if late else "cancellation_with_notice",
                  reason=_("Cancelled a hired student: %(reason)s") % {"reason": reason}, source=engagement)
    alert_send(recipient=engagement.student, kind=AlertKind.CANCELLATION,
               subject=_("%(job)s: the employer cancelled your engagement") % {"job": engagement.job.title},
               body=_("Reason: %(reason)s") % {"reason": reason}, link=engagement_link(engagement, for_student=True))
    return engagement


def engagement_release(engagement: Engagement, *, reason: str, actor=None) -> None:
    """End a locked engagement without penalty to the student (a declined change of
    time or place, J1.3; a confirmed unlawful demand the student refused, S3.3)."""
    run_transition(engagement, "release", actor=actor, note=reason, reason=reason)
    _cancel_attendances(_future_expected(engagement, timezone.now()))
    notify(recipient=engagement.student,
           subject=_("%(job)s: you are released without penalty") % {"job": engagement.job.title},
           body=reason, link=engagement_link(engagement, for_student=True))


# ------------------------------------------------------------------ completion
def engagement_complete(engagement: Engagement) -> None:
    """Mark a locked engagement completed: its confirmed hours go to settlements."""
    run_transition(engagement, "complete")
    attended = engagement.attendances.filter(status=AttendanceStatus.ATTENDED).count()
    if attended:
        credit_record(key=f"engagement:{engagement.pk}:completed", subject_kind=STUDENT,
                      subject_id=engagement.student_id, kind="engagement_completed",
                      reason=_("Completed %(job)s (%(n)s shifts)") % {"job": engagement.job.title, "n": attended},
                      source=engagement)
