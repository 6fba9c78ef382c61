"""The student's side of applications and engagements (S2.2, S3, E3.1, J1.3):
apply, "My work" (applications, offers, engagements, invitations), one
application, one engagement with its shifts, hours and cases, the check-in a
scanned QR code opens, intentions and recommendations.

Thin: parse input, call one service or selector, render. Every page is for
student accounts only (403 otherwise); another student's object is a 404.
Domain errors become form errors or messages, never a 500."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.selectors import student_profile_for
from accounts.views import student_account_required
from core.access import client_ip, owned_object
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_for
from core.policy import get_policy
from core.uploads import serve_private_file
from jobs.models import Job
from jobs.selectors import job_get_published

from .. import selectors, services
from ..agreement import agreement_download_name
from ..forms_student import (
    ApplyForm,
    ChangeAnswerForm,
    DemandReportForm,
    ExplanationForm,
    IntentionForm,
    LossClaimAnswerForm,
    ReasonForm,
)
from ..models import (
    Agreement,
    AgreementParty,
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    Engagement,
    EngagementStatus,
    HoursStatus,
    LossClaim,
    ScheduleChangeAnswer,
)

# "My work" shows at most this many rows of each list. Open applications and
# offers are always among the newest (they close within P3 working days or the
# offer window), so the cap only ever trims old, closed ones.
HOME_APPLICATIONS = 100
HOME_ENGAGEMENTS = 50
HOME_INVITATIONS = 20

# What each step of an application's history means to the student (the timeline).
TIMELINE_LABELS = {
    "apply": _("You applied"),
    "withdraw": _("You withdrew your application"),
    "offer": _("The employer offered you the job"),
    "reject": _("The employer did not select you"),
    "expire": _("The employer did not answer in time; you are free to apply elsewhere"),
    "accept_offer": _("You accepted the offer"),
    "decline_offer": _("You declined the offer"),
    "lapse_offer": _("The offer lapsed before you accepted it"),
}


# ------------------------------------------------------------------ access and errors
def _run(request, action, **kwargs):
    """Call a service for the signed-in student. A missing object, or one of
    another student (the services raise NotPermitted), is a 404; any other
    domain error becomes an error message and the result is None."""
    try:
        return action(**kwargs)
    except (ObjectDoesNotExist, NotPermitted):
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return None


def _form_error(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _first_error(form) -> str:
    return next(iter(e for errors in form.errors.values() for e in errors), str(_("Please check the form.")))


def _engagement_page(engagement_id: int, anchor: str = ""):
    return redirect(reverse("applications:student_engagement", args=[engagement_id]) + (f"#{anchor}" if anchor else ""))


SAFE = ["GET", "HEAD"]


def own_object_view(find, methods: list[str]):
    """For views of one object: student accounts only (403 otherwise), then the
    student's own object (404 otherwise) and the allowed methods (405) —
    `core.access.owned_object`. `find(student, pk)` returns what the view
    receives instead of the id (the object, or a row with the ids it needs)."""

    def decorate(view):
        return student_account_required(owned_object(find, methods)(view))

    return decorate


def _application(student, pk: int) -> Application | None:
    return selectors.student_application_get(student=student, pk=pk)


def _engagement(student, pk: int) -> Engagement | None:
    return selectors.engagement_for_student(student=student, pk=pk)


def _engagement_id(student, pk: int) -> int | None:
    return selectors.student_engagements(student=student).filter(pk=pk).values_list("pk", flat=True).first()


# Rows that hang off an engagement: only their ids, to act on and to come back to the engagement page.
def _attendance(student, pk: int) -> Attendance | None:
    return Attendance.objects.filter(pk=pk, engagement__student=student).only("id", "engagement_id").first()


def _change_answer(student, pk: int) -> ScheduleChangeAnswer | None:
    return (ScheduleChangeAnswer.objects.filter(change_id=pk, engagement__student=student)
            .only("id", "change_id", "engagement_id").first())


def _loss_claim(student, pk: int) -> LossClaim | None:
    return LossClaim.objects.filter(pk=pk, engagement__student=student).only("id", "engagement_id").first()


# ------------------------------------------------------------------ applying (S2.2)
@student_account_required
@require_http_methods(["GET", "POST"])
def apply(request, job_id: int):
    """The job's key facts, the two confirmations (S2.2) and an optional message."""
    try:
        job, shifts = job_get_published(job_id=job_id)
    except Job.DoesNotExist:
        raise Http404 from None
    existing = selectors.student_applications(student=request.user).filter(job=job).values_list("pk", flat=True).first()
    if existing:
        return redirect("applications:student_application", existing)
    profile = student_profile_for(request.user)
    refusal = selectors.apply_refusal(job=job, student=request.user, profile=profile)
    # K3.1: the open-applications limit of the student's credit tier, shown above the form.
    limit = selectors.student_applications_limit(student=request.user, profile=profile) if profile else None
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            application = services.applying.application_apply(
                job_id=job.pk, student=request.user, message=form.cleaned_data["message"],
                confirms_requirements=form.cleaned_data["confirms_requirements"],
                commits_to_work=form.cleaned_data["commits_to_work"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your application was sent. The employer answers by %(due)s.") % {
                "due": timezone.localtime(application.response_due_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("applications:student_application", application.pk)
    return render(request, "applications/student/apply.html",
                  {"job": job, "shifts": shifts, "form": form, "refusal": refusal, "limit": limit,
                   "credit_help_url": selectors.CREDIT_HELP_URL})


# ------------------------------------------------------------------ my work
@dataclass
class EngagementRow:
    engagement: Engagement
    next_attendance: Attendance | None


@student_account_required
@require_safe
def home(request):
    """"My work": offers, open applications with their answer deadline, active
    engagements with the next shift, invitations, and what is over."""
    student = request.user
    applications = list(selectors.student_applications(student=student)
                        .exclude(status=ApplicationStatus.ACCEPTED)[:HOME_APPLICATIONS])
    open_attendances = Prefetch(
        "attendances", to_attr="open_attendances",
        queryset=Attendance.objects.filter(status__in=[AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN])
        .select_related("shift"))
    engagements = list(selectors.student_engagements(student=student)
                       .prefetch_related(open_attendances)[:HOME_ENGAGEMENTS])
    invitations = list(selectors.student_invitations(student=student)[:HOME_INVITATIONS])
    now = timezone.now()
    active = [EngagementRow(e, next((a for a in e.open_attendances if a.shift.ends_at > now), None))
              for e in engagements if e.is_active]
    return render(request, "applications/student/home.html", {
        "offers": sorted((a for a in applications if a.status == ApplicationStatus.OFFERED),
                         key=lambda a: a.offer_expires_at or now),
        "waiting": sorted((a for a in applications if a.status == ApplicationStatus.APPLIED),
                          key=lambda a: a.response_due_at),
        "active": active,
        "invitations": invitations,
        "past_applications": [a for a in applications if not a.is_open],
        "past_engagements": [e for e in engagements if not e.is_active],
    })


# ------------------------------------------------------------------ one application
@own_object_view(_application, SAFE)
def application_detail(request, application: Application):
    timeline = [{"at": entry.created_at, "label": TIMELINE_LABELS.get(entry.transition, entry.transition)}
                for entry in history_for(application).order_by("created_at", "id")]
    engagement_id = None
    if application.status == ApplicationStatus.ACCEPTED:
        engagement_id = getattr(getattr(application, "engagement", None), "pk", None)
    return render(request, "applications/student/application_detail.html", {
        "application": application, "job": application.job, "timeline": timeline, "engagement_id": engagement_id,
    })


@own_object_view(_application, ["POST"])
def application_withdraw(request, application: Application):
    if _run(request, services.applying.application_withdraw, application_id=application.pk, student=request.user):
        messages.success(request, _("You withdrew your application."))
    return redirect("applications:student_application", application.pk)


@own_object_view(_application, ["POST"])
def offer_accept(request, application: Application):
    """Accept an offer (E3.1) — after a confirmation step showing what the student
    commits to (issue 23): only a POST from it, with `confirmed`, accepts."""
    if request.POST.get("confirmed") != "1":
        job = application.job
        shifts = list(job.shifts.order_by("date", "start_time"))
        lines = [ngettext("You commit to working %(n)s shift: %(when)s.",
                          "You commit to working %(n)s shifts, the first on %(when)s.", len(shifts))
                 % {"n": len(shifts),
                    "when": f"{shifts[0].date:%Y-%m-%d} {shifts[0].start_time:%H:%M}" if shifts else ""},
                 _("You and the employer will see each other's contact details."),
                 _("Cancelling later, or not coming, counts against your credit.")]
        return render(request, "applications/confirm_action.html", {
            "base_template": "base.html",
            "title": _("Accept the offer for “%(job)s”?") % {"job": job.title}, "lines": lines,
            "action": reverse("applications:offer_accept", args=[application.pk]),
            "button": _("Yes, accept the offer"),
            "cancel_url": reverse("applications:student_application", args=[application.pk]),
        })
    engagement = _run(request, services.offers.offer_accept, application_id=application.pk, student=request.user,
                      ip=client_ip(request))
    if engagement is None:
        return redirect("applications:student_application", application.pk)
    messages.success(request, _("You accepted the offer. Here are the employer's contact details and your shifts."))
    return redirect("applications:student_engagement", engagement.pk)


@own_object_view(_application, ["POST"])
def offer_decline(request, application: Application):
    if _run(request, services.offers.offer_decline, application_id=application.pk, student=request.user):
        messages.success(request, _("You declined the offer."))
    return redirect("applications:student_application", application.pk)


# ------------------------------------------------------------------ one engagement (S3, E4, J1.3)
@dataclass
class ShiftRow:
    attendance: Attendance
    can_dispute: bool
    can_contest: bool


def _shift_rows(attendances: list[Attendance], now: dt.datetime) -> list[ShiftRow]:
    rows = []
    for a in attendances:
        can_dispute = (a.hours_status in (HoursStatus.CONFIRMED, HoursStatus.AUTO_CONFIRMED)
                       and a.dispute_due_at is not None and a.dispute_due_at > now)
        can_contest = (a.status == AttendanceStatus.NO_SHOW and a.contest_status == ContestStatus.NONE
                       and a.contest_due_at is not None and a.contest_due_at > now)
        rows.append(ShiftRow(a, can_dispute, can_contest))
    return rows


@own_object_view(_engagement, SAFE)
def engagement_detail(request, engagement: Engagement):
    now, policy = timezone.now(), get_policy()
    attendances = list(engagement.attendances.all())
    # The same rule as services.engagements.engagement_cancel_by_student, said before the student decides (S3.1).
    upcoming = [a for a in attendances if a.status == AttendanceStatus.EXPECTED and a.shift.ends_at > now]
    next_shift = upcoming[0].shift if upcoming else None
    cancel_would_be_late = bool(next_shift) and (
        next_shift.starts_at - now < dt.timedelta(hours=policy.cancel_notice_hours))
    return render(request, "applications/student/engagement_detail.html", {
        "engagement": engagement, "job": engagement.job, "employer": engagement.job.employer,
        "rows": _shift_rows(attendances, now),
        "changes": selectors.open_changes_for_engagement(engagement=engagement) if engagement.is_active else [],
        "claims": list(engagement.loss_claims.all()),
        "items": list(engagement.items.all()),
        "reports": list(engagement.demand_reports.all()),
        "next_shift": next_shift, "cancel_would_be_late": cancel_would_be_late,
        "cancel_notice_hours": policy.cancel_notice_hours,
        "reason_form": ReasonForm(),
        "agreements": selectors.engagement_agreements(engagement=engagement, party=AgreementParty.STUDENT),
    })


# ------------------------------------------------------------------ the service agreement (issue 19)
def _agreement(student, pk: int) -> Agreement | None:
    return selectors.agreement_for_student(student=student, pk=pk)


@own_object_view(_agreement, SAFE)
def agreement_download(request, agreement: Agreement):
    """The student's copy of one version of their agreement: the stored bytes, whose SHA-256 was recorded."""
    return serve_private_file(agreement.file, download_name=agreement_download_name(agreement))


@own_object_view(_agreement, ["POST"])
def agreement_accept(request, agreement: Agreement):
    """The student accepts a version (a new one after a change of time or place)."""
    if _run(request, services.agreement_accept, agreement_id=agreement.pk, user=request.user,
            ip=client_ip(request)):
        messages.success(request, _("You accepted version %(v)s of the service agreement.") % {"v": agreement.version})
    return _engagement_page(agreement.engagement_id, "agreement")


@own_object_view(_engagement_id, ["POST"])
def engagement_cancel(request, pk: int):
    """Cancel with a reason (S3.1); late or not follows the policy's notice."""
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _engagement_page(pk, "cancel")
    engagement = _run(request, services.engagements.engagement_cancel_by_student, engagement_id=pk,
                      student=request.user, reason=form.cleaned_data["reason"])
    if engagement is not None:
        if engagement.late_cancellation:
            messages.warning(request, _("You cancelled. It was less than %(h)s hours before your shift, so it "
                                        "counts as a late cancellation.") % {"h": get_policy().cancel_notice_hours})
        else:
            messages.success(request, _("You cancelled with notice; there is no penalty."))
    return _engagement_page(pk)


@own_object_view(_engagement, ["GET", "POST"])
def demand_report(request, engagement: Engagement):
    """Report an unlawful or unreasonable demand (S3.3)."""
    form = DemandReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cases.demand_report_file(engagement_id=engagement.pk, student=request.user, kind=data["kind"],
                                              description=data["description"], evidence=data["evidence"],
                                              refuses_and_leaves=data["refuses_and_leaves"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you. Staff will verify your report and tell you the outcome."))
            return _engagement_page(engagement.pk, "reports")
    return render(request, "applications/student/demand_report.html",
                  {"engagement": engagement, "job": engagement.job, "form": form})


@own_object_view(_attendance, ["POST"])
def no_show_contest(request, attendance: Attendance):
    form = ExplanationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif _run(request, services.attendance.no_show_contest, attendance_id=attendance.pk, student=request.user,
              text=form.cleaned_data["text"]):
        messages.success(request, _("Your contest was sent. Staff will decide and tell you the outcome."))
    return _engagement_page(attendance.engagement_id, f"attendance-{attendance.pk}")


@own_object_view(_attendance, ["POST"])
def hours_dispute(request, attendance: Attendance):
    form = ExplanationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif _run(request, services.attendance.hours_dispute, attendance_id=attendance.pk, student=request.user,
              text=form.cleaned_data["text"]):
        messages.success(request, _("Your dispute was sent. Staff will settle the hours and tell you."))
    return _engagement_page(attendance.engagement_id, f"attendance-{attendance.pk}")


@own_object_view(_change_answer, ["POST"])
def change_answer(request, answer: ScheduleChangeAnswer):
    """Accept or decline a change of time or place (J1.3)."""
    form = ChangeAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _engagement_page(answer.engagement_id, "changes")
    accept = form.cleaned_data["answer"] == "accept"
    if _run(request, services.schedule_changes.schedule_change_answer, change_id=answer.change_id,
            student=request.user, accept=accept):
        messages.success(request, _("You accepted the change.") if accept else _(
            "You declined the change. When it takes effect you are released from this job without any penalty."))
    return _engagement_page(answer.engagement_id)


@own_object_view(_loss_claim, ["POST"])
def loss_claim_answer(request, claim: LossClaim):
    """Agree to or contest the employer's loss claim (S3.2)."""
    form = LossClaimAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif _run(request, services.cases.loss_claim_answer, claim_id=claim.pk, student=request.user,
              agree=form.cleaned_data["answer"] == "agree", answer=form.cleaned_data["text"]):
        messages.success(request, _("Your answer was sent."))
    return _engagement_page(claim.engagement_id, f"claim-{claim.pk}")


# ------------------------------------------------------------------ intentions and recommendations (E3.1)
@student_account_required
@require_http_methods(["GET", "POST"])
def intentions(request):
    # A missing reverse one-to-one raises an AttributeError subclass, so getattr's default applies.
    intention = getattr(request.user, "intention", None)
    form = IntentionForm(request.POST or None, initial=IntentionForm.initial_for(intention))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.applying.intention_save(student=request.user, categories=data["categories"],
                                             cities=data["cities"], districts=data["districts"],
                                             availability=data["availability"],
                                             expected_hourly_fen=form.expected_hourly_fen(),
                                             accepts_remote=data["accepts_remote"], discoverable=data["discoverable"])
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Saved. Here are the jobs that match what you are looking for."))
            return redirect("applications:recommended")
    return render(request, "applications/student/intentions.html", {"form": form})


@student_account_required
@require_safe
def recommended(request):
    return render(request, "applications/student/recommended.html",
                  {"recommendations": selectors.recommendations_for(student=request.user)})


# ------------------------------------------------------------------ check-in by QR code (E4)
def _checkin_refused(request, error: DomainError):
    return render(request, "applications/student/checkin.html", {"error": error.message}, status=400)


def _attendance_for_checkin(shift_id: int, student) -> Attendance | None:
    """The student's attendance on the scanned shift, while hired (what the service will act on)."""
    return (Attendance.objects.select_related("shift", "engagement__job__employer")
            .filter(shift_id=shift_id, engagement__student=student, engagement__status=EngagementStatus.ACTIVE)
            .first())


@student_account_required
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    """The URL in the shift's QR code. GET shows which shift and one big button
    (a phone camera or link preview may open the URL; only the button acts);
    POST checks in with the check-in code, out with the check-out code (E4)."""
    if request.method == "POST":
        try:
            attendance = services.attendance.checkin_scan(token=token, student=request.user,
                                                          reason=request.POST.get("reason", ""))
        except ReasonRequired as error:  # issue 23: a short check-out asks why, the same code still works
            attendance = _attendance_for_checkin(services.attendance.checkin_shift_id(token), request.user)
            return render(request, "applications/student/checkin.html", {
                "attendance": attendance, "token": token, "checking_out": True, "needs_reason": True,
                "reason_error": error.message}, status=400)
        except DomainError as error:
            return _checkin_refused(request, error)
        return render(request, "applications/student/checkin.html", {"attendance": attendance, "done": True})
    try:
        code = services.attendance.checkin_code(token)
    except DomainError as error:
        return _checkin_refused(request, error)
    attendance = _attendance_for_checkin(code.shift_id, request.user)
    if attendance is None:
        return _checkin_refused(request, services.attendance.CheckInRefused(_("You are not hired for this shift.")))
    if attendance.status not in (AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN):
        return _checkin_refused(request, services.attendance.CheckInRefused(
            _("Your attendance for this shift is already recorded.")))
    # The wrong code for the state is said before the button, not after it (E4).
    if code.action == services.attendance.CHECK_IN and attendance.status == AttendanceStatus.CHECKED_IN:
        return _checkin_refused(request, services.attendance.CheckInRefused(
            _("You have already checked in; scan the check-out code when you leave.")))
    if code.action == services.attendance.CHECK_OUT and attendance.status == AttendanceStatus.EXPECTED:
        return _checkin_refused(request, services.attendance.CheckInRefused(
            _("You have not checked in yet; scan the check-in code first.")))
    checking_out = code.action == services.attendance.CHECK_OUT
    return render(request, "applications/student/checkin.html",
                  {"attendance": attendance, "token": token, "checking_out": checking_out,
                   "needs_reason": checking_out and services.attendance.checkout_needs_reason(
                       attendance, timezone.now())})


# ------------------------------------------------------------------ the shifts calendar (issue 20)
@student_account_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    """The student's private feed address, and its reset."""
    from ..calendar import calendar_feed_for, calendar_feed_reset

    if request.method == "POST":
        calendar_feed_reset(student=request.user)
        messages.success(request, _("Your calendar address is new; the old one no longer works."))
        return redirect("applications:calendar_settings")
    feed = calendar_feed_for(request.user)
    url = request.build_absolute_uri(reverse("applications:calendar_feed", args=[feed.token]))
    return render(request, "applications/student/calendar.html", {"feed_url": url})


@own_object_view(_attendance, SAFE)
def shift_ics(request, attendance: Attendance):
    """"Add to calendar" for one shift (issue 20): an .ics file with the event the feed carries (same UID),
    for the student engaged on it only."""
    from django.http import HttpResponse

    from ..calendar import shift_ics_for_student

    content = shift_ics_for_student(student=request.user, attendance_id=attendance.pk)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="jianzhi-shift-{attendance.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def calendar_feed(request, token: str):
    """The iCalendar feed: the secret in the address is the only key (calendar apps send no cookies)."""
    from django.http import HttpResponse

    from ..calendar import calendar_feed_by_token, calendar_ics

    feed = calendar_feed_by_token(token)
    if feed is None:
        raise Http404
    response = HttpResponse(calendar_ics(feed.student), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
