"""Staff screens for credit scores and external flag imports (K3).

Credit scores are read-only (they are computed). The "add" page of the flag
imports is the CSV upload form: staff with `risk.add_externalflagimport`
upload a provider's file, which is imported whole or not at all."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin
from core.errors import DomainError

from .credit_flags import IMPORT_PERMISSION, FlagFileInvalid, external_flags_import
from .models import CreditScore, ExternalFlagImport


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyAdmin):
    list_display = ["subject_kind", "subject_id", "score", "tier", "events_counted", "computed_at"]
    list_filter = ["subject_kind", "tier"]
    search_fields = ["=subject_id"]
    readonly_fields = ["subject_kind", "subject_id", "score", "tier", "parts", "events_counted", "computed_at"]
    ordering = ["subject_kind", "subject_id"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # subject ids are numbers: anything else matches nothing instead of failing.
        if search_term and not search_term.strip().isdigit():
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class FlagUploadForm(forms.Form):
    provider = forms.CharField(label=_("Provider"), max_length=30,
                               help_text=_("A short name of the credit information provider, e.g. “baihang”; "
                                           "it prefixes the references, so use the same name every time."))
    file = forms.FileField(label=_("Flags (CSV)"),
                           help_text=_("Columns: subject, identifier, points, reason, reference, occurred_on. "
                                       "See docs/credit-flags-format.md."))


@admin.register(ExternalFlagImport)
class ExternalFlagImportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "provider", "file_name", "imported_by", "rows_recorded", "rows_already_known"]
    list_filter = ["provider"]
    list_select_related = ["imported_by"]

    def has_add_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def add_view(self, request, form_url="", extra_context=None):
        """The upload form: import every row or none, then show the imports."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FlagUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                done = external_flags_import(uploaded_file=form.cleaned_data["file"],
                                             provider=form.cleaned_data["provider"], actor=request.user)
            except FlagFileInvalid as error:
                for message in error.errors:
                    form.add_error("file", message)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                self.message_user(request, _(
                    "Imported %(file)s: %(new)d flags recorded, %(known)d already recorded.") % {
                        "file": done.file_name, "new": done.rows_recorded, "known": done.rows_already_known},
                    messages.SUCCESS)
                return redirect(reverse("admin:risk_externalflagimport_changelist"))
        return TemplateResponse(request, "admin/risk/flag_upload.html", {
            **self.admin_site.each_context(request), "title": _("Import third-party credit flags"), "form": form,
            "opts": self.opts,
        })
