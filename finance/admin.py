"""Finance staff read the ledger in the admin; nobody can write it here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdmin

from .models import IntegrityRun, LedgerAccount, LedgerEntry, LedgerTransaction


class EntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["account", "amount_fen"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "employer", "student", "readable_balance"]
    list_filter = ["kind"]
    search_fields = ["code"]
    list_select_related = ["employer", "student"]

    @admin.display(description=_("balance (fen)"))
    def readable_balance(self, obj):
        return obj.balance


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "key", "memo", "reverses"]
    list_filter = ["kind"]
    search_fields = ["key", "memo"]
    inlines = [EntryInline]


@admin.register(IntegrityRun)
class IntegrityRunAdmin(ReadOnlyAdmin):
    list_display = ["ran_at", "problem_count"]
