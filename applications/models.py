"""Applications to engagements (S2.2, S3, E3, E4, J1.3): what a student wants
(intentions), applications and the employer's decision, offers, the
engagement a hired student works under, its shifts' attendance and hours,
changes of time or place with consent, and the cases a student or employer
raises from an engagement (unlawful demands, losses).

Only data and django-fsm-2 transition declarations live here; every write goes
through `applications.services` (lock, transition, history row, side effects
on commit)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from core.uploads import private_storage
from jobs.models import JobCategory


# ------------------------------------------------------------------ history vocabulary
class ApplicationsAction(models.TextChoices):
    """The history vocabulary of this app's records: applications, engagements,
    attendance, changes of time or place, and cases. A value shared by two
    records ("apply", "release") says in its label what it means for each."""

    # applications and offers (S2.2, E3)
    APPLY = "apply", _("applied / took effect")
    WITHDRAW = "withdraw", _("withdrawn")
    OFFER = "offer", _("offer made")
    REJECT = "reject", _("turned down by the employer")
    EXPIRE = "expire", _("expired unanswered")
    ACCEPT_OFFER = "accept_offer", _("offer accepted")
    DECLINE_OFFER = "decline_offer", _("offer declined")
    LAPSE_OFFER = "lapse_offer", _("offer lapsed")
    # engagements (S3.1, E4.1)
    START = "start", _("hired and started")
    CANCEL_BY_STUDENT = "cancel_by_student", _("cancelled by the student")
    CANCEL_BY_EMPLOYER = "cancel_by_employer", _("cancelled by the employer")
    RELEASE = "release", _("cleared for the students / released without penalty")
    COMPLETE = "complete", _("completed")
    # attendance and hours (E4, S3.1)
    CHECK_IN = "check_in", _("checked in")
    CHECK_OUT = "check_out", _("checked out")
    MARK_IN = "mark_in", _("marked in by the employer")
    MARK_OUT = "mark_out", _("marked out by the employer")
    NO_SHOW = "no_show", _("marked as a no-show")
    CONTEST = "contest", _("contested")
    CONTEST_DECIDED = "contest_decided", _("contest decided")
    CONFIRM_HOURS = "confirm_hours", _("hours confirmed")
    AUTO_CONFIRM_HOURS = "auto_confirm_hours", _("hours confirmed automatically")
    DISPUTE_HOURS = "dispute_hours", _("hours disputed")
    RESOLVE_HOURS = "resolve_hours", _("hours settled by staff")
    # changes of time or place (J1.3)
    PROPOSE = "propose", _("proposed by the employer")
    ANSWER = "answer", _("answered by a student")
    REFUSE = "refuse", _("rejected by a moderator")
    LAPSE = "lapse", _("lapsed: not every student answered")
    # cases (S3.2, S3.3)
    FILE = "file", _("filed")
    ACCEPT = "accept", _("confirmed")
    DISMISS = "dismiss", _("dismissed")
    AGREE = "agree", _("agreed by the student")
    UPHOLD = "uphold", _("upheld by staff")
    SET_OFF = "set_off", _("set off against pay")
    # the service agreement of an engagement (issue 19)
    ISSUE_AGREEMENT = "issue_agreement", _("service agreement issued")
    SIGN_AGREEMENT = "sign_agreement", _("service agreement accepted")
    # a minor's health check and registration (《未成年工特殊保护规定》 arts. 6, 9; docs/minors.md)
    MINOR_CHECKS = "minor_checks", _("health check and registration confirmed by the employer")


# ------------------------------------------------------------------ intentions
# The weekly availability grid: 7 days × 4 parts of the day, one bit each.
DAY_PARTS = (
    ("morning", _("Morning"), dt.time(6), dt.time(12)),
    ("afternoon", _("Afternoon"), dt.time(12), dt.time(18)),
    ("evening", _("Evening"), dt.time(18), dt.time(22)),
    ("night", _("Night"), dt.time(22), dt.time(6)),
)
ALL_AVAILABLE = (1 << (7 * len(DAY_PARTS))) - 1


def availability_bit(weekday: int, part: int) -> int:
    return 1 << (weekday * len(DAY_PARTS) + part)


class StudentIntention(TimeStampedModel):
    """What a student is looking for (E3.1): it drives "recommended for you"
    and the availability part of the match score. Deliberately holds nothing
    about the person (G4): no gender, age, origin or beliefs."""

    student = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intention")
    categories = models.JSONField(_("preferred categories"), default=list, blank=True)
    cities = models.JSONField(_("preferred cities"), default=list, blank=True)
    districts = models.JSONField(_("preferred districts"), default=list, blank=True)
    availability = models.BigIntegerField(_("weekly availability"), default=0)
    expected_hourly_fen = models.PositiveIntegerField(_("expected pay per hour (fen)"), default=0)
    accepts_remote = models.BooleanField(_("remote work is fine"), default=True)
    # Opt-in (off by default): employers may invite this student to any job, not only
    # to jobs matching the intentions above (E3.1, G4).
    discoverable = models.BooleanField(_("employers may find and invite me"), default=False)

    class Meta:
        verbose_name = _("student intention")
        verbose_name_plural = _("student intentions")

    def __str__(self) -> str:
        return f"intention of {self.student_id}"

    def is_available(self, weekday: int, part: int) -> bool:
        return bool(self.availability & availability_bit(weekday, part))

    def category_labels(self) -> list[str]:
        labels = dict(JobCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


# ------------------------------------------------------------------ applications
class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Waiting for the employer")
    OFFERED = "offered", _("Offer made")
    ACCEPTED = "accepted", _("Hired")
    REJECTED = "rejected", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Not answered in time")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    OFFER_EXPIRED = "offer_expired", _("Offer lapsed")


# An application in these states holds one of the job's places (E3: headcount).
PLACE_HOLDING = (ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED)
OPEN_APPLICATION = (ApplicationStatus.APPLIED, ApplicationStatus.OFFERED)


class Application(FSMModelMixin, TimeStampedModel):
    """A student's application to a job (S2.2) and the employer's answer (E3.2).

    applied → offered → accepted (an Engagement is created)
            ↘ rejected (reason required) · withdrawn · expired (P3 passed)
    offered → offer declined · offer lapsed"""

    history_actions = ApplicationsAction

    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="applications")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    status = FSMField(_("status"), choices=ApplicationStatus.choices, default=ApplicationStatus.APPLIED,
                      protected=True, db_index=True)
    # S2.2: the two confirmations, recorded with the application.
    confirms_requirements = models.BooleanField(_("meets the requirements"), default=False)
    commits_to_work = models.BooleanField(_("commits to doing the work as agreed"), default=False)
    message = models.TextField(_("message to the employer"), max_length=1000, blank=True)
    invited = models.BooleanField(_("invited by the employer"), default=False)

    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    # E3.2: P3 working days on the Chinese calendar, stored when the student applies.
    response_due_at = models.DateTimeField(_("answer due by"), db_index=True)
    reminder_due_at = models.DateTimeField(_("reminder at"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    rejection_reason = models.TextField(_("reason given to the student"), blank=True)
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-applied_at", "-id"]
        constraints = [
            # S2.2: one application per job per student.
            models.UniqueConstraint(fields=["job", "student"], name="application_one_per_job"),
            models.CheckConstraint(
                condition=models.Q(confirms_requirements=True, commits_to_work=True),
                name="application_confirmations_given",
            ),
        ]
        indexes = [
            models.Index(fields=["job", "status"]),
            models.Index(fields=["student", "status"]),
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["status", "offer_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} → {self.job_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION

    @transition(field=status, source=ApplicationStatus.APPLIED, target=ApplicationStatus.OFFERED)
    def offer(self, *, by, expires_at: dt.datetime) -> None:
        self.decided_at, self.decided_by, self.offer_expires_at = timezone.now(), by, expires_at

    @transition(field=status, source=ApplicationStatus.APPLIED, target=ApplicationStatus.REJECTED)
    def reject(self, *, by, reason: str) -> None:
        self.decided_at, self.decided_by, self.rejection_reason = timezone.now(), by, reason
        self.closed_at = self.decided_at

    @transition(field=status, source=ApplicationStatus.APPLIED, target=ApplicationStatus.WITHDRAWN)
    def withdraw(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=ApplicationStatus.APPLIED, target=ApplicationStatus.EXPIRED)
    def expire(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=ApplicationStatus.OFFERED, target=ApplicationStatus.ACCEPTED)
    def accept_offer(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=ApplicationStatus.OFFERED, target=ApplicationStatus.OFFER_DECLINED)
    def decline_offer(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=ApplicationStatus.OFFERED, target=ApplicationStatus.OFFER_EXPIRED)
    def lapse_offer(self) -> None:
        self.closed_at = timezone.now()


class JobInvitation(TimeStampedModel):
    """An employer invites a matching student to apply (E3.1); the student decides."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="invitations")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.CharField(_("message"), max_length=300, blank=True)
    # A message the screen flagged is not delivered until a moderator clears it (G2, J1.4).
    held = models.BooleanField(_("held for review"), default=False, db_index=True)

    class Meta:
        verbose_name = _("invitation to apply")
        verbose_name_plural = _("invitations to apply")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["job", "student"], name="invitation_one_per_job")]

    def __str__(self) -> str:
        return f"{self.job_id} invites {self.student_id}"


# ------------------------------------------------------------------ engagements
class EngagementStatus(models.TextChoices):
    ACTIVE = "active", _("Working")
    COMPLETED = "completed", _("Completed")
    CANCELLED_BY_STUDENT = "cancelled_by_student", _("Cancelled by the student")
    CANCELLED_BY_EMPLOYER = "cancelled_by_employer", _("Cancelled by the employer")
    RELEASED = "released", _("Released without penalty")


class Engagement(FSMModelMixin, TimeStampedModel):
    """A hired student on a job (S3, E4): created when the student accepts the
    offer; then contact details are exchanged. Completing it hands the
    confirmed hours to settlements."""

    history_actions = ApplicationsAction

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="engagement")
    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="engagements")
    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="engagements")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engagements")
    status = FSMField(_("status"), choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE,
                      protected=True, db_index=True)
    started_at = models.DateTimeField(_("hired at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)
    late_cancellation = models.BooleanField(_("late cancellation"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["student", "status"]), models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"{self.student_id} @ {self.job_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == EngagementStatus.ACTIVE

    @transition(field=status, source=EngagementStatus.ACTIVE, target=EngagementStatus.COMPLETED)
    def complete(self) -> None:
        self.completed_at = self.ended_at = timezone.now()

    @transition(field=status, source=EngagementStatus.ACTIVE, target=EngagementStatus.CANCELLED_BY_STUDENT)
    def cancel_by_student(self, *, reason: str, late: bool) -> None:
        self.ended_at, self.end_reason, self.late_cancellation = timezone.now(), reason, late

    @transition(field=status, source=EngagementStatus.ACTIVE, target=EngagementStatus.CANCELLED_BY_EMPLOYER)
    def cancel_by_employer(self, *, reason: str, late: bool) -> None:
        self.ended_at, self.end_reason, self.late_cancellation = timezone.now(), reason, late

    @transition(field=status, source=EngagementStatus.ACTIVE, target=EngagementStatus.RELEASED)
    def release(self, *, reason: str) -> None:
        self.ended_at, self.end_reason = timezone.now(), reason


class MinorWorkerCheck(TimeStampedModel):
    """The employer's confirmation, before a student aged 16–17 works the first shift, of
    the health check before taking up the post (《未成年工特殊保护规定》 art. 6(1)) and the
    registration with the county-level labour administration (art. 9): date, place and
    reference of each (docs/minors.md). Check-in is refused without it."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="minor_check")
    health_check_date = models.DateField(_("health check date"))
    health_check_place = models.CharField(_("health check done at"), max_length=100,
                                          help_text=_("The hospital or medical institution."))
    health_check_reference = models.CharField(_("health check report number"), max_length=64)
    registration_date = models.DateField(_("registration date"))
    registration_place = models.CharField(_("registered with"), max_length=100,
                                          help_text=_("The labour administration at county level or above."))
    registration_reference = models.CharField(_("registration certificate number"), max_length=64)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    class Meta:
        verbose_name = _("minor worker's health check and registration")
        verbose_name_plural = _("minor workers' health checks and registrations")

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.health_check_reference} / {self.registration_reference}"


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    CHECKED_IN = "checked_in", _("Checked in")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class HoursStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the employer")
    CONFIRMED = "confirmed", _("Confirmed by the employer")
    AUTO_CONFIRMED = "auto_confirmed", _("Confirmed automatically")
    DISPUTED = "disputed", _("Disputed by the student")
    RESOLVED = "resolved", _("Settled by staff")
    NONE = "none", _("No hours")


HOURS_FINAL = (HoursStatus.CONFIRMED, HoursStatus.AUTO_CONFIRMED, HoursStatus.RESOLVED, HoursStatus.NONE)


class ContestStatus(models.TextChoices):
    NONE = "", _("Not contested")
    OPEN = "open", _("Contested, waiting for staff")
    UPHELD = "upheld", _("No-show confirmed by staff")
    OVERTURNED = "overturned", _("No-show overturned by staff")


class Attendance(FSMModelMixin, TimeStampedModel):
    """One hired student on one shift: check-in/out (QR or by hand), no-show
    and its contest, and the hours the employer confirms (E4, S3.1)."""

    history_actions = ApplicationsAction

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="attendances")
    shift = models.ForeignKey("jobs.Shift", on_delete=models.PROTECT, related_name="attendances")
    status = FSMField(_("attendance"), choices=AttendanceStatus.choices, default=AttendanceStatus.EXPECTED,
                      protected=True, db_index=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text=_("Set when the employer marked attendance by hand."))
    no_show_at = models.DateTimeField(_("marked no-show at"), null=True, blank=True)
    contest_due_at = models.DateTimeField(_("contest possible until"), null=True, blank=True)
    contest_status = models.CharField(_("contest"), max_length=12, choices=ContestStatus.choices, blank=True,
                                      default=ContestStatus.NONE, db_index=True)
    contest_text = models.TextField(_("student's explanation"), blank=True)

    scheduled_minutes = models.PositiveIntegerField(_("scheduled minutes"))
    hours_status = FSMField(_("hours"), choices=HoursStatus.choices, default=HoursStatus.PENDING, protected=True,
                            db_index=True)
    # E4: stored when the shift is known; the sweep confirms silently after it.
    hours_due_at = models.DateTimeField(_("hours to confirm by"), db_index=True)
    confirmed_minutes = models.PositiveIntegerField(_("confirmed minutes"), null=True, blank=True)
    overtime_minutes = models.PositiveIntegerField(_("overtime minutes"), default=0)
    hours_confirmed_at = models.DateTimeField(null=True, blank=True)
    hours_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    hours_note = models.CharField(_("note on the hours"), max_length=300, blank=True)
    dispute_due_at = models.DateTimeField(_("hours can be disputed until"), null=True, blank=True)
    dispute_text = models.TextField(_("student's dispute"), blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["shift__date", "shift__start_time", "id"]
        constraints = [models.UniqueConstraint(fields=["engagement", "shift"], name="attendance_one_per_shift")]
        indexes = [models.Index(fields=["hours_status", "hours_due_at"])]

    def __str__(self) -> str:
        return f"{self.engagement_id} / {self.shift_id} ({self.status})"

    @property
    def paid_minutes(self) -> int:
        return (self.confirmed_minutes or 0) if self.hours_status in HOURS_FINAL else 0

    @transition(field=status, source=AttendanceStatus.EXPECTED, target=AttendanceStatus.CHECKED_IN)
    def check_in(self, *, at: dt.datetime, by=None) -> None:
        self.checked_in_at, self.marked_by = at, by

    @transition(field=status, source=[AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN],
                target=AttendanceStatus.ATTENDED)
    def check_out(self, *, at: dt.datetime, by=None) -> None:
        self.checked_in_at = self.checked_in_at or self.shift.starts_at
        self.checked_out_at, self.marked_by = at, by or self.marked_by

    @transition(field=status, source=AttendanceStatus.EXPECTED, target=AttendanceStatus.NO_SHOW)
    def mark_no_show(self, *, contest_due_at: dt.datetime) -> None:
        self.no_show_at, self.contest_due_at = timezone.now(), contest_due_at
        self.no_hours()  # a shift not worked has no hours to confirm or pay (E4)

    @transition(field=status, source=AttendanceStatus.NO_SHOW, target=AttendanceStatus.ATTENDED)
    def overturn_no_show(self, *, hours_due_at: dt.datetime) -> None:
        # The student did come: attended from the shift's start unless a check-in says otherwise,
        # and the hours go back to the employer to confirm (E4, S3.1).
        self.contest_status = ContestStatus.OVERTURNED
        self.checked_in_at = self.checked_in_at or self.shift.starts_at
        self.reopen_hours(due_at=hours_due_at)

    @transition(field=status, source=[AttendanceStatus.EXPECTED], target=AttendanceStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=hours_status, source=HoursStatus.PENDING, target=HoursStatus.CONFIRMED)
    def confirm_hours(self, *, minutes: int, overtime: int, by, hours_note: str,
                      dispute_due_at: dt.datetime) -> None:
        if self.status != AttendanceStatus.ATTENDED:  # confirmed hours mean the shift was worked to its end (E4)
            self.check_out(at=self.shift.ends_at, by=by)
        self.confirmed_minutes, self.overtime_minutes, self.hours_note = minutes, overtime, hours_note
        self.hours_confirmed_at, self.hours_confirmed_by, self.dispute_due_at = timezone.now(), by, dispute_due_at

    @transition(field=hours_status, source=HoursStatus.PENDING, target=HoursStatus.AUTO_CONFIRMED)
    def auto_confirm_hours(self, *, dispute_due_at: dt.datetime) -> None:
        if self.status != AttendanceStatus.ATTENDED:  # as confirm_hours: the scheduled shift counts as worked
            self.check_out(at=self.shift.ends_at)
        self.confirmed_minutes, self.overtime_minutes = self.scheduled_minutes, 0
        self.hours_confirmed_at, self.dispute_due_at = timezone.now(), dispute_due_at

    @transition(field=hours_status, source=[HoursStatus.CONFIRMED, HoursStatus.AUTO_CONFIRMED],
                target=HoursStatus.DISPUTED)
    def dispute_hours(self, *, text: str) -> None:
        self.dispute_text = text

    @transition(field=hours_status, source=HoursStatus.DISPUTED, target=HoursStatus.RESOLVED)
    def resolve_hours(self, *, minutes: int, overtime: int, hours_note: str) -> None:
        self.confirmed_minutes, self.overtime_minutes, self.hours_note = minutes, overtime, hours_note

    @transition(field=hours_status, source=[HoursStatus.PENDING], target=HoursStatus.NONE)
    def no_hours(self) -> None:
        self.confirmed_minutes, self.overtime_minutes = 0, 0

    @transition(field=hours_status, source=[HoursStatus.NONE], target=HoursStatus.PENDING)
    def reopen_hours(self, *, due_at: dt.datetime) -> None:
        self.confirmed_minutes, self.hours_due_at = None, due_at


# ------------------------------------------------------------------ changes of time or place (J1.3)
class ScheduleChange(FSMModelMixin, TimeStampedModel):
    """The employer proposes a new time for a shift, or a new workplace; it takes
    effect only once every hired student has answered, for those who accepted
    (J1.3). A student who declines is released without penalty."""

    history_actions = ApplicationsAction

    class Status(models.TextChoices):
        HELD = "held", _("Awaiting review by a moderator")
        PROPOSED = "proposed", _("Waiting for the students")
        APPLIED = "applied", _("In effect")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LAPSED = "lapsed", _("Lapsed without consent")
        REJECTED = "rejected", _("Rejected by a moderator")

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="schedule_changes")
    shift = models.ForeignKey("jobs.Shift", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              help_text=_("Empty for a change of workplace."))
    new_date = models.DateField(_("new date"), null=True, blank=True)
    new_start = models.TimeField(_("new start"), null=True, blank=True)
    new_end = models.TimeField(_("new end"), null=True, blank=True)
    new_address = models.CharField(_("new address"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = FSMField(_("status"), choices=Status.choices, default=Status.PROPOSED, protected=True, db_index=True)
    respond_by = models.DateTimeField(_("students answer by"))
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("change of time or place")
        verbose_name_plural = _("changes of time or place")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"change {self.pk} of job {self.job_id}"

    @transition(field=status, source=Status.PROPOSED, target=Status.APPLIED)
    def apply(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=status, source=[Status.PROPOSED, Status.HELD], target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        self.decided_at = timezone.now()

    # A change the screen flagged waits for a moderator before any student sees it (J1.3, J1.4).
    @transition(field=status, source=Status.HELD, target=Status.PROPOSED)
    def release(self, *, respond_by: dt.datetime) -> None:
        self.respond_by = respond_by  # a fresh answer window from the moderator's clearance

    @transition(field=status, source=Status.HELD, target=Status.REJECTED)
    def refuse(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=status, source=Status.PROPOSED, target=Status.LAPSED)
    def lapse(self) -> None:
        self.decided_at = timezone.now()


class ScheduleChangeAnswer(models.Model):
    class Answer(models.TextChoices):
        PENDING = "pending", _("Not answered yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    change = models.ForeignKey(ScheduleChange, on_delete=models.CASCADE, related_name="answers")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="change_answers")
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer to a change")
        verbose_name_plural = _("answers to changes")
        constraints = [models.UniqueConstraint(fields=["change", "engagement"], name="change_answer_once")]

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.answer}"


# ------------------------------------------------------------------ money items and cases
class EngagementItem(TimeStampedModel):
    """A separate, visible money item of an engagement that settlements posts:
    compensation for an employer's late cancellation (to the student) or an
    agreed / decided compensation for a loss (from the student, S3.2). Wages
    are never deducted unilaterally: only these items change what is paid."""

    class Kind(models.TextChoices):
        LATE_CANCELLATION = "late_cancellation", _("Compensation for a late cancellation by the employer")
        LOSS = "loss", _("Compensation for a loss caused by the student")

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Positive: owed to the student. Negative: owed by the student to the employer.
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    description = models.CharField(_("description"), max_length=300)
    source_key = models.CharField(max_length=80, unique=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("engagement item")
        verbose_name_plural = _("engagement items")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


def _can_moderate_case(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm("applications.decide_case"))


class DemandReport(FSMModelMixin, TimeStampedModel):
    """A student reports an unlawful or unreasonable demand (S3.3); moderators
    verify it within the policy's service level."""

    history_actions = ApplicationsAction

    class Kind(models.TextChoices):
        UNPAID_OVERTIME = "unpaid_overtime", _("Unpaid overtime")
        UNSAFE_WORK = "unsafe_work", _("Unsafe work")
        MONEY_DEMANDED = "money_demanded", _("Money or a deposit demanded")
        HARASSMENT = "harassment", _("Harassment")
        WORK_DIFFERS = "work_differs", _("The work differs from the posting")

    class Status(models.TextChoices):
        OPEN = "open", _("Being verified")
        ACCEPTED = "accepted", _("Confirmed")
        DISMISSED = "dismissed", _("Not confirmed")

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="demand_reports")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=3000)
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to="demand-evidence/", blank=True)
    refuses_and_leaves = models.BooleanField(
        _("I refuse this demand and want to stop working on this job"), default=False)
    status = FSMField(_("status"), choices=Status.choices, default=Status.OPEN, protected=True, db_index=True)
    due_at = models.DateTimeField(_("verify by"), db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    outcome = models.TextField(_("outcome given to the student"), blank=True)

    class Meta:
        verbose_name = _("report of an unlawful demand")
        verbose_name_plural = _("reports of unlawful demands")
        ordering = ["due_at"]
        permissions = [("decide_case", _("Can decide demand reports, loss claims and attendance contests"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.engagement_id})"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    @transition(field=status, source=Status.OPEN, target=Status.ACCEPTED, permission=_can_moderate_case,
                custom={"label": _("Confirm"), "form": "applications.forms.CaseDecisionForm"})
    def accept(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.outcome = timezone.now(), by, reason

    @transition(field=status, source=Status.OPEN, target=Status.DISMISSED, permission=_can_moderate_case,
                custom={"label": _("Dismiss"), "form": "applications.forms.CaseDecisionForm"})
    def dismiss(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.outcome = timezone.now(), by, reason


class LossClaim(FSMModelMixin, TimeStampedModel):
    """The employer claims a loss the student caused (S3.2): evidence, the
    student's answer, staff's decision. Only an agreed or decided amount
    becomes an EngagementItem; wages are never deducted unilaterally."""

    history_actions = ApplicationsAction

    class Status(models.TextChoices):
        FILED = "filed", _("Waiting for the student's answer")
        AGREED = "agreed", _("Agreed by the student")
        CONTESTED = "contested", _("Contested, waiting for staff")
        UPHELD = "upheld", _("Upheld by staff")
        DISMISSED = "dismissed", _("Dismissed by staff")

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="loss_claims")
    amount_fen = models.PositiveIntegerField(_("amount claimed (fen)"))
    description = models.TextField(_("what was lost and how"), max_length=3000)
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to="loss-evidence/")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = FSMField(_("status"), choices=Status.choices, default=Status.FILED, protected=True, db_index=True)
    student_answer = models.TextField(_("student's answer"), blank=True)
    decided_amount_fen = models.PositiveIntegerField(_("amount decided (fen)"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    outcome = models.TextField(_("decision"), blank=True)
    # Set off against pay so far (funded statements; 《工资支付暂行规定》 art. 16 limits each month's
    # set-off): the rest of the agreed or decided amount is still owed by the student.
    offset_fen = models.PositiveIntegerField(_("set off against pay (fen)"), default=0)

    class Meta:
        verbose_name = _("loss claim")
        verbose_name_plural = _("loss claims")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="loss_claim_positive"),
            models.CheckConstraint(condition=models.Q(offset_fen=0)
                                   | models.Q(offset_fen__lte=models.F("decided_amount_fen")),
                                   name="loss_claim_offset_within_decided"),
        ]

    def __str__(self) -> str:
        return f"loss claim {self.pk} ({self.engagement_id})"

    @property
    def outstanding_fen(self) -> int:
        """Agreed or decided and not yet set off against pay: what the student still owes."""
        if self.status not in (self.Status.AGREED, self.Status.UPHELD):
            return 0
        return int(self.decided_amount_fen or 0) - self.offset_fen

    @transition(field=status, source=Status.FILED, target=Status.AGREED)
    def agree(self, *, answer: str) -> None:
        self.student_answer, self.decided_amount_fen, self.decided_at = answer, self.amount_fen, timezone.now()

    @transition(field=status, source=Status.FILED, target=Status.CONTESTED)
    def contest(self, *, answer: str) -> None:
        self.student_answer = answer

    @transition(field=status, source=Status.CONTESTED, target=Status.UPHELD, permission=_can_moderate_case)
    def uphold(self, *, by, amount_fen: int, reason: str) -> None:
        self.decided_amount_fen, self.decided_at, self.decided_by, self.outcome = (
            amount_fen, timezone.now(), by, reason)

    @transition(field=status, source=Status.CONTESTED, target=Status.DISMISSED, permission=_can_moderate_case)
    def dismiss(self, *, by, reason: str) -> None:
        self.decided_at, self.decided_by, self.outcome = timezone.now(), by, reason


# ------------------------------------------------------------------ the service agreement (劳务协议, issue 19)
class AgreementParty(models.TextChoices):
    STUDENT = "student", _("the student (乙方)")
    EMPLOYER = "employer", _("the employer (甲方)")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Issued agreements and their acceptances are records; they are never edited.")

    def delete(self):
        raise ValueError("Issued agreements and their acceptances are records; they are never deleted.")


class AppendOnlyRecord(models.Model):
    """A row written once and never changed or removed, by instance or in bulk."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is a record; it is never edited (issue a new version).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} is a record; it is never deleted.")


class Agreement(AppendOnlyRecord):
    """One version of the service agreement (劳务协议) of an engagement: a PDF the
    platform generates from the job and the offer, stored privately with its
    SHA-256 (issue 19). Append-only: a change of time or place that all parties
    consented to makes a new version; an issued version is never edited."""

    class Reason(models.TextChoices):
        HIRED = "hired", _("The student accepted the offer")
        SCHEDULE_CHANGE = "schedule_change", _("A change of time or place took effect")

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(_("version"))
    reason = models.CharField(_("why this version"), max_length=20, choices=Reason.choices)
    schedule_change = models.ForeignKey(ScheduleChange, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("change of time or place"))
    file = models.FileField(_("document"), storage=private_storage, upload_to="agreements/")
    sha256 = models.CharField(_("SHA-256 of the document"), max_length=64)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["engagement_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["engagement", "version"], name="agreement_version_once")]

    def __str__(self) -> str:
        return str(_("Service agreement %(number)s") % {"number": f"{self.engagement_id}-v{self.version}"})



class AgreementAcceptance(AppendOnlyRecord):
    """One party's acceptance of one version (issue 19; 电子签名法 art. 13): who, when,
    from which address, and the SHA-256 of the exact document they accepted."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    party = models.CharField(_("party"), max_length=8, choices=AgreementParty.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the accepted document"), max_length=64)

    class Meta:
        verbose_name = _("acceptance of a service agreement")
        verbose_name_plural = _("acceptances of service agreements")
        ordering = ["accepted_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="agreement_accepted_once")]

    def __str__(self) -> str:
        return f"{self.agreement} · {self.party}"


class ShiftReminder(models.Model):
    """The marker that one reminder of one shift went to the student (issue 20): the
    unique constraint makes the reminder sweep send it once, however often it runs."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "24h", _("24 hours before")
        TWO_HOURS = "2h", _("2 hours before")

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("reminder"), max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shift reminder")
        verbose_name_plural = _("shift reminders")
        constraints = [models.UniqueConstraint(fields=["attendance", "kind"], name="shift_reminder_once")]

    def __str__(self) -> str:
        return f"{self.attendance_id} {self.kind}"


class CalendarFeed(models.Model):
    """A student's private iCalendar feed of their shifts (issue 20): the secret token is
    the only key, so the student can reset it when the address has leaked."""

    student = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(_("secret"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.student_id}"
