"""Staff screens for the risk register (K1), its key risk indicators and their
readings (K1, K4, K5), legal opinions (K2) and contingency plans (K4).

Managers add and change; finance, auditors and operations read what their role
grants. Register entries save through `risk.register.risk_item_save` (history).
Legal opinion documents are checked by content (core.uploads) and open only
through a download view for staff with view permission."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import UploadField
from core.admin_mixins import ReadOnlyAdmin, history_table
from core.uploads import PDF, serve_private_file

from . import register
from .models import ContingencyPlan, KeyRiskIndicator, KRIReading, LegalOpinion, RiskItem


class StaffOwnerMixin:
    """Owners are staff: the choice lists active staff only (a short list, no student accounts)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RiskItemForm(forms.ModelForm):
    likelihood = forms.TypedChoiceField(label=_("likelihood (1–5)"), coerce=int,
                                        choices=[(n, n) for n in register.SCALE])
    impact = forms.TypedChoiceField(label=_("impact (1–5)"), coerce=int, choices=[(n, n) for n in register.SCALE])

    class Meta:
        model = RiskItem
        fields = ["title", "category", "description", "likelihood", "impact", "owner", "response_plan",
                  "review_on", "status"]


@admin.register(RiskItem)
class RiskItemAdmin(StaffOwnerMixin, admin.ModelAdmin):
    form = RiskItemForm
    list_display = ["title", "category", "likelihood", "impact", "rating_display", "owner", "review_on", "status"]
    list_filter = ["status", "category"]
    list_select_related = ["owner"]
    search_fields = ["title", "description"]
    readonly_fields = ["history"]

    def has_delete_permission(self, request, obj=None):
        return False  # a risk that no longer applies is closed, and stays on record

    @admin.display(description=_("rating"), ordering="likelihood")
    def rating_display(self, obj):
        return format_html('<span class="band-{}">{}</span>', register.rating_band(obj.rating), obj.rating)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def save_model(self, request, obj, form, change):
        register.risk_item_save(item=obj, actor=request.user, changed=list(form.changed_data) if change else None)


class KeyRiskIndicatorForm(forms.ModelForm):
    class Meta:
        model = KeyRiskIndicator
        fields = ["code", "name", "unit", "warning_at", "breach_at", "higher_is_worse", "owner", "risk"]

    def clean(self):
        data = super().clean()
        warning, breach, higher = data.get("warning_at"), data.get("breach_at"), data.get("higher_is_worse")
        if warning is not None and breach is not None:
            if higher and warning > breach:
                self.add_error("warning_at", _("When higher is worse, the warning comes at or below the breach."))
            if not higher and warning < breach:
                self.add_error("warning_at", _("When lower is worse, the warning comes at or above the breach."))
        return data


@admin.register(KeyRiskIndicator)
class KeyRiskIndicatorAdmin(StaffOwnerMixin, admin.ModelAdmin):
    """Managers set the thresholds and owners; the code measures each `code` hourly."""

    form = KeyRiskIndicatorForm
    list_display = ["indicator_label", "code", "unit_label", "warning_at", "breach_at", "higher_is_worse", "owner",
                    "risk"]
    list_select_related = ["owner", "risk"]
    fields = ["code", "name", "unit", "warning_at", "breach_at", "higher_is_worse", "owner", "risk"]

    @admin.display(description=_("indicator"), ordering="name")
    def indicator_label(self, obj: KeyRiskIndicator) -> str:
        return obj.label  # the seeded names in the reader's language (issue 21)

    @admin.display(description=_("unit"))
    def unit_label(self, obj: KeyRiskIndicator) -> str:
        return obj.unit_label

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KRIReading)
class KRIReadingAdmin(ReadOnlyAdmin):
    list_display = ["measured_at", "indicator", "value", "level", "alerted_at"]
    list_filter = ["level", "indicator"]
    list_select_related = ["indicator"]
    show_full_result_count = False


class LegalOpinionForm(forms.ModelForm):
    document = UploadField(label=_("document"), allowed=(PDF,), folder="legal-opinions", required=False)

    class Meta:
        model = LegalOpinion
        fields = ["subject", "title", "summary", "counsel", "outcome", "given_on", "document"]


class DocumentDownloadMixin:
    """The document opens through a view that checks view permission, never by a storage URL."""

    document_url_name = ""

    def get_urls(self):
        return [path("<int:pk>/document/", self.admin_site.admin_view(self.document_view),
                     name=self.document_url_name), *super().get_urls()]

    def document_view(self, request, pk: int):
        obj = self.get_object(request, str(pk))
        if obj is None or not obj.document:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return serve_private_file(obj.document, download_name=f"{self.opts.model_name}-{obj.pk}")

    @admin.display(description=_("document"))
    def document_link(self, obj):
        if obj is None or obj.pk is None or not obj.document:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse(f"admin:{self.document_url_name}", args=[obj.pk]),
                           _("Download"))


@admin.register(LegalOpinion)
class LegalOpinionAdmin(DocumentDownloadMixin, admin.ModelAdmin):
    form = LegalOpinionForm
    document_url_name = "risk_legalopinion_document"
    object_route_permissions = {"risk_legalopinion_document": "risk.view_legalopinion"}
    list_display = ["title", "subject", "outcome", "counsel", "given_on", "recorded_by", "document_link"]
    list_filter = ["subject", "outcome"]
    list_select_related = ["recorded_by"]
    search_fields = ["title", "summary", "counsel"]
    readonly_fields = ["document_link", "recorded_by"]

    def get_fields(self, request, obj=None):
        fields = ["subject", "title", "summary", "counsel", "outcome", "given_on"]
        if self.has_change_permission(request, obj):
            fields.append("document")
        return [*fields, "document_link", "recorded_by"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(StaffOwnerMixin, admin.ModelAdmin):
    list_display = ["title", "category", "owner", "last_tested_on"]
    list_filter = ["category"]
    list_select_related = ["owner"]
    search_fields = ["title", "trigger", "steps"]

    def has_delete_permission(self, request, obj=None):
        return False
