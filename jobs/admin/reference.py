"""What the compliance screen reads, kept by staff: the lexicon of terms
(J1.4, G2) and the local minimum wages; and what it and the patrol leave
behind, read-only: the flags raised and the patrol runs (J2.3)."""

import re2
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin
from core.money import format_fen

from ..compliance import compile_term, re2_error_reason
from ..models import ComplianceTerm, JobFlag, MinimumWage, PatrolRun, SearchSynonym, synonym_words
from ..selectors import forget_search_synonyms
from .display import FLAG_CODES, field_label


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


class SearchSynonymForm(forms.ModelForm):
    class Meta:
        model = SearchSynonym
        fields = ["words", "active"]

    def clean_words(self):
        words = synonym_words(self.cleaned_data.get("words") or "")
        if len(words) < 2:
            raise forms.ValidationError(_("Give at least two words, separated by spaces or slashes."))
        if any(len(word) < 2 for word in words):
            raise forms.ValidationError(_("Every word needs at least two characters: one matches almost every job."))
        return "/".join(words)


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Words students use for the same work; the public search treats them as one (S2.1)."""

    form = SearchSynonymForm
    list_display = ["words", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["words"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_search_synonyms()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_search_synonyms()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_search_synonyms()


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
    list_display = ["created_at", "job", "rule", "severity", "field_name", "matched_text", "resolved_at"]
    list_filter = [FlagResolvedFilter, FlagCodeFilter, "severity"]
    list_select_related = ["job"]
    search_fields = ["matched_text", "job__title"]
    show_full_result_count = False

    # The rule and the field in words, not their codes ("night_work", "shifts"): issue 21.
    @admin.display(description=_("rule"), ordering="code")
    def rule(self, obj: JobFlag) -> str:
        return str(dict(FLAG_CODES).get(obj.code, obj.code))

    @admin.display(description=_("field"), ordering="field")
    def field_name(self, obj: JobFlag) -> str:
        return field_label(obj.field)


@admin.register(PatrolRun)
class PatrolRunAdmin(ReadOnlyAdmin):
    """What each patrol sweep did (J2.3), for operations."""

    list_display = ["ran_at", "expired", "stale_flagged"]
