"""Employers manage their own jobs (E2.1, J1, J2.2): the list, one form for the
whole posting with a live compliance screen (J1.4), the employer's view of a
job with its flags, pending revision and history, and the employer's actions.

Thin: parse input, call one service, render. Every page is for employer
accounts only (403 otherwise); a job of another employer is a 404."""

import dataclasses
import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import form_tokens
from core.errors import DomainError
from core.history import history_for
from core.money import format_fen
from core.policy import get_policy
from employers.selectors import employer_for_user, employer_vetting_refusal
from employers.views import employer_account_required

from .. import services
from ..compliance import SCREENED_FIELDS, Finding, highlight, screen
from ..forms_employer import (
    FORM_FIELD_FOR,
    InsuranceForm,
    JobForm,
    JobPosting,
    initial_from,
    post_data_from,
    shift_label,
    shifts_initial_from,
)
from ..models import (
    LIVE_STATUSES,
    Job,
    JobAction,
    JobRevision,
    JobStatus,
    ScheduleKind,
    SettlementCycle,
)
from ..schedule import ShiftSpec, hourly_pay_fen, schedule_facts, scheduled_wages_fen, settlement_delay_days

JOBS_PER_PAGE = 50
HISTORY_ROWS = 50
EXCERPT_RADIUS = 40  # characters of context either side of a highlighted match


# ------------------------------------------------------------------ reading a posting
@dataclasses.dataclass(frozen=True)
class PaySummary:
    """What a student will earn and when (J1.2), as the employer and the student read it."""

    hourly_fen: int | None
    payment_text: str
    first_payment_by: dt.date | None
    delay_days: int
    payout_working_days: int
    estimated_total_fen: int | None


def pay_summary(data: dict, shifts: list[ShiftSpec], *, payout_working_days: int) -> PaySummary | None:
    """None until the pay unit, base rate, cycle and payment days are known."""
    unit, base = data.get("pay_unit"), data.get("base_rate_fen")
    cycle, days = data.get("settlement_cycle"), data.get("payment_days")
    if not unit or base is None or not cycle or days is None:
        return None
    facts = schedule_facts(shifts)
    hourly = hourly_pay_fen(pay_unit=unit, base_rate_fen=base, facts=facts,
                            pieces_per_hour=data.get("pieces_per_hour"))
    if cycle == SettlementCycle.DAILY:
        text = ngettext("Paid within %(n)s day after each working day.",
                        "Paid within %(n)s days after each working day.", days)
        first_by = facts.first_date + dt.timedelta(days=days) if facts.first_date else None
    elif cycle == SettlementCycle.WEEKLY:
        text = ngettext("Paid within %(n)s day after each week of work.",
                        "Paid within %(n)s days after each week of work.", days)
        first_by = facts.first_date + dt.timedelta(days=6 + days) if facts.first_date else None
    else:
        text = ngettext("Paid within %(n)s day after the last shift.",
                        "Paid within %(n)s days after the last shift.", days)
        first_by = facts.last_end.date() + dt.timedelta(days=days) if facts.last_end else None
    # Before overtime and bonuses, which depend on the work done.
    # Computed per shift as the statements will charge it (jobs.schedule.scheduled_wages_fen).
    total = None
    earned = scheduled_wages_fen(pay_unit=unit, base_rate_fen=base, pieces_per_hour=data.get("pieces_per_hour"),
                                 shifts=[s for s in shifts if s.minutes > 0])
    if earned is not None and facts.total_minutes:
        allowances = (data.get("meal_allowance_fen") or 0) + (data.get("transport_allowance_fen") or 0)
        total = earned + allowances * len(shifts)
    return PaySummary(
        hourly_fen=hourly, payment_text=text % {"n": days}, first_payment_by=first_by,
        delay_days=settlement_delay_days(cycle=cycle, payment_days=days, facts=facts),
        payout_working_days=payout_working_days, estimated_total_fen=total,
    )


def _weekday_names(days: str) -> str:
    return ", ".join(str(WEEKDAYS_ABBR[int(d) - 1]) for d in str(days or "").split(",") if d.strip().isdigit())


def _job_data(job: Job) -> dict:
    return {name: getattr(job, name) for name in services.ALL_FIELDS}


def _job_shifts(job: Job) -> list[ShiftSpec]:
    return [ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()]


def excerpt(text: str, start: int, end: int) -> SafeString:
    """The part of `text` around [start, end), escaped, with the match in <mark>."""
    if not (0 <= start < end <= len(text)):
        return format_html("{}", text[:2 * EXCERPT_RADIUS])
    lo, hi = max(0, start - EXCERPT_RADIUS), min(len(text), end + EXCERPT_RADIUS)
    marked = highlight(text[lo:hi], [(start - lo, end - lo)])
    return format_html("{}{}{}", "…" if lo else "", marked, "…" if hi < len(text) else "")


def _field_label(name: str) -> str:
    name = FORM_FIELD_FOR.get(name, name)
    if name in JobForm.base_fields:
        return str(JobForm.base_fields[name].label)
    if name == "shifts":
        return _t("Shifts")
    return ""


def finding_rows(findings: list[Finding], values: dict) -> list[dict]:
    """Findings for display: the field's label and the matched text in context."""
    rows = []
    for finding in findings:
        text = values.get(finding.field) or ""
        rows.append({
            "finding": finding, "label": _field_label(finding.field),
            "excerpt": excerpt(text, finding.start, finding.end) if finding.field in SCREENED_FIELDS and text
            else None,
        })
    return rows


def flag_rows(flags, values_for) -> list[dict]:
    """Unresolved moderator flags with the matched text highlighted where it still occurs."""
    rows = []
    for flag in flags:
        text = str(values_for(flag).get(flag.field) or "")
        at = text.find(flag.matched_text) if flag.matched_text else -1
        rows.append({"flag": flag, "label": _field_label(flag.field),
                     "excerpt": excerpt(text, at, at + len(flag.matched_text)) if at >= 0 else None})
    return rows


def display_value(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if name.endswith("_fen"):
        return format_fen(value)
    field = Job._meta.get_field(name)
    if field.choices:
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return _t("Yes") if value else _t("No")
    if name == "weekly_days":
        return _weekday_names(value)
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def revision_changes(job: Job, revision: JobRevision, shifts: list[ShiftSpec]) -> list[dict]:
    """What a pending revision changes, field by field, for the side-by-side view (J2.2)."""
    proposed, proposed_shifts = services.revision_content(revision)
    rows = []
    for name in services.CONTENT_FIELDS:
        before, after = getattr(job, name), proposed.get(name)
        if before != after:
            rows.append({"label": _field_label(name) or Job._meta.get_field(name).verbose_name,
                         "before": display_value(name, before), "after": display_value(name, after)})
    if proposed_shifts != shifts:
        rows.append({"label": _t("Shifts"), "before": "\n".join(shift_label(s) for s in shifts),
                     "after": "\n".join(shift_label(s) for s in proposed_shifts)})
    return rows


# Their reason is a list of the fields that changed, shown by label.
FIELD_LIST_ACTIONS = (JobAction.EDIT, JobAction.REVISE)


def history_rows(job: Job) -> list[dict]:
    """The job's history for its employer. Staff appear as "Staff", not by name."""
    statuses = dict(JobStatus.choices)
    rows = []
    for entry in history_for(job)[:HISTORY_ROWS]:
        reason = entry.reason
        if entry.transition in FIELD_LIST_ACTIONS:
            reason = ", ".join(_field_label(name.strip()) or name.strip() for name in reason.split(",") if name)
        elif entry.transition == JobAction.EXPIRE:
            reason = ""
        actor = entry.actor
        rows.append({
            "at": entry.created_at,
            "label": entry.action_label,
            "from": statuses.get(entry.from_state, ""), "to": statuses.get(entry.to_state, ""),
            "changed": entry.from_state != entry.to_state,
            "by": (actor.email if actor.is_employer_member else _t("Staff")) if actor else _t("Platform"),
            "reason": reason,
        })
    return rows


# ------------------------------------------------------------------ access
def own_job_view(methods: list[str]):
    """For views of one job: employer accounts only (403 otherwise), the job of
    the user's own employer only (404 otherwise, before the method is checked
    so another employer learns nothing), then the allowed methods (405).
    The view receives the job (with its employer) instead of its id."""

    def decorate(view):
        @employer_account_required
        @wraps(view)
        def wrapper(request, pk: int):
            job = get_object_or_404(Job.objects.select_related("employer"), pk=pk,
                                    employer__members__user=request.user)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, job)

        return wrapper

    return decorate


def _pending_revision(job: Job) -> JobRevision | None:
    if job.status not in LIVE_STATUSES:
        return None
    return job.revisions.filter(status=JobRevision.Status.PENDING).first()


# ------------------------------------------------------------------ the list
@employer_account_required
@require_GET
def job_list(request):
    """The employer's jobs in every state (E2.1), newest activity first.

    Queries: the membership, the counts per status, the page count and the
    page itself (with a pending-revision flag), whatever the number of jobs."""
    employer = employer_for_user(user=request.user)
    if employer is None:
        return redirect("employers:organisation")
    own = Job.objects.filter(employer=employer)
    counts = dict(own.order_by().values_list("status").annotate(n=Count("pk")))
    status = request.GET.get("status", "")
    if status not in JobStatus.values:
        status = ""
    jobs = (own.filter(status=status) if status else own).annotate(
        has_pending_revision=Exists(JobRevision.objects.filter(job=OuterRef("pk"),
                                                               status=JobRevision.Status.PENDING)),
    ).only("pk", "title", "status", "category", "city", "district", "is_remote", "first_shift_date",
           "last_shift_end", "application_deadline", "pay_unit", "base_rate_fen", "hourly_pay_fen",
           "headcount", "updated_at", "stale_notified_at", "decision_reason").order_by("-updated_at", "-id")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    tabs = [{"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in JobStatus.choices if counts.get(value)]
    return render(request, "jobs/employer/job_list.html", {
        "employer": employer, "page": page, "jobs": page.object_list, "tabs": tabs, "status": status,
        "total": sum(counts.values()), "vetting_refusal": employer_vetting_refusal(employer=employer),
    })


# ------------------------------------------------------------------ the form
def _render_form(request, posting: JobPosting, *, job: Job | None, employer, action: str, form_token: str = ""):
    context = {
        "posting": posting, "form": posting.form, "shifts": posting.shifts, "job": job, "employer": employer,
        "action": action, "screen_url": reverse("jobs:employer_job_screen"),
        "is_live": job is not None and job.status in LIVE_STATUSES, "form_token": form_token,
    }
    if posting.form.is_bound:  # the screen again, for browsers without JavaScript (J1.4)
        context.update(_screen_context(posting, employer))
    return render(request, "jobs/employer/job_form.html", context)


def _screen_context(posting: JobPosting, employer) -> dict:
    data, shifts = screen_input(posting)
    findings = screen(data, shifts, employer_city=employer.city)
    return {
        "screened": True,
        "findings": finding_rows(findings, data),
        "blocking": sum(1 for f in findings if f.blocks),
        # The box never says "nothing blocks" while the form itself would be refused (J1.4).
        "incomplete": posting.form.is_bound and not posting.is_valid(),
        "pay": pay_summary(data, shifts, payout_working_days=get_policy().payout_working_days),
    }


def screen_input(posting: JobPosting) -> tuple[dict, list[ShiftSpec]]:
    """What the screen can read from a form, valid or not: the typed text, the
    figures that parsed, and the shifts that are complete."""
    form = posting.form
    cleaned = getattr(form, "cleaned_data", {})
    data = {name: str(form.data.get(name, "")).strip() for name in SCREENED_FIELDS}
    data.update({
        "city": str(form.data.get("city", "")).strip(),
        "is_remote": bool(cleaned.get("is_remote")),
        "minor_restricted_work": list(cleaned.get("minor_restricted_work") or []),
        "minor_restricted_venue": cleaned.get("minor_restricted_venue") or "",
        "pay_unit": cleaned.get("pay_unit"),
        "base_rate_fen": cleaned.get("base_rate"),
        "pieces_per_hour": cleaned.get("pieces_per_hour"),
        "settlement_cycle": cleaned.get("settlement_cycle"),
        "payment_days": cleaned.get("payment_days"),
        "meal_allowance_fen": cleaned.get("meal_allowance"),
        "transport_allowance_fen": cleaned.get("transport_allowance"),
    })
    if posting.schedule_kind == ScheduleKind.WEEKLY:
        shifts = form.weekly_shifts
    else:
        shifts = sorted(posting.shifts.specs(), key=lambda s: s.start_dt)
    return data, shifts


@employer_account_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    """Draft a new job (E2.1). Nothing is public until it is submitted and approved."""
    employer = employer_for_user(user=request.user)
    if employer is None:
        return redirect("employers:organisation")
    posting = JobPosting(request.POST if request.method == "POST" else None,
                         initial={"city": employer.city, "district": employer.district})
    # One render, one draft (issue 21): Back and send again shows the draft the first send saved.
    token = request.POST.get(form_tokens.FIELD, "") if request.method == "POST" else form_tokens.form_token_new()
    claim = {"scope": "job_new", "user_id": request.user.pk, "token": token}
    if request.method == "POST":
        fresh, earlier = form_tokens.form_token_claim(**claim)
        if not fresh:
            messages.info(request, _("This form was already sent: the draft it saved is below. Nothing was "
                                     "saved twice."))
            return redirect("jobs:employer_job", earlier) if earlier else redirect("jobs:employer_jobs")
    if request.method == "POST" and posting.is_valid():
        try:
            job = services.job_save_draft(employer_id=employer.pk, actor=request.user,
                                          data=posting.service_data(), shifts=posting.shift_specs())
        except DomainError as error:
            posting.add_domain_error(error)
        else:
            form_tokens.form_token_done(**claim, result=job.pk)
            messages.success(request, _("Your job is saved as a draft. Check it, then submit it for review."))
            return redirect("jobs:employer_job", job.pk)
    if request.method == "POST":
        form_tokens.form_token_release(**claim)  # refused: the corrected form may be sent
    return _render_form(request, posting, job=None, employer=employer, action=reverse("jobs:employer_job_new"),
                        form_token=token)


@own_job_view(["GET", "POST"])
def job_edit(request, job: Job):
    """Edit a draft (or a job sent back), or propose a revision of a live job (J2.2).

    A live job's edit starts from its pending revision, if any: the employer
    refines what waits for review, and the new revision replaces it."""
    if not (job.is_editable or job.status in LIVE_STATUSES):
        messages.error(request, _("A job in this state can no longer be edited."))
        return redirect("jobs:employer_job", job.pk)
    current_shifts = _job_shifts(job)
    revision = _pending_revision(job)
    data, shifts = services.revision_content(revision) if revision else (_job_data(job), current_shifts)
    if revision:
        data = {**_job_data(job), **data}
    posting = JobPosting(
        request.POST if request.method == "POST" else None,
        initial=initial_from(data),
        shifts_initial=shifts_initial_from(shifts) if data.get("schedule_kind") != ScheduleKind.WEEKLY else [],
        # A live job keeps shifts that have begun; a draft's shifts must all lie ahead.
        existing=frozenset(current_shifts) | frozenset(shifts) if job.status in LIVE_STATUSES else frozenset(),
    )
    if request.method == "POST" and posting.is_valid():
        try:
            if job.is_editable:
                services.job_save_draft(employer_id=job.employer_id, actor=request.user, job_id=job.pk,
                                        data=posting.service_data(), shifts=posting.shift_specs())
                result = job
            else:
                result = services.job_revise(job_id=job.pk, actor=request.user, data=posting.service_data(),
                                             shifts=posting.shift_specs())
        except services.ComplianceBlocked as blocked:
            posting.add_findings(blocked.findings)
        except DomainError as error:
            posting.add_domain_error(error)
        else:
            if isinstance(result, JobRevision):
                messages.success(request, _("Your changes wait for review; students see the current version "
                                            "until they are approved."))
            else:
                messages.success(request, _("Your changes are saved."))
            return redirect("jobs:employer_job", job.pk)
    return _render_form(request, posting, job=job, employer=job.employer,
                        action=reverse("jobs:employer_job_edit", args=[job.pk]))


@employer_account_required
@require_POST
def job_screen(request):
    """The live compliance screen (J1.4): the form's data in, an HTML fragment of
    findings (blocking first, matched text highlighted) and the pay summary out."""
    employer = employer_for_user(user=request.user)
    if employer is None:
        raise Http404
    posting = JobPosting(request.POST)
    posting.is_valid()  # the form's own errors show on saving; the screen reads what parsed
    return render(request, "jobs/employer/_screen.html", _screen_context(posting, employer))


# ------------------------------------------------------------------ one job
@own_job_view(["GET"])
def job_detail(request, job: Job):
    """The employer's view of one job: what students read, its status and the
    reviewer's reason, open flags, a pending revision, history and actions."""
    shift_rows = list(job.shifts.all())
    data, shifts = _job_data(job), [ShiftSpec(s.date, s.start_time, s.end_time) for s in shift_rows]
    revision = _pending_revision(job)
    revision_data = {**data, **services.revision_content(revision)[0]} if revision else {}
    flags = list(job.flags.filter(resolved_at__isnull=True))
    # A draft is screened as it stands, so the employer sees what blocks it before submitting.
    findings = screen(data, shifts, employer_city=job.employer.city) if job.is_editable else []
    policy = get_policy()
    # Once published, the page links to the work on the job (applicants, shifts); the
    # counts live on the applicants page, so jobs does not read applications' tables.
    work = job.first_published_at is not None
    return render(request, "jobs/employer/job_detail.html", {
        "job": job,
        "employer": job.employer,
        "vetting_refusal": employer_vetting_refusal(employer=job.employer),
        "shifts": shift_rows,
        "pay": pay_summary(data, shifts, payout_working_days=policy.payout_working_days),
        "revision": revision,
        "changes": revision_changes(job, revision, shifts) if revision else [],
        "flags": flag_rows(flags, lambda flag: revision_data if flag.revision_id else data),
        "findings": finding_rows(findings, data),
        "blocking": sum(1 for f in findings if f.blocks),
        "history": history_rows(job),
        "posting_fee_fen": policy.job_posting_fee_fen,
        "can_edit": job.is_editable or job.status in LIVE_STATUSES,
        "is_live": job.status in LIVE_STATUSES,
        "work": work,
        **_insurance_context(job),
    })


def _insurance_context(job: Job, form: InsuranceForm | None = None) -> dict:
    """The cover on file and the form to declare or renew it (docs/insurance.md)."""
    cover = getattr(job, "insurance", None)  # RelatedObjectDoesNotExist is an AttributeError
    return {"insurance": cover, "insurance_required": services.insurance_required(job),
            "insurance_form": form or InsuranceForm()}


@own_job_view(["POST"])
def job_insurance(request, job: Job):
    """Declare or renew the job's cover with its certificate (docs/insurance.md)."""
    form = InsuranceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.job_insurance_declare(job_id=job.pk, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else "certificate", str(error.message))
        else:
            messages.success(request, _("The insurance cover is recorded."))
            return redirect("jobs:employer_job", job.pk)
    messages.error(request, _("The insurance cover was not recorded: please correct the marked fields."))
    return render(request, "jobs/employer/insurance_form.html", {"job": job, **_insurance_context(job, form)})


@own_job_view(["POST"])
def job_submit(request, job: Job):
    """Submit for review (E2.2) after the compliance screen (J1.4). A blocked
    job stays a draft and comes back as the form, errors on the fields to fix."""
    try:
        services.job_submit(job_id=job.pk, actor=request.user)
    except services.ComplianceBlocked as blocked:
        shifts = _job_shifts(job)
        data = _job_data(job)
        posting = JobPosting(post_data_from(data, shifts))
        posting.is_valid()
        posting.add_findings(blocked.findings)
        messages.error(request, _("This job cannot be submitted yet: please correct the marked fields."))
        return _render_form(request, posting, job=job, employer=job.employer,
                            action=reverse("jobs:employer_job_edit", args=[job.pk]))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your job is submitted. Staff review every job before students see it."))
    return redirect("jobs:employer_job", job.pk)


def _employer_action(service, done_message):
    @own_job_view(["POST"])
    def view(request, job: Job):
        try:
            service(job_id=job.pk, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done_message)
        return redirect("jobs:employer_job", job.pk)

    view.__doc__ = service.__doc__
    view.__name__ = view.__qualname__ = service.__name__
    return view


@own_job_view(["POST"])
def job_delete(request, job: Job):
    """Delete a draft (issue 21); anything else stays, with the reason."""
    try:
        title = services.job_delete_draft(job_id=job.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("jobs:employer_job", job.pk)
    messages.success(request, _("The draft “%(title)s” is deleted.") % {"title": title})
    return redirect("jobs:employer_jobs")


job_pause = _employer_action(services.job_pause, _("The job is paused: students cannot apply until you "
                                                   "resume it."))
job_resume = _employer_action(services.job_resume, _("The job is open for applications again."))
job_close = _employer_action(services.job_close, _("The job is closed."))
job_confirm_current = _employer_action(services.job_confirm_current,
                                       _("Thank you: the job is confirmed as still accurate."))
