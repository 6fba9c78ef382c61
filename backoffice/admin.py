"""The back office in the admin: the reports under the ledger accounts (F3.3);
audits with their pack and findings to closure (F4); expense claims, budgets,
adjusting transactions and monthly reconciliations (F1, F2, F3.1); employers'
invoice requests (F1, E5)."""

from . import admin_audits, admin_expenses, admin_invoices, admin_reports  # noqa: F401
