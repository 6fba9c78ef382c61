"""Staff back office for accounts: users, student vetting (S1.2) and verification
(S1.3) through services, masked personal data with logged reveals (J3.2)."""

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin, RevealLinkMixin, ServiceFSMAdminMixin, history_table
from core.admin_views import reason_gate
from core.errors import DomainError
from core.phones import mask_phone
from core.uploads import serve_private_file

from . import services
from .forms import RevealForm, SecondFactorResetForm
from .models import (
    Consent,
    DeletionRequest,
    GuardianConsent,
    GuardianNotice,
    MinorsDataAudit,
    PersonalDataAccess,
    StudentProfile,
    StudentVerification,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "kind", "is_active", "is_staff", "date_joined"]
    list_filter = ["kind", "is_active", "is_staff", "groups"]
    search_fields = ["email"]
    readonly_fields = ["date_joined", "last_login", "anonymised_at", "second_factor", "mobile_number"]
    fieldsets = [
        (None, {"fields": ["email", "password", "kind", "language", "mobile_number"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "second_factor"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "anonymised_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "kind", "password1", "password2"]})]
    filter_horizontal = ["groups"]
    object_route_permissions = {"accounts_user_reset_second_factor": services.RESET_SECOND_FACTOR_PERMISSION}

    @admin.display(description=_("mobile number"))
    def mobile_number(self, obj):
        """Masked for staff (issue 20, J3.1); the owner sees it in full on their own pages."""
        if obj is None or not obj.phone:
            return "—"
        state = _("verified") if obj.phone_verified else _("not verified")
        return f"{mask_phone(obj.phone)} ({state})"

    @admin.display(description=_("second factor"))
    def second_factor(self, obj):
        if obj is None or not obj.is_staff:
            return "—"
        enrolled = Authenticator.objects.filter(user=obj, type=Authenticator.Type.TOTP).exists()
        state = _("Authenticator app enrolled") if enrolled else _("Not enrolled")
        # The reset page itself checks the permission and asks for a reason (J3).
        return format_html('{} <a href="{}">{}</a>', state,
                           reverse("admin:accounts_user_reset_second_factor", args=[obj.pk]),
                           _("Reset (logged)"))

    def get_urls(self):
        return [
            path("<int:pk>/reset-second-factor/", self.admin_site.admin_view(self.reset_second_factor_view),
                 name="accounts_user_reset_second_factor"),
            *super().get_urls(),
        ]

    def reset_second_factor_view(self, request, pk: int):
        """A manager resets a colleague's authenticator, giving a reason (J3): staff cannot switch off
        their own. The admin's guard already requires staff signed in with their second factor."""
        if not request.user.has_perm(services.RESET_SECOND_FACTOR_PERMISSION):
            raise PermissionDenied
        staff = User.objects.filter(pk=pk, is_staff=True).first()
        if staff is None:
            raise Http404
        form = SecondFactorResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.staff_second_factor_reset(actor=request.user, staff_id=staff.pk,
                                                   reason=form.cleaned_data["reason"])
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("The authenticator of %(email)s is reset; they enrol a new one at "
                                            "their next sign-in.") % {"email": staff.email})
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[staff.pk]))
        return TemplateResponse(request, "admin/accounts/reset_second_factor.html", {
            **self.admin_site.each_context(request), "title": _("Reset authenticator"), "staff_member": staff,
            "form": form, "opts": self.opts,
        })


@admin.register(StudentProfile)
class StudentProfileAdmin(RevealLinkMixin, ServiceFSMAdminMixin, admin.ModelAdmin):
    reveal_link_fields = {"masked_id_number": "masked_id_number_only"}
    fsm_fields = ["vetting_status"]
    transition_services = {
        "approve": services.student_profile_approve,
        "reject": services.student_profile_reject,
        "request_info": services.student_profile_request_info,
    }
    list_display = ["real_name", "school", "vetting_status", "verification_level", "is_minor_worker", "submitted_at"]
    list_filter = ["vetting_status", "verification_level", "is_minor_worker"]
    search_fields = ["real_name", "school", "user__email"]
    list_select_related = ["user"]
    ordering = ["-submitted_at"]
    readonly_fields = [
        "user", "real_name", "gender", "age", "school", "major", "enrolment_year", "mobile",
        "contact_note", "is_minor_worker", "masked_id_number", "verification_level", "submitted_at",
        "vetted_at", "vetted_by", "vetting_reason", "history",
    ]
    exclude = ["id_number", "date_of_birth"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("age (years)"))
    def age(self, obj):
        # Never the date of birth beside the masked ID (J3.1, PIPL art. 51): region,
        # birth date and the last four leave a handful of candidates for the full
        # number. Age in years is what vetting needs (S1.2, minor workers); the
        # date itself is part of the logged reveal.
        return obj.age()

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        if not obj.id_number:
            return "—"
        # The reveal view itself checks the permission and asks for a reason.
        link = format_html(' <a href="{}">{}</a>', reverse("admin:accounts_studentprofile_reveal", args=[obj.pk]),
                           _("Reveal (logged)"))
        return format_html("{}{}", obj.id_number_masked, link)

    @admin.display(description=_("ID number"))
    def masked_id_number_only(self, obj):
        return obj.id_number_masked if obj.id_number else "—"  # for staff who may not reveal (issue 21)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        return [
            path("<int:pk>/reveal/", self.admin_site.admin_view(self.reveal_view),
                 name="accounts_studentprofile_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk: int):
        profile = self.get_object(request, str(pk))
        if profile is None:
            from django.http import Http404

            raise Http404

        def show(reason):
            value = services.student_id_number_reveal(staff=request.user, profile_id=profile.pk, reason=reason)
            return TemplateResponse(request, "admin/revealed_value.html", {
                **self.admin_site.each_context(request), "title": _("ID number"), "subject_label": str(profile),
                "value": value, "opts": self.opts,
            })

        return reason_gate(request, admin_site=self.admin_site, title=_("Reveal ID number"),
                           subject_label=str(profile), on_reason=show, form_class=RevealForm, opts=self.opts)


@admin.register(StudentVerification)
class StudentVerificationAdmin(ServiceFSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    transition_services = {
        "approve": services.student_verification_approve,
        "reject": services.student_verification_reject,
    }
    list_display = ["profile", "status", "student_proof_kind", "created_at", "granted_level"]
    list_filter = ["status", "student_proof_kind", "granted_level"]
    search_fields = ["profile__real_name", "profile__user__email"]
    list_select_related = ["profile"]
    readonly_fields = ["profile", "documents", "student_proof_kind", "chsi_code", "granted_level", "decided_at",
                       "decided_by", "reason", "created_at"]
    exclude = ["id_card_front", "id_card_back", "student_card"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("documents"))
    def documents(self, obj):
        links = [
            (reverse("admin:accounts_studentverification_document", args=[obj.pk, field]), label)
            for field, label in (("id_card_front", _("ID card front")), ("id_card_back", _("ID card back")),
                                 ("student_card", _("student card")))
            if getattr(obj, field)
        ]
        if not links:
            return "—"
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_urls(self):
        return [
            path("<int:pk>/document/<str:field>/", self.admin_site.admin_view(self.document_view),
                 name="accounts_studentverification_document"),
            *super().get_urls(),
        ]

    def document_view(self, request, pk: int, field: str):
        from django.http import Http404

        from .models import PersonalDataAccess as Access

        verification = self.get_object(request, str(pk))
        if verification is None or field not in ("id_card_front", "id_card_back", "student_card"):
            raise Http404
        fieldfile = getattr(verification, field)
        if not fieldfile:
            raise Http404
        item = Access.Item.STUDENT_DOCUMENT if field == "student_card" else Access.Item.ID_DOCUMENT

        def show(reason):
            services.personal_data_access_record(
                staff=request.user, subject=verification.profile.user, subject_label=str(verification.profile),
                item=item, reason=reason)
            return serve_private_file(fieldfile, download_name=f"{field}-{verification.pk}")

        return reason_gate(request, admin_site=self.admin_site, title=_("Open identity document"),
                           subject_label=str(verification.profile), on_reason=show, form_class=RevealForm,
                           opts=self.opts)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "version", "given_at", "withdrawn_at"]
    list_filter = ["kind", "version"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(GuardianConsent)
class GuardianConsentAdmin(ReadOnlyAdmin):
    """Minors' guardian consents (Civil Code art. 19, docs/minors.md); the number masked."""

    list_display = ["student", "guardian_name", "relationship", "guardian_mobile_masked", "document_version",
                    "given_at", "withdrawn_at"]
    list_filter = ["relationship", "document_version"]
    search_fields = ["student__email"]
    list_select_related = ["student"]
    exclude = ["guardian_mobile"]
    readonly_fields = ["guardian_mobile_masked"]


@admin.register(GuardianNotice)
class GuardianNoticeAdmin(ReadOnlyAdmin):
    """What minors' guardians were told (each hire) and whether the SMS went out."""

    list_display = ["created_at", "student", "source", "text", "sent_at", "delivery"]
    search_fields = ["student__email", "source"]
    list_select_related = ["student", "sms"]
    exclude = ["guardian_mobile"]

    @admin.display(description=_("delivery status"))
    def delivery(self, obj):
        return obj.sms.get_status_display() if obj.sms else "—"


@admin.register(MinorsDataAudit)
class MinorsDataAuditAdmin(ReadOnlyAdmin):
    """The yearly audits of minors' personal data (docs/minors.md): managers and auditors read them."""

    list_display = ["year", "generated_at"]
    readonly_fields = ["year", "generated_at", "figures_pretty"]
    exclude = ["figures"]

    @admin.display(description=_("figures"))
    def figures_pretty(self, obj):
        import json

        return format_html("<pre>{}</pre>", json.dumps(obj.figures, ensure_ascii=False, indent=2))


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The access log: readable by managers and auditors, editable by nobody (J3.2)."""

    list_display = ["accessed_at", "staff", "subject_label", "item", "reason"]
    # Only the staff who appear in the log, not every user (issue 21).
    list_filter = ["item", ("staff", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject_label", "staff__email", "reason"]
    list_select_related = ["staff"]
    date_hierarchy = "accessed_at"


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "completed_at", "reason"]
