"""Admin plumbing: FSM transitions in the admin run the owning app's service; one "decide" page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from .errors import DomainError
from .history import history_for

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django.contrib.admin.views.main import ChangeList
    from django_stubs_ext import StrOrPromise

    _ModelAdminBase = admin.ModelAdmin[Any]  # DecideViewMixin is mixed into model admins
else:
    _ModelAdminBase = object


def history_table(obj: models.Model | None, limit: int = 50) -> str:
    """An object's history rows (newest first) as a small table for an admin
    read-only field: when (local time), transition, from → to, who, reason."""
    rows = history_for(obj)[:limit] if obj is not None and obj.pk is not None else []
    if not rows:
        return "—"
    body = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
        ((timezone.localtime(h.created_at).strftime("%Y-%m-%d %H:%M"), h.action_label, h.from_label or "—",
          h.to_label or "—", h.actor or "—", h.reason) for h in rows))
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        "<tbody>{}</tbody></table>", _("at"), _("action"), _("change"), _("by"), _("reason"), body)


class ServiceFSMAdminMixin(FSMAdminMixin):
    """Transitions clicked in the admin call `transition_services[name]`.

    The service locks the row, checks permission and preconditions, writes the
    history row and notifies; the admin never calls the model method itself."""

    transition_services: dict[str, Callable[..., object]] = {}
    # Transitions render as links to their reason forms: reviewers hold view +
    # review permissions, not "change", and the admin refuses change-form POSTs.
    change_form_template = "admin/fsm_change_form.html"
    fsm_transition_success_msg = _("Done: {transition_name}.")

    def _apply_fsm_transition(self, *, obj: models.Model, transition_name: str, request: HttpRequest,
                              kwargs: Mapping[str, Any] | None = None) -> bool:
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

    def fsm_transition_view(self, request: HttpRequest, object_id: str, transition_name: str,
                            **kwargs: Any) -> HttpResponse:
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


REVEAL_PERMISSION = "accounts.reveal_personal_data"


class RevealLinkMixin(_ModelAdminBase):
    """Displays that link to a logged reveal (J3.2) show only to staff who may reveal (issue 21);
    the others see `reveal_link_fields[name]`, the same value without the link, instead of a link
    that ends on a 403 page."""

    reveal_link_fields: dict[str, str] = {}

    def _reveal_swapped(self, request: HttpRequest, names: Any) -> Any:
        if request.user.has_perm(REVEAL_PERMISSION):
            return names
        return [self.reveal_link_fields.get(name, name) for name in names]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._reveal_swapped(request, super().get_readonly_fields(request, obj))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self._reveal_swapped(request, super().get_fields(request, obj))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(title, {**options, "fields": self._reveal_swapped(request, options["fields"])})
                for title, options in super().get_fieldsets(request, obj)]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records staff read but never add, edit or delete in the admin: logs,
    history, and state that changes only through services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


class DefaultStatusFilter(admin.SimpleListFilter):
    """A status filter that defaults to what waits for staff (`default`); "All"
    shows everything. Subclasses set `statuses` (the choices) and `default`."""

    title = _("status")
    parameter_name = "status"
    default: str = ""
    statuses: list[tuple[str, StrOrPromise]] = []

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [*self.statuses, ("all", _("All"))]

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {"selected": current == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)


DECIDE_TEMPLATE = "admin/jobs/reason_form.html"  # the generic "decide with a reason" page


class DecideViewMixin(_ModelAdminBase):
    """The one staff "decide" page of the admin: a custom object view where staff decide a case
    with a form that one service runs (appeals, disputes, cases, reports, decision-check verdicts).

    `decide_view_for` checks the permission (403) and the object (404), sends a case decided
    already back to its page, shows who and what above the form, puts a domain error on the
    field it names (or in a message), and on success says so and goes back."""

    decide_template = DECIDE_TEMPLATE
    # Also require the model's view permission (the applications cases).
    decide_requires_view_permission = False

    def decide_view_for(
        self, request: HttpRequest, pk: int, *, permission: str, form_class: type[forms.BaseForm],
        run: Callable[[Any, dict[str, Any]], object], title: StrOrPromise, applicable: Callable[[Any], bool],
        describe: Callable[[Any], tuple[object, StrOrPromise | None]], page_title: StrOrPromise | None = None,
        initial: Callable[[Any], dict[str, Any]] | None = None,
        refuse: Callable[[Any], StrOrPromise | None] | None = None,
        field_aliases: dict[str, str] | None = None,
        prepare_form: Callable[[Any, Any], object] | None = None, already_decided: StrOrPromise | None = None,
        done_message: StrOrPromise | None = None, done_url: str | None = None,
    ) -> HttpResponseBase:
        """`applicable(obj)`: may it still be decided; `describe(obj)` → (who and what, the user's own
        words or None, shown as the first field's help); `run(obj, cleaned_data)` calls the service;
        `refuse(obj)` → a message when this staff member may not decide it (before any form);
        `prepare_form(form, obj)` adds help texts; `field_aliases` maps a service's field to the form's."""
        if not request.user.has_perm(permission):
            raise PermissionDenied
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404
        if self.decide_requires_view_permission and not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        if not applicable(obj):
            self.message_user(request, already_decided or _("This case has already been decided."), messages.WARNING)
            return redirect(change_url)
        refusal = refuse(obj) if refuse else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(change_url)
        form = form_class(request.POST or None, initial=initial(obj) if initial else None)
        summary, their_words = describe(obj)
        if their_words is not None:
            form.fields[next(iter(form.fields))].help_text = their_words
        if prepare_form:
            prepare_form(form, obj)
        if request.method == "POST" and form.is_valid():
            try:
                run(obj, form.cleaned_data)
            except DomainError as error:
                field = (field_aliases or {}).get(error.field, error.field) if error.field else None
                if field in form.fields:
                    form.add_error(field, str(error.message))
                else:
                    self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(request, done_message or _("Done: %(title)s.") % {"title": title},
                                  messages.SUCCESS)
                return redirect(done_url or change_url)
        return TemplateResponse(request, self.decide_template, {
            **self.admin_site.each_context(request), "title": page_title or title, "subject": summary,
            "form": form, "opts": self.opts, "original": obj, "back_url": change_url,
        })
