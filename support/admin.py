"""Customer service's ticket queue (P2.2): open tickets whose first answer is
due soonest on top, a link to the record each is about, and the transitions
(start, resolve with the answer the user reads, close) through the services.
Nobody edits a ticket's content in the admin."""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ServiceFSMAdminMixin, history_table

from .models import Ticket
from .services import ticket_close, ticket_resolve, ticket_start

ACTIVE = "active"


class TicketStatusFilter(admin.SimpleListFilter):
    """Open and in-progress tickets by default: the queue is what still needs work."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(ACTIVE, _("Open or in progress")), *Ticket.Status.choices, ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or ACTIVE
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or ACTIVE
        if value == "all":
            return queryset
        if value == ACTIVE:
            return queryset.filter(status__in=[Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS])
        return queryset.filter(status=value)


def linked_admin_url(ticket: Ticket) -> str | None:
    """The admin change page of the record the ticket is about, without loading the record."""
    if ticket.content_type_id is None or not ticket.object_id:
        return None
    content_type = ticket.content_type
    try:
        return reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[ticket.object_id])
    except NoReverseMatch:  # a kind of record without an admin page
        return None


@admin.register(Ticket)
class TicketAdmin(ServiceFSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    transition_services = {"start": ticket_start, "resolve": ticket_resolve, "close": ticket_close}
    list_display = ["subject", "category", "user", "status", "first_response_due", "about", "assigned_to"]
    list_filter = [TicketStatusFilter, "category", "channel"]
    list_select_related = ["user", "assigned_to", "content_type"]
    search_fields = ["subject", "body", "user__email"]
    ordering = ["first_response_due_at", "id"]
    show_full_result_count = False
    fields = ["subject", "category", "channel", "user", "body", "about", "status", "first_response_due",
              "first_responded_at", "assigned_to", "resolved_at", "resolution", "closed_at", "created_at",
              "history"]
    readonly_fields = fields

    # Tickets are opened by users and cases; staff act on them through transitions.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # Other apps' admin pages link to "tickets about this record".
        return lookup in ("content_type__id__exact", "object_id") or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("first answer due"), ordering="first_response_due_at")
    def first_response_due(self, obj):
        due = timezone.localtime(obj.first_response_due_at).strftime("%Y-%m-%d %H:%M")
        if obj.is_overdue:
            return format_html('<strong style="color:#ba2121">{} · {}</strong>', due, _("overdue"))
        return due

    @admin.display(description=_("about"))
    def about(self, obj):
        url = linked_admin_url(obj)
        if url is None:
            return "—"
        return format_html('<a href="{}">{} #{}</a>', url, obj.content_type.name, obj.object_id)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)
