"""The job moderation queue (E2.2, P2.3): jobs waiting for review, oldest
first, with their time waiting, the compliance findings marked in the text
(J1.4), the decisions (the job's transitions, each running its service) and
the bulk actions (approve the clean ones, take down, take down an employer's
every live job, E4.2). Moderation records kept by the `moderation` app are
only linked to by URL name: this lower app does not import it."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_mixins import ServiceFSMAdminMixin, history_table
from core.errors import DomainError
from core.money import format_fen

from ..forms import JobReasonForm
from ..models import Job, JobStatus
from ..schedule import ShiftSpec
from ..services.moderation import (
    employer_jobs_take_down,
    job_approve,
    job_reject,
    job_request_changes,
    job_take_down,
)
from .base import FlagCategoryFilter, JobStatusFilter, ModerationQueueAdmin, WaitingFilter
from .display import admin_link, highlighted, shifts_table, verification_badge


def _screened_display(field_name: str):
    def display(self, obj):
        return highlighted(getattr(obj, field_name), [f for f in self.flags_of(obj) if f.field == field_name])

    display.__name__ = f"{field_name}_marked"
    return admin.display(description=Job._meta.get_field(field_name).verbose_name)(display)


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
class JobAdmin(ServiceFSMAdminMixin, ModerationQueueAdmin):
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
    actions = ["approve_selected", "take_down_selected", "take_down_employers"]
    moderation_actions = ("approve_selected", "take_down_selected", "take_down_employers")

    fieldsets = [
        (_("Review"), {"fields": ["status", "employer_link", "submitted_at", "waiting", "decided_at",
                                  "decided_by", "decision_reason", "published_at", "content_updated_at"]}),
        (_("Compliance findings"), {"fields": ["flags"]}),
        (_("What (flagged text highlighted)"), {"fields": [
            "title_marked", "category", "description_marked", "requirements_skills_marked",
            "requirements_certificates_marked", "headcount"]}),
        (_("Minors (16–17)"), {"fields": ["minors_declaration"]}),
        (_("Insurance"), {"fields": ["insurance_cover"]}),
        (_("Where"), {"fields": ["is_remote", "city", "district", "address_marked", "latitude", "longitude"]}),
        (_("When"), {"fields": ["schedule_kind", "shifts_list", "total_hours", "has_night_work",
                                "application_deadline"]}),
        (_("Pay"), {"fields": ["pay_unit", "base_rate", "pieces_per_hour", "overtime_rate", "hourly_pay",
                               "bonus_rules_marked", "allowances", "settlement_cycle", "payment_days"]}),
        (_("Employer and checks"), {"fields": ["employer_other_jobs", "checks"]}),
        (_("History"), {"fields": ["history"]}),
    ]

    title_marked = _screened_display("title")
    description_marked = _screened_display("description")
    requirements_skills_marked = _screened_display("requirements_skills")
    requirements_certificates_marked = _screened_display("requirements_certificates")
    address_marked = _screened_display("address")
    bonus_rules_marked = _screened_display("bonus_rules")

    # ---------------------------------------------------------- columns
    @admin.display(description=_("employer"), ordering="employer__name")
    def employer_badge(self, obj):
        return format_html("{} {}", obj.employer.name, verification_badge(obj.employer))

    # ---------------------------------------------------------- change page
    @admin.display(description=_("cover"))
    def insurance_cover(self, obj):
        """The employer's declared cover (docs/insurance.md); the certificate stays private."""
        cover = getattr(obj, "insurance", None)
        if cover is None:
            return _("None declared.")
        return f"{cover.get_kind_display()} · {cover.insurer} · {cover.policy_number} · " \
               f"{cover.covers_from:%Y-%m-%d} – {cover.covers_until:%Y-%m-%d}"

    @admin.display(description=_("the employer's declaration"))
    def minors_declaration(self, obj):
        """What the employer declared minors may not do here (docs/minors.md), and what follows."""
        items = obj.get_minor_restricted_work_display()
        if obj.minor_restricted_venue:
            items.append(str(obj.get_minor_restricted_venue_display()))
        if obj.has_night_work:
            items.append(str(_("Night work (22:00–06:00)")))
        if not items:
            return _("None declared: open to students aged 16–17.")
        return format_html("<strong>{}</strong><ul>{}</ul>", _("Closed to students aged 16–17:"),
                           format_html_join("", "<li>{}</li>", ((item,) for item in items)))
    @admin.display(description=_("employer"))
    def employer_link(self, obj):
        return format_html('<a href="{}">{}</a> {}', reverse("admin:employers_employer_change",
                                                              args=[obj.employer_id]),
                           obj.employer.name, verification_badge(obj.employer))

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
            (admin_link("admin:moderation_verificationstep_add",
                        query={"content_type": content_type.pk, "object_id": obj.pk}),
             _("Record a phone call-back or background check")),
            (admin_link("admin:moderation_verificationstep_changelist",
                        query={"content_type__id__exact": content_type.pk, "object_id": obj.pk}),
             _("Checks so far")),
            (admin_link("admin:moderation_report_changelist", query={"status": "all", "job__id__exact": obj.pk}),
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
