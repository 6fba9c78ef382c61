"""The employer's side of applications and engagements (E3, E4, J1.3, S3.2):
ranked applicants with the parts of their score, decisions with reasons,
invitations, hired students, each shift's QR code, attendance and hours,
cancellations, loss claims and changes of time or place.

Thin: parse input, call one service or selector, render. Employer accounts
only (403 otherwise); a job, application, engagement, attendance row or
change of another employer is a 404 — looked up before the method is
checked, so another employer learns nothing from a 405."""

import dataclasses
import datetime as dt
import io
from functools import wraps

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.access import client_ip, owned_object
from core.errors import DomainError
from core.history import history_for
from core.policy import get_policy
from core.uploads import serve_private_file
from employers.selectors import employer_for_user, employer_vetting_refusal
from employers.views import employer_account_required
from jobs.models import Job, Shift

from .. import selectors, services
from ..agreement import agreement_download_name
from ..forms_employer import (
    ChangeForm,
    HoursForm,
    InviteForm,
    LossClaimForm,
    MinorChecksForm,
    ReasonForm,
    RejectForm,
    application_reason_templates,
)
from ..models import (
    OPEN_APPLICATION,
    AgreementParty,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    EngagementStatus,
    HoursStatus,
    JobInvitation,
    ScheduleChange,
    ScheduleChangeAnswer,
)

APPLICANTS_PER_PAGE = 50
QR_SCALE = 6  # pixels per module: about 250 px for a check-in URL, readable across a counter
FILTER_OPEN, FILTER_ALL = "open", "all"
CONTACT_SHOWN = (EngagementStatus.ACTIVE, EngagementStatus.COMPLETED)


# ------------------------------------------------------------------ access
def _own_job(methods: tuple[str, ...] = ("GET",), *, with_shift: bool = False):
    """For views of one job (and one of its shifts): the job of the user's own
    employer, found with the membership in one query, else 404; then the methods."""

    def decorate(view):
        @employer_account_required
        @wraps(view)
        def wrapper(request, job_id: int, shift_id: int | None = None):
            job = get_object_or_404(Job.objects.select_related("employer"), pk=job_id,
                                    employer__members__user=request.user)
            args = [job]
            if with_shift:
                args.append(get_object_or_404(Shift, pk=shift_id, job=job))
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args)

        return wrapper

    return decorate


def _own_object(lookup, methods: tuple[str, ...] = ("POST",)):
    """For views of one object by pk: `lookup(employer_id, pk)` → the object of the
    user's employer or None (404); then the methods (`core.access.owned_object`)."""

    def find(user, pk: int):
        employer = employer_for_user(user=user)
        return lookup(employer.pk, pk) if employer is not None else None

    def decorate(view):
        return employer_account_required(owned_object(find, methods)(view))

    return decorate


def _application(employer_id: int, pk: int):
    return selectors.employer_application_get(employer_id=employer_id, pk=pk)


def _engagement(employer_id: int, pk: int):
    return selectors.engagement_for_employer(employer_id=employer_id, pk=pk)


def _attendance(employer_id: int, pk: int):
    return (Attendance.objects.select_related("shift", "engagement")
            .filter(pk=pk, engagement__employer_id=employer_id).first())


def _change(employer_id: int, pk: int):
    return ScheduleChange.objects.filter(pk=pk, job__employer_id=employer_id).first()


def _back(request, default: str):
    """Back to the page the form was on (a same-site `next`), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def _local(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


# ------------------------------------------------------------------ applicants (E3.1, E3.2)
@dataclasses.dataclass(frozen=True)
class Countdown:
    """How long the employer has left to answer (E3.2): "soon" after the reminder time."""

    due_at: dt.datetime
    state: str  # "ok" | "soon" | "overdue"

    @property
    def can_answer(self) -> bool:
        """Past the deadline the application expires unanswered; the services refuse a late answer."""
        return self.state != "overdue"


def countdown(application, now: dt.datetime) -> Countdown | None:
    if application.status != ApplicationStatus.APPLIED:
        return None
    if now >= application.response_due_at:
        state = "overdue"
    elif now >= application.reminder_due_at:
        state = "soon"
    else:
        state = "ok"
    return Countdown(due_at=application.response_due_at, state=state)


@dataclasses.dataclass(frozen=True)
class ApplicantRow:
    position: int
    ranked: selectors.RankedApplicant
    countdown: Countdown | None


@_own_job()
def applicants(request, job: Job):
    """The job's applicants, best match first, with the parts of each score (E3.1)
    and the answer countdown (E3.2). Contact details only once hired.

    Queries: session, user, the job with the membership, its shifts, the
    applications' ranking facts, the experience counts, the page's applications
    with student and profile, the unread notifications — 8, whatever the number
    of applicants. Every
    application is ranked once; the open ones are filtered and the page cut in
    Python, so the counts of the filter tabs cost nothing."""
    shown = request.GET.get("status", FILTER_OPEN)
    if shown not in (FILTER_OPEN, FILTER_ALL):
        shown = FILTER_OPEN
    ranked = selectors.applicants_ranked(job=job, hydrate=False)
    open_ranked = [r for r in ranked if r.status in OPEN_APPLICATION]
    listed = open_ranked if shown == FILTER_OPEN else ranked
    page = Paginator(listed, APPLICANTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    start = page.start_index() if listed else 1
    selectors.applicants_hydrate(page.object_list)
    rows = [ApplicantRow(position=start + i, ranked=r, countdown=countdown(r.application, now))
            for i, r in enumerate(page.object_list)]
    return render(request, "applications/employer/applicants.html", {
        "job": job, "rows": rows, "page": page, "shown": shown,
        "open_count": len(open_ranked), "total_count": len(ranked),
        "vetting_refusal": employer_vetting_refusal(employer=job.employer),
    })


HISTORY_LABELS = {
    "apply": _("Applied"), "offer": _("Offer made"), "reject": _("Not selected"), "withdraw": _("Withdrawn"),
    "expire": _("Not answered in time"), "accept_offer": _("Offer accepted"), "decline_offer": _("Offer declined"),
    "lapse_offer": _("Offer lapsed"),
}


def _history_rows(application) -> list[dict]:
    """The application's history for the employer; staff and sweeps read as "Platform"."""
    statuses = dict(ApplicationStatus.choices)
    rows = []
    for entry in history_for(application)[:50]:
        actor = entry.actor
        if actor is None or actor.is_platform_staff:
            by = _t("Platform")
        elif actor.pk == application.student_id:
            by = _t("The student")
        else:
            by = actor.email
        rows.append({"at": entry.created_at, "label": HISTORY_LABELS.get(entry.transition, entry.transition),
                     "to": statuses.get(entry.to_state, entry.to_state), "by": by})
    return rows


def _application_page(request, application, *, reject_form: RejectForm | None = None):
    score = selectors.application_score(application=application)
    engagement = None
    if application.status == ApplicationStatus.ACCEPTED:
        engagement = selectors.employer_engagements(employer_id=application.job.employer_id).filter(
            application=application).first()
    return render(request, "applications/employer/application_detail.html", {
        "application": application, "job": application.job, "profile": getattr(application.student,
                                                                                "student_profile", None),
        "score": score, "countdown": countdown(application, timezone.now()),
        "contact_visible": selectors.applicant_contact_visible(application=application),
        "engagement": engagement, "history": _history_rows(application),
        "reject_form": reject_form or RejectForm(), "reason_templates": list(application_reason_templates()),
        "vetting_refusal": employer_vetting_refusal(employer=application.job.employer),
    })


@_own_object(_application, methods=("GET",))
def application_detail(request, application):
    """One applicant: score parts, message, history, hire and reject (E3.1, E3.2)."""
    return _application_page(request, application)


@_own_object(_application)
def application_hire(request, application):
    """Hire: an offer the student accepts within the policy's window (E3.1). The
    button leads to a confirmation step first (issue 23): only a POST from it,
    with `confirmed`, sends the offer. An employer whose vetting lapsed is told why
    before any confirmation (docs/recruitment-rules.md)."""
    refusal = employer_vetting_refusal(employer=application.job.employer)
    if refusal:
        messages.error(request, refusal)
        return _back(request, reverse("applications:employer_application", args=[application.pk]))
    if request.POST.get("confirmed") != "1":
        job = application.job
        name = getattr(getattr(application.student, "student_profile", None), "real_name", "") or _("the applicant")
        shifts = job.shifts.count()
        return render(request, "applications/confirm_action.html", {
            "base_template": "applications/employer/_base.html",
            "title": _("Hire %(name)s for “%(job)s”?") % {"name": name, "job": job.title},
            "lines": [
                _("An offer goes to the student, who has %(hours)s hours to accept it.")
                % {"hours": get_policy().offer_accept_hours},
                ngettext("Once they accept, you commit to %(n)s shift and to paying for it.",
                         "Once they accept, you commit to %(n)s shifts and to paying for them.", shifts)
                % {"n": shifts},
            ],
            "action": reverse("applications:application_hire", args=[application.pk]),
            "next": request.POST.get("next", ""), "button": _("Yes, send the offer"),
            "cancel_url": reverse("applications:employer_application", args=[application.pk]),
        })
    try:
        offered = services.offers.application_hire(application_id=application.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Offer sent. The student has until %(until)s to accept it.")
                         % {"until": _local(offered.offer_expires_at)})
    return _back(request, reverse("applications:employer_application", args=[application.pk]))


@_own_object(_application)
def application_reject(request, application):
    """Reject with a reason the student sees: a template or free text (E3.2)."""
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.offers.application_reject(application_id=application.pk, actor=request.user,
                                               reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, str(error.message))
        else:
            messages.success(request, _("The application is rejected; the student is told your reason."))
            return _back(request, reverse("applications:employer_application", args=[application.pk]))
    return _application_page(request, application, reject_form=form)


# ------------------------------------------------------------------ invitations (E3.1)
@_own_job()
def candidates(request, job: Job):
    """Approved students whose intentions match the job, ranked like applicants (G4)."""
    found = selectors.invite_candidates(job=job)
    invited = set(JobInvitation.objects.filter(job=job, student_id__in=[u.pk for u, _s in found])
                  .values_list("student_id", flat=True))
    rows = [{"student": user, "profile": getattr(user, "student_profile", None), "score": score,
             "invited": user.pk in invited} for user, score in found]
    return render(request, "applications/employer/candidates.html", {
        "job": job, "rows": rows, "invite_form": InviteForm(),
        "vetting_refusal": employer_vetting_refusal(employer=job.employer)})


@employer_account_required
def invite(request, job_id: int, student_id: int):
    """Invite a matching student to apply (E3.1); the student decides."""
    job = get_object_or_404(Job, pk=job_id, employer__members__user=request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InviteForm(request.POST)
    if not form.is_valid():  # the screen refused the message (G2): nothing is sent
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, reverse("applications:employer_candidates", args=[job.pk]))
    message = form.cleaned_data["message"]
    try:
        invitation = services.applying.job_invite_student(job_id=job.pk, student_id=student_id, actor=request.user,
                                                          message=message)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if invitation.held:
            messages.warning(request, _("The compliance screen flagged your message: a moderator reviews it "
                                        "before the student receives the invitation."))
        else:
            messages.success(request, _("Invitation sent. The student decides whether to apply."))
    return _back(request, reverse("applications:employer_candidates", args=[job.pk]))


# ------------------------------------------------------------------ hired students (E4)
@_own_job()
def engagements(request, job: Job):
    """The job's hired students with their contact details, exchanged on acceptance."""
    rows = selectors.employer_engagements(employer_id=job.employer_id, job=job)
    return render(request, "applications/employer/engagements.html", {
        "job": job, "engagements": rows, "shifts": list(job.shifts.all()), "contact_shown": CONTACT_SHOWN})


def _engagement_page(request, engagement, *, cancel_form=None, claim_form=None, minor_form=None):
    policy = get_policy()
    return render(request, "applications/employer/engagement_detail.html", {
        "engagement": engagement, "job": engagement.job,
        "profile": getattr(engagement.student, "student_profile", None),
        "contact_visible": engagement.status in CONTACT_SHOWN,
        "attendances": list(engagement.attendances.all()),
        "items": list(engagement.items.all()), "claims": list(engagement.loss_claims.all()),
        "open_changes": selectors.open_changes_for_engagement(engagement=engagement),
        "can_cancel": engagement.is_active,
        "can_claim": engagement.status in (EngagementStatus.ACTIVE, EngagementStatus.COMPLETED),
        "cancel_form": cancel_form or ReasonForm(), "claim_form": claim_form or LossClaimForm(),
        "cancel_notice_hours": policy.cancel_notice_hours,
        "compensation_percent": policy.late_cancel_compensation_percent,
        "agreements": selectors.engagement_agreements(engagement=engagement, party=AgreementParty.EMPLOYER),
        # a minor's health check and registration (docs/minors.md)
        "minor_check": getattr(engagement, "minor_check", None),
        "minor_checks_due": services.minors.minor_checks_required(engagement),
        "minor_form": minor_form or MinorChecksForm(),
    })


@_own_object(_engagement, methods=("GET",))
def engagement_detail(request, engagement):
    """One hired student: contact, attendance and hours per shift, cancel, claim a loss."""
    return _engagement_page(request, engagement)


# ------------------------------------------------------------------ the service agreement (issue 19)
def _agreement(employer_id: int, pk: int):
    return selectors.agreement_for_employer(employer_id=employer_id, pk=pk)


@_own_object(_agreement, methods=("GET", "HEAD"))
def agreement_download(request, agreement):
    """The employer's copy of one version: the same stored bytes the student downloads."""
    return serve_private_file(agreement.file, download_name=agreement_download_name(agreement))


@_own_object(_agreement)
def agreement_accept(request, agreement):
    """A member accepts a version for the employer (电子签名法 art. 13, 14: recorded with time, address, hash)."""
    try:
        services.agreement_accept(agreement_id=agreement.pk, user=request.user, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You accepted version %(v)s of the service agreement.") % {"v": agreement.version})
    return redirect(reverse("applications:employer_engagement", args=[agreement.engagement_id]) + "#agreement")


@_own_object(_engagement)
def engagement_cancel(request, engagement):
    """Cancel a hired student with a reason (E4.1); at short notice the employer owes
    compensation, which the service records as a visible item."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            cancelled = services.engagements.engagement_cancel_by_employer(
                engagement_id=engagement.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, str(error.message))
        else:
            if cancelled.late_cancellation:
                messages.warning(request, _("The engagement is cancelled at short notice: the student is "
                                            "owed compensation, paid with the settlement."))
            else:
                messages.success(request, _("The engagement is cancelled; the student is told your reason."))
            return redirect("applications:employer_engagement", engagement.pk)
    return _engagement_page(request, engagement, cancel_form=form)


@_own_object(_engagement)
def loss_claim_new(request, engagement):
    """Claim a loss the student caused, with evidence (S3.2). Nothing is deducted:
    the student answers, and only an agreed or decided amount becomes an item."""
    form = LossClaimForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.cases.loss_claim_file(engagement_id=engagement.pk, actor=request.user,
                                           amount_fen=form.cleaned_data["amount"],
                                           description=form.cleaned_data["description"],
                                           evidence=form.cleaned_data["evidence"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your claim is filed. The student answers it; nothing is deducted "
                                        "unless they agree or staff decide."))
            return redirect("applications:employer_engagement", engagement.pk)
    return _engagement_page(request, engagement, claim_form=form)


@_own_object(_engagement)
def minor_checks(request, engagement):
    """Confirm a minor's health check and registration before the first shift
    (《未成年工特殊保护规定》 arts. 6, 9; docs/minors.md)."""
    form = MinorChecksForm(request.POST)
    if form.is_valid():
        try:
            services.minors.minor_checks_confirm(engagement_id=engagement.pk, actor=request.user,
                                                 **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Confirmed. The student can check in to their shifts."))
            return redirect("applications:employer_engagement", engagement.pk)
    return _engagement_page(request, engagement, minor_form=form)


# ------------------------------------------------------------------ shifts: QR code, attendance, hours (E4)
def _checkin_url(request, shift: Shift, action: str = services.attendance.CHECK_IN) -> str:
    token = services.attendance.checkin_token(shift_id=shift.pk, action=action)
    return request.build_absolute_uri(reverse("applications:checkin", args=[token]))


@dataclasses.dataclass(frozen=True)
class AttendanceRow:
    attendance: Attendance
    can_mark_in: bool
    can_mark_out: bool
    can_no_show: bool
    can_confirm_hours: bool


@_own_job(with_shift=True)
def shift_detail(request, job: Job, shift: Shift):
    """One shift: the rotating QR code students scan to check in and out, the
    hired students' attendance with manual marking, and hours after the shift."""
    now, policy = timezone.now(), get_policy()
    marking_opens = shift.starts_at - services.attendance.CHECKIN_OPENS_BEFORE
    no_show_from = shift.starts_at + dt.timedelta(minutes=policy.checkin_grace_minutes)
    ended = now >= shift.ends_at
    rows = []
    for attendance in selectors.shift_attendance(shift=shift):
        status = attendance.status
        rows.append(AttendanceRow(
            attendance=attendance,
            # After the shift, confirming the hours records the attendance; no marking by hand.
            can_mark_in=status == AttendanceStatus.EXPECTED and marking_opens <= now and not ended,
            can_mark_out=(status in (AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN)
                          and marking_opens <= now and not ended),
            can_no_show=status == AttendanceStatus.EXPECTED and now >= no_show_from,
            can_confirm_hours=ended and attendance.hours_status == HoursStatus.PENDING and status in (
                AttendanceStatus.EXPECTED, AttendanceStatus.CHECKED_IN, AttendanceStatus.ATTENDED),
        ))
    return render(request, "applications/employer/shift_detail.html", {
        "job": job, "shift": shift, "rows": rows, "checkin_url": _checkin_url(request, shift),
        "checkout_url": _checkin_url(request, shift, services.attendance.CHECK_OUT),
        "qr_url": reverse("applications:shift_qr", args=[job.pk, shift.pk]),
        "checkout_minutes": int(services.attendance.CHECKOUT_AFTER_CHECKIN.total_seconds() // 60),
        "refresh_seconds": services.attendance.CHECKIN_ROTATE_SECONDS, "ended": ended,
        "started": now >= shift.starts_at,
        "no_show_from": no_show_from, "marking_opens": marking_opens,
        "show_qr": now <= shift.ends_at, "max_overtime": services.attendance.MAX_OVERTIME_MINUTES,
    })


@_own_job(with_shift=True)
def shift_qr(request, job: Job, shift: Shift):
    """The check-in code (or with ?action=out the check-out code) as an SVG: an absolute
    URL with a token that is new on every request and expires after 90 s, so a photo
    of it cannot be used later."""
    check_in, check_out = services.attendance.CHECK_IN, services.attendance.CHECK_OUT
    action = check_out if request.GET.get("action") == check_out else check_in
    url = _checkin_url(request, shift, action)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=QR_SCALE)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    response["X-Checkin-Url"] = url  # the page's script shows it as text next to the image
    return response


ATTENDANCE_ACTIONS = {"in", "out", "no_show"}


@_own_object(_attendance)
def attendance_mark(request, attendance):
    """Mark attendance by hand: in, out, or a no-show after the grace period (E4)."""
    action = request.POST.get("action", "")
    try:
        if action == "no_show":
            services.attendance.attendance_mark_no_show(attendance_id=attendance.pk, actor=request.user)
            done = _("Marked as a no-show. The student may contest it.")
        elif action in ("in", "out"):
            services.attendance.attendance_mark(attendance_id=attendance.pk, actor=request.user,
                                                checked_in=action == "in")
            done = _("Marked as checked in.") if action == "in" else _("Marked as checked out.")
        else:
            raise DomainError(_("Choose how to mark the attendance."))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    shift = attendance.shift
    return _back(request, reverse("applications:employer_shift", args=[shift.job_id, shift.pk]))


@_own_object(_attendance)
def hours_confirm(request, attendance):
    """Confirm the hours worked and overtime after the shift (E4); silence confirms
    the scheduled hours when the deadline passes."""
    form = HoursForm(request.POST)
    shift = attendance.shift
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.attendance.hours_confirm(attendance_id=attendance.pk, actor=request.user,
                                              minutes=form.cleaned_data["minutes"],
                                              overtime_minutes=form.cleaned_data["overtime_minutes"],
                                              note=form.cleaned_data["note"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Hours confirmed. The student sees them and may dispute them."))
    return _back(request, reverse("applications:employer_shift", args=[shift.job_id, shift.pk]))


# ------------------------------------------------------------------ changes of time or place (J1.3)
@_own_job(methods=("GET", "POST"))
def change_propose(request, job: Job):
    """Propose moving one future shift or changing the workplace (J1.3): nothing
    changes until every hired student has answered; the open change, its answers
    and a withdraw button are shown here."""
    shifts = list(job.shifts.all())
    form = ChangeForm(request.POST if request.method == "POST" else None, shifts=shifts)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.schedule_changes.schedule_change_propose(job_id=job.pk, actor=request.user,
                                                                       **form.service_kwargs())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if change.status == ScheduleChange.Status.HELD:
                messages.warning(request, _("The compliance screen flagged this change: a moderator reviews it "
                                            "before any student sees it. The approved time and place stay in "
                                            "force until then."))
            elif change.status == ScheduleChange.Status.APPLIED:
                messages.success(request, _("No student is hired yet, so the change took effect at once."))
            else:
                messages.success(request, _("The change is proposed. It takes effect once every hired student "
                                            "has answered; those who decline are released without penalty."))
            return redirect("applications:change_propose", job.pk)
    open_change = selectors.job_open_change(job=job)
    answers = []
    if open_change is not None:
        # A handful of hired students: names with their answers in one query.
        answers = list(ScheduleChangeAnswer.objects.filter(change=open_change)
                       .select_related("engagement__student__student_profile").order_by("engagement_id"))
    return render(request, "applications/employer/change_propose.html", {
        "job": job, "form": form, "open_change": open_change, "answers": answers,
    })


@_own_object(_change)
def change_withdraw(request, change):
    """Withdraw an open change before it takes effect (J1.3); nothing changes."""
    try:
        services.schedule_changes.schedule_change_withdraw(change_id=change.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The change is withdrawn; nothing changes."))
    return _back(request, reverse("applications:change_propose", args=[change.job_id]))
