"""Beat sweeps over the deadlines stored on applications, offers, changes and
attendance (E3.2, E4, J1.3). Each acts on what is due, in bounded batches,
guarded by the state it changes from, so running twice changes nothing twice
and a crash mid-way loses nothing (the next run picks up the rest)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.alerts import alert_send
from core.credit import credit_event_record
from core.models import AlertKind, HistoryEntry
from core.notifications import notify
from core.policy import get_policy

from .models import (
    Application,
    ApplicationsAction,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    Engagement,
    EngagementStatus,
    HoursStatus,
    ScheduleChange,
    ShiftReminder,
)
from .services.engagements import engagement_complete
from .services.shared import tell_members

# Rows per transaction: each batch holds its row locks briefly; the loop runs until nothing is due.
BATCH_SIZE = 200


def _batches(queryset, now):
    """Lock and yield due rows batch by batch (skip_locked: a concurrent sweep takes others)."""
    while True:
        with transaction.atomic():
            batch = list(queryset.select_for_update(skip_locked=True, of=("self",))[:BATCH_SIZE])
            if not batch:
                return
            yield batch


def _history_rows(model, rows, *, transition: ApplicationsAction, from_state: str, to_state: str) -> None:
    content_type = ContentType.objects.get_for_model(model)
    HistoryEntry.objects.bulk_create([
        HistoryEntry(content_type=content_type, object_id=str(row.pk), transition=transition,
                     from_state=from_state, to_state=to_state, reason="sweep")
        for row in rows
    ])


def applications_remind_half_time(*, now: dt.datetime | None = None) -> int:
    """E3.2: at half of the answer time, remind the employer once."""
    now, total = now or timezone.now(), 0
    due = (Application.objects.filter(status=ApplicationStatus.APPLIED, reminded_at__isnull=True,
                                      reminder_due_at__lte=now, response_due_at__gt=now)
           .select_related("job").order_by("reminder_due_at", "pk"))
    for batch in _batches(due, now):
        Application.objects.filter(pk__in=[a.pk for a in batch]).update(reminded_at=now)
        for application in batch:
            tell_members(application.job.employer_id,
                         subject=_("Reminder: answer the application for “%(job)s”") % {"job": application.job.title},
                         body=_("Half of the answer time has passed; the deadline is %(due)s.")
                         % {"due": timezone.localtime(application.response_due_at).strftime("%Y-%m-%d %H:%M")},
                         link=reverse("applications:employer_application", args=[application.pk]))
        total += len(batch)
    return total


def applications_expire_unanswered(*, now: dt.datetime | None = None) -> int:
    """E3.2: unanswered after P3 working days, the application expires; the student is
    told and free, and the employer gets a credit event."""
    now, total = now or timezone.now(), 0
    due = (Application.objects.filter(status=ApplicationStatus.APPLIED, response_due_at__lte=now)
           .select_related("job", "student").order_by("response_due_at", "pk"))
    for batch in _batches(due, now):
        ids = [a.pk for a in batch]
        Application.objects.filter(pk__in=ids, status=ApplicationStatus.APPLIED).update(
            status=ApplicationStatus.EXPIRED, closed_at=now, updated_at=now)
        _history_rows(Application, batch, transition=ApplicationsAction.EXPIRE,
                      from_state=ApplicationStatus.APPLIED, to_state=ApplicationStatus.EXPIRED)
        for application in batch:
            credit_event_record(
                key=f"application:{application.pk}:unanswered", subject_kind="employer",
                subject_id=application.job.employer_id, kind="application_unanswered",
                reason=str(_("Did not answer an application for “%(job)s” within the deadline"))
                % {"job": application.job.title}, source=application, occurred_at=application.response_due_at)
            notify(recipient=application.student,
                   subject=_("The employer did not answer your application for “%(job)s”") % {"job": application.job.title},
                   body=_("The answer time has passed. You are free to apply elsewhere; the employer's credit record notes it."),
                   link=reverse("applications:student_application", args=[application.pk]))
        total += len(batch)
    return total


def offers_lapse(*, now: dt.datetime | None = None) -> int:
    """E3.1: an offer the student does not accept in time lapses; the place is free
    again and the employer is told."""
    now, total = now or timezone.now(), 0
    due = (Application.objects.filter(status=ApplicationStatus.OFFERED, offer_expires_at__lte=now)
           .select_related("job", "student").order_by("offer_expires_at", "pk"))
    for batch in _batches(due, now):
        Application.objects.filter(pk__in=[a.pk for a in batch], status=ApplicationStatus.OFFERED).update(
            status=ApplicationStatus.OFFER_EXPIRED, closed_at=now, updated_at=now)
        _history_rows(Application, batch, transition=ApplicationsAction.LAPSE_OFFER,
                      from_state=ApplicationStatus.OFFERED, to_state=ApplicationStatus.OFFER_EXPIRED)
        for application in batch:
            notify(recipient=application.student, email=False,
                   subject=_("Your offer for “%(job)s” lapsed") % {"job": application.job.title},
                   body=_("It was not accepted in time."),
                   link=reverse("applications:student_application", args=[application.pk]))
            tell_members(application.job.employer_id,
                         subject=_("%(job)s: an offer lapsed") % {"job": application.job.title},
                         body=_("The student did not accept in time. The place is free again."),
                         link=reverse("applications:employer_applicants", args=[application.job_id]))
        total += len(batch)
    return total


def hours_auto_confirm_due(*, now: dt.datetime | None = None) -> int:
    """E4: an employer silent past the deadline confirms the scheduled hours.

    Whatever the engagement's state: a student who worked some shifts and then
    cancelled or was released is still owed them (the shifts that did not happen
    were cancelled with no hours when the engagement ended)."""
    now, total = now or timezone.now(), 0
    dispute_due = now + dt.timedelta(hours=get_policy().hours_dispute_hours)
    due = (Attendance.objects.filter(
        hours_status=HoursStatus.PENDING, hours_due_at__lte=now,
        status__in=[AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN, AttendanceStatus.ATTENDED],
    ).select_related("engagement__job", "engagement__student", "shift").order_by("hours_due_at", "pk"))
    for batch in _batches(due, now):
        for row in batch:
            row.updated_at = now  # bulk_update does not apply auto_now
            row.auto_confirm_hours(dispute_due_at=dispute_due)
        Attendance.objects.bulk_update(batch, ["status", "checked_in_at", "checked_out_at", "hours_status",
                                               "confirmed_minutes", "overtime_minutes", "hours_confirmed_at",
                                               "dispute_due_at", "updated_at"])
        _history_rows(Attendance, batch, transition=ApplicationsAction.AUTO_CONFIRM_HOURS,
                      from_state=HoursStatus.PENDING, to_state=HoursStatus.AUTO_CONFIRMED)
        for row in batch:
            notify(recipient=row.engagement.student, email=False,
                   subject=_("%(job)s: your scheduled hours were confirmed") % {"job": row.engagement.job.title},
                   body=_("The employer did not confirm in time, so the scheduled %(m)s minutes on %(day)s count.")
                   % {"m": row.scheduled_minutes, "day": row.shift.date},
                   link=reverse("applications:student_engagement", args=[row.engagement_id]))
        total += len(batch)
    return total


def schedule_changes_lapse(*, now: dt.datetime | None = None) -> int:
    """J1.3: a change not answered by every student in time lapses; nothing changes
    and the employer is told."""
    now, total = now or timezone.now(), 0
    due = (ScheduleChange.objects.filter(status=ScheduleChange.Status.PROPOSED, respond_by__lte=now)
           .select_related("job").order_by("pk"))
    for batch in _batches(due, now):
        ScheduleChange.objects.filter(pk__in=[c.pk for c in batch]).update(
            status=ScheduleChange.Status.LAPSED, decided_at=now, updated_at=now)
        _history_rows(ScheduleChange, batch, transition=ApplicationsAction.LAPSE,
                      from_state=ScheduleChange.Status.PROPOSED, to_state=ScheduleChange.Status.LAPSED)
        for change in batch:
            tell_members(change.job.employer_id,
                         subject=_("%(job)s: your change of time or place lapsed") % {"job": change.job.title},
                         body=_("Not every hired student answered in time, so nothing changed."),
                         link=reverse("jobs:employer_job", args=[change.job_id]))
        total += len(batch)
    return total


def engagements_complete_due(*, now: dt.datetime | None = None) -> int:
    """Complete engagements whose shifts are over and whose hours are final: no hours
    waiting or disputed, no open or still-possible no-show contest, dispute windows
    passed. Their confirmed hours then go to settlements."""
    now, total = now or timezone.now(), 0
    unsettled = Attendance.objects.filter(engagement=OuterRef("pk")).filter(
        Q(hours_status__in=[HoursStatus.PENDING, HoursStatus.DISPUTED])
        | Q(contest_status=ContestStatus.OPEN)
        | Q(status=AttendanceStatus.NO_SHOW, contest_status=ContestStatus.NONE, contest_due_at__gt=now)
        | Q(dispute_due_at__gt=now, hours_status__in=[HoursStatus.CONFIRMED, HoursStatus.AUTO_CONFIRMED]))
    due = (Engagement.objects.filter(status=EngagementStatus.ACTIVE, job__last_shift_end__lte=now)
           .exclude(Exists(unsettled)).select_related("job").order_by("pk"))
    for batch in _batches(due, now):
        for engagement in batch:
            engagement_complete(engagement)
        total += len(batch)
    return total


REMINDER_LEADS = ((ShiftReminder.Kind.TWO_HOURS, dt.timedelta(hours=2)),
                  (ShiftReminder.Kind.DAY_BEFORE, dt.timedelta(hours=24)))


def _reminder_due(starts_at: dt.datetime, now: dt.datetime) -> str | None:
    """The reminder a shift starting at `starts_at` is due for now: the 2 h one inside two hours, the
    24 h one inside a day (a shift booked an hour ahead gets only the 2 h one)."""
    for kind, lead in REMINDER_LEADS:
        if now < starts_at <= now + lead:
            return kind
    return None


def shift_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Issue 20: remind each hired student 24 h and 2 h before each shift, once.

    One query finds the expected attendances of active engagements on the shifts of the
    next day without that reminder's marker; each reminder is sent only by whoever
    inserts its marker row (unique per attendance and kind), so a second run, or two
    workers at once, send nothing twice. No ETA tasks: a moved shift is simply found
    at its new time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = (Attendance.objects
                  .filter(status=AttendanceStatus.EXPECTED, engagement__status=EngagementStatus.ACTIVE,
                          shift__date__range=(today, today + dt.timedelta(days=2)))
                  .exclude(Exists(ShiftReminder.objects.filter(attendance=OuterRef("pk"),
                                                               kind=ShiftReminder.Kind.TWO_HOURS)))
                  .annotate(day_sent=Exists(ShiftReminder.objects.filter(attendance=OuterRef("pk"),
                                                                         kind=ShiftReminder.Kind.DAY_BEFORE)))
                  .select_related("shift__job__employer", "engagement__student").order_by("pk"))
    sent = 0
    for attendance in candidates:
        kind = _reminder_due(attendance.shift.starts_at, now)
        if kind is None or (kind == ShiftReminder.Kind.DAY_BEFORE and attendance.day_sent):
            continue
        try:
            with transaction.atomic():
                ShiftReminder.objects.create(attendance=attendance, kind=kind)
                _remind(attendance, kind)
        except IntegrityError:
            continue  # another sweep sent it
        sent += 1
    return sent


def _remind(attendance: Attendance, kind: str) -> None:
    shift, job = attendance.shift, attendance.shift.job
    when = timezone.localtime(shift.starts_at).strftime("%m-%d %H:%M")
    place = job.address or job.city
    if kind == ShiftReminder.Kind.TWO_HOURS:
        subject = _("Your shift “%(job)s” starts at %(when)s, in 2 hours (%(place)s).")
    else:
        subject = _("Reminder: your shift “%(job)s” starts at %(when)s (%(place)s).")
    text = subject % {"job": job.title, "when": when, "place": place}
    alert_send(recipient=attendance.engagement.student, kind=AlertKind.SHIFT_REMINDER, subject=text, body=text,
               link=reverse("applications:student_engagement", args=[attendance.engagement_id]), urgent=True)


def applications_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything due, in dependency order (hours before completion)."""
    now = now or timezone.now()
    return {
        "reminded": applications_remind_half_time(now=now),
        "expired": applications_expire_unanswered(now=now),
        "offers_lapsed": offers_lapse(now=now),
        "changes_lapsed": schedule_changes_lapse(now=now),
        "hours_auto_confirmed": hours_auto_confirm_due(now=now),
        "completed": engagements_complete_due(now=now),
        "shift_reminders": shift_reminders_send(now=now),
    }
