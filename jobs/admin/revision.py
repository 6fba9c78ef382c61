"""Revisions of live jobs waiting for review (J2.2), each shown against the
published version: the changed fields marked, the shifts side by side, the
compliance findings of the proposed text. Students keep seeing the published
version until a moderator approves the revision."""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..compliance import SCREENED_FIELDS
from ..forms import ApproveJobForm, JobReasonForm
from ..models import JobRevision
from ..schedule import ShiftSpec
from ..services.common import CONTENT_FIELDS, MODERATE_PERMISSION
from ..services.revisions import job_revision_approve, job_revision_reject, revision_content
from .base import (
    ModerationQueueAdmin,
    RevisionFlagCategoryFilter,
    RevisionStatusFilter,
    RevisionWaitingFilter,
)
from .display import CHANGED_ROW, display_value, field_label, highlighted, shifts_table, verification_badge


@admin.register(JobRevision)
class JobRevisionAdmin(ModerationQueueAdmin):
    """Pending edits of live jobs, each shown against the published version (J2.2)."""

    list_display = ["job", "employer", "created_at", "waiting", "flag_counts", "status"]
    list_filter = [RevisionStatusFilter, RevisionFlagCategoryFilter, RevisionWaitingFilter]
    list_select_related = ["job__employer"]
    search_fields = ["job__title", "job__employer__name"]
    ordering = ["created_at", "id"]
    waiting_since = "created_at"
    flags_of_revision = True
    change_form_template = "admin/jobs/jobrevision/change_form.html"
    fields = ["job_link", "status", "created_by", "created_at", "waiting", "diff", "shifts_compared", "flags",
              "decided_at", "decided_by", "decision_reason"]

    @admin.display(description=_("employer"))
    def employer(self, obj):
        return format_html("{} {}", obj.job.employer.name, verification_badge(obj.job.employer))

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return format_html('<a href="{}">{}</a> ({})', reverse("admin:jobs_job_change", args=[obj.job_id]),
                           obj.job.title, obj.job.get_status_display())

    @admin.display(description=_("published version → proposed"))
    def diff(self, obj):
        proposed, _shifts = revision_content(obj)
        flags = self.flags_of(obj)
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
                         field_label(name), "✎" if changed else "", before, after))
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
        return self.service_decision_view(request, pk, form_class=ApproveJobForm, service=job_revision_approve,
                                          title=_("Approve the revision and publish it"))

    def reject_view(self, request, pk: int):
        return self.service_decision_view(request, pk, form_class=JobReasonForm, service=job_revision_reject,
                                          title=_("Reject the revision (the published version stays)"))
