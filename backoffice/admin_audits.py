"""Audits in the admin (F4): engagements (finance and managers create them; the
auditor reads), the pack download on the engagement's page (every download in
its history), and the findings queue — overdue first — with the owner's
rectification and evidence and the closing step, each through backoffice.audits."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import history_table
from core.errors import DomainError
from core.history import history_record
from core.replica import using_replica

from . import audits
from .audit_pack import audit_pack_build
from .models import AuditEngagement, AuditFinding, BackofficeAction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIDE_TEMPLATE = "admin/jobs/reason_form.html"


class FindingInline(admin.TabularInline):
    model = AuditFinding
    fields = ["title", "severity", "owner", "due_on", "status", "escalated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EngagementForm(forms.ModelForm):
    class Meta:
        model = AuditEngagement
        fields = ["title", "kind", "period_start", "period_end", "scope", "auditor", "external_firm", "status",
                  "report_summary"]

    def clean(self):
        data = super().clean()
        if not data.get("auditor") and not (data.get("external_firm") or "").strip():
            raise forms.ValidationError(_("Name the auditor: a platform user or an audit firm."))
        if data.get("kind") == AuditEngagement.Kind.EXTERNAL and not (data.get("external_firm") or "").strip():
            self.add_error("external_firm", _("An external audit names its audit firm."))
        return data


@admin.register(AuditEngagement)
class AuditEngagementAdmin(admin.ModelAdmin):
    form = EngagementForm
    list_display = ["title", "kind", "period_start", "period_end", "status", "auditor", "external_firm"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "external_firm"]
    list_select_related = ["auditor"]
    fields = ["title", "kind", "period_start", "period_end", "scope", "auditor", "external_firm", "status",
              "report_summary", "history"]
    readonly_fields = ["history"]
    inlines = [FindingInline]
    change_form_template = "admin/backoffice/audit_engagement_change_form.html"
    # The pack is for whoever reads audits: finance, managers, auditors (for the access matrix).
    object_route_permissions = {"backoffice_auditengagement_pack": audits.VIEW_PERMISSION}

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "auditor":
            kwargs["queryset"] = audits.owner_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def save_model(self, request, obj, form, change):
        before = AuditEngagement.objects.filter(pk=obj.pk).values_list("status", flat=True).first() if change else ""
        super().save_model(request, obj, form, change)
        history_record(subject=obj, transition=BackofficeAction.EDIT if change else BackofficeAction.CREATE,
                       from_state=before or "", to_state=obj.status, actor=request.user)

    def get_urls(self):
        return [path("<int:pk>/pack/", self.admin_site.admin_view(self.pack_view),
                     name="backoffice_auditengagement_pack"), *super().get_urls()]

    def pack_view(self, request, pk: int):
        """GET: the audit pack (XLSX); the download is written to the engagement's history."""
        if not request.user.has_perm(audits.VIEW_PERMISSION):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        engagement = AuditEngagement.objects.filter(pk=pk).select_related("auditor").first()
        if engagement is None:
            raise Http404
        with using_replica():  # read-only export: the replica when one is configured (issue 22)
            content = audit_pack_build(engagement=engagement)
        audits.audit_pack_download_record(engagement=engagement, actor=request.user)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="audit-pack-{engagement.pk}-{engagement.period_end:%Y%m%d}.xlsx"')
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_add_finding": request.user.has_perm(audits.ADD_PERMISSION)}
        return super().change_view(request, object_id, form_url, extra_context)


class OwnerMeFilter(admin.SimpleListFilter):
    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", _("Mine"))]

    def queryset(self, request, queryset):
        return queryset.filter(owner=request.user) if self.value() == "me" else queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(status=AuditFinding.Status.CLOSED).filter(due_on__lt=timezone.localdate())
        return queryset


class FindingAddForm(forms.ModelForm):
    class Meta:
        model = AuditFinding
        fields = ["engagement", "title", "description", "severity", "owner", "due_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = audits.owner_choices()
        if "engagement" in self.fields:
            self.fields["engagement"].queryset = AuditEngagement.objects.exclude(status=AuditEngagement.Status.CLOSED)


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, max_length=4000)


@admin.register(AuditFinding)
class AuditFindingAdmin(admin.ModelAdmin):
    list_display = ["title", "engagement", "severity", "owner", "due_on", "status", "overdue", "escalated_at",
                    "actions_column"]
    list_filter = [OverdueFilter, "severity", "status", "engagement", OwnerMeFilter]
    search_fields = ["title", "description"]
    list_select_related = ["engagement", "owner"]
    readonly_fields = ["engagement", "title", "description", "severity", "owner", "due_on", "status",
                       "rectification", "evidence", "escalated_at", "closed_at", "closed_by", "history"]
    change_form_template = "admin/backoffice/audit_finding_change_form.html"
    object_route_permissions = {
        # Owner only (checked in the view); among roles, those who can change findings.
        "backoffice_auditfinding_rectify": "backoffice.change_auditfinding",
        "backoffice_auditfinding_evidence": "backoffice.change_auditfinding",
        "backoffice_auditfinding_close": audits.CLOSE_PERMISSION,
    }

    def get_queryset(self, request):
        return audits.findings_queue()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FindingAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["engagement", "title", "description", "severity", "owner", "due_on"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_ordering(self, request):
        return ["rank", "due_on", "pk"]  # unclosed overdue first (backoffice.audits.findings_queue)

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through a step below

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.owner_id == request.user.pk:
            return True
        return super().has_view_permission(request, obj)

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.status != AuditFinding.Status.CLOSED and obj.due_on < timezone.localdate()

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    @admin.display(description=_("next step"))
    def actions_column(self, obj):
        if obj.status == AuditFinding.Status.CLOSED:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:backoffice_auditfinding_change", args=[obj.pk]),
                           _("Open"))

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        finding = audits.audit_finding_record(
            engagement_id=obj.engagement_id, actor=request.user, title=obj.title, description=obj.description,
            severity=obj.severity, owner=obj.owner, due_on=obj.due_on)
        obj.pk = obj.id = finding.pk
        obj._state.adding = False

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, str(error.message), messages.ERROR)
            return redirect(reverse("admin:backoffice_auditfinding_add"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        user = request.user
        extra_context = {**(extra_context or {}), "finding_actions": [] if obj is None else [
            (name, label) for name, label, allowed in (
                ("rectify", _("Record the rectification steps"),
                 obj.status == AuditFinding.Status.OPEN and obj.owner_id == user.pk),
                ("evidence", _("Add evidence"),
                 obj.status == AuditFinding.Status.RECTIFYING and obj.owner_id == user.pk),
                ("close", _("Close with evidence"),
                 obj.status != AuditFinding.Status.CLOSED and user.has_perm(audits.CLOSE_PERMISSION)),
            ) if allowed]}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/rectify/", view(self.rectify_view), name="backoffice_auditfinding_rectify"),
            path("<int:pk>/evidence/", view(self.evidence_view), name="backoffice_auditfinding_evidence"),
            path("<int:pk>/close/", view(self.close_view), name="backoffice_auditfinding_close"),
            *super().get_urls(),
        ]

    def rectify_view(self, request, pk: int):
        return self._step(request, pk, title=_("Record the rectification steps"), allowed=lambda f: (
            f.owner_id == request.user.pk), run=lambda f, text: audits.audit_finding_start_rectifying(
            finding_id=f.pk, actor=request.user, steps=text))

    def evidence_view(self, request, pk: int):
        return self._step(request, pk, title=_("Add evidence"), allowed=lambda f: f.owner_id == request.user.pk,
                          run=lambda f, text: audits.audit_finding_evidence_add(
                              finding_id=f.pk, actor=request.user, evidence=text))

    def close_view(self, request, pk: int):
        return self._step(request, pk, title=_("Close with evidence"),
                          allowed=lambda f: request.user.has_perm(audits.CLOSE_PERMISSION),
                          run=lambda f, text: audits.audit_finding_close(
                              finding_id=f.pk, actor=request.user, evidence=text))

    def _step(self, request, pk: int, *, title, allowed, run):
        finding = AuditFinding.objects.filter(pk=pk).first()
        if finding is None:
            raise Http404
        if not allowed(finding):
            raise PermissionDenied
        change_url = reverse("admin:backoffice_auditfinding_change", args=[finding.pk])
        form = TextForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run(finding, form.cleaned_data["text"])
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": title}, messages.SUCCESS)
                return redirect(change_url)
        return TemplateResponse(request, DECIDE_TEMPLATE, {
            **self.admin_site.each_context(request), "title": title, "subject": finding.title, "form": form,
            "opts": self.opts, "original": finding, "back_url": change_url,
        })
