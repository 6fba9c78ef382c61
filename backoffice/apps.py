from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, FINANCE, MANAGER


class BackofficeConfig(AppConfig):
    """The platform's back office (F1, F2, F3.1, F3.3 reports, F4): above settlements,
    it reads settlements and the ledger; the ledger (finance) never imports it."""

    name = "backoffice"
    verbose_name = _("Finance back office")

    # What each staff role may do with this app's records (P1; synced by accounts.roles).
    role_permissions = {
        # F1, F2, F3, F4: budgets, approving and booking claims, adjusting transactions (another
        # finance member approves), the monthly reconciliation, audits and their findings.
        FINANCE: ["backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
                  "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest",
                  "backoffice.view_monthlyreconciliation", "backoffice.view_auditengagement",
                  "backoffice.view_auditfinding",
                  "backoffice.add_budget", "backoffice.change_budget", "backoffice.approve_as_finance",
                  "backoffice.add_adjustmentrequest", "backoffice.approve_adjustmentrequest",
                  "backoffice.add_monthlyreconciliation", "backoffice.sign_off_reconciliation",
                  "backoffice.add_auditengagement", "backoffice.change_auditengagement",
                  "backoffice.add_auditfinding", "backoffice.change_auditfinding", "backoffice.close_auditfinding",
                  # Invoices for employers' fees (F1, E5): finance issues them outside the platform and
                  # records them here.
                  "backoffice.view_invoicerequest", "backoffice.view_invoiceline",
                  "backoffice.issue_invoicerequest"],
        # F1, F2, F4: read-only, like everything an auditor sees.
        AUDITOR: ["backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
                  "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest",
                  "backoffice.view_monthlyreconciliation", "backoffice.view_auditengagement",
                  "backoffice.view_auditfinding", "backoffice.view_invoicerequest", "backoffice.view_invoiceline"],
        # F2, F4: department head and second approver of expense claims, budgets, audits and findings.
        MANAGER: ["backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
                  "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest",
                  "backoffice.view_monthlyreconciliation", "backoffice.view_auditengagement",
                  "backoffice.view_auditfinding",
                  "backoffice.approve_as_head", "backoffice.add_budget", "backoffice.change_budget",
                  "backoffice.add_auditengagement", "backoffice.change_auditengagement",
                  "backoffice.add_auditfinding", "backoffice.change_auditfinding", "backoffice.close_auditfinding"],
    }
