"""Every write of the moderation app: second-stage verification records (P2.3)
and reports of jobs, from opening to the moderator's decision (S5.2, G3).

Moderation sits on top of the lifecycle apps: it acts on jobs only through
`jobs.services` (a confirmed report may take the job down)."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.models import User
from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from jobs.models import LIVE_STATUSES, Job, JobStatus
from jobs.services import job_take_down

from .models import VERIFIABLE_MODELS, Report, VerificationStep

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
    history_record(subject=subject, transition=f"verification_{kind}", from_state="", to_state=outcome,
                   actor=actor, reason=step.notes)
    return step


# ------------------------------------------------------------------ reports (S5.2, G3)
def _notify_moderators(*, subject, link: str) -> None:
    staff_role_notify(role="moderator", subject=subject, link=link)


@transaction.atomic
def report_job_create(*, job_id: int, reporter, category: str, details: str = "") -> Report:
    """A signed-in user reports a published job (S5.2, G3).

    Preconditions: the job is published; the reporter has no open report on
    it, and fewer than MAX_OPEN_REPORTS_PER_USER open reports in all.
    Effects: an open report, a history row, moderators told in their inbox."""
    if not (reporter and reporter.is_authenticated and reporter.is_active):
        raise NotPermitted()
    details = (details or "").strip()
    if category not in Report.Category.values:
        raise DomainError(_("Choose what is wrong with the job."), field="category")
    if category == Report.Category.OTHER and not details:
        raise DomainError(_("Please describe what is wrong."), field="details")
    # Lock the reporter's row: the duplicate and rate checks below must not race
    # with a second submission of the same form.
    User.objects.select_for_update().filter(pk=reporter.pk).first()
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.PUBLISHED:
        raise ReportNotAllowed(_("Only jobs that are currently published can be reported."))
    open_reports = Report.objects.filter(reporter=reporter, status=Report.Status.OPEN)
    if open_reports.filter(job=job).exists():
        raise ReportNotAllowed(_("You have already reported this job; our moderators are looking into it."))
    if open_reports.count() >= MAX_OPEN_REPORTS_PER_USER:
        raise ReportNotAllowed(_("You have %(n)s reports waiting for a decision; please wait for them before "
                                 "reporting more jobs.") % {"n": MAX_OPEN_REPORTS_PER_USER})
    try:
        with transaction.atomic():
            report = Report.objects.create(job=job, reporter=reporter, category=category, details=details)
    except IntegrityError:  # the partial unique index: the same report twice
        raise ReportNotAllowed(
            _("You have already reported this job; our moderators are looking into it.")) from None
    history_record(subject=report, transition="create", from_state="", to_state=report.status, actor=reporter,
                   reason=category)
    _notify_moderators(subject=_("A job was reported: %(title)s") % {"title": job.title},
                       link=reverse("admin:moderation_report_change", args=[report.pk]))
    return report


OUTCOMES = {"confirmed": "confirm", "dismissed": "dismiss"}


@transaction.atomic
def report_resolve(*, pk: int, actor, outcome: str, note: str, take_down: bool = False) -> Report:
    """A moderator decides a report (S5.2, G3): "confirmed" or "dismissed".

    Preconditions: the actor may resolve reports; the report is open; a note
    is given (the reporter reads it). Effects: the decision, a history row, the
    job taken down when a confirmed report asks for it (through
    jobs.services.job_take_down, which tells the employer), and the reporter
    notified of the outcome."""
    if not (actor.is_active and actor.has_perm("moderation.resolve_report")):
        raise NotPermitted()
    note = (note or "").strip()
    if not note:
        raise ReasonRequired()
    if outcome not in OUTCOMES:
        raise DomainError(_("Unknown outcome."))
    report = Report.objects.select_for_update(of=("self",)).select_related("job", "reporter").get(pk=pk)
    method = getattr(report, OUTCOMES[outcome])
    if not can_proceed(method):
        raise InvalidTransition()
    before = report.status
    method(by=actor, note=note)
    if outcome == "confirmed" and take_down and report.job.status in (JobStatus.PENDING_REVIEW, *LIVE_STATUSES):
        job_take_down(pk=report.job_id, actor=actor, reason=note)
        report.job_taken_down = True
    report.save(update_fields=["status", "decided_at", "decided_by", "decision_note", "job_taken_down",
                               "updated_at"])
    history_record(subject=report, transition=OUTCOMES[outcome], from_state=before, to_state=report.status,
                   actor=actor, reason=note)
    if report.reporter is not None and report.reporter.is_active:
        _notify_reporter(report)
    return report


def _notify_reporter(report: Report) -> None:
    # Compose in the reporter's language: the texts are interpolated here, not in notify().
    with translation.override(getattr(report.reporter, "language", None) or translation.get_language()):
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
        body = f"{body}\n\n{gettext('Note from our moderator:')}\n{report.decision_note}"
    notify(recipient=report.reporter, subject=subject, body=body)
