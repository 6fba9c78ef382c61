"""Customer service's back office (P2.2).

- The ticket queue: what still needs work (open, in progress, waiting for the
  user), most urgent first, with service-level badges and filters.
- The ticket page: the whole conversation (internal notes included), the
  history, the record it is about, and forms that call the services: reply
  (optionally asking the user), internal note, log a phone call or e-mail,
  assign, escalate, resolve, close. Nobody edits a ticket's content.
- "Log a phone call / e-mail": open a ticket for a user found by e-mail or mobile.
- The FAQ (customer service keeps it) and the daily classification summary."""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ServiceFSMAdminMixin, history_table
from core.errors import DomainError

from . import selectors, services
from .forms import (
    AssignForm,
    EscalateForm,
    LogContactForm,
    LogMessageForm,
    NoteForm,
    RebuildSummaryForm,
    ReplyForm,
    TicketAnswerForm,
    TicketNoteForm,
)
from .models import HANDLE_PERMISSION, FAQEntry, Ticket, TicketDailySummary
from .services import ticket_close, ticket_resolve, ticket_start
from .sweeps import ticket_daily_summary_build

ACTIVE = "active"
ACTIVE_STATUSES = (Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING_FOR_USER)
DUE_SOON = dt.timedelta(hours=1)  # an amber badge: the target falls within the hour
SUMMARY_PERMISSION = "support.view_ticketdailysummary"


class TicketStatusFilter(admin.SimpleListFilter):
    """Open, in-progress and waiting tickets by default: the queue is what still needs work."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(ACTIVE, _("Still being worked on")), *Ticket.Status.choices, ("all", _("All"))]

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
            return queryset.filter(status__in=ACTIVE_STATUSES)
        if value not in Ticket.Status.values:
            return queryset.none()
        return queryset.filter(status=value)


class AssignmentFilter(admin.SimpleListFilter):
    title = _("handled by")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class ServiceLevelFilter(admin.SimpleListFilter):
    """P2.2: breaches visible in the queue."""

    title = _("service level")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", _("Target missed")), ("soon", _("Due within the hour"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        first_late = Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
        resolution_late = Q(resolved_at__isnull=True, resolution_due_at__lt=now)
        if self.value() == "breached":
            return queryset.filter(first_late | resolution_late)
        if self.value() == "soon":
            soon = now + DUE_SOON
            return queryset.filter(
                Q(first_responded_at__isnull=True, first_response_due_at__gte=now, first_response_due_at__lt=soon)
                | Q(resolved_at__isnull=True, resolution_due_at__gte=now, resolution_due_at__lt=soon))
        return queryset


def linked_admin_url(ticket: Ticket) -> str | None:
    """The admin change page of the record the ticket is about, without loading the record."""
    if ticket.content_type_id is None or not ticket.object_id:
        return None
    content_type = ticket.content_type
    try:
        return reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[ticket.object_id])
    except NoReverseMatch:  # a kind of record without an admin page
        return None


def _badge(text, *, level: str):
    colour = {"late": "#ba2121", "soon": "#b26b00"}[level]
    return format_html('<strong class="sla-{}" style="color:{}">{}</strong>', level, colour, text)


def _due(moment, *, done, now):
    """A deadline for the queue: red when missed, amber when due within the hour."""
    if moment is None:
        return "—"
    text = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if done is not None:
        return text
    if moment < now:
        return _badge(f"{text} · {_('overdue')}", level="late")
    if moment < now + DUE_SOON:
        return _badge(f"{text} · {_('due soon')}", level="soon")
    return text


# The forms on the ticket page: (route suffix, form class, title, service call, success message).
TICKET_ACTIONS = {
    "reply": (ReplyForm, _("Reply to the user"), lambda ticket, user, data: services.ticket_reply(
        pk=ticket.pk, actor=user, body=data["body"], ask_user=data["ask_user"]), _("Your reply was sent.")),
    "note": (NoteForm, _("Add an internal note"), lambda ticket, user, data: services.ticket_note(
        pk=ticket.pk, actor=user, body=data["body"]), _("The note was added.")),
    "log_message": (LogMessageForm, _("Log a phone call or e-mail"), lambda ticket, user, data: services.ticket_note(
        pk=ticket.pk, actor=user, body=data["body"], channel=data["channel"]), _("The user's message was logged.")),
    "assign": (AssignForm, _("Assign"), lambda ticket, user, data: services.ticket_assign(
        pk=ticket.pk, actor=user, assignee=data["assignee"]), _("The ticket was assigned.")),
    "escalate": (EscalateForm, _("Escalate"), lambda ticket, user, data: services.ticket_escalate(
        pk=ticket.pk, actor=user, to=data["to"], reason=data["reason"]), _("The ticket was escalated.")),
}


@admin.register(Ticket)
class TicketAdmin(ServiceFSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    transition_services = {"start": ticket_start, "resolve": ticket_resolve, "close": ticket_close}
    change_form_template = "admin/support/ticket/change_form.html"
    change_list_template = "admin/support/ticket/change_list.html"
    list_display = ["subject", "priority", "category", "user", "status", "first_response_due",
                    "resolution_due", "about", "assigned_to", "escalated_to"]
    list_filter = [TicketStatusFilter, "category", "channel", "priority", "escalated_to", AssignmentFilter,
                   ServiceLevelFilter]
    list_select_related = ["user", "assigned_to", "content_type"]
    search_fields = ["subject", "body", "user__email"]
    ordering = ["-priority", "first_response_due_at", "id"]
    show_full_result_count = False
    fields = ["subject", "category", "channel", "priority", "user", "logged_by", "body", "demand", "about",
              "status", "first_response_due", "first_responded_at", "resolution_due", "assigned_to",
              "escalated_to", "escalated_at", "resolved_at", "resolution", "reopened_count", "closed_at",
              "satisfaction", "satisfaction_comment", "created_at", "history"]
    readonly_fields = fields
    object_route_permissions = {f"support_ticket_{name}": HANDLE_PERMISSION for name in TICKET_ACTIONS}

    # Tickets are opened by users and cases; staff act on them through the services.
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
        return _due(obj.first_response_due_at, done=obj.first_responded_at, now=timezone.now())

    @admin.display(description=_("resolution due"), ordering="resolution_due_at")
    def resolution_due(self, obj):
        return _due(obj.resolution_due_at, done=obj.resolved_at, now=timezone.now())

    @admin.display(description=_("about"))
    def about(self, obj):
        url = linked_admin_url(obj)
        if url is None:
            return "—"
        return format_html('<a href="{}">{} #{}</a>', url, obj.content_type.name, obj.object_id)

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    # ---------------------------------------------------------------- the ticket page
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("log-contact/", view(self.log_contact_view), name="support_ticket_log_contact"),
            *[path(f"<int:pk>/{name.replace('_', '-')}/", view(self._action_view(name)),
                   name=f"support_ticket_{name}") for name in TICKET_ACTIONS],
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if ticket is not None:
            handler = services._can_handle(request.user)
            extra["conversation"] = selectors.all_messages(ticket=ticket)
            if handler and ticket.is_active:
                extra["action_forms"] = [
                    (reverse(f"admin:support_ticket_{name}", args=[ticket.pk]), title, form_class())
                    for name, (form_class, title, _run, _done) in TICKET_ACTIONS.items()]
            if handler and ticket.status != Ticket.Status.CLOSED:
                transition = "resolve" if ticket.is_active else "close"
                extra["final_action"] = (
                    reverse("admin:support_ticket_transition", kwargs={"object_id": ticket.pk,
                                                                       "transition_name": transition}),
                    _("Resolve: the answer the user reads") if ticket.is_active else _("Close"),
                    TicketAnswerForm() if ticket.is_active else TicketNoteForm())
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _action_view(self, name: str):
        form_class, title, run, done = TICKET_ACTIONS[name]

        def view(request, pk: int):
            if not services._can_handle(request.user):
                raise PermissionDenied
            ticket = self.get_object(request, str(pk))
            if ticket is None:
                raise Http404
            change_url = reverse("admin:support_ticket_change", args=[ticket.pk])
            form = form_class(request.POST or None)
            if request.method == "POST" and form.is_valid():
                try:
                    run(ticket, request.user, form.cleaned_data)
                except DomainError as error:
                    self.message_user(request, str(error.message), messages.ERROR)
                else:
                    self.message_user(request, done, messages.SUCCESS)
                return redirect(change_url)
            return TemplateResponse(request, "admin/jobs/reason_form.html", {
                **self.admin_site.each_context(request), "title": title, "subject": str(ticket), "form": form,
                "opts": self.opts, "original": ticket, "back_url": change_url,
            })

        view.__name__ = f"{name}_view"
        return view

    def log_contact_view(self, request):
        """Log a phone call or an e-mail as a ticket for the user (ticket_open with logged_by)."""
        if not services._can_handle(request.user):
            raise PermissionDenied
        form = LogContactForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_open(
                    user=form.user, category=data["category"], subject=data["subject"], body=data["body"],
                    channel=data["channel"], demand=data["demand"], priority=data["priority"],
                    logged_by=request.user)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                self.message_user(request, _("The ticket was opened and the user told."), messages.SUCCESS)
                return redirect(reverse("admin:support_ticket_change", args=[ticket.pk]))
        return TemplateResponse(request, "admin/jobs/reason_form.html", {
            **self.admin_site.each_context(request), "title": _("Log a phone call or e-mail"),
            "subject": _("A new ticket for the user who contacted us"), "form": form, "opts": self.opts,
            "back_url": reverse("admin:support_ticket_changelist"),
        })


# ------------------------------------------------------------------ the FAQ
@admin.register(FAQEntry)
class FAQEntryAdmin(admin.ModelAdmin):
    list_display = ["question_zh", "question_en", "category", "published", "position", "updated_at"]
    list_filter = ["published", "category"]
    list_editable = ["position"]
    search_fields = ["question_zh", "question_en", "answer_zh", "answer_en", "keywords"]
    ordering = ["position", "id"]
    fields = ["category", "question_zh", "answer_zh", "question_en", "answer_en", "keywords", "published",
              "position", "preview", "updated_by", "updated_at"]
    readonly_fields = ["preview", "updated_by", "updated_at"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<div class="faq-preview"><div lang="zh-hans"><strong>{}</strong><p style="white-space:pre-line">{}</p>'
            '</div><div lang="en"><strong>{}</strong><p style="white-space:pre-line">{}</p></div></div>',
            obj.question_zh, obj.answer_zh, obj.question_en, obj.answer_en)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


# ------------------------------------------------------------------ the daily classification
def _total(counts: dict, column: str) -> int:
    return sum((row.get(column) or 0) for row in counts.values())


def _total_column(key: str, label):
    """A changelist column: the day's total of one count over every category."""

    @admin.display(description=label)
    def column(self, obj):
        return _total(obj.counts, key)

    return column


@admin.register(TicketDailySummary)
class TicketDailySummaryAdmin(admin.ModelAdmin):
    """Aggregates only (operations and managers read it): no user's personal data."""

    list_display = ["date", "opened", "resolved", "unresolved", "first_answer_late", "resolution_late",
                    "satisfaction", "built_at"]
    fields = ["date", "table", "built_at"]
    readonly_fields = fields
    date_hierarchy = "date"
    actions = ["rebuild"]
    change_list_template = "admin/support/ticketdailysummary/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    opened = _total_column("opened", _("opened"))
    resolved = _total_column("resolved", _("resolved"))
    unresolved = _total_column("unresolved", _("unresolved"))
    first_answer_late = _total_column("first_answer_late", _("first answers late"))
    resolution_late = _total_column("resolution_late", _("resolutions late"))

    @admin.display(description=_("satisfaction"))
    def satisfaction(self, obj):
        value = selectors.summary_rows(obj)[1]["satisfaction"]
        return "—" if value is None else value

    @admin.display(description=_("by category"))
    def table(self, obj):
        rows, total = selectors.summary_rows(obj)
        columns = selectors.SUMMARY_COLUMNS + ("satisfaction",)
        head = format_html_join("", "<th>{}</th>", ((label,) for label in (
            _("category"), _("opened"), _("resolved"), _("unresolved"), _("first answers late"),
            _("resolutions late"), _("satisfaction"))))
        body = format_html_join("", "<tr><td>{}</td>" + "<td>{}</td>" * len(columns) + "</tr>", (
            (row["category"], *[("—" if row.get(c) is None else row.get(c)) for c in columns]) for row in rows))
        foot = format_html("<tr><th>{}</th>" + "<th>{}</th>" * len(columns) + "</tr>", _("total"),
                           *[("—" if total.get(c) is None else total.get(c)) for c in columns])
        return format_html('<table class="ticket-summary"><thead><tr>{}</tr></thead><tbody>{}</tbody>'
                           "<tfoot>{}</tfoot></table>", head, body, foot)

    @admin.action(description=_("Rebuild the selected days"), permissions=["view"])
    def rebuild(self, request, queryset):
        days = list(queryset.values_list("date", flat=True))
        for day in days:
            ticket_daily_summary_build(day=day)
        self.message_user(request, _("%(count)d day(s) rebuilt.") % {"count": len(days)}, messages.SUCCESS)

    def get_urls(self):
        return [path("rebuild/", self.admin_site.admin_view(self.rebuild_view),
                     name="support_ticketdailysummary_rebuild"), *super().get_urls()]

    def rebuild_view(self, request):
        """Build (or rebuild) the summary of one day, for a day beat missed or a correction."""
        if not request.user.has_perm(SUMMARY_PERMISSION):
            raise PermissionDenied
        form = RebuildSummaryForm(request.POST or None, initial={
            "date": timezone.localdate() - dt.timedelta(days=1)})
        if request.method == "POST" and form.is_valid():
            summary = ticket_daily_summary_build(day=form.cleaned_data["date"])
            self.message_user(request, _("The summary of %(day)s was built.") % {"day": summary}, messages.SUCCESS)
            return redirect(reverse("admin:support_ticketdailysummary_change", args=[summary.pk]))
        return TemplateResponse(request, "admin/jobs/reason_form.html", {
            **self.admin_site.each_context(request), "title": _("Build a day's summary"),
            "subject": _("Tickets classified by category"), "form": form, "opts": self.opts,
            "back_url": reverse("admin:support_ticketdailysummary_changelist"),
        })
