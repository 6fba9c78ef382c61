"""Back office for the shared mechanisms: policy (change-logged), calendar
overrides, reason templates for staff decisions, and the read-only history
and credit facts."""

from __future__ import annotations

from django import forms
from django.apps import apps as django_apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path
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
    PolicyChangeRequest,
    ReasonTemplate,
    SmsMessage,
)
from .policy import (
    APPROVE_PERMISSION,
    FOUR_EYES_FIELDS,
    four_eyes_field,
    policy_change_approve,
    policy_change_check,
    policy_change_reject,
    policy_change_request,
    policy_update,
)
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

    def get_readonly_fields(self, request: HttpRequest, obj: Policy | None = None) -> list[str]:
        # Four eyes: these change only through a PolicyChangeRequest a second staff member approves.
        return [*super().get_readonly_fields(request, obj), *FOUR_EYES_FIELDS]

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


class PolicyChangeRequestForm(forms.ModelForm):
    field = forms.ChoiceField(label=_("parameter"))
    new_value = forms.ChoiceField(label=_("new value"))

    class Meta:
        model = PolicyChangeRequest
        fields = ["field", "new_value", "reason"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if "field" not in self.fields:  # a request's own page: every field read-only
            return
        policy_fields = [four_eyes_field(name) for name in FOUR_EYES_FIELDS]
        self.fields["field"].choices = [(f.name, f.verbose_name) for f in policy_fields]  # type: ignore[attr-defined]
        self.fields["new_value"].choices = [  # type: ignore[attr-defined]
            choice for f in policy_fields for choice in (f.choices or [])]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("field") and cleaned.get("new_value"):
            try:
                policy_change_check(field=cleaned["field"], value=cleaned["new_value"])
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return cleaned


@admin.register(PolicyChangeRequest)
class PolicyChangeRequestAdmin(admin.ModelAdmin):
    """Four eyes on the parameters of FOUR_EYES_FIELDS (who withholds income tax): one staff
    member requests a change here, another approves or rejects it on its page."""

    form = PolicyChangeRequestForm
    list_display = ["created_at", "parameter", "old_label", "new_label", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["requested_by", "decided_by"]
    change_form_template = "admin/core/policychangerequest/change_form.html"
    object_route_permissions = {"core_policychangerequest_decide": APPROVE_PERMISSION}

    def get_fields(self, request: HttpRequest, obj: PolicyChangeRequest | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("field", "new_value", "reason")
        return ("parameter", "old_label", "new_label", "reason", "status", "requested_by", "created_at",
                "decided_by", "decided_at", "decision_note", "history")

    def get_readonly_fields(self, request: HttpRequest, obj: PolicyChangeRequest | None = None) -> tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: PolicyChangeRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyChangeRequest | None = None) -> bool:
        return False

    @admin.display(description=_("parameter"))
    def parameter(self, obj: PolicyChangeRequest) -> str:
        return obj.labels()[0]

    @admin.display(description=_("value when requested"))
    def old_label(self, obj: PolicyChangeRequest) -> str:
        return obj.labels()[1]

    @admin.display(description=_("new value"))
    def new_label(self, obj: PolicyChangeRequest) -> str:
        return obj.labels()[2]

    @admin.display(description=_("history"))
    def history(self, obj: PolicyChangeRequest) -> str:
        return history_table(obj)

    def save_model(self, request: HttpRequest, obj: PolicyChangeRequest, form: forms.ModelForm,
                   change: bool) -> None:
        created = policy_change_request(actor=signed_in_user(request), field=form.cleaned_data["field"],
                                        value=form.cleaned_data["new_value"], reason=form.cleaned_data["reason"])
        obj.pk = created.pk

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [path("<int:pk>/decide/", view(self.decide_view), name="core_policychangerequest_decide"),
                *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """POST decision=approve, or decision=reject with a note: by a staff member other than the requester."""
        if not request.user.has_perm(APPROVE_PERMISSION):
            raise PermissionDenied
        if not PolicyChangeRequest.objects.filter(pk=pk).exists():
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        actor = signed_in_user(request)
        try:
            if request.POST.get("decision") == "approve":
                policy_change_approve(request_id=pk, actor=actor)
                self.message_user(request, _("Approved: the policy is changed."), level=messages.SUCCESS)
            else:
                policy_change_reject(request_id=pk, actor=actor, note=request.POST.get("note", ""))
                self.message_user(request, _("Rejected: the policy is unchanged."), level=messages.SUCCESS)
        except DomainError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
        return redirect("admin:core_policychangerequest_change", pk)


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
