"""Decision checks in the back office (P2.3): "my decision checks" for each
moderator, where they record agree or disagree with notes (the service), and
the agreement report per week and per moderator for managers.

Moderators see only the checks given to them; holders of the report
permission (managers) see every check."""

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DecideViewMixin, ReadOnlyAdmin, history_table

from .decision_checks import (
    CHECK_PERMISSION,
    REPORT_PERMISSION,
    DecisionCheck,
    decision_check_agreement,
    decision_check_record,
)

REPORT_WEEKS = 12  # the agreement report looks back a quarter by default


class DecisionCheckForm(forms.Form):
    agrees = forms.TypedChoiceField(label=_("Your verdict"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
                                    choices=[("yes", _("I agree with the decision")),
                                             ("no", _("I disagree with the decision"))])
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Required when you disagree: what should have been decided, and why."))


class VerdictFilter(admin.SimpleListFilter):
    """Waiting for a verdict by default: the moderator's to-do list."""

    title = _("verdict")
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return [("pending", _("Waiting")), ("agreed", _("Agreed")), ("disagreed", _("Disagreed")), ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or "pending"
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return {"pending": queryset.filter(agrees__isnull=True), "agreed": queryset.filter(agrees=True),
                "disagreed": queryset.filter(agrees=False)}.get(value, queryset)


def _subject_link(entry) -> str:
    ct = entry.content_type
    label = f"{ct.name} #{entry.object_id}"
    try:
        url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[entry.object_id])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(DecisionCheck)
class DecisionCheckAdmin(DecideViewMixin, ReadOnlyAdmin):
    list_display = ["week", "decision_summary", "decider", "checker", "verdict", "checked_at"]
    list_filter = [VerdictFilter, "week"]
    list_select_related = ["decision__content_type", "decider", "checker"]
    ordering = ["-week", "id"]
    show_full_result_count = False
    change_list_template = "admin/moderation/decision_check_change_list.html"
    fields = ["record", "week", "decision_summary", "decision_reason", "decider", "checker", "verdict", "notes",
              "checked_at", "history"]
    readonly_fields = fields
    object_route_permissions = {"moderation_decisioncheck_check": CHECK_PERMISSION}

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("decision__content_type", "decider", "checker")
        if request.user.has_perm(REPORT_PERMISSION):
            return queryset
        return queryset.filter(checker=request.user)

    # The queryset is scoped per moderator, so Django would answer "does not exist" (a redirect) before
    # asking about permissions: refuse staff without the view permission first.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    @admin.display(description=_("decision"))
    def decision_summary(self, obj):
        entry = obj.decision
        return format_html("{} · {} ({} → {}) · {}", _subject_link(entry), entry.action_label,
                           entry.from_label or "—", entry.to_label or "—",
                           timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"))

    @admin.display(description=_("reason given"))
    def decision_reason(self, obj):
        return obj.decision.reason or "—"

    @admin.display(description=_("verdict"))
    def verdict(self, obj):
        return {None: _("Waiting"), True: _("Agreed"), False: _("Disagreed")}[obj.agrees]

    @admin.display(description=_("your check"))
    def record(self, obj):
        if obj.agrees is not None:
            return _("Checked.")
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:moderation_decisioncheck_check", args=[obj.pk]), _("Record your verdict"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/check/", view(self.check_view), name="moderation_decisioncheck_check"),
                path("report/", view(self.report_view), name="moderation_decisioncheck_report"),
                *super().get_urls()]

    def check_view(self, request, pk: int):
        def describe(check):
            entry = check.decision
            return f"{entry.content_type.name} #{entry.object_id} · {entry.action_label} · {entry.reason or '—'}", None

        return self.decide_view_for(
            request, pk, permission=CHECK_PERMISSION, form_class=DecisionCheckForm,
            title=_("Check a colleague's decision"), applicable=lambda check: check.agrees is None,
            already_decided=_("This decision has already been checked."), describe=describe,
            field_aliases={"reason": "notes"}, done_message=_("Your verdict is recorded."),
            done_url=reverse("admin:moderation_decisioncheck_changelist"),
            run=lambda check, data: decision_check_record(check_id=check.pk, actor=request.user, **data))

    def report_view(self, request):
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        end = timezone.localdate()
        start = end - dt.timedelta(weeks=REPORT_WEEKS)
        return TemplateResponse(request, "admin/moderation/decision_check_report.html", {
            **self.admin_site.each_context(request), "title": _("Decision-check agreement"), "opts": self.opts,
            "start": start, "end": end, **decision_check_agreement(start=start, end=end),
            # Sampled decisions no other moderator could take (P2.3: reported, never checked by the decider).
            "unassigned": DecisionCheck.objects.filter(checker__isnull=True).count()})
