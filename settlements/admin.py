"""Staff read settlements and payout methods (finance: F3.2, F3.3). Read-only:
statements change only through `settlements.services`, and a payout method's
number is shown masked — revealing it in full is a later, access-logged step."""

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin
from core.history import history_for
from core.money import format_fen

from .models import PayoutMethod, Settlement


def _history_html(obj):
    rows = history_for(obj)[:50]
    if not rows:
        return "—"
    return format_html("<table>{}</table>", format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        ((date_format(localtime(h.created_at), "Y-m-d H:i"), h.transition, h.from_state, h.to_state,
          h.actor or "—", h.reason) for h in rows)))


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["id", "engagement_link", "employer", "student", "status", "student_total", "commission",
                    "employer_total", "computed_at"]
    list_filter = ["status"]
    list_select_related = ["employer", "student", "engagement__job"]
    search_fields = ["=id", "=engagement__id", "employer__name", "student__email", "engagement__job__title"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = ["engagement_link", "employer", "student", "status", "commission_percent", "wages", "allowances",
              "compensation", "losses", "student_total", "commission", "employer_total", "pending_shifts",
              "computed_at", "ready_at", "lines_table", "history"]
    readonly_fields = fields

    @admin.display(description=_("engagement"))
    def engagement_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:applications_engagement_change",
                                                          args=[obj.engagement_id]), obj.engagement.job.title)

    @admin.display(description=_("wages"))
    def wages(self, obj):
        return format_fen(obj.wages_fen)

    @admin.display(description=_("allowances"))
    def allowances(self, obj):
        return format_fen(obj.allowances_fen)

    @admin.display(description=_("compensation"))
    def compensation(self, obj):
        return format_fen(obj.compensation_fen)

    @admin.display(description=_("losses set off"))
    def losses(self, obj):
        return format_fen(obj.losses_fen)

    @admin.display(description=_("the student receives"))
    def student_total(self, obj):
        return format_fen(obj.student_total_fen)

    @admin.display(description=_("commission"))
    def commission(self, obj):
        return format_fen(obj.commission_fen)

    @admin.display(description=_("the employer pays"))
    def employer_total(self, obj):
        return format_fen(obj.employer_total_fen)

    @admin.display(description=_("statement"))
    def lines_table(self, obj):
        lines = obj.lines.order_by("order")
        if not lines:
            return "—"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.order + 1, line.get_kind_display(), line.work_date or line.description, line.quantity,
              format_fen(line.amount_fen)) for line in lines)))

    @admin.display(description=_("history"))
    def history(self, obj):
        return _history_html(obj)


@admin.register(PayoutMethod)
class PayoutMethodAdmin(ReadOnlyAdmin):
    list_display = ["id", "student", "kind", "bank_name", "account_masked", "account_holder", "is_default",
                    "removed_at"]
    list_filter = ["kind", "is_default"]
    list_select_related = ["student"]
    search_fields = ["=id", "student__email"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    # Never the number itself (encrypted) nor its hash: staff see what the student sees.
    fields = ["student", "kind", "bank_name", "account_masked", "account_holder", "is_default", "created_at",
              "removed_at", "history"]
    readonly_fields = fields

    @admin.display(description=_("account"))
    def account_masked(self, obj):
        return obj.account_masked

    @admin.display(description=_("history"))
    def history(self, obj):
        return _history_html(obj)
