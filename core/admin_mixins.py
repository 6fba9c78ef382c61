"""Admin plumbing: FSM transitions in the admin run the owning app's service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from .errors import DomainError
from .history import history_for


def history_table(obj, limit: int = 50) -> str:
    """An object's history rows (newest first) as a small table for an admin
    read-only field: when (local time), transition, from → to, who, reason."""
    rows = history_for(obj)[:limit] if obj is not None and obj.pk is not None else []
    if not rows:
        return "—"
    body = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        ((timezone.localtime(h.created_at).strftime("%Y-%m-%d %H:%M"), h.transition, h.from_state or "—",
          h.to_state, h.actor or "—", h.reason) for h in rows))
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>", _("at"), _("action"), _("change"), _("by"), _("reason"), body)


class ServiceFSMAdminMixin(FSMAdminMixin):
    """Transitions clicked in the admin call `transition_services[name]`.

    The service locks the row, checks permission and preconditions, writes the
    history row and notifies; the admin never calls the model method itself."""

    transition_services: dict = {}
    # Transitions render as links to their reason forms: reviewers hold view +
    # review permissions, not "change", and the admin refuses change-form POSTs.
    change_form_template = "admin/fsm_change_form.html"
    fsm_transition_success_msg = _("Done: {transition_name}.")

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        service = self.transition_services.get(transition_name)
        if service is None:
            self.message_user(request, f"No service for {transition_name}", level=messages.ERROR)
            return False
        try:
            service(pk=obj.pk, actor=request.user, **(kwargs or {}))
        except DomainError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
            return False
        self.message_user(request, self.fsm_transition_success_msg.format(
            transition_name=self.get_fsm_label(self._get_fsm_transition_by_name(
                obj=obj, transition_name=transition_name))), level=messages.SUCCESS)
        return True

    def fsm_transition_view(self, request, object_id, transition_name, **kwargs):
        """Refuse (403) staff whose role may not run this transition, instead of a redirect."""
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        try:
            transition = self._get_fsm_transition_by_name(obj=obj, transition_name=transition_name)
        except (AttributeError, TypeError, ValueError):
            raise Http404 from None
        if not transition.has_perm(obj, user=request.user):
            raise PermissionDenied
        return super().fsm_transition_view(request, object_id, transition_name, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff read but never add, edit or delete in the admin: logs,
    history, and state that changes only through services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DefaultStatusFilter(admin.SimpleListFilter):
    """A status filter that defaults to what waits for staff (`default`); "All"
    shows everything. Subclasses set `statuses` (the choices) and `default`."""

    title = _("status")
    parameter_name = "status"
    default: str = ""
    statuses: list = []

    def lookups(self, request, model_admin):
        return [*self.statuses, ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)
