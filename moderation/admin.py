"""Staff back office for moderation cases: the queue of reports (jobs, employers,
students' profiles, reviews) with the moderator's decision (S5.2, G3), and the second-stage verification record (P2.3).

Decisions run the services; both records are read-only once written."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core import screening
from core.admin_mixins import ServiceFSMAdminMixin, history_table
from core.models import HeldText
from core.screening import held_text_clear, held_text_reject
from jobs.admin import FLAG_CODES
from jobs.compliance import highlight

from .models import VERIFIABLE_SUBJECTS, Report, VerificationStep
from .services import report_resolve, verification_step_record


def verification_add_url(subject) -> str:
    """The admin page that records a verification step for `subject`, prefilled."""
    content_type = ContentType.objects.get_for_model(subject)
    return reverse("admin:moderation_verificationstep_add") + "?" + urlencode(
        {"content_type": content_type.pk, "object_id": subject.pk})


# ------------------------------------------------------------------ reports
def report_confirm(*, pk: int, actor, note: str, take_down: bool = False) -> Report:
    return report_resolve(pk=pk, actor=actor, outcome="confirmed", note=note, take_down=take_down)


def report_dismiss(*, pk: int, actor, note: str) -> Report:
    return report_resolve(pk=pk, actor=actor, outcome="dismissed", note=note)


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports by default: the queue is what still needs a decision."""

    title = _("status")
    parameter_name = "status"
    default = Report.Status.OPEN

    def lookups(self, request, model_admin):
        return [*Report.Status.choices, ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)


# What a report's target is called in the admin, and its change page.
TARGET_ADMIN = {
    "job": "admin:jobs_job_change",
    "employer": "admin:employers_employer_change",
    "student": "admin:accounts_studentprofile_change",
    "review": "admin:reviews_review_change",
}


@admin.register(Report)
class ReportAdmin(ServiceFSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    transition_services = {"confirm": report_confirm, "dismiss": report_dismiss}
    list_display = ["created_at", "target_link", "employer_of_target", "category", "reports_on_job", "reporter",
                    "status"]
    list_filter = [ReportStatusFilter, "category"]
    list_select_related = ["job__employer", "employer", "student", "review__employer", "reporter"]
    search_fields = ["job__title", "job__employer__name", "employer__name", "details"]
    ordering = ["created_at", "id"]
    show_full_result_count = False  # no second COUNT(*) over every report ever filed
    fields = ["target_link", "job_status", "employer_of_target", "category", "details", "reporter", "created_at",
              "status", "decided_at", "decided_by", "decision_note", "job_taken_down", "verify", "history"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # users open reports from the pages that show the target

    def has_change_permission(self, request, obj=None):
        return False  # decisions are transitions, not edits

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        same_job = (Report.objects.filter(job=OuterRef("job"), status=Report.Status.OPEN).order_by()
                    .values("job").annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(open_on_job=Coalesce(Subquery(same_job), Value(0)))

    @admin.display(description=_("reported"))
    def target_link(self, obj):
        """The target whatever its kind (G3): a job, an employer, a student's profile or a review."""
        kind = obj.target_kind
        labels = {"job": _("Job"), "employer": _("Employer"), "student": _("Student"), "review": _("Review")}
        text = obj.review_id if kind == "review" else obj.target
        return format_html('{}: <a href="{}">{}</a>', labels[kind],
                           reverse(TARGET_ADMIN[kind], args=[getattr(obj, f"{kind}_id")]), text)

    @admin.display(description=_("employer"))
    def employer_of_target(self, obj):
        if obj.job_id:
            return obj.job.employer
        if obj.review_id:
            return obj.review.employer
        return obj.employer or "—"

    @admin.display(description=_("job status"))
    def job_status(self, obj):
        return obj.job.get_status_display() if obj.job_id else "—"

    @admin.display(description=_("open reports on this job"), ordering="open_on_job")
    def reports_on_job(self, obj):
        return obj.open_on_job if obj.job_id else "—"

    @admin.display(description=_("second-stage verification"))
    def verify(self, obj):
        subject = obj.job or obj.employer or obj.student
        if subject is None:
            return "—"
        steps = reverse("admin:moderation_verificationstep_changelist") + "?" + urlencode({
            "content_type__id__exact": ContentType.objects.get_for_model(subject).pk, "object_id": subject.pk})
        return format_html('<a href="{}">{}</a> · <a href="{}">{}</a>', verification_add_url(subject),
                           _("Record a call-back or background check"), steps, _("checks so far"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


# ------------------------------------------------------------------ verification steps
class VerificationStepForm(forms.ModelForm):
    class Meta:
        model = VerificationStep
        fields = ["content_type", "object_id", "kind", "outcome", "notes"]

    def clean(self):
        data = super().clean()
        content_type, object_id = data.get("content_type"), data.get("object_id")
        if content_type and object_id and not content_type.model_class()._default_manager.filter(
                pk=object_id).exists():
            self.add_error("object_id", _("There is no %(type)s with this id.") % {"type": content_type.name})
        return data


@admin.register(VerificationStep)
class VerificationStepAdmin(admin.ModelAdmin):
    """The second-stage verification record (P2.3). Open "add" from a job,
    employer or report page: the subject arrives prefilled in the URL."""

    form = VerificationStepForm
    list_display = ["at", "subject_link", "kind", "outcome", "staff"]
    list_filter = ["kind", "outcome", "content_type"]
    list_select_related = ["content_type", "staff"]
    search_fields = ["notes"]
    ordering = ["-at", "-id"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["content_type", "object_id", "kind", "outcome", "notes"]
        return ["subject_link", "kind", "outcome", "notes", "staff", "at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = ContentType.objects.filter(VERIFIABLE_SUBJECTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        # The "checks so far" links filter by subject.
        return lookup in ("object_id", "content_type__id__exact") or super().lookup_allowed(lookup, value, request)

    def has_change_permission(self, request, obj=None):
        return False  # append-only: a later check is a new step

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        step = verification_step_record(actor=request.user, content_type=data["content_type"],
                                        object_id=data["object_id"], kind=data["kind"], outcome=data["outcome"],
                                        notes=data["notes"])
        obj.pk, obj.staff, obj.at = step.pk, step.staff, step.at
        obj._state.adding = False

    @admin.display(description=_("subject"))
    def subject_link(self, obj):
        label = f"{obj.content_type.name} #{obj.object_id}"
        try:
            url = reverse(f"admin:{obj.content_type.app_label}_{obj.content_type.model}_change",
                          args=[obj.object_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)
from . import admin_decision_checks, admin_watchlist  # noqa: E402,F401


# ------------------------------------------------------------------ texts held by the screen (G2, J1.4)
class HeldTextStatusFilter(ReportStatusFilter):
    """Pending texts by default: the queue is what readers are still waiting for."""

    default = HeldText.Status.PENDING

    def lookups(self, request, model_admin):
        return [*HeldText.Status.choices, ("all", _("All"))]


FINDING_LABELS = dict(FLAG_CODES)  # a finding's code, as the moderator reads it


def _field_label(held, name: str) -> str:
    door = screening.doors().get(held.door)
    return str(door.field_labels.get(name, name)) if door else name


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping matches (加微 inside 加微信 jz-pay-888) marked as one span, so no flagged word goes unmarked."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@admin.register(HeldText)
class HeldTextAdmin(ServiceFSMAdminMixin, admin.ModelAdmin):
    """The moderator's queue of texts the one gate held (core.screening): each
    field as written with the flagged words marked, cleared or rejected by
    the services, which deliver or drop the text through its door."""

    fsm_fields = ["status"]
    transition_services = {"clear": held_text_clear, "reject": held_text_reject}
    list_display = ["created_at", "door_label", "excerpt", "author", "status"]
    list_filter = [HeldTextStatusFilter, "door"]
    list_select_related = ["author"]
    ordering = ["created_at", "id"]
    show_full_result_count = False
    fields = ["door_label", "target_link", "author", "created_at", "text_highlighted", "findings_list", "status",
              "decided_at", "decided_by", "decision_reason", "history"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # texts are held by the gate, never added by hand

    def has_change_permission(self, request, obj=None):
        return False  # decisions are transitions, not edits

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("where"))
    def door_label(self, obj):
        door = screening.doors().get(obj.door)
        return door.label if door else obj.door

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        text = " · ".join(str(v) for v in obj.values.values())
        return text[:80] + ("…" if len(text) > 80 else "")

    @admin.display(description=_("written for"))
    def target_link(self, obj):
        model = obj.content_type.model_class()
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.object_id])
        except NoReverseMatch:
            return f"{model._meta.verbose_name} {obj.object_id}"
        return format_html('<a href="{}">{} {}</a>', url, model._meta.verbose_name, obj.object_id)

    @admin.display(description=_("text as written (flagged words marked)"))
    def text_highlighted(self, obj):
        rows = []
        for name, text in obj.values.items():
            spans = sorted((f["start"], f["end"]) for f in obj.findings
                           if f.get("field") == name and f.get("start", -1) >= 0)
            rows.append((_field_label(obj, name), highlight(text, _merged(spans))))
        return format_html_join("", '<p><strong>{}</strong><br><span class="pre-line">{}</span></p>', rows)

    @admin.display(description=_("what the screen found"))
    def findings_list(self, obj):
        return format_html_join("", "<li>{} · {}: {}</li>", (
            (_field_label(obj, f.get("field")) if f.get("field") else "—", FINDING_LABELS.get(f.get("code"), f.get("code")),
             f.get("message")) for f in obj.findings)) or "—"

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)
