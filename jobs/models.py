"""Job postings: what the work is, when and where, what it pays (E2.1, J1), the
moderation state machine (E2.2, J2), the compliance screen's lexicon and
findings (J1.4, G2), and the minimum-wage table it checks pay against.

Declarations only: every write goes through `jobs.services`."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from core.uploads import private_storage

# Labour Contract Law art. 72: part-time pay is settled at least every 15 days.
MAX_SETTLEMENT_DAYS = 15
# Labour Contract Law art. 68: on average at most 4 h a day, 24 h a week with one employer.
PART_TIME_MAX_DAILY_AVERAGE_MINUTES = 4 * 60
PART_TIME_MAX_WEEKLY_MINUTES = 24 * 60
# Provisions on Special Protection of Juvenile Workers: no night work for 16–17-year-olds.
NIGHT_STARTS, NIGHT_ENDS = dt.time(22, 0), dt.time(6, 0)
MAX_SHIFTS_PER_JOB = 120


class JobCategory(models.TextChoices):
    TUTORING = "tutoring", _("Tutoring")
    PROMOTION = "promotion", _("Promotion and sales")
    CATERING = "catering", _("Catering")
    EVENTS = "events", _("Events")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    LOGISTICS = "logistics", _("Sorting and delivery")
    CAMPUS_AMBASSADOR = "campus_ambassador", _("Campus ambassador")
    REMOTE = "remote", _("Online work")
    OTHER = "other", _("Other")


class MinorRestrictedWork(models.TextChoices):
    """Work an employer may not give a minor worker (16–17): the list of art. 3 of the
    Provisions on the Special Protection of Juvenile Workers (《未成年工特殊保护规定》,
    劳部发〔1994〕498号, 1994-12-09), item by item. docs/minors.md cites it."""

    DUST = "dust", _("Dust exposure, grade I or above (art. 3(1))")
    TOXIC = "toxic", _("Toxic substances, grade I or above (art. 3(2))")
    HEIGHT = "height", _("Work at height, grade II or above (art. 3(3))")
    COLD_WATER = "cold_water", _("Work in cold water, grade II or above (art. 3(4))")
    HIGH_TEMPERATURE = "high_temperature", _("High-temperature work, grade III or above (art. 3(5))")
    LOW_TEMPERATURE = "low_temperature", _("Low-temperature work, grade III or above (art. 3(6))")
    HEAVY_PHYSICAL = "heavy_physical", _("Heavy physical labour, grade IV (art. 3(7))")
    MINING = "mining", _("Underground mining or quarrying (art. 3(8))")
    FORESTRY = "forestry", _("Logging, timber rafting or forest guarding (art. 3(9))")
    RADIATION = "radiation", _("Radioactive substances (art. 3(10))")
    EXPLOSIVE = "explosive", _("Flammable, explosive, chemical or thermal burn hazards (art. 3(11))")
    FIELD_SURVEY = "field_survey", _("Geological or resource exploration in the field (art. 3(12))")
    DIVING_PLATEAU = "diving_plateau", _("Diving, culverts, or plateau above 3,000 m (art. 3(13))")
    HEAVY_LOADS = "heavy_loads", _("Loads over 20 kg six times an hour or over 25 kg at a time (art. 3(14))")
    VIBRATING_TOOLS = "vibrating_tools", _("Rock drills, tampers, air picks, riveters or electric hammers "
                                           "(art. 3(15))")
    FORCED_POSTURE = "forced_posture", _("Assembly line with forced posture over 50 moves a minute (art. 3(16))")
    BOILER = "boiler", _("Boiler firing (art. 3(17))")


class MinorRestrictedVenue(models.TextChoices):
    """Workplaces closed to minors, so closed to minor workers: Minors Protection Law
    (2020 revision, in force 2021-06-01) art. 58 and the Regulations on the
    Administration of Entertainment Venues (2006: they may not employ minors); docs/minors.md."""

    KTV = "ktv", _("KTV or karaoke (singing and dancing entertainment venue)")
    DANCE_HALL = "dance_hall", _("Dance hall or discotheque")
    NIGHTCLUB = "nightclub", _("Nightclub")
    BAR = "bar", _("Bar")
    INTERNET_CAFE = "internet_cafe", _("Internet café")
    GAME_ARCADE = "game_arcade", _("Game arcade (electronic game machines)")
    OTHER_ENTERTAINMENT = "other_entertainment", _("Other entertainment venue unsuitable for minors")


class PayUnit(models.TextChoices):
    HOUR = "hour", _("per hour")
    DAY = "day", _("per day")
    PIECE = "piece", _("per piece")
    JOB = "job", _("for the whole job")


class SettlementCycle(models.TextChoices):
    DAILY = "daily", _("after each working day")
    WEEKLY = "weekly", _("weekly")
    ON_COMPLETION = "on_completion", _("on completion of the job")


class ScheduleKind(models.TextChoices):
    SHIFTS = "shifts", _("Individual shifts")
    WEEKLY = "weekly", _("Weekly pattern")


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Waiting for review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")
    EXPIRED = "expired", _("Expired")
    TAKEN_DOWN = "taken_down", _("Taken down")


class JobAction(models.TextChoices):
    """The history vocabulary of jobs (a job's history also records its revisions' decisions).

    The labels are what the employer's job page and the admin show for each row."""

    CREATE = "create", _("Created")
    SUBMIT = "submit", _("Submitted for review")
    APPROVE = "approve", _("Approved and published")
    REQUEST_CHANGES = "request_changes", _("Changes requested")
    REJECT = "reject", _("Rejected")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    CLOSE = "close", _("Closed")
    EXPIRE = "expire", _("Expired")
    TAKE_DOWN = "take_down", _("Taken down")
    # Edits of a live job (J2.2): the reason lists the fields that changed.
    EDIT = "edit", _("Edited")
    REVISE = "revise", _("Changes proposed")
    REVISION_APPROVE = "revision_approve", _("Changes approved")
    REVISION_REJECT = "revision_reject", _("Changes not approved")
    CONFIRM_CURRENT = "confirm_current", _("Confirmed as still accurate")
    # Changes the hired students consented to (J1.3).
    SHIFT_MOVED = "shift_moved", _("Shift moved")
    WORKPLACE_CHANGED = "workplace_changed", _("Workplace changed")
    # Second-stage checks recorded by the moderators (P2.3): "verification_<kind>".
    VERIFICATION_PHONE_CALLBACK = "verification_phone_callback", _("Phone call-back recorded")
    VERIFICATION_BACKGROUND_CHECK = "verification_background_check", _("Background check recorded")
    VERIFICATION_OTHER = "verification_other", _("Other check recorded")


EDITABLE_STATUSES = (JobStatus.DRAFT, JobStatus.CHANGES_REQUESTED, JobStatus.REJECTED)
LIVE_STATUSES = (JobStatus.PUBLISHED, JobStatus.PAUSED)


def _can_moderate(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm("jobs.moderate_job"))


class Job(FSMModelMixin, TimeStampedModel):
    """A part-time job an approved employer publishes after staff review.

    The row always holds the approved (or not yet approved) version that
    students see; an edit to a live job waits in a JobRevision (J2.2)."""

    history_actions = JobAction

    employer = models.ForeignKey("employers.Employer", on_delete=models.PROTECT, related_name="jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = FSMField(_("status"), choices=JobStatus.choices, default=JobStatus.DRAFT, protected=True)

    # What (J1.1)
    title = models.CharField(_("job title"), max_length=80)
    category = models.CharField(_("category"), max_length=24, choices=JobCategory.choices)
    description = models.TextField(_("work content"), max_length=4000)
    requirements_skills = models.TextField(_("skills required"), max_length=1000, blank=True)
    requirements_certificates = models.CharField(_("certificates required"), max_length=300, blank=True)
    headcount = models.PositiveSmallIntegerField(_("number of students"))
    # What minors may not do here (《未成年工特殊保护规定》 art. 3; Minors Protection Law art. 61):
    # the employer's declaration, shown to the moderator; either one closes the job to 16–17-year-olds.
    minor_restricted_work = models.JSONField(
        _("work minors may not do"), default=list, blank=True,
        help_text=_("Every item of art. 3 of the Provisions on the Special Protection of Juvenile Workers the "
                    "work involves. Such jobs are not offered to students aged 16–17."),
    )
    minor_restricted_venue = models.CharField(
        _("workplace closed to minors"), max_length=24, choices=MinorRestrictedVenue.choices, blank=True,
        help_text=_("An entertainment venue, bar or internet café may not employ students aged 16–17."),
    )

    # Where (J1.3)
    is_remote = models.BooleanField(_("remote work"), default=False)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The workplace's position, WGS-84 degrees (S2.1 "jobs near me", docs/near-me.md): optional,
    # inside the job's city (jobs.geo.workplace_error); a remote job has none.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    # When (J1.3): shifts are the truth; a weekly pattern is expanded into shifts.
    schedule_kind = models.CharField(_("schedule"), max_length=8, choices=ScheduleKind.choices,
                                     default=ScheduleKind.SHIFTS)
    weekly_days = models.CharField(_("weekdays"), max_length=13, blank=True,
                                   help_text=_("ISO weekdays, e.g. 1,3,5 for Mon/Wed/Fri."))
    weekly_start = models.TimeField(_("start time"), null=True, blank=True)
    weekly_end = models.TimeField(_("end time"), null=True, blank=True)
    weekly_from = models.DateField(_("first day"), null=True, blank=True)
    weekly_until = models.DateField(_("last day"), null=True, blank=True)
    application_deadline = models.DateTimeField(_("applications close"))

    # Pay (J1.2), integer fen
    pay_unit = models.CharField(_("pay unit"), max_length=8, choices=PayUnit.choices)
    base_rate_fen = models.PositiveIntegerField(_("base pay (fen)"))
    pieces_per_hour = models.PositiveSmallIntegerField(
        _("pieces a student can do in an hour"), null=True, blank=True,
        help_text=_("Required for piece rates: used to check the minimum hourly wage."),
    )
    overtime_rate_fen = models.PositiveIntegerField(_("overtime pay per hour (fen)"), null=True, blank=True)
    bonus_rules = models.TextField(_("bonus rules"), max_length=1000, blank=True)
    meal_allowance_fen = models.PositiveIntegerField(_("meal allowance per shift (fen)"), default=0)
    transport_allowance_fen = models.PositiveIntegerField(_("transport allowance per shift (fen)"), default=0)
    settlement_cycle = models.CharField(_("settlement cycle"), max_length=16, choices=SettlementCycle.choices)
    payment_days = models.PositiveSmallIntegerField(
        _("employer pays within (days after each settlement period)"), default=3,
    )

    # Derived by the service on every save; they make lists, filters and sorting cheap.
    hourly_pay_fen = models.PositiveIntegerField(_("equivalent hourly pay (fen)"), default=0, db_index=True)
    total_minutes = models.PositiveIntegerField(default=0)
    first_shift_date = models.DateField(null=True, blank=True)
    last_shift_end = models.DateTimeField(null=True, blank=True)
    has_night_work = models.BooleanField(default=False)
    # Derived from the declaration above: lists and the minors' refusals read one indexed column.
    closed_to_minors = models.BooleanField(default=False, editable=False)
    search_document = models.TextField(blank=True, editable=False)

    # Moderation bookkeeping
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decision_reason = models.TextField(_("reason given to the employer"), blank=True)
    content_updated_at = models.DateTimeField(_("content last confirmed"), default=timezone.now)
    stale_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-published_at", "-id"]
        permissions = [("moderate_job", _("Can review, approve and take down jobs"))]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="job_status_published"),
            models.Index(fields=["status", "city", "-published_at"], name="job_status_city"),
            models.Index(fields=["status", "category", "-published_at"], name="job_status_category"),
            models.Index(fields=["status", "first_shift_date"], name="job_status_start"),
            models.Index(fields=["status", "-hourly_pay_fen"], name="job_status_pay"),
            models.Index(fields=["status", "submitted_at"], name="job_status_submitted"),
            # "Near me" (S2.1): the bounding box around the student is a range on latitude within
            # the published jobs, its longitude range checked in the index; with published_at
            # (early access) and id, a page's ids come from the index alone (jobs.selectors).
            models.Index(fields=["status", "latitude", "longitude", "published_at", "id"],
                         name="job_position_covering"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(payment_days__lte=MAX_SETTLEMENT_DAYS),
                                   name="job_payment_days_within_15"),
            models.CheckConstraint(condition=models.Q(headcount__gte=1), name="job_headcount_positive"),
            # A position is both coordinates or none, on the globe, and never on a remote job.
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(is_remote=False, latitude__gte=-90, latitude__lte=90, longitude__gte=-180,
                           longitude__lte=180),
                name="job_position_whole_and_not_remote"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_visible_to_students(self) -> bool:
        return self.status == JobStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def excludes_minors(self) -> bool:
        """No student aged 16–17 may apply, be invited or be hired: night work (the
        regulation's legal context) or a declared art. 3 item or venue (docs/minors.md)."""
        return self.has_night_work or self.closed_to_minors

    def get_minor_restricted_work_display(self) -> list[str]:
        labels = dict(MinorRestrictedWork.choices)
        return [str(labels.get(code, code)) for code in self.minor_restricted_work or []]

    def scheduled_pay_fen(self, minutes: int) -> int:
        """Scheduled pay of `minutes` at the job's equivalent hourly rate, in whole fen
        (E5.1 prefunding estimate, S3.1 late-cancellation compensation)."""
        return self.hourly_pay_fen * minutes // 60

    def payment_due_at(self, hours_final_at: dt.datetime) -> dt.datetime:
        """E5.1: the employer pays within the job's stated payment days after the
        hours are final — never later than MAX_SETTLEMENT_DAYS (Labour Contract Law
        art. 72: part-time pay is settled at least every 15 days). The funding due
        date of a statement (settlements) and the dates the service agreement
        states (issue 19) both come from here."""
        return hours_final_at + dt.timedelta(days=min(self.payment_days or 0, MAX_SETTLEMENT_DAYS))

    # ---------------------------------------------------------------- transitions
    @transition(field=status, source=list(EDITABLE_STATUSES), target=JobStatus.PENDING_REVIEW,
                custom={"admin": False})
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(field=status, source=JobStatus.PENDING_REVIEW, target=JobStatus.PUBLISHED,
                permission=_can_moderate, custom={"label": _("Approve and publish"),
                                                  "form": "jobs.forms.ApproveJobForm"})
    def approve(self, *, by=None, reason: str = "") -> None:
        now = timezone.now()
        self.decided_at, self.decided_by, self.decision_reason = now, by, reason
        self.published_at = now
        self.first_published_at = self.first_published_at or now
        self.content_updated_at = now

    @transition(field=status, source=JobStatus.PENDING_REVIEW, target=JobStatus.CHANGES_REQUESTED,
                permission=_can_moderate, custom={"label": _("Request changes"),
                                                  "form": "jobs.forms.JobReasonForm"})
    def request_changes(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_reason = timezone.now(), by, reason

    @transition(field=status, source=JobStatus.PENDING_REVIEW, target=JobStatus.REJECTED,
                permission=_can_moderate, custom={"label": _("Reject"), "form": "jobs.forms.JobReasonForm"})
    def reject(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_reason = timezone.now(), by, reason

    @transition(field=status, source=JobStatus.PUBLISHED, target=JobStatus.PAUSED, custom={"admin": False})
    def pause(self) -> None:
        pass

    @transition(field=status, source=JobStatus.PAUSED, target=JobStatus.PUBLISHED, custom={"admin": False})
    def resume(self) -> None:
        pass

    @transition(field=status, source=list(LIVE_STATUSES), target=JobStatus.CLOSED, custom={"admin": False})
    def close(self) -> None:
        pass

    @transition(field=status, source=list(LIVE_STATUSES), target=JobStatus.EXPIRED, custom={"admin": False})
    def expire(self) -> None:
        pass

    @transition(field=status, source=[JobStatus.PENDING_REVIEW, *LIVE_STATUSES], target=JobStatus.TAKEN_DOWN,
                permission=_can_moderate, custom={"label": _("Take down"), "form": "jobs.forms.JobReasonForm"})
    def take_down(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.decision_reason = timezone.now(), by, reason


class Shift(models.Model):
    """One working period of a job, in local time (J1.3)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="shifts")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start"))
    end_time = models.TimeField(_("end"), help_text=_("An end before the start means the shift ends the next day."))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["job", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.start_time))

    @property
    def ends_at(self) -> dt.datetime:
        end_day = self.date + dt.timedelta(days=1) if self.end_time <= self.start_time else self.date
        return timezone.make_aware(dt.datetime.combine(end_day, self.end_time))

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class JobRevision(TimeStampedModel):
    """An edit of a live job's material fields, waiting for review (J2.2).

    Students keep seeing the approved version on the Job row until a
    moderator approves this revision, which then replaces it."""

    # Its decisions are recorded on its job's history, in the job's vocabulary.
    history_actions = JobAction

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    data = models.JSONField(_("proposed content"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job revision")
        verbose_name_plural = _("job revisions")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["job"], condition=models.Q(status="pending"),
                                               name="one_pending_revision_per_job")]

    def __str__(self) -> str:
        return f"{self.job} – {self.get_status_display()}"


class ComplianceTerm(models.Model):
    """One entry of the staff-maintained lexicon the compliance screen uses (J1.4, G2)."""

    class Category(models.TextChoices):
        GENDER = "gender", _("Gender discrimination")
        AGE = "age", _("Age limits beyond the law")
        ETHNICITY = "ethnicity", _("Ethnicity or race")
        RELIGION = "religion", _("Religion")
        HOUSEHOLD = "household", _("Household registration or region")
        HEALTH = "health", _("Hepatitis B or other carrier status, disability")
        MARITAL = "marital", _("Marital or childbearing status")
        APPEARANCE = "appearance", _("Appearance, height or weight")
        FEE = "fee", _("Money taken from students")
        SCAM = "scam", _("Known scam pattern")
        CONTACT = "contact", _("Contact details outside the platform")
        MISLEADING_PAY = "misleading_pay", _("Misleading pay promises")
        HAZARD = "hazard", _("Hazardous work")
        MINOR_VENUE = "minor_venue", _("Workplace closed to minors")

    class Severity(models.TextChoices):
        BLOCK = "block", _("Blocks submission")
        FLAG = "flag", _("Flag for the moderator")

    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.FLAG)
    pattern = models.CharField(_("pattern"), max_length=200,
                               help_text=_("A word or phrase; a regular expression (RE2 syntax: no lookaround or "
                                           "backreferences) if 'regex' is ticked. It is matched against the "
                                           "normalised text: simplified, lower case, digits, no spaces or "
                                           "punctuation between Chinese characters."))
    is_regex = models.BooleanField(_("regex"), default=False)
    explanation = models.CharField(_("explanation shown to the employer (Chinese)"), max_length=300)
    explanation_en = models.CharField(_("explanation shown to the employer (English)"), max_length=300,
                                      blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("compliance term")
        verbose_name_plural = _("compliance lexicon")
        ordering = ["category", "pattern"]
        constraints = [models.UniqueConstraint(fields=["category", "pattern"], name="compliance_term_unique")]

    def __str__(self) -> str:
        return self.pattern

    def explanation_for(self, language: str | None) -> str:
        if language and language.startswith("en") and self.explanation_en:
            return self.explanation_en
        return self.explanation


class JobFlag(models.Model):
    """A compliance finding on a submitted job or revision, for the moderator (J1.4)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="flags")
    revision = models.ForeignKey(JobRevision, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="flags")
    code = models.CharField(_("rule"), max_length=32, db_index=True)
    severity = models.CharField(_("severity"), max_length=8, choices=ComplianceTerm.Severity.choices)
    field = models.CharField(_("field"), max_length=40, blank=True)
    matched_text = models.CharField(_("matched text"), max_length=200, blank=True)
    message = models.CharField(_("finding"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("compliance flag")
        verbose_name_plural = _("compliance flags")
        ordering = ["resolved_at", "-created_at"]
        indexes = [models.Index(fields=["code", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.matched_text}"


class InsuranceKind(models.TextChoices):
    WORK_INJURY = "work_injury", _("Work-injury insurance")
    ACCIDENT = "accident", _("Accident insurance")


class JobInsurance(TimeStampedModel):
    """The cover the employer declares for a job (docs/insurance.md): required for the
    categories in settings.INSURANCE_REQUIRED_CATEGORIES and for physical work declared
    under art. 3 before the job can be submitted; students read the insurer on the job
    page; new hiring pauses while it has lapsed. The certificate is a private upload."""

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="insurance")
    kind = models.CharField(_("kind of cover"), max_length=16, choices=InsuranceKind.choices)
    insurer = models.CharField(_("insurer"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=64)
    covers_from = models.DateField(_("cover starts"))
    covers_until = models.DateField(_("cover ends"))
    certificate = models.FileField(_("certificate"), storage=private_storage, upload_to="insurance/")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("declared by"))
    lapse_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("job insurance")
        verbose_name_plural = _("job insurance")
        constraints = [models.CheckConstraint(condition=models.Q(covers_until__gte=models.F("covers_from")),
                                              name="job_insurance_period_ordered")]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"

    def in_force_on(self, day: dt.date) -> bool:
        return self.covers_from <= day <= self.covers_until


class MinimumWage(models.Model):
    """Local minimum hourly wage for part-time work (非全日制用工小时最低工资), kept by staff."""

    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=50, db_index=True,
                            help_text=_("As employers write it, e.g. 上海市 or 长沙市."))
    area_note = models.CharField(_("area note"), max_length=120, blank=True,
                                 help_text=_("Which districts this tier covers, if the city has several."))
    hourly_min_fen = models.PositiveIntegerField(_("minimum hourly wage (fen)"))
    effective_from = models.DateField(_("effective from"))
    source = models.URLField(_("source"), max_length=400, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("verified by"))

    class Meta:
        verbose_name = _("minimum hourly wage")
        verbose_name_plural = _("minimum hourly wages")
        ordering = ["city", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["city", "effective_from"], name="minimum_wage_unique")]

    def __str__(self) -> str:
        return f"{self.city} {self.effective_from}: {self.hourly_min_fen / 100:.2f}"


class PatrolRun(models.Model):
    """What one patrol sweep did, for the operations report (J2.3)."""

    ran_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expired = models.PositiveIntegerField(default=0)
    stale_flagged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return gettext("%(at)s: %(expired)s expired, %(stale)s marked stale") % {
            "at": f"{timezone.localtime(self.ran_at):%Y-%m-%d %H:%M}", "expired": self.expired, "stale": self.stale_flagged}


class SearchSynonym(models.Model):
    """A group of words students use for the same work, kept by staff (S2.1).

    The public search expands a query term that is one of the group's words into
    "any of the group's words", at query time: 家教 also finds 辅导 and 补习."""

    words = models.CharField(
        _("words"), max_length=200, unique=True,
        help_text=_("Two or more words meaning the same work, separated by spaces or slashes, "
                    "e.g. 家教/辅导/补习."))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search synonym group")
        verbose_name_plural = _("search synonyms")
        ordering = ["words"]

    def __str__(self) -> str:
        return self.words

    def word_list(self) -> list[str]:
        return synonym_words(self.words)


def synonym_words(text: str) -> list[str]:
    """The distinct, lower-cased words of a synonym group ("家教/辅导 补习")."""
    seen: list[str] = []
    for word in text.replace("/", " ").replace("、", " ").replace(",", " ").replace("，", " ").lower().split():
        if word not in seen:
            seen.append(word)
    return seen


def category_search_name(category: str) -> str:
    """The category's Chinese name, as students search for it (家教辅导)."""
    from django.utils import translation

    if category not in JobCategory.values:
        return ""
    with translation.override("zh-hans"):
        return str(JobCategory(category).label)


def build_search_document(*, title: str, description: str, category: str, skills: str, certificates: str,
                          employer_name: str, district: str, city: str) -> str:
    """The text the public search matches (S2.1), lower-cased: one place for the
    service, the data migration that rebuilds it and the bench's data set."""
    return "\n".join(filter(None, [title, description, skills, certificates, category_search_name(category),
                                   employer_name, district, city])).lower()
