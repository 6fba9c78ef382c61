"""Daily check, weekly report and campaigns in the admin (P2.1).

Checks, failed tasks and reports are read-only (they change
through `operations.health` / `operations.reports`); campaigns are kept here by
operations. Sign-ups through a campaign are not listed one by one: operations
reads what a campaign brought as counts on /ops/campaigns/<id>/. The hourly
server-error counters are read through the daily check's error rate."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin, history_table
from core.money import format_fen

from .models import Campaign, DailyCheck, TaskFailure, WeeklyReport


@admin.register(DailyCheck)
class DailyCheckAdmin(ReadOnlyAdmin):
    list_display = ["date", "outcome", "checked_at", "signed_off_by", "signed_off_at"]
    list_filter = ["outcome", ("signed_off_at", admin.EmptyFieldListFilter)]
    list_select_related = ["signed_off_by"]
    date_hierarchy = "date"
    fields = ["date", "outcome", "checked_at", "probe_results", "signed_off_by", "signed_off_at", "notes", "history"]
    readonly_fields = fields

    @admin.display(description=_("results"))
    def probe_results(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.results, ensure_ascii=False, indent=2))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)


@admin.register(TaskFailure)
class TaskFailureAdmin(ReadOnlyAdmin):
    list_display = ["at", "task_name", "error_class", "task_id"]
    list_filter = ["task_name", "error_class"]
    search_fields = ["task_name", "=task_id"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(WeeklyReport)
class WeeklyReportAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "built_at", "emailed_at", "page"]
    fields = ["week_start", "built_at", "emailed_at", "page"]
    readonly_fields = fields

    @admin.display(description=_("report"))
    def page(self, obj):
        url = reverse("operations:report", kwargs={"week": obj.week_start.isoformat()})
        return format_html('<a href="{}">{}</a>', url, _("Open the report"))


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "channel", "audience", "starts_on", "ends_on", "budget", "effect"]
    list_filter = ["audience", "channel"]
    search_fields = ["name", "code", "channel"]
    fields = ["name", "code", "channel", "audience", "starts_on", "ends_on", "budget_fen", "landing_path"]

    @admin.display(description=_("budget"))
    def budget(self, obj):
        return format_fen(obj.budget_fen)

    @admin.display(description=_("effect"))
    def effect(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("operations:campaign", kwargs={"pk": obj.pk}),
                           _("What it brought"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
