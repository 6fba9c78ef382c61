"""Staff back office for jobs: the moderation queue (E2.2, P2.3), revisions of
live jobs side by side with the published version (J2.2), the compliance
lexicon and minimum-wage table (J1.4, G2), and the patrol record (J2.3).

Staff never edit employer content: every job page is read-only, and every
decision (transition, bulk action, revision approval) calls a service in
`jobs.services`, which checks `jobs.moderate_job`, locks, writes history and
tells the employer. Moderation records kept by the `moderation` app are only
linked to by URL name: this lower app does not import it."""

import datetime as dt
import re

import re2
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_mixins import (
    DecideViewMixin,
    DefaultStatusFilter,
    ReadOnlyAdmin,
    ServiceFSMAdminMixin,
    history_table,
)
from core.errors import DomainError
from core.money import format_fen
from core.policy import get_policy
from core.working_days import (
    MAX_LOOKBACK_DAYS,
    WorkingCalendar,
    working_minutes_between,
    working_moment_before,
)

from .compliance import SCREENED_FIELDS, compile_term, highlight, re2_error_reason
from .forms import ApproveJobForm, JobReasonForm
from .models import (
    ComplianceTerm,
    Job,
    JobFlag,
    JobRevision,
    JobStatus,
    MinimumWage,
    PatrolRun,
)
from .schedule import ShiftSpec
from .services import (
    CONTENT_FIELDS,
    employer_jobs_take_down,
    job_approve,
    job_reject,
    job_request_changes,
    job_revision_approve,
    job_revision_reject,
    job_take_down,
    revision_content,
)

MODERATE_PERMISSION = "jobs.moderate_job"

# Rule findings of the compliance screen that are not lexicon categories (jobs.compliance.screen_rules).
RULE_CODES = [
    ("min_wage", _("Pay below the minimum wage")),
    ("no_min_wage", _("No minimum wage on file for the city")),
    ("piece_rate", _("Piece rate without pieces per hour")),
    ("settlement", _("Settlement over 15 days")),
    ("part_time_daily", _("Over 4 hours a day on average")),
    ("part_time_weekly", _("Over 24 hours a week")),
    ("night_work", _("Night work")),
    ("hazardous", _("Declared hazardous")),
    ("pay_text_low", _("Pay in the text below the minimum wage")),
    ("pay_text_mismatch", _("Pay in the text contradicts the pay fields")),
]
FLAG_CODES = [*ComplianceTerm.Category.choices, *RULE_CODES]
CHANGED_ROW = mark_safe(' style="background:#fff3cd"')  # a constant, no user input
SEVERITY_MARKS = {ComplianceTerm.Severity.BLOCK: "⛔", ComplianceTerm.Severity.FLAG: "⚑"}


# ------------------------------------------------------------------ working hours (SLA)
# The review target (Policy.job_review_hours, default 8) counts the moderators'
# office day on working days (core.working_days), so 8 working hours is one working day.


def mark_waiting(objects, *, since_attr: str, now: dt.datetime | None = None) -> None:
    """Set `waiting_minutes` and `is_overdue` on each row waiting for review (one calendar query)."""
    now = now or timezone.now()
    target = get_policy().job_review_hours * 60
    starts = [getattr(o, since_attr) for o in objects if getattr(o, since_attr, None)]
    calendar = WorkingCalendar(timezone.localtime(min(starts)).date(), timezone.localdate(now)) if starts else None
    for obj in objects:
        since = getattr(obj, since_attr, None)
        if calendar is None or since is None or not _is_waiting(obj):
            obj.waiting_minutes, obj.is_overdue = None, False
            continue
        obj.waiting_minutes = working_minutes_between(since, now, calendar)
        obj.is_overdue = obj.waiting_minutes >= target


def _is_waiting(obj) -> bool:
    if isinstance(obj, Job):
        return obj.status == JobStatus.PENDING_REVIEW
    return obj.status == JobRevision.Status.PENDING


def _waiting_html(obj):
    minutes = getattr(obj, "waiting_minutes", None)
    if minutes is None:
        return "—"
    hours = _("%(hours)s h") % {"hours": f"{minutes / 60:.1f}"}
    if obj.is_overdue:
        return format_html('<strong style="color:#ba2121">{} · {}</strong>', hours, _("overdue"))
    return hours


class WaitingChangeList(ChangeList):
    """Computes each row's waiting time in working hours once per page."""

    since_attr = "submitted_at"

    def get_results(self, request):
        super().get_results(request)
        mark_waiting(list(self.result_list), since_attr=self.since_attr)


class RevisionWaitingChangeList(WaitingChangeList):
    since_attr = "created_at"


# ------------------------------------------------------------------ rendering helpers


def flag_spans(text: str, matched: list[str]) -> list[tuple[int, int]]:
    """Where each matched text occurs in `text` (every occurrence, case-insensitive)."""
    spans = []
    for needle in filter(None, matched):
        for match in re.finditer(re.escape(needle), text, re.IGNORECASE):
            spans.append((match.start(), match.end()))
    return spans


def highlighted(text: str, flags) -> str:
    """The field text escaped, the flags' matched text marked, line breaks kept."""
    if not text:
        return "—"
    marked = highlight(text, flag_spans(text, [f.matched_text for f in flags]))
    return format_html('<div style="white-space:pre-wrap;max-width:60em">{}</div>', marked)


def flags_table(flags) -> str:
    if not flags:
        return _("No compliance findings.")
    labels = dict(FLAG_CODES)
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        _("rule"), _("severity"), _("field"), _("matched text"), _("finding"), _("resolved"),
        format_html_join("", "<tr><td>{} {}</td><td>{}</td><td>{}</td><td><mark>{}</mark></td><td>{}</td>"
                             "<td>{}</td></tr>",
                         ((SEVERITY_MARKS.get(f.severity, ""), labels.get(f.code, f.code), f.get_severity_display(),
                           _field_label(f.field), f.matched_text, f.message,
                           f.resolution or (_("no") if f.resolved_at is None else _("yes"))) for f in flags)),
    )


def _field_label(name: str) -> str:
    if not name:
        return "—"
    try:
        return str(Job._meta.get_field(name).verbose_name)
    except Exception:  # "shifts" and other pseudo-fields of the screen
        return name


def shifts_table(shifts: list[ShiftSpec], other: list[ShiftSpec] | None = None) -> str:
    """Shifts as rows; with `other`, rows missing from it are highlighted."""
    if not shifts:
        return "—"
    others = set(other) if other is not None else None
    rows = [(CHANGED_ROW if others is not None and s not in others else "", s.date.isoformat(),
             date_format(s.date, "D"), f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in shifts]
    return format_html("<table>{}</table>", format_html_join(
        "", "<tr{}><td>{}</td><td>{}</td><td>{}–{}</td></tr>", rows))


def display_value(name: str, value) -> str:
    """A job field's value as a moderator reads it (labels for choices, yuan for fen)."""
    if value is None or value == "":
        return "—"
    field = Job._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name.endswith("_fen"):
        return format_fen(value)
    return str(value)


def _verification_badge(employer) -> str:
    if employer.is_verified:
        return format_html('<span title="{}" style="color:#2e7d32">✔ {}</span>',
                           employer.get_verification_level_display(), _("verified"))
    return format_html('<span style="color:#666">{}</span>', _("not verified"))


def _admin_link(name: str, *, args=None, query: dict | None = None) -> str | None:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # the moderation app is not installed
        return None
    return f"{url}?{urlencode(query)}" if query else url


# ------------------------------------------------------------------ queue filters


class JobStatusFilter(DefaultStatusFilter):
    default = JobStatus.PENDING_REVIEW
    statuses = JobStatus.choices


class RevisionStatusFilter(DefaultStatusFilter):
    default = JobRevision.Status.PENDING
    statuses = JobRevision.Status.choices


def _unresolved_flags(*, revision: bool = False):
    flags = JobFlag.objects.filter(resolved_at__isnull=True)
    if revision:
        return flags.filter(revision=OuterRef("pk"))
    return flags.filter(job=OuterRef("pk"), revision__isnull=True)


class FlagCategoryFilter(admin.SimpleListFilter):
    """Jobs with an unresolved flag of one kind. EXISTS, not a join: a job with
    three such flags is still one row."""

    title = _("unresolved flag")
    parameter_name = "flag"
    for_revisions = False

    def lookups(self, request, model_admin):
        return [("any", _("Any flag")), ("none", _("No flags")), *FLAG_CODES]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        flags = _unresolved_flags(revision=self.for_revisions)
        if value == "none":
            return queryset.filter(~Exists(flags))
        if value != "any":
            flags = flags.filter(code=value)
        return queryset.filter(Exists(flags))


class RevisionFlagCategoryFilter(FlagCategoryFilter):
    for_revisions = True


class WaitingFilter(admin.SimpleListFilter):
    """Time waiting for review in working hours against the policy target (E2.2)."""

    title = _("time waiting")
    parameter_name = "waiting"
    since_field = "submitted_at"
    waiting_status = JobStatus.PENDING_REVIEW

    def lookups(self, request, model_admin):
        return [("within", _("Within the review target")), ("overdue", _("Overdue")),
                ("long", _("Over three times the target"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in ("within", "overdue", "long"):
            return queryset
        now = timezone.now()
        target = get_policy().job_review_hours * 60 * (3 if value == "long" else 1)
        calendar = WorkingCalendar(timezone.localdate(now) - dt.timedelta(days=MAX_LOOKBACK_DAYS),
                                  timezone.localdate(now))
        cutoff = working_moment_before(now, target, calendar)
        queryset = queryset.filter(status=self.waiting_status)
        if value == "within":
            return queryset.filter(**{f"{self.since_field}__gt": cutoff})
        return queryset.filter(**{f"{self.since_field}__lte": cutoff})


class RevisionWaitingFilter(WaitingFilter):
    since_field = "created_at"
    waiting_status = JobRevision.Status.PENDING


def _flag_count(severity: str, *, revision: bool = False):
    counted = (_unresolved_flags(revision=revision).filter(severity=severity).order_by()
               .values("revision" if revision else "job").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted), Value(0))


def _flag_counts_html(obj):
    blocks, flags = getattr(obj, "unresolved_blocks", 0), getattr(obj, "unresolved_flags", 0)
    if not (blocks or flags):
        return "—"
    parts = []
    if blocks:
        parts.append(format_html('<span style="color:#ba2121">⛔ {}</span>', blocks))
    if flags:
        parts.append(format_html('<span style="color:#b26a00">⚑ {}</span>', flags))
    return format_html_join(" ", "{}", ((p,) for p in parts))


# ------------------------------------------------------------------ the job queue
def _screened_display(field_name: str):
    def display(self, obj):
        return highlighted(getattr(obj, field_name), [f for f in self._job_flags(obj) if f.field == field_name])

    display.__name__ = f"{field_name}_marked"
    return admin.display(description=Job._meta.get_field(field_name).verbose_name)(display)


class ModerationActionsMixin:
    """Bulk actions are for moderators; anyone else posting one gets 403, not a silent no-op."""

    moderation_actions: tuple[str, ...] = ()

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        if (request.method == "POST" and request.POST.get("action") in self.moderation_actions
                and not self.has_moderate_permission(request)):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)


def _reason_step(modeladmin, request, queryset, *, action: str, title, explanation, objects, run):
    """The intermediate page of a bulk action: ask for a reason, then `run(reason)`."""
    form = JobReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        run(form.cleaned_data["reason"])
        return None  # back to the changelist, with the messages
    return TemplateResponse(request, "admin/jobs/job/action_reason.html", {
        **modeladmin.admin_site.each_context(request),
        "title": title, "explanation": explanation, "objects": objects, "queryset": queryset, "form": form,
        "action": action, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "opts": modeladmin.opts,
        "select_across": request.POST.get("select_across", "0"),
    })


@admin.register(Job)
class JobAdmin(ModerationActionsMixin, ServiceFSMAdminMixin, admin.ModelAdmin):
    """The moderation queue (E2.2, P2.3): pending jobs, oldest first, with their SLA and flags."""

    fsm_fields = ["status"]
    transition_services = {
        "approve": job_approve,
        "request_changes": job_request_changes,
        "reject": job_reject,
        "take_down": job_take_down,
    }
    list_display = ["title", "employer_badge", "submitted_at", "waiting", "flag_counts", "status", "category",
                    "city"]
    list_filter = [JobStatusFilter, FlagCategoryFilter, WaitingFilter, "employer__verification_level",
                   "category"]
    list_select_related = ["employer"]
    search_fields = ["title", "employer__name"]
    ordering = ["submitted_at", "id"]
    show_full_result_count = False  # no second COUNT(*) over the whole table
    actions = ["approve_selected", "take_down_selected", "take_down_employers"]
    moderation_actions = ("approve_selected", "take_down_selected", "take_down_employers")

    fieldsets = [
        (_("Review"), {"fields": ["status", "employer_link", "submitted_at", "waiting", "decided_at",
                                  "decided_by", "decision_reason", "published_at", "content_updated_at"]}),
        (_("Compliance findings"), {"fields": ["flags"]}),
        (_("What (flagged text highlighted)"), {"fields": [
            "title_marked", "category", "description_marked", "requirements_skills_marked",
            "requirements_certificates_marked", "headcount", "is_hazardous"]}),
        (_("Where"), {"fields": ["is_remote", "city", "district", "address_marked"]}),
        (_("When"), {"fields": ["schedule_kind", "shifts_list", "total_hours", "has_night_work",
                                "application_deadline"]}),
        (_("Pay"), {"fields": ["pay_unit", "base_rate", "pieces_per_hour", "overtime_rate", "hourly_pay",
                               "bonus_rules_marked", "allowances", "settlement_cycle", "payment_days"]}),
        (_("Employer and checks"), {"fields": ["employer_other_jobs", "checks"]}),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    title_marked = _screened_display("title")
    description_marked = _screened_display("description")
    requirements_skills_marked = _screened_display("requirements_skills")
    requirements_certificates_marked = _screened_display("requirements_certificates")
    address_marked = _screened_display("address")
    bonus_rules_marked = _screened_display("bonus_rules")

    # Staff never edit or delete an employer's posting; they decide on it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            unresolved_blocks=_flag_count(ComplianceTerm.Severity.BLOCK),
            unresolved_flags=_flag_count(ComplianceTerm.Severity.FLAG),
        )

    def get_changelist(self, request, **kwargs):
        return WaitingChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            mark_waiting([obj], since_attr="submitted_at")
        return obj

    # ---------------------------------------------------------- columns
    @admin.display(description=_("employer"), ordering="employer__name")
    def employer_badge(self, obj):
        return format_html("{} {}", obj.employer.name, _verification_badge(obj.employer))

    @admin.display(description=_("waiting (working hours)"))
    def waiting(self, obj):
        return _waiting_html(obj)

    @admin.display(description=_("unresolved flags"))
    def flag_counts(self, obj):
        return _flag_counts_html(obj)

    # ---------------------------------------------------------- change page
    def _job_flags(self, obj) -> list[JobFlag]:
        # Cached on the instance: every highlighted field reads the same flags.
        if not hasattr(obj, "_moderation_flags"):
            obj._moderation_flags = list(JobFlag.objects.filter(job=obj, revision__isnull=True)
                                         .order_by("resolved_at", "field", "id"))
        return obj._moderation_flags

    @admin.display(description=_("flags"))
    def flags(self, obj):
        return flags_table(self._job_flags(obj))

    @admin.display(description=_("employer"))
    def employer_link(self, obj):
        return format_html('<a href="{}">{}</a> {}', reverse("admin:employers_employer_change",
                                                              args=[obj.employer_id]),
                           obj.employer.name, _verification_badge(obj.employer))

    @admin.display(description=_("shifts"))
    def shifts_list(self, obj):
        return shifts_table([ShiftSpec(s.date, s.start_time, s.end_time) for s in obj.shifts.all()])

    @admin.display(description=_("total hours"))
    def total_hours(self, obj):
        return f"{obj.total_minutes / 60:.1f}"

    @admin.display(description=_("base pay"))
    def base_rate(self, obj):
        return f"{format_fen(obj.base_rate_fen)} {obj.get_pay_unit_display()}"

    @admin.display(description=_("overtime pay per hour"))
    def overtime_rate(self, obj):
        return format_fen(obj.overtime_rate_fen) or "—"

    @admin.display(description=_("equivalent hourly pay"))
    def hourly_pay(self, obj):
        return format_fen(obj.hourly_pay_fen)

    @admin.display(description=_("allowances per shift"))
    def allowances(self, obj):
        return format_html("{}: {} · {}: {}", _("meals"), format_fen(obj.meal_allowance_fen),
                           _("transport"), format_fen(obj.transport_allowance_fen))

    @admin.display(description=_("the employer's other jobs"))
    def employer_other_jobs(self, obj):
        count = Job.objects.filter(employer_id=obj.employer_id).exclude(pk=obj.pk).count()
        url = reverse("admin:jobs_job_changelist") + "?" + urlencode(
            {"status": "all", "employer__id__exact": obj.employer_id})
        return format_html('<a href="{}">{}</a>', url, ngettext("%(n)s other job", "%(n)s other jobs", count)
                           % {"n": count})

    @admin.display(description=_("second-stage verification and reports"))
    def checks(self, obj):
        content_type = ContentType.objects.get_for_model(Job)
        links = [
            (_admin_link("admin:moderation_verificationstep_add",
                         query={"content_type": content_type.pk, "object_id": obj.pk}),
             _("Record a phone call-back or background check")),
            (_admin_link("admin:moderation_verificationstep_changelist",
                         query={"content_type__id__exact": content_type.pk, "object_id": obj.pk}),
             _("Checks so far")),
            (_admin_link("admin:moderation_report_changelist", query={"status": "all", "job__id__exact": obj.pk}),
             _("Reports of this job")),
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', ((u, label) for u, label in links if u)) or "—"

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "employer__id__exact" or super().lookup_allowed(lookup, value, request)

    # ---------------------------------------------------------- bulk actions
    @admin.action(description=_("Approve selected jobs that have no unresolved flags"),
                  permissions=["moderate"])
    def approve_selected(self, request, queryset):
        approved, skipped = 0, []
        for job in queryset:
            if job.unresolved_blocks or job.unresolved_flags or job.status != JobStatus.PENDING_REVIEW:
                skipped.append(job.title)
                continue
            try:
                job_approve(pk=job.pk, actor=request.user)
            except DomainError:
                skipped.append(job.title)
            else:
                approved += 1
        if approved:
            self.message_user(request, ngettext("%(n)s job approved and published.",
                                                "%(n)s jobs approved and published.", approved) % {"n": approved},
                              messages.SUCCESS)
        if skipped:
            self.message_user(request, _("Skipped (flags to review one by one, or not waiting for review): "
                                         "%(titles)s") % {"titles": "、".join(skipped)}, messages.WARNING)

    @admin.action(description=_("Take down selected jobs…"), permissions=["moderate"])
    def take_down_selected(self, request, queryset):
        jobs = list(queryset)

        def run(reason):
            done, skipped = 0, []
            for job in jobs:
                try:
                    job_take_down(pk=job.pk, actor=request.user, reason=reason)
                except DomainError:
                    skipped.append(job.title)
                else:
                    done += 1
            self._report(request, done, skipped)

        return _reason_step(self, request, queryset, action="take_down_selected",
                            title=_("Take down selected jobs"),
                            explanation=_("These jobs leave the public list at once; each employer is told the "
                                          "reason. Drafts and jobs already closed are skipped."),
                            objects=[(job.title, f"{job.employer.name} · {job.get_status_display()}")
                                     for job in jobs], run=run)

    @admin.action(description=_("Take down every live job of the selected jobs' employers…"),
                  permissions=["moderate"])
    def take_down_employers(self, request, queryset):
        employers = {job.employer_id: job.employer for job in queryset}
        live = dict(Job.objects.filter(employer_id__in=employers,
                                       status__in=[JobStatus.PENDING_REVIEW, JobStatus.PUBLISHED, JobStatus.PAUSED])
                    .values_list("employer_id").annotate(n=Count("pk")))
        objects = [(employer.name, ngettext("%(n)s live job", "%(n)s live jobs", live.get(pk, 0))
                    % {"n": live.get(pk, 0)}) for pk, employer in employers.items()]

        def run(reason):
            total = 0
            for employer_id in employers:
                total += employer_jobs_take_down(employer_id=employer_id, actor=request.user, reason=reason)
            self.message_user(request, ngettext("%(n)s job taken down.", "%(n)s jobs taken down.", total)
                              % {"n": total}, messages.SUCCESS)

        return _reason_step(self, request, queryset, action="take_down_employers",
                            title=_("Take down every live job of these employers"),
                            explanation=_("Every published, paused or pending job of these employers is taken "
                                          "down (E4.2); each employer is told the reason."),
                            objects=objects, run=run)

    def _report(self, request, done: int, skipped: list[str]) -> None:
        if done:
            self.message_user(request, ngettext("%(n)s job taken down.", "%(n)s jobs taken down.", done)
                              % {"n": done}, messages.SUCCESS)
        if skipped:
            self.message_user(request, _("Skipped (not live or waiting for review): %(titles)s")
                              % {"titles": "、".join(skipped)}, messages.WARNING)


# ------------------------------------------------------------------ revisions (J2.2)
@admin.register(JobRevision)
class JobRevisionAdmin(DecideViewMixin, admin.ModelAdmin):
    """Pending edits of live jobs, each shown against the published version (J2.2)."""

    list_display = ["job", "employer", "created_at", "waiting", "flag_counts", "status"]
    list_filter = [RevisionStatusFilter, RevisionFlagCategoryFilter, RevisionWaitingFilter]
    list_select_related = ["job__employer"]
    search_fields = ["job__title", "job__employer__name"]
    ordering = ["created_at", "id"]
    show_full_result_count = False
    change_form_template = "admin/jobs/jobrevision/change_form.html"
    fields = ["job_link", "status", "created_by", "created_at", "waiting", "diff", "shifts_compared", "flags",
              "decided_at", "decided_by", "decision_reason"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            unresolved_blocks=_flag_count(ComplianceTerm.Severity.BLOCK, revision=True),
            unresolved_flags=_flag_count(ComplianceTerm.Severity.FLAG, revision=True),
        )

    def get_changelist(self, request, **kwargs):
        return RevisionWaitingChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            mark_waiting([obj], since_attr="created_at")
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}),
                         "can_decide": request.user.has_perm(MODERATE_PERMISSION)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return format_html("{} {}", obj.job.employer.name, _verification_badge(obj.job.employer))

    @admin.display(description=_("waiting (working hours)"))
    def waiting(self, obj):
        return _waiting_html(obj)

    @admin.display(description=_("unresolved flags"))
    def flag_counts(self, obj):
        return _flag_counts_html(obj)

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return format_html('<a href="{}">{}</a> ({})', reverse("admin:jobs_job_change", args=[obj.job_id]),
                           obj.job.title, obj.job.get_status_display())

    def _revision_flags(self, obj) -> list[JobFlag]:
        if not hasattr(obj, "_moderation_flags"):
            obj._moderation_flags = list(obj.flags.order_by("resolved_at", "field", "id"))
        return obj._moderation_flags

    @admin.display(description=_("flags"))
    def flags(self, obj):
        return flags_table(self._revision_flags(obj))

    @admin.display(description=_("published version → proposed"))
    def diff(self, obj):
        proposed, _shifts = revision_content(obj)
        flags = self._revision_flags(obj)
        rows = []
        for name in CONTENT_FIELDS:
            current_value, new_value = getattr(obj.job, name), proposed.get(name)
            changed = current_value != new_value
            if name in SCREENED_FIELDS:
                field_flags = [f for f in flags if f.field == name]
                before, after = highlighted(current_value, []), highlighted(new_value or "", field_flags)
            else:
                before, after = display_value(name, current_value), display_value(name, new_value)
            rows.append((CHANGED_ROW if changed else "",
                         _field_label(name), "✎" if changed else "", before, after))
        return format_html(
            '<table style="width:100%"><thead><tr><th>{}</th><th></th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("field"), _("published"), _("proposed"),
            format_html_join("", '<tr{}><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>', rows))

    @admin.display(description=_("shifts: published → proposed"))
    def shifts_compared(self, obj):
        _data, proposed = revision_content(obj)
        current = [ShiftSpec(s.date, s.start_time, s.end_time) for s in obj.job.shifts.all()]
        return format_html(
            '<table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody><tr>'
            '<td style="vertical-align:top">{}</td><td style="vertical-align:top">{}</td></tr></tbody></table>',
            _("published"), _("proposed"), shifts_table(current, proposed), shifts_table(proposed, current))

    # ---------------------------------------------------------- decisions
    def get_urls(self):
        return [
            path("<int:pk>/approve/", self.admin_site.admin_view(self.approve_view),
                 name="jobs_jobrevision_approve"),
            path("<int:pk>/reject/", self.admin_site.admin_view(self.reject_view),
                 name="jobs_jobrevision_reject"),
            *super().get_urls(),
        ]

    # Declares what the custom object routes need, for the access matrix and readers.
    object_route_permissions = {"jobs_jobrevision_approve": MODERATE_PERMISSION,
                                "jobs_jobrevision_reject": MODERATE_PERMISSION}

    def approve_view(self, request, pk: int):
        return self._decision_view(request, pk, form_class=ApproveJobForm, service=job_revision_approve,
                                   title=_("Approve the revision and publish it"))

    def reject_view(self, request, pk: int):
        return self._decision_view(request, pk, form_class=JobReasonForm, service=job_revision_reject,
                                   title=_("Reject the revision (the published version stays)"))

    def _decision_view(self, request, pk: int, *, form_class, service, title):
        return self.decide_view_for(
            request, pk, permission=MODERATE_PERMISSION, form_class=form_class, title=title,
            applicable=lambda revision: True, describe=lambda revision: (revision, None),
            run=lambda revision, data: service(pk=revision.pk, actor=request.user, **data))


# ------------------------------------------------------------------ the lexicon and the wage table
class ComplianceTermForm(forms.ModelForm):
    class Meta:
        model = ComplianceTerm
        fields = ["category", "severity", "pattern", "is_regex", "explanation", "explanation_en", "active"]

    def clean(self):
        data = super().clean()
        pattern = data.get("pattern") or ""
        if pattern:
            # The screen runs re2 (linear time: a staff pattern cannot hang the site); refuse
            # what re2 cannot compile, with its reason (J1.4).
            try:
                compiled = compile_term(pattern, bool(data.get("is_regex")))
            except re2.error as error:
                self.add_error("pattern", _("This is not a valid regular expression for the screen (RE2 syntax: "
                                            "no lookaround or backreferences): %(error)s") % {"error": re2_error_reason(error)})
            else:
                if compiled.search(""):  # would match everywhere and flag every posting
                    self.add_error("pattern", _("This expression matches empty text; make it more specific."))
        return data


@admin.register(ComplianceTerm)
class ComplianceTermAdmin(admin.ModelAdmin):
    """The lexicon the compliance screen matches postings against (J1.4, G2)."""

    form = ComplianceTermForm
    list_display = ["pattern", "category", "severity", "is_regex", "active", "updated_at"]
    list_filter = ["category", "severity", "is_regex", "active"]
    search_fields = ["pattern", "explanation", "explanation_en"]
    ordering = ["category", "pattern"]


@admin.register(MinimumWage)
class MinimumWageAdmin(admin.ModelAdmin):
    """Local minimum hourly wages; whoever saves a row vouches for it (verified_by)."""

    list_display = ["city", "province", "area_note", "hourly_minimum", "effective_from", "verified_by"]
    list_filter = ["province"]
    search_fields = ["city", "province"]
    list_select_related = ["verified_by"]
    readonly_fields = ["verified_by"]
    ordering = ["city", "-effective_from"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["assume_scheme"] = "https"  # official sources are served over https
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("minimum hourly wage"), ordering="hourly_min_fen")
    def hourly_minimum(self, obj):
        return format_fen(obj.hourly_min_fen)

    def save_model(self, request, obj, form, change):
        obj.verified_by = request.user
        super().save_model(request, obj, form, change)


class FlagCodeFilter(admin.SimpleListFilter):
    title = _("rule")
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return FLAG_CODES

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


class FlagResolvedFilter(admin.SimpleListFilter):
    title = _("resolved")
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", _("Unresolved")), ("yes", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


@admin.register(JobFlag)
class JobFlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "job", "code", "severity", "field", "matched_text", "resolved_at"]
    list_filter = [FlagResolvedFilter, FlagCodeFilter, "severity"]
    list_select_related = ["job"]
    search_fields = ["matched_text", "job__title"]
    show_full_result_count = False


@admin.register(PatrolRun)
class PatrolRunAdmin(ReadOnlyAdmin):
    """What each patrol sweep did (J2.3), for operations."""

    list_display = ["ran_at", "expired", "stale_flagged"]

