"""Every write of the moderation app: second-stage verification records (P2.3)
and reports of jobs, employers, students' profiles and reviews, from opening to
the moderator's decision (S5.2, G3).

Moderation sits on top of the lifecycle apps: it acts on jobs only through
`jobs.services` (a confirmed report may take the job down), on reviews through
`reviews.services` (a false or abusive review is hidden) and sanctions through
`risk.sanctions` (confirmed false information is a violation)."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile, User
from accounts.services import staff_role_notify
from applications.models import Application
from core.credit import credit_event_record
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.transitions import lock_row, run_transition
from core.vetting import VettingStatus
from employers.models import Employer, EmployerMember
from jobs.models import LIVE_STATUSES, Job, JobStatus
from jobs.services import job_take_down
from reviews.models import Direction, Review
from reviews.services import review_hide
from risk.sanctions import violation_record

from .models import REPORT_TARGETS, VERIFIABLE_MODELS, ModerationAction, Report, VerificationStep

# A user with this many open reports must wait for decisions before filing more:
# enough for an honest student who met several bad postings, too few to flood the queue.
MAX_OPEN_REPORTS_PER_USER = 10


class ReportNotAllowed(DomainError):
    default_message = _("This job cannot be reported.")


# ------------------------------------------------------------------ verification (P2.3)
@transaction.atomic
def verification_step_record(*, actor, content_type: ContentType, object_id: int, kind: str, outcome: str,
                             notes: str = "") -> VerificationStep:
    """Record a second-stage check (phone call-back, background check) on a job,
    an employer or a student profile (P2.3).

    Preconditions: the actor may add verification steps (moderators); the
    subject exists. Effects: the step row, and a history row on the subject so
    its own history shows the check."""
    if not (actor.is_active and actor.has_perm("moderation.add_verificationstep")):
        raise NotPermitted()
    if (content_type.app_label, content_type.model) not in VERIFIABLE_MODELS:
        raise DomainError(_("Verification steps are recorded for jobs, employers and students only."),
                          field="content_type")
    if kind not in VerificationStep.Kind.values or outcome not in VerificationStep.Outcome.values:
        raise DomainError(_("Choose the kind of check and its outcome."), field="kind")
    subject = content_type.model_class()._default_manager.filter(pk=object_id).first()
    if subject is None:
        raise DomainError(_("There is no such record to verify."), field="object_id")
    step = VerificationStep.objects.create(content_type=content_type, object_id=object_id, kind=kind,
                                           outcome=outcome, notes=(notes or "").strip(), staff=actor,
                                           at=timezone.now())
    history_record(subject=subject, transition=ModerationAction(f"verification_{kind}"), from_state="",
                   to_state=outcome, actor=actor, reason=step.notes)
    return step


# ------------------------------------------------------------------ reports (S5.2, G3)
def _notify_moderators(*, subject, link: str) -> None:
    staff_role_notify(role="moderator", subject=subject, link=link)


# What each kind of target may be reported for: jobs and employers for anything on
# the list, a student's profile and a review for false information (G3) or "other".
CATEGORIES_BY_TARGET = {
    "job": tuple(Report.Category.values),
    "employer": tuple(Report.Category.values),
    "student": (Report.Category.FALSE_INFORMATION, Report.Category.OTHER),
    "review": (Report.Category.FALSE_INFORMATION, Report.Category.ABUSE, Report.Category.PERSONAL_DATA,
               Report.Category.OTHER),
}
# Confirmed, a report of a review in one of these hides it (S5.1, E6.1) without a violation (G3).
REVIEW_FAULTS = (Report.Category.ABUSE, Report.Category.PERSONAL_DATA, Report.Category.OTHER)


def reportable_job(*, job_id: int) -> Job | None:
    """A job anyone may report: a published one (what the job page shows)."""
    return Job.objects.select_related("employer").filter(pk=job_id, status=JobStatus.PUBLISHED).first()


def reportable_employer(*, employer_id: int) -> Employer | None:
    """An employer whose profile the platform shows: an approved one, or one whose approval lapsed for
    re-verification (its hired students still work for it; anyone signed in may report it)."""
    return Employer.objects.filter(pk=employer_id,
                                   vetting_status__in=[VettingStatus.APPROVED, VettingStatus.LAPSED]).first()


def reportable_student(*, profile_id: int, user) -> StudentProfile | None:
    """A student's profile as an employer sees it: only members of an employer the
    student applied to (or works for) may report it."""
    if not (user and user.is_authenticated):
        return None
    employer_id = EmployerMember.objects.filter(user=user).values_list("employer_id", flat=True).first()
    if employer_id is None:
        return None
    profile = StudentProfile.objects.select_related("user").filter(pk=profile_id).first()
    if profile is None or not Application.objects.filter(student_id=profile.user_id,
                                                         job__employer_id=employer_id).exists():
        return None
    return profile


def reportable_review(*, review_id: int, user) -> Review | None:
    """A review its readers see: published and not hidden; its author cannot report it."""
    review = (Review.objects.select_related("engagement__job", "employer")
              .filter(pk=review_id, published_at__isnull=False, hidden_at__isnull=True).first())
    if review is None or (user and review.author_id == user.pk):
        return None
    return review


def _reportable(kind: str, target_id: int, reporter):
    if kind == "job":
        return reportable_job(job_id=target_id)
    if kind == "employer":
        return reportable_employer(employer_id=target_id)
    if kind == "student":
        return reportable_student(profile_id=target_id, user=reporter)
    if kind == "review":
        return reportable_review(review_id=target_id, user=reporter)
    raise ValueError(kind)


ALREADY_REPORTED = {
    "job": _("You have already reported this job; our moderators are looking into it."),
    "employer": _("You have already reported this employer; our moderators are looking into it."),
    "student": _("You have already reported this student's profile; our moderators are looking into it."),
    "review": _("You have already reported this review; our moderators are looking into it."),
}
NOT_REPORTABLE = {
    "job": _("Only jobs that are currently published can be reported."),
    "employer": _("This employer cannot be reported."),
    "student": _("You can report only students who applied to your jobs."),
    "review": _("Only published reviews can be reported, and not by their author."),
}


def target_label(report: Report) -> str:
    """What the report is about, in words for people (the reporter, the moderator)."""
    kind = report.target_kind
    if kind == "job":
        return str(_("the job “%(title)s”") % {"title": report.job.title})
    if kind == "employer":
        return str(_("the employer “%(name)s”") % {"name": report.employer.name})
    if kind == "student":
        return str(_("the profile of the student %(name)s") % {"name": report.student.real_name})
    return str(_("a review of “%(title)s”") % {"title": report.review.engagement.job.title})


@transaction.atomic
def report_create(*, target_kind: str, target_id: int, reporter, category: str, details: str = "") -> Report:
    """A signed-in user reports a job, an employer, a student's profile or a review (S5.2, G3).

    Preconditions: the reporter can see the target (a published job; an approved
    employer; a student who applied to the reporter's employer; a published
    review not their own); the category fits the target; no open report of theirs
    on it, and fewer than MAX_OPEN_REPORTS_PER_USER open reports in all.
    Effects: an open report, a history row, moderators told in their inbox."""
    if not (reporter and reporter.is_authenticated and reporter.is_active):
        raise NotPermitted()
    if target_kind not in REPORT_TARGETS:
        raise DomainError(_("This cannot be reported."))
    details = (details or "").strip()
    if category not in CATEGORIES_BY_TARGET[target_kind]:
        raise DomainError(_("Choose what is wrong."), field="category")
    if category in REVIEW_FAULTS and not details:
        raise DomainError(_("Please describe what is wrong."), field="details")
    # Lock the reporter's row: the duplicate and rate checks below must not race
    # with a second submission of the same form.
    User.objects.select_for_update().filter(pk=reporter.pk).first()
    target = _reportable(target_kind, target_id, reporter)
    if target is None:
        raise ReportNotAllowed(NOT_REPORTABLE[target_kind])
    open_reports = Report.objects.filter(reporter=reporter, status=Report.Status.OPEN)
    if open_reports.filter(**{target_kind: target}).exists():
        raise ReportNotAllowed(ALREADY_REPORTED[target_kind])
    if open_reports.count() >= MAX_OPEN_REPORTS_PER_USER:
        raise ReportNotAllowed(_("You have %(n)s reports waiting for a decision; please wait for them before "
                                 "reporting more.") % {"n": MAX_OPEN_REPORTS_PER_USER})
    try:
        with transaction.atomic():
            report = Report.objects.create(reporter=reporter, category=category, details=details,
                                           **{target_kind: target})
    except IntegrityError:  # the partial unique index: the same report twice
        raise ReportNotAllowed(ALREADY_REPORTED[target_kind]) from None
    history_record(subject=report, transition=ModerationAction.CREATE, from_state="", to_state=report.status,
                   actor=reporter, reason=category)
    if target_kind == "job":
        subject = _("A job was reported: %(title)s") % {"title": target.title}
    elif target_kind == "review" and category != Report.Category.FALSE_INFORMATION:
        subject = _("A review was reported (%(category)s)") % {"category": report.get_category_display()}
    else:
        subject = _("A report of false information: %(target)s") % {"target": target_label(report)}
    _notify_moderators(subject=subject, link=reverse("admin:moderation_report_change", args=[report.pk]))
    return report


def report_job_create(*, job_id: int, reporter, category: str, details: str = "") -> Report:
    """A signed-in user reports a published job (S5.2, G3): see `report_create`."""
    return report_create(target_kind="job", target_id=job_id, reporter=reporter, category=category,
                         details=details)


# outcome → the Report transition (its name is the history action, ModerationAction).
OUTCOMES = {"confirmed": "confirm", "dismissed": "dismiss"}


def violator_of(report: Report) -> tuple[str, int]:
    """Who gave the false information (G3): (credit subject kind, subject id).

    A job's or an employer profile's → the employer; a student's profile → the
    student (user id); a review → its author's side."""
    kind = report.target_kind
    if kind == "job":
        return "employer", report.job.employer_id
    if kind == "employer":
        return "employer", report.employer_id
    if kind == "student":
        return "student", report.student.user_id
    if report.review.direction == Direction.STUDENT_REVIEWS_EMPLOYER:
        return "student", report.review.student_id
    return "employer", report.review.employer_id


def _false_information_confirmed(report: Report, *, actor, note: str) -> None:
    """G3: confirmed false information is a violation on the ladder and a credit event;
    a false review is hidden."""
    subject_kind, subject_id = violator_of(report)
    violation_record(subject_kind=subject_kind, subject_id=subject_id, category="false_information",
                     reason=note, actor=actor, source=report)
    credit_event_record(key=f"report:{report.pk}:false_information", subject_kind=subject_kind,
                        subject_id=subject_id, kind="false_information_confirmed",
                        reason=str(_("False information confirmed by a moderator: %(note)s") % {"note": note}),
                        source=report)
    if report.target_kind == "review":
        review_hide(review_id=report.review_id, actor=actor, reason=note)


@transaction.atomic
def report_resolve(*, pk: int, actor, outcome: str, note: str, take_down: bool = False) -> Report:
    """A moderator decides a report (S5.2, G3): "confirmed" or "dismissed".

    Preconditions: the actor may resolve reports; the report is open; a note
    is given (the reporter reads it). Effects: the decision, a history row, the
    job taken down when a confirmed report of a job asks for it (through
    jobs.services.job_take_down, which tells the employer); confirmed false
    information recorded as a violation and a credit event against whoever gave
    it (and a false review hidden), the other open reports of it confirmed along;
    every reporter concerned notified of the outcome."""
    if not (actor.is_active and actor.has_perm("moderation.resolve_report")):
        raise NotPermitted()
    note = (note or "").strip()
    if not note:
        raise ReasonRequired()
    if outcome not in OUTCOMES:
        raise DomainError(_("Unknown outcome."))
    # Only the report's row is locked: its targets are read (lazily), never changed here.
    report = lock_row(Report, pk)
    run_transition(report, OUTCOMES[outcome], actor=actor, note=note, by=actor, reason=note)
    if (outcome == "confirmed" and take_down and report.job is not None
            and report.job.status in (JobStatus.PENDING_REVIEW, *LIVE_STATUSES)):
        job_take_down(pk=report.job_id, actor=actor, reason=note)
        report.job_taken_down = True
        report.save(update_fields=["job_taken_down", "updated_at"])
    decided = [report]
    if outcome == "confirmed" and report.category == Report.Category.FALSE_INFORMATION:
        _false_information_confirmed(report, actor=actor, note=note)
        decided += _confirm_same_false_information(report, actor=actor, note=note)
    elif outcome == "confirmed" and report.target_kind == "review":
        review_hide(review_id=report.review_id, actor=actor, reason=note)
        decided += _confirm_same_false_information(report, actor=actor, note=note, categories=REVIEW_FAULTS)
    for each in decided:
        if each.reporter is not None and each.reporter.is_active:
            _notify_reporter(each)
    return report


def _confirm_same_false_information(report: Report, *, actor, note: str,
                                    categories=(Report.Category.FALSE_INFORMATION,)) -> list[Report]:
    """Other open reports of the same false information are confirmed with it: one
    violation for one falsehood however many users reported it, every reporter told.
    A review hidden for its own faults confirms the other reports of those faults along."""
    kind = report.target_kind
    others = list(Report.objects.select_for_update(of=("self",))
                  .select_related("job", "employer", "student", "review__engagement__job", "reporter")
                  .filter(**{f"{kind}_id": getattr(report, f"{kind}_id")}, status=Report.Status.OPEN,
                          category__in=categories).exclude(pk=report.pk))
    for other in others:  # locked together above
        run_transition(other, "confirm", actor=actor, note=note, by=actor, reason=note)
    return others


def _notify_reporter(report: Report) -> None:
    # Compose in the reporter's language: the texts are interpolated here, not in notify().
    with translation.override(getattr(report.reporter, "language", None) or translation.get_language()):
        if report.target_kind == "job":
            values = {"title": report.job.title}
            if report.status == Report.Status.RESOLVED:
                subject = gettext("Thank you: your report was confirmed")
                body = (gettext("We checked the job “%(title)s” you reported and found a problem. "
                                "It has been taken down.") if report.job_taken_down else
                        gettext("We checked the job “%(title)s” you reported and found a problem. "
                                "We have acted on it.")) % values
            else:
                subject = gettext("Your report was reviewed")
                body = gettext("We checked the job “%(title)s” you reported and did not find a breach of our "
                               "rules.") % values
        else:
            values = {"target": target_label(report)}
            if report.status == Report.Status.RESOLVED and report.category in REVIEW_FAULTS:
                subject = gettext("Thank you: your report was confirmed")
                body = gettext("We checked %(target)s you reported and found that it breaks our rules. "
                               "It is hidden now.") % values
            elif report.status == Report.Status.RESOLVED:
                subject = gettext("Thank you: your report was confirmed")
                body = gettext("We checked %(target)s you reported and found false information. "
                               "We have acted on it.") % values
            else:
                subject = gettext("Your report was reviewed")
                body = gettext("We checked %(target)s you reported and did not find a breach of our "
                               "rules.") % values
        body = f"{body}\n\n{gettext('Note from our moderator:')}\n{report.decision_note}"
    notify(recipient=report.reporter, subject=subject, body=body)
