"""Attendance and hours (E4, S3.1): check-in and check-out by QR code or by the
employer's hand, no-shows and their contest, and the hours the employer
confirms, the student may dispute and staff settle."""

import dataclasses
import datetime as dt
import secrets

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import staff_role_notify
from core.credit import credit_event_reverse
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from employers.services import ensure_employer_member

from ..models import ApplicationsAction, Attendance, AttendanceStatus, ContestStatus, EngagementStatus
from ..signals import case_decided, case_opened
from .minors import ensure_minor_checks
from .shared import STUDENT, credit_record, engagement_link, required_reason

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


class CheckInRefused(DomainError):
    default_message = _("This check-in code is not valid. Scan the code on the employer's screen again.")


# ------------------------------------------------------------------ QR codes (E4)
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


# Issue 23: a check-out after less than this share of the shift's scheduled time
# (a late check-in, an early leave) asks the student why; the reason goes into the
# check-out's history row, where the employer confirming the hours reads it.
SHORT_CHECKOUT_PERCENT = 50


def checkout_needs_reason(attendance: Attendance, now: dt.datetime) -> bool:
    """True when checking out now records far less work than the shift's scheduled time."""
    if attendance.checked_in_at is None:
        return False
    worked = (now - attendance.checked_in_at).total_seconds() / 60
    return worked * 100 < attendance.scheduled_minutes * SHORT_CHECKOUT_PERCENT


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
        credit_record(key=f"attendance:{attendance.pk}:on_time", subject_kind=STUDENT,
                      subject_id=attendance.engagement.student_id, kind="on_time_check_in",
                      reason=_("Checked in on time"), source=attendance)


@transaction.atomic
def checkin_scan(*, token: str, student: User, reason: str = "") -> Attendance:
    """The signed-in student scanned one of the shift's QR codes (E4).

    The check-in code only checks in and the check-out code only checks out, for
    the signed-in student hired for the shift; check-out opens CHECKOUT_AFTER_CHECKIN
    after the check-in, and asks for a `reason` when the time worked is far below
    the shift's (checkout_needs_reason; asked before the code is used, so the
    student can answer and scan the same code); each displayed code works once per
    student."""
    code = checkin_code(token)
    attendance = _attendance_of_student(shift_id=code.shift_id, student=student)
    reason = (reason or "").strip()[:300]
    if (code.action != CHECK_IN and attendance.status == AttendanceStatus.CHECKED_IN and not reason
            and checkout_opens_at(attendance) <= timezone.now() and checkout_needs_reason(attendance, timezone.now())):
        raise ReasonRequired(_("You worked much less than the shift's time: tell the employer why you leave now."))
    _checkin_code_use(code, student)  # before the state checks: a replay is told so, whatever the state
    now, shift = timezone.now(), attendance.shift
    if code.action == CHECK_IN:
        if attendance.status != AttendanceStatus.EXPECTED:
            raise CheckInRefused(_("You have already checked in; scan the check-out code when you leave.")
                                 if attendance.status == AttendanceStatus.CHECKED_IN
                                 else _("Your attendance for this shift is already recorded."))
        if not shift.starts_at - CHECKIN_OPENS_BEFORE <= now <= shift.ends_at:
            raise CheckInRefused(_("Check-in opens an hour before the shift and closes when it ends."))
        ensure_minor_checks(attendance.engagement)  # arts. 6 and 9 for students aged 16–17
        run_transition(attendance, "check_in", actor=student, at=now)
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
        run_transition(attendance, "check_out", actor=student, at=now, note=reason)
    return attendance


def _attendance_for_member(attendance_id: int, actor: User) -> Attendance:
    attendance = lock_row(Attendance, attendance_id, related=("shift", "engagement__job", "engagement__student"))
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
    if checked_in:
        ensure_minor_checks(attendance.engagement)  # arts. 6 and 9 for students aged 16–17
        run_transition(attendance, "check_in", actor=actor, action=ApplicationsAction.MARK_IN,
                       at=min(now, shift.ends_at), by=actor)
        _record_on_time(attendance, attendance.checked_in_at)
    else:
        run_transition(attendance, "check_out", actor=actor, action=ApplicationsAction.MARK_OUT,
                       at=min(now, shift.ends_at), by=actor)
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
    run_transition(attendance, "mark_no_show", actor=actor, action=ApplicationsAction.NO_SHOW,
                   contest_due_at=now + dt.timedelta(hours=policy.no_show_contest_hours))
    credit_record(key=f"attendance:{attendance.pk}:no_show", subject_kind=STUDENT,
                  subject_id=attendance.engagement.student_id, kind="no_show",
                  reason=_("Did not come to the shift on %(day)s") % {"day": attendance.shift.date},
                  source=attendance)
    notify(recipient=attendance.engagement.student,
           subject=_("%(job)s: you were marked as a no-show") % {"job": attendance.engagement.job.title},
           body=_("If this is wrong, contest it by %(by)s.")
           % {"by": timezone.localtime(attendance.contest_due_at).strftime("%Y-%m-%d %H:%M")},
           link=engagement_link(attendance.engagement, for_student=True))
    return attendance


@transaction.atomic
def no_show_contest(*, attendance_id: int, student: User, text: str) -> Attendance:
    """The student contests a no-show within the window; a case opens for staff."""
    text = required_reason(text)
    attendance = lock_row(Attendance, attendance_id, related=("engagement", "shift"))
    if attendance.engagement.student_id != student.pk:
        raise NotPermitted()
    if attendance.status != AttendanceStatus.NO_SHOW or attendance.contest_status:
        raise InvalidTransition()
    if attendance.contest_due_at and attendance.contest_due_at <= timezone.now():
        raise DomainError(_("The time to contest this no-show has passed."))
    attendance.contest_status, attendance.contest_text = ContestStatus.OPEN, text
    attendance.save(update_fields=["contest_status", "contest_text", "updated_at"])
    history_record(subject=attendance, transition=ApplicationsAction.CONTEST, from_state=attendance.status,
                   to_state=attendance.status, actor=student, reason=text)
    case_opened.send(sender=Attendance, kind="no_show_contest", user=student, subject=attendance, summary=text)
    staff_role_notify(role="customer_service", subject=_("A student contests a no-show"),
                      link=reverse("admin:applications_attendance_change", args=[attendance.pk]))
    return attendance


@transaction.atomic
def no_show_contest_decide(*, attendance_id: int, actor: User, overturn: bool, reason: str) -> Attendance:
    """Staff decide a contested no-show; overturned, the credit event is reversed
    and the hours go back to the employer to confirm."""
    reason = required_reason(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    attendance = lock_row(Attendance, attendance_id, related=("engagement__job", "shift"))
    if attendance.contest_status != ContestStatus.OPEN:
        raise InvalidTransition()
    if overturn:
        run_transition(attendance, "overturn_no_show", actor=actor, note=reason,
                       action=ApplicationsAction.CONTEST_DECIDED,
                       hours_due_at=timezone.now() + dt.timedelta(hours=get_policy().hours_confirm_hours))
        credit_event_reverse(key=f"attendance:{attendance.pk}:no_show", reason=reason)
    else:  # the no-show stands: the contest is closed, the state does not move
        attendance.contest_status = ContestStatus.UPHELD
        attendance.save(update_fields=["contest_status", "updated_at"])
        history_record(subject=attendance, transition=ApplicationsAction.CONTEST_DECIDED,
                       from_state=attendance.status, to_state=attendance.status, actor=actor, reason=reason)
    case_decided.send(sender=Attendance, kind="no_show_contest", subject=attendance, actor=actor, outcome=reason)
    notify(recipient=attendance.engagement.student,
           subject=_("Your no-show contest was decided"),
           body=(_("The no-show was removed: %(reason)s") if overturn
                 else _("The no-show stands: %(reason)s")) % {"reason": reason},
           link=engagement_link(attendance.engagement, for_student=True))
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
    run_transition(attendance, "confirm_hours", actor=actor, note=f"{minutes}+{overtime_minutes} min",
                   minutes=minutes, overtime=overtime_minutes, by=actor, hours_note=(note or "")[:300],
                   dispute_due_at=now + dt.timedelta(hours=get_policy().hours_dispute_hours))
    notify(recipient=attendance.engagement.student,
           subject=_("%(job)s: your hours were confirmed") % {"job": attendance.engagement.job.title},
           body=_("%(m)s minutes and %(o)s minutes of overtime on %(day)s. Dispute them by %(by)s if wrong.")
           % {"m": minutes, "o": overtime_minutes, "day": shift.date,
              "by": timezone.localtime(attendance.dispute_due_at).strftime("%Y-%m-%d %H:%M")},
           link=engagement_link(attendance.engagement, for_student=True), email=False)
    return attendance


@transaction.atomic
def hours_dispute(*, attendance_id: int, student: User, text: str) -> Attendance:
    """The student disputes confirmed hours within the window; a case opens for staff."""
    text = required_reason(text)
    attendance = lock_row(Attendance, attendance_id, related=("engagement",))
    if attendance.engagement.student_id != student.pk:
        raise NotPermitted()
    if attendance.dispute_due_at and attendance.dispute_due_at <= timezone.now():
        raise DomainError(_("The time to dispute these hours has passed."))
    run_transition(attendance, "dispute_hours", actor=student, note=text, text=text)
    case_opened.send(sender=Attendance, kind="hours_dispute", user=student, subject=attendance, summary=text)
    staff_role_notify(role="customer_service", subject=_("A student disputes confirmed hours"),
                      link=reverse("admin:applications_attendance_change", args=[attendance.pk]))
    return attendance


@transaction.atomic
def hours_dispute_resolve(*, attendance_id: int, actor: User, minutes: int, overtime_minutes: int,
                          reason: str) -> Attendance:
    """Staff settle disputed hours; the result is final for the settlement."""
    reason = required_reason(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    attendance = lock_row(Attendance, attendance_id, related=("engagement__job",))
    if not (0 <= minutes <= attendance.scheduled_minutes and 0 <= overtime_minutes <= MAX_OVERTIME_MINUTES):
        raise DomainError(_("The minutes are out of range."), field="minutes")
    run_transition(attendance, "resolve_hours", actor=actor, note=reason, minutes=minutes,
                   overtime=overtime_minutes, hours_note=reason[:300])
    case_decided.send(sender=Attendance, kind="hours_dispute", subject=attendance, actor=actor, outcome=reason)
    notify(recipient=attendance.engagement.student, subject=_("Your hours dispute was decided"),
           body=reason, link=engagement_link(attendance.engagement, for_student=True))
    return attendance
