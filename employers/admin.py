"""Staff back office for employers (E1.2 vetting, E1.3 verification).

Transitions run the services. Documents and the legal representative's ID
number are never linked or shown directly: staff open them through views that
ask for a reason and write the personal-data access log (J3.2)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import RevealForm
from core.admin_mixins import RevealLinkMixin, ServiceFSMAdminMixin, history_table
from core.admin_views import reason_gate
from core.uploads import serve_private_file

from .models import DOCUMENT_FIELDS, Employer, EmployerInvitation, EmployerMember, EmployerVerification
from .services import (
    employer_approve,
    employer_document_access,
    employer_legal_rep_id_reveal,
    employer_reject,
    employer_request_info,
    employer_reverify,
    employer_verification_approve,
    employer_verification_reject,
)


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    fields = ["user", "role", "joined_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Employer)
class EmployerAdmin(RevealLinkMixin, ServiceFSMAdminMixin, admin.ModelAdmin):
    reveal_link_fields = {"business_licence_link": "business_licence_held",
                          "org_code_certificate_link": "org_code_certificate_held"}
    fsm_fields = ["vetting_status"]
    transition_services = {
        "approve": employer_approve,
        "reject": employer_reject,
        "request_info": employer_request_info,
        "reverify": employer_reverify,
    }
    list_display = ["name", "uscc", "city", "vetting_status", "verification_level", "submitted_at", "created_at"]
    # No city facet or date hierarchy: both run DISTINCT over the whole table on every page.
    list_filter = ["vetting_status", "verification_level"]
    search_fields = ["name", "uscc", "contact_name"]
    list_select_related = ["created_by"]
    ordering = ["-created_at"]
    inlines = [EmployerMemberInline]
    fieldsets = [
        (_("Organisation"), {"fields": ["name", "uscc", "address", "city", "district", "business_scope"]}),
        (_("Contact"), {"fields": ["contact_name", "contact_mobile", "created_by"]}),
        (_("Qualification documents"), {"fields": ["business_licence_link", "org_code_certificate_link"]}),
        (_("Vetting"), {"fields": ["vetting_status", "submitted_at", "vetted_at", "vetted_by", "vetting_reason",
                                  "reverify_due_at", "verification_level"]}),
        (_("History"), {"fields": ["history"]}),
    ]
    readonly_fields = [
        "name", "uscc", "address", "city", "district", "business_scope", "contact_name", "contact_mobile",
        "created_by", "business_licence_link", "org_code_certificate_link", "vetting_status", "submitted_at",
        "vetted_at", "vetted_by", "vetting_reason", "reverify_due_at", "verification_level", "history",
    ]

    def has_add_permission(self, request):
        return False  # employers register themselves (E1.1)

    def has_delete_permission(self, request, obj=None):
        return False  # history and, later, ledger rows point at employers

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def _document_link(self, obj, field: str):
        if obj is None or not getattr(obj, field):
            return "–"
        url = reverse("admin:employers_employer_document", args=[obj.pk, field])
        return format_html('<a href="{}">{}</a>', url, _("Open (reason required, access is logged)"))

    @admin.display(description=_("business licence"))
    def business_licence_link(self, obj):
        return self._document_link(obj, "business_licence")

    @admin.display(description=_("business licence"))
    def business_licence_held(self, obj):
        return _("on file") if obj is not None and obj.business_licence else "–"  # no open link (issue 21)

    @admin.display(description=_("organisation code certificate"))
    def org_code_certificate_held(self, obj):
        return _("on file") if obj is not None and obj.org_code_certificate else "–"

    @admin.display(description=_("organisation code certificate"))
    def org_code_certificate_link(self, obj):
        return self._document_link(obj, "org_code_certificate")

    def get_urls(self):
        return [
            path("documents/<int:pk>/<str:field>/", self.admin_site.admin_view(self.document_view),
                 name="employers_employer_document"),
            *super().get_urls(),
        ]

    def document_view(self, request, pk: int, field: str):
        """Ask for a reason, log the access (J3.2), then stream the document."""
        employer = self.get_object(request, str(pk))
        if employer is None or field not in DOCUMENT_FIELDS or not getattr(employer, field):
            raise Http404
        if not self.has_view_permission(request, employer):
            raise PermissionDenied

        def show(reason):
            fieldfile = employer_document_access(staff=request.user, employer_id=employer.pk, field=field,
                                                 reason=reason)
            return serve_private_file(fieldfile, download_name=f"employer-{employer.pk}-{field}")

        label = Employer._meta.get_field(field).verbose_name
        return reason_gate(request, admin_site=self.admin_site, title=_("Open %(document)s") % {"document": label},
                           subject_label=str(employer), on_reason=show, form_class=RevealForm, opts=self.opts)


@admin.register(EmployerVerification)
class EmployerVerificationAdmin(RevealLinkMixin, ServiceFSMAdminMixin, admin.ModelAdmin):
    reveal_link_fields = {"legal_rep_id": "legal_rep_id_only"}
    fsm_fields = ["status"]
    transition_services = {"approve": employer_verification_approve, "reject": employer_verification_reject}
    list_display = ["employer", "status", "legal_rep_name", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["employer__name", "employer__uscc", "legal_rep_name"]
    list_select_related = ["employer"]
    ordering = ["-created_at"]
    fields = [
        "employer_link", "status", "legal_rep_name", "legal_rep_id", "requested_by", "authorisation_confirmed_at",
        "created_at", "decided_at", "decided_by", "reason", "history",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("employer"))
    def employer_link(self, obj):
        url = reverse("admin:employers_employer_change", args=[obj.employer_id])
        return format_html('<a href="{}">{}</a>', url, obj.employer)

    @admin.display(description=_("legal representative's ID number"))
    def legal_rep_id(self, obj):
        if not obj.legal_rep_id_number:
            return _("erased")
        url = reverse("admin:employers_employerverification_reveal", args=[obj.pk])
        return format_html('{} <a href="{}">{}</a>', obj.legal_rep_id_masked, url,
                           _("Reveal (reason required, access is logged)"))

    @admin.display(description=_("legal representative's ID number"))
    def legal_rep_id_only(self, obj):
        return obj.legal_rep_id_masked if obj.legal_rep_id_number else _("erased")  # no reveal link (issue 21)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        return [
            path("<int:pk>/reveal-id/", self.admin_site.admin_view(self.reveal_view),
                 name="employers_employerverification_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk: int):
        """Ask for a reason, log the access (J3.2), then show the full ID number."""
        verification = self.get_object(request, str(pk))
        if verification is None:
            raise Http404
        if not self.has_view_permission(request, verification):
            raise PermissionDenied
        subject_label = f"{verification.legal_rep_name} ({verification.employer})"

        def show(reason):
            value = employer_legal_rep_id_reveal(staff=request.user, verification_id=verification.pk, reason=reason)
            # admin_view() marks the response never_cache, so the number is not kept by the browser.
            return TemplateResponse(request, "admin/revealed_value.html", {
                **self.admin_site.each_context(request), "title": _("Legal representative's ID number"),
                "subject_label": subject_label, "value": value, "opts": self.opts,
            })

        return reason_gate(request, admin_site=self.admin_site, title=_("Reveal the legal representative's ID number"),
                           subject_label=subject_label, on_reason=show, form_class=RevealForm, opts=self.opts)


@admin.register(EmployerInvitation)
class EmployerInvitationAdmin(admin.ModelAdmin):
    """Read-only: who invited whom, and whether it was used (the token is never shown)."""

    list_display = ["email", "employer", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["employer", "invited_by"]
    search_fields = ["email", "employer__name"]
    fields = ["employer", "email", "invited_by", "created_at", "expires_at", "accepted_at", "accepted_by"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
