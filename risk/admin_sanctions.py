"""Staff screens for sanctions and appeals (E4.2).

A sanction is never saved from the admin: the add page is a form that calls
`risk.sanctions.violation_record`, which computes the rung from the subject's
strikes and applies its effects. Details are read-only with their history.
Appeals wait in a queue (open first, oldest first); a moderator other than the
one who imposed the sanction upholds or overturns it on a page of its own."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import DecideViewMixin, DefaultStatusFilter, ReadOnlyAdmin, history_table
from core.errors import DomainError

from . import sanctions as services
from .forms import AppealDecisionForm, ViolationForm
from .models import DECIDE_APPEAL_PERMISSION, IMPOSE_PERMISSION, Appeal, Sanction

REASON_FORM_TEMPLATE = "admin/jobs/reason_form.html"  # the generic "decide with a reason" page


def _form_error(form, error: DomainError) -> str | None:
    """Put a domain error on its field; return it when it belongs to no field."""
    if error.field in form.fields:
        form.add_error(error.field, str(error.message))
        return None
    return str(error.message)


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    # The subject's name costs a query per row: the list shows kind and id, the detail the name.
    list_display = ["id", "subject_kind", "subject_id", "rung", "category", "severe", "status", "starts_at",
                    "ends_at", "strike_expires_at", "imposed_by"]
    list_filter = ["level", "status", "subject_kind", "category"]
    list_select_related = ["imposed_by"]
    search_fields = ["=id", "=subject_id", "reason"]
    show_full_result_count = False
    fields = ["subject", "rung", "category", "severe", "reason", "evidence", "imposed_by", "source", "starts_at",
              "ends_at", "strike_expires_at", "appeal_due_at", "status", "appeal_link", "next_violation", "history"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return request.user.has_perm(IMPOSE_PERMISSION)

    @admin.display(description=_("about"))
    def subject(self, obj):
        label = services.subject_label(obj.subject_kind, obj.subject_id)
        return f"{obj.get_subject_kind_display()} {obj.subject_id}: {label}"

    @admin.display(description=_("sanction"), ordering="level")
    def rung(self, obj):
        return services.rung_text(obj)

    @admin.display(description=_("set off by"))
    def source(self, obj):
        return f"{obj.source_type} {obj.source_id}" if obj.source_type_id else "—"

    @admin.display(description=_("appeal"))
    def appeal_link(self, obj):
        appeal = Appeal.objects.filter(sanction=obj).first()
        if appeal is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:risk_appeal_change", args=[appeal.pk]),
                           appeal.get_status_display())

    @admin.display(description=_("another violation"))
    def next_violation(self, obj):
        """The add page prefilled with this subject: the ladder gives the next rung."""
        url = f"{reverse('admin:risk_sanction_add')}?subject_kind={obj.subject_kind}&subject_id={obj.subject_id}"
        return format_html('<a href="{}">{}</a>', url, _("Record another violation of this subject"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def add_view(self, request, form_url="", extra_context=None):
        """Record a violation: the ladder computes the rung, shown after saving."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ViolationForm(request.POST or None, initial=request.GET.dict() if request.method == "GET" else None)
        if request.method == "POST" and form.is_valid():
            try:
                sanction = services.violation_record(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                message = _form_error(form, error)
                if message:
                    form.add_error(None, message)
            else:
                self.message_user(request, _("Recorded: %(rung)s until %(until)s. The user has been told.") % {
                    "rung": services.rung_text(sanction),
                    "until": services._date(sanction.ends_at) if sanction.ends_at else _("further notice")},
                    messages.SUCCESS)
                return redirect("admin:risk_sanction_change", sanction.pk)
        return TemplateResponse(request, REASON_FORM_TEMPLATE, {
            **self.admin_site.each_context(request), "title": _("Record a violation"),
            "subject": _("The sanction follows from the subject's unexpired strikes: warning, restriction, "
                         "suspension 7 days, suspension 30 days, termination. Severe violations start at a "
                         "30-day suspension."),
            "form": form, "opts": self.opts, "back_url": reverse("admin:risk_sanction_changelist"),
        })


class AppealStatusFilter(DefaultStatusFilter):
    """By default what waits for a decision."""

    default = Appeal.Status.OPEN
    statuses = Appeal.Status.choices


@admin.register(Appeal)
class AppealAdmin(DecideViewMixin, ReadOnlyAdmin):
    list_display = ["id", "sanction", "appellant", "status", "created_at", "decided_by", "decided_at"]
    list_filter = [AppealStatusFilter]
    list_select_related = ["sanction", "appellant", "decided_by"]
    search_fields = ["=id", "=sanction__id", "appellant__email"]
    ordering = ["created_at", "id"]  # the oldest appeal waits longest
    show_full_result_count = False
    fields = ["sanction_link", "sanction_reason", "imposed_by", "appellant", "text", "evidence", "status",
              "decided_by", "decided_at", "decision_reason", "history"]
    object_route_permissions = {"risk_appeal_decide": DECIDE_APPEAL_PERMISSION}

    def get_fields(self, request, obj=None):
        if request.user.has_perm(DECIDE_APPEAL_PERMISSION):
            return ["decide", *self.fields]
        return list(self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("sanction"))
    def sanction_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:risk_sanction_change", args=[obj.sanction_id]),
                           f"{services.rung_text(obj.sanction)} – "
                           f"{services.subject_label(obj.sanction.subject_kind, obj.sanction.subject_id)}")

    @admin.display(description=_("reason for the sanction"))
    def sanction_reason(self, obj):
        return obj.sanction.reason

    @admin.display(description=_("imposed by"))
    def imposed_by(self, obj):
        return obj.sanction.imposed_by

    @admin.display(description=_("decide"))
    def decide(self, obj):
        if obj.status != Appeal.Status.OPEN:
            return _("Nothing to decide.")
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:risk_appeal_decide", args=[obj.pk]), _("Decide the appeal"))

    @admin.display(description=_("history"))
    def history(self, obj):
        return history_table(obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/decide/", view(self.decide_view), name="risk_appeal_decide"), *super().get_urls()]

    def decide_view(self, request, pk: int):
        return self.decide_view_for(
            request, pk, permission=DECIDE_APPEAL_PERMISSION, form_class=AppealDecisionForm,
            title=_("Decide the appeal"), applicable=lambda a: a.status == Appeal.Status.OPEN,
            already_decided=_("This appeal has already been decided."),
            # Refused before any form: a different staff member decides (E4.2).
            refuse=lambda a: (str(services.SameStaffMember.default_message)
                              if a.sanction.imposed_by_id == request.user.pk else None),
            describe=lambda a: (f"{services.rung_text(a.sanction)}: {a.sanction.reason} — {a.text}", None),
            run=lambda a, data: services.appeal_decide(appeal_id=a.pk, actor=request.user, **data))
