"""Changes of time or place with the hired students' consent (J1.3): the
employer proposes, the one gate screens (J1.4, G2), every hired student
answers, and only then does the change take effect; those who declined are
released without penalty. A change not answered in time lapses (`sweeps`)."""

import datetime as dt
from dataclasses import replace

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.alerts import alert_send
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_record
from core.models import AlertKind
from core.policy import get_policy
from core.screening import GateResult, TextRefused, gate_check, held_text_create
from core.transitions import lock_row, run_transition
from employers.services import ensure_employer_member
from jobs.models import Job, Shift
from jobs.schedule import ShiftSpec
from jobs.services import job_workplace_change, schedule_change_findings, shift_reschedule

from ..models import (
    ApplicationsAction,
    Attendance,
    AttendanceStatus,
    Engagement,
    EngagementStatus,
    ScheduleChange,
    ScheduleChangeAnswer,
)
from .agreements import agreements_issue_for_change
from .engagements import engagement_release
from .shared import engagement_link, engagement_locked, required_reason, tell_members

CHANGE_ANSWER_HOURS = 48
# The door of the one gate (core.screening) a change passes, registered in ApplicationsConfig.ready().
DOOR_SCHEDULE_CHANGE = "applications.schedule_change"


@transaction.atomic
def schedule_change_propose(*, job_id: int, actor: User, reason: str, shift_id: int | None = None,
                            new_date: dt.date | None = None, new_start: dt.time | None = None,
                            new_end: dt.time | None = None, new_address: str = "") -> ScheduleChange:
    """The employer proposes a new time for a shift or a new workplace (J1.3).

    Nothing changes until every hired student has answered; students who
    decline are released without penalty when it takes effect. A change the
    students do not answer by the deadline lapses."""
    reason = required_reason(reason)
    job = lock_row(Job, job_id)
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
    history_record(subject=change, transition=ApplicationsAction.PROPOSE, from_state="", to_state=change.status,
                   actor=actor, reason=reason)
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
        alert_send(recipient=engagement.student, kind=AlertKind.SCHEDULE_CHANGE,
                   subject=_("%(job)s: the employer asks to change the time or place") % {"job": job.title},
                   body=_("Nothing changes unless you accept. Answer by %(by)s.")
                   % {"by": timezone.localtime(respond_by).strftime("%Y-%m-%d %H:%M")},
                   link=engagement_link(engagement, for_student=True))
    if not engagements:
        _apply_change(change, actor=actor)


def _held_change(held) -> ScheduleChange | None:
    # Only the change is locked (its job and shift are read after): a change of place has no shift.
    try:
        change = lock_row(ScheduleChange, int(held.object_id))
    except ScheduleChange.DoesNotExist:
        return None
    return change if change.status == ScheduleChange.Status.HELD else None


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
    respond_by = _change_respond_by(change.shift, Shift(
        job=change.job, date=change.new_date, start_time=change.new_start, end_time=change.new_end)
        if change.shift else None, now)
    run_transition(change, "release", actor=actor, note=held.decision_reason, respond_by=respond_by)
    tell_members(change.job.employer_id,
                 subject=_("%(job)s: your change was cleared by a moderator") % {"job": change.job.title},
                 body=held.decision_reason or _("It now goes to the hired students."),
                 link=reverse("applications:change_propose", args=[change.job_id]))
    _change_open(change, actor=actor)


def schedule_change_reject(held, actor) -> None:
    """A moderator rejected a held change: nothing changes and the employer is told why."""
    change = _held_change(held)
    if change is None:
        return
    run_transition(change, "refuse", actor=actor, note=held.decision_reason)
    tell_members(change.job.employer_id,
                 subject=_("%(job)s: your change was rejected by a moderator") % {"job": change.job.title},
                 body=_("Reason: %(reason)s") % {"reason": held.decision_reason},
                 link=reverse("applications:change_propose", args=[change.job_id]))


def _apply_change(change: ScheduleChange, *, actor=None) -> None:
    run_transition(change, "apply", actor=actor)
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
        engagement = engagement_locked(answer.engagement_id)
        if engagement.is_active:
            engagement_release(engagement, reason=str(_("You declined a change of time or place (J1.3).")))
    # Every party consented: the engagements that go on get a new version of their agreement (issue 19).
    staying = Engagement.objects.select_for_update(of=("self",)).filter(job_id=change.job_id, status=EngagementStatus.ACTIVE)
    agreements_issue_for_change(change=change, engagements=staying.select_related("job", "employer", "student"),
                                actor=actor)


@transaction.atomic
def schedule_change_answer(*, change_id: int, student: User, accept: bool) -> ScheduleChange:
    """A hired student accepts or declines a proposed change (J1.3)."""
    change = lock_row(ScheduleChange, change_id, related=("job",))
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
    history_record(subject=change, transition=ApplicationsAction.ANSWER, from_state=change.status,
                   to_state=change.status, actor=student, reason=answer.answer)
    pending = change.answers.filter(answer=ScheduleChangeAnswer.Answer.PENDING,
                                    engagement__status=EngagementStatus.ACTIVE).exists()
    if not pending:
        _apply_change(change, actor=student)
        tell_members(change.job.employer_id,
                     subject=_("%(job)s: your change took effect") % {"job": change.job.title},
                     body=_("Every hired student has answered."),
                     link=reverse("jobs:employer_job", args=[change.job_id]))
    return change


@transaction.atomic
def schedule_change_withdraw(*, change_id: int, actor: User) -> ScheduleChange:
    """The employer withdraws a change still waiting for answers or for a moderator (J1.3)."""
    change = lock_row(ScheduleChange, change_id)
    ensure_employer_member(actor, change.job.employer_id)
    return run_transition(change, "withdraw", actor=actor)
