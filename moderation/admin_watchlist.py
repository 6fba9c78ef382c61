"""Employers to watch (the 2026 notice on online recruitment information): a read-only list of
accounts with many refused posts, many reports or a fee demand, each linked to its cases."""

from django.contrib import admin
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import EmployerWatch
from .watchlist import WINDOW_DAYS, employers_to_watch


@admin.register(EmployerWatch)
class EmployerWatchAdmin(admin.ModelAdmin):
    list_display = ["employer_link", "refused_posts_shown", "reports_shown", "fee_reports_shown"]
    list_display_links = None
    search_fields = ["name"]
    show_full_result_count = False

    # A list only: an employer's own page is its employer admin page (linked from each row).
    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise Http404

    def history_view(self, request, object_id, extra_context=None):
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        raise Http404

    def get_queryset(self, request):
        return employers_to_watch()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Employers to watch (last %(days)d days)") % {
            "days": WINDOW_DAYS}}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("employer"))
    def employer_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:employers_employer_change", args=[obj.pk]), obj.name)

    @admin.display(description=_("posts refused or taken down"), ordering="refused_posts")
    def refused_posts_shown(self, obj):
        return obj.refused_posts

    @admin.display(description=_("reports"), ordering="reports")
    def reports_shown(self, obj):
        url = reverse("admin:moderation_report_changelist") + "?" + urlencode({"q": obj.name, "status": "all"})
        return format_html('<a href="{}">{}</a>', url, obj.reports)

    @admin.display(description=_("reports of a fee demand"), ordering="fee_reports")
    def fee_reports_shown(self, obj):
        return obj.fee_reports
