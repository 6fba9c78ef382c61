"""Finance staff read the ledger in the admin; nobody can write it here. They
import bank statements and work the manual matching queue of payments in (E5.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.access import signed_in_user
from core.admin_mixins import ReadOnlyAdmin
from core.errors import DomainError
from core.money import format_fen

from .banking import (
    IMPORT_PERMISSION,
    MATCH_PERMISSION,
    StatementInvalid,
    bank_line_ignore,
    bank_line_match,
    statement_import,
)
from .forms import LineIgnoreForm, LineMatchForm, StatementUploadForm
from .models import (
    BankStatementImport,
    BankStatementLine,
    FundingReference,
    IntegrityRun,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from .services import integrity_run

if TYPE_CHECKING:
    from django.utils.safestring import SafeString
    from django_stubs_ext import StrOrPromise

RUN_CHECK_PERMISSION = "finance.add_integrityrun"


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = readonly_fields = ("account", "amount")
    extra = 0

    @admin.display(description=_("amount (debit +)"))
    def amount(self, obj: LedgerEntry) -> str:
        return format_fen(obj.amount_fen)
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: LedgerTransaction | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LedgerTransaction | None = None) -> bool:
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "employer", "student", "readable_balance"]
    fields = readonly_fields = ("code", "kind", "employer", "student", "readable_balance", "created_at")
    list_filter = ["kind"]
    search_fields = ["code"]
    list_select_related = ["employer", "student"]

    @admin.display(description=_("balance"))
    def readable_balance(self, obj: LedgerAccount) -> str:
        """In yuan, like every other amount (issue 23; the ledger itself stays fen)."""
        return format_fen(obj.balance)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "key", "memo", "reverses"]
    list_filter = ["kind"]
    search_fields = ["key", "memo"]
    inlines = [EntryInline]


@admin.register(IntegrityRun)
class IntegrityRunAdmin(ReadOnlyAdmin):
    """The integrity runs (F3.3), with "Run the check now" on the list."""

    list_display = ["ran_at", "problem_count"]
    change_list_template = "admin/finance/integrityrun/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        return [path("run/", self.admin_site.admin_view(self.run_view), name="finance_integrityrun_run"),
                *super().get_urls()]

    def run_view(self, request: HttpRequest) -> HttpResponseBase:
        """POST: run every integrity check now and show the run."""
        if not request.user.has_perm(RUN_CHECK_PERMISSION):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = integrity_run()
        if run.problem_count:
            self.message_user(request, _("The check found %(n)d problems.") % {"n": run.problem_count},
                              messages.ERROR)
        else:
            self.message_user(request, _("The check found no problem."), messages.SUCCESS)
        return redirect(reverse("admin:finance_integrityrun_change", args=[run.pk]))


# ====================================================================== money in (E5.1)
# Finance staff upload bank statements (the "add" page of the imports is the
# upload form) and work the manual matching queue: lines waiting for a match
# are matched to an employer or ignored with a reason, each through a service.
DECIDE_TEMPLATE = "admin/jobs/reason_form.html"  # the generic "decide with a form" page


@admin.register(FundingReference)
class FundingReferenceAdmin(ReadOnlyAdmin):
    list_display = ["code", "employer", "created_at"]
    search_fields = ["code", "employer__name"]
    list_select_related = ["employer"]


@admin.register(BankStatementImport)
class BankStatementImportAdmin(ReadOnlyAdmin):
    list_display = ["uploaded_at", "file_name", "uploaded_by", "row_count", "created_count", "matched_count",
                    "duplicate_count", "outgoing_count", "status"]
    list_filter = ["status"]
    list_select_related = ["uploaded_by"]
    exclude = ["file_sha256"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The upload form: import, then show the import with its waiting lines."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                statement = statement_import(uploaded_file=form.cleaned_data["file"],
                                             actor=signed_in_user(request))
            except StatementInvalid as error:
                for message in error.errors:
                    form.add_error("file", message)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                self.message_user(request, _(
                    "Imported %(file)s: %(new)d new lines, %(matched)d matched, %(duplicates)d already imported, "
                    "%(outgoing)d outgoing ignored.") % {
                        "file": statement.file_name, "new": statement.created_count,
                        "matched": statement.matched_count, "duplicates": statement.duplicate_count,
                        "outgoing": statement.outgoing_count}, messages.SUCCESS)
                return redirect(reverse("admin:finance_bankstatementline_changelist")
                                + f"?statement__id__exact={statement.pk}")
        return TemplateResponse(request, "admin/finance/statement_upload.html", {
            **self.admin_site.each_context(request), "title": _("Import a bank statement"), "form": form,
            "opts": self.opts,
        })


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyAdmin):
    list_display = ["booked_on", "transaction_id", "amount", "payer_name", "reference_text", "status",
                    "matched_employer", "decide"]
    list_filter = ["status", "bank", "booked_on"]
    search_fields = ["transaction_id", "payer_name", "reference_text"]
    list_select_related = ["matched_employer"]
    readonly_fields = ["decide"]
    object_route_permissions = {"finance_bankstatementline_match": MATCH_PERMISSION,
                                "finance_bankstatementline_ignore": MATCH_PERMISSION}

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj: BankStatementLine) -> str:
        return format_fen(obj.amount_fen)

    @admin.display(description=_("decide"))
    def decide(self, obj: BankStatementLine) -> str | SafeString:
        if obj.status != BankStatementLine.Status.UNMATCHED:
            return obj.ignore_reason or "—"
        return format_html('<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
                           reverse("admin:finance_bankstatementline_match", args=[obj.pk]), _("Match to an employer"),
                           reverse("admin:finance_bankstatementline_ignore", args=[obj.pk]), _("Ignore"))

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:pk>/match/", self.admin_site.admin_view(self.match_view),
                 name="finance_bankstatementline_match"),
            path("<int:pk>/ignore/", self.admin_site.admin_view(self.ignore_view),
                 name="finance_bankstatementline_ignore"),
            *super().get_urls(),
        ]

    def match_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._decide(request, pk, form_class=LineMatchForm, title=_("Match the payment to an employer"),
                            run=lambda line, data: bank_line_match(line_id=line.pk, employer_id=data["employer"],
                                                                   actor=signed_in_user(request)))

    def ignore_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return self._decide(request, pk, form_class=LineIgnoreForm, title=_("Ignore the payment"),
                            run=lambda line, data: bank_line_ignore(line_id=line.pk, reason=data["reason"],
                                                                    actor=signed_in_user(request)))

    def _decide(self, request: HttpRequest, pk: int, *, form_class: type[forms.Form], title: StrOrPromise,
                run: Callable[[BankStatementLine, dict[str, Any]], object]) -> HttpResponseBase:
        if not request.user.has_perm(MATCH_PERMISSION):
            raise PermissionDenied
        line = self.get_object(request, str(pk))
        if line is None:
            raise Http404
        change_url = reverse("admin:finance_bankstatementline_change", args=[line.pk])
        if line.status != BankStatementLine.Status.UNMATCHED:
            self.message_user(request, _("This line has already been matched or ignored."), messages.WARNING)
            return redirect(change_url)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run(line, form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": title}, messages.SUCCESS)
                return redirect(reverse("admin:finance_bankstatementline_changelist")
                                + f"?status__exact={BankStatementLine.Status.UNMATCHED}")
        subject = f"{line.booked_on} · {format_fen(line.amount_fen)} · {line.payer_name} · {line.reference_text}"
        return TemplateResponse(request, DECIDE_TEMPLATE, {
            **self.admin_site.each_context(request), "title": title, "subject": subject, "form": form,
            "opts": self.opts, "original": line, "back_url": change_url,
        })


# Refunds of unused escrow (E5.1). The guarantee fund's page is settlements' (settlements.admin_guarantee);
# the reports, audits, expenses and reconciliations are the back office's (backoffice.admin).
from . import admin_refunds  # noqa: E402, F401
