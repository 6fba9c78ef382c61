"""Back office for the shared mechanisms: policy (change-logged), calendar
overrides, reason templates for staff decisions, and the read-only history
and credit facts."""

from __future__ import annotations

from django import forms
from django.apps import apps as django_apps
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .access import signed_in_user
from .admin_mixins import ReadOnlyAdmin, history_table
from .errors import DomainError
from .models import (
    BackupRecord,
    CalendarOverride,
    CalendarYearConfirmation,
    CreditEvent,
    HistoryEntry,
    Policy,
    PolicyChange,
    ReasonTemplate,
    SmsMessage,
)
from .policy import policy_update
from .working_days import calendar_year_confirm, calendar_year_confirm_check


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "payout_working_days", "dispute_working_days", "response_working_days",
                    "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row; and only staff allowed to change the policy may create it (an auditor may not).
        return not Policy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Policy | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Policy, form: forms.ModelForm[Policy],
                   change: bool) -> None:
        if not change:
            obj.save()
            return
        policy_update(actor=signed_in_user(request),
                      changes={f: form.cleaned_data[f] for f in form.changed_data})


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "field", "old_value", "new_value", "changed_by"]
    list_select_related = ["changed_by"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    date_hierarchy = "date"


class CalendarYearConfirmationForm(forms.ModelForm):
    class Meta:
        model = CalendarYearConfirmation
        fields = ["year", "notice"]

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        try:
            calendar_year_confirm_check(year=year)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        return year


@admin.register(CalendarYearConfirmation)
class CalendarYearConfirmationAdmin(admin.ModelAdmin):
    """Operations confirm next year's make-up working days once they have entered the State
    Council's notice as calendar overrides (P2.1/K5); a record is never changed or deleted."""

    form = CalendarYearConfirmationForm
    list_display = ["year", "notice", "confirmed_by", "confirmed_at"]
    list_select_related = ["confirmed_by"]

    def get_readonly_fields(self, request: HttpRequest,
                            obj: CalendarYearConfirmation | None = None) -> list[str]:
        return ["year", "notice", "confirmed_by", "confirmed_at", "history"] if obj is not None else []

    @admin.display(description=_("history"))
    def history(self, obj: CalendarYearConfirmation) -> str:
        return history_table(obj)

    def has_change_permission(self, request: HttpRequest,
                              obj: CalendarYearConfirmation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest,
                              obj: CalendarYearConfirmation | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CalendarYearConfirmation,
                   form: forms.ModelForm[CalendarYearConfirmation], change: bool) -> None:
        confirmed = calendar_year_confirm(actor=signed_in_user(request), year=form.cleaned_data["year"],
                                          notice=form.cleaned_data["notice"])
        obj.pk, obj.confirmed_by, obj.confirmed_at = confirmed.pk, confirmed.confirmed_by, confirmed.confirmed_at


class TransitionFilter(admin.SimpleListFilter):
    """The actions in the reader's language, from the models' vocabularies (`history_actions`),
    not their stored codes ("accept_offer", "approve"): issue 21."""

    title = _("action")
    parameter_name = "transition"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        labels: dict[str, str] = {}
        for model in django_apps.get_models():
            actions = getattr(model, "history_actions", None)
            for value, label in getattr(actions, "choices", []):
                labels.setdefault(value, str(label))
        used = HistoryEntry.objects.order_by().values_list("transition", flat=True).distinct()
        return sorted(((value, labels.get(value, value)) for value in used), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[HistoryEntry]) -> QuerySet[HistoryEntry]:
        return queryset.filter(transition=self.value()) if self.value() else queryset


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "content_type", "object_id", "action", "change", "actor"]
    list_filter = ["content_type", TransitionFilter]
    # The change page in words too: the action and the states from the vocabularies, not their codes.
    fields = ["created_at", "content_type", "object_id", "action", "change", "actor", "reason"]
    readonly_fields = ["created_at", "content_type", "object_id", "action", "change", "actor", "reason"]
    list_select_related = ["content_type", "actor"]
    search_fields = ["object_id", "reason"]

    @admin.display(description=_("action"), ordering="transition")
    def action(self, obj: HistoryEntry) -> str:
        return obj.action_label

    @admin.display(description=_("change"))
    def change(self, obj: HistoryEntry) -> str:
        return f"{obj.from_label or '—'} → {obj.to_label or '—'}"


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):
    """Reusable reasons moderators start from when they reject, ask for changes or take down."""

    list_display = ["title", "context", "active"]
    list_filter = ["context", "active"]
    search_fields = ["title", "text"]


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    """Credit facts as recorded (K3.2). Append-only: a wrong fact is cancelled by a
    reversing fact that a service records, never edited here."""

    list_display = ["occurred_at", "subject_kind", "subject_id", "kind", "reason", "reversal"]
    list_filter = ["subject_kind"]  # no facet over `kind`: a DISTINCT over every fact on each page
    search_fields = ["=subject_id", "kind", "reason"]
    ordering = ["-occurred_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = ("subject_kind", "subject_id", "kind", "reason", "occurred_at", "created_at",
                                "source_type", "source_id", "reverses", "key")

    @admin.display(description=_("reverses"), boolean=True)
    def reversal(self, obj: CreditEvent) -> bool:
        return obj.reverses_id is not None


@admin.register(BackupRecord)
class BackupRecordAdmin(ReadOnlyAdmin):
    """K5: every backup and restore check as run by `manage.py backup` / `restore_check` and beat."""

    list_display = ["started_at", "kind", "ok", "file_name", "size_bytes", "backup", "finished_at"]
    list_filter = ["kind", "ok"]
    list_select_related = ["backup"]
    search_fields = ["file_name", "detail"]
    fields = readonly_fields = ("kind", "ok", "started_at", "finished_at", "file_name", "size_bytes",
                                "sha256", "backup", "detail")


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    """Issue 20: every text message and its delivery, the number masked; neither the number nor the
    code is shown to staff."""

    list_display = ["created_at", "template", "phone_masked", "status", "attempts", "provider_id", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["provider_id"]
    fields = readonly_fields = ("created_at", "template", "phone_masked", "recipient", "status", "attempts",
                                "provider_id", "error", "sent_at")
    raw_id_fields = ["recipient"]
