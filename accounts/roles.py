"""Staff roles (P1) as groups, with the permissions each needs.

A data migration creates the groups; apps that add permissions later call
`sync_role_permissions` from their own data migration so roles stay complete."""

from django.utils.translation import gettext_lazy as _

MODERATOR = "moderator"
CUSTOMER_SERVICE = "customer_service"
OPERATIONS = "operations"
FINANCE = "finance"
AUDITOR = "auditor"
MANAGER = "manager"

ROLE_LABELS = {
    MODERATOR: _("Moderator"),
    CUSTOMER_SERVICE: _("Customer service"),
    OPERATIONS: _("Operations"),
    FINANCE: _("Finance"),
    AUDITOR: _("Auditor"),
    MANAGER: _("Manager"),
}

# "app_label.codename"; a codename that does not exist (yet) is skipped.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    MODERATOR: [
        "accounts.view_user",
        "accounts.view_studentprofile", "accounts.review_studentprofile",
        "accounts.view_studentverification",
        "accounts.reveal_personal_data",
        "employers.view_employer", "employers.review_employer",
        "employers.view_employerverification", "employers.view_employermember",
        "core.view_historyentry", "core.view_reasontemplate", "core.add_reasontemplate",
        "core.change_reasontemplate",
        "jobs.view_job", "jobs.moderate_job", "jobs.view_jobrevision", "jobs.view_jobflag",
        "jobs.view_complianceterm", "jobs.add_complianceterm", "jobs.change_complianceterm",
        "jobs.view_minimumwage", "jobs.add_minimumwage", "jobs.change_minimumwage",
        "jobs.view_patrolrun",
        "moderation.view_report", "moderation.resolve_report",
        "moderation.view_verificationstep", "moderation.add_verificationstep",
        # Self-review of decisions (P2.3): each moderator re-reviews a sample of others' decisions.
        "moderation.view_decisionreview", "moderation.review_decision",
        "applications.view_application", "applications.view_engagement", "applications.view_attendance",
        "applications.view_demandreport", "applications.view_lossclaim", "applications.decide_case",
        "core.view_creditevent",
        "support.view_ticket",
        # Reviews (S5.1, G3): moderators read reviews; reports of a review are moderation reports.
        "reviews.view_review", "reviews.view_reviewwindow",
        # Credit and sanctions (E4.2, K3): moderators impose sanctions and decide appeals (a different
        # moderator from the one who imposed it), import third-party credit flags (K3.3).
        "risk.view_creditscore", "risk.view_sanction", "risk.add_sanction", "risk.view_appeal",
        "risk.decide_appeal", "risk.view_externalflagimport", "risk.add_externalflagimport",
        # Texts the one gate held (G2, J1.4): moderators clear or reject them before anyone reads them.
        "core.view_heldtext", "core.moderate_heldtext", "applications.view_schedulechange",
    ],
    CUSTOMER_SERVICE: [
        "accounts.view_user", "accounts.view_studentprofile",
        "employers.view_employer", "employers.view_employermember",
        "core.view_historyentry",
        "jobs.view_job",
        "moderation.view_report",
        "applications.view_application", "applications.view_engagement", "applications.view_attendance",
        "applications.view_demandreport", "applications.view_lossclaim", "applications.decide_case",
        "core.view_creditevent", "risk.view_creditscore", "risk.view_sanction", "risk.view_appeal",
        "support.view_ticket", "support.change_ticket",
        # Customer service (P2.2): the conversation, the FAQ they keep, the daily classification.
        "support.view_ticketmessage", "support.view_faqentry", "support.add_faqentry", "support.change_faqentry",
        "support.view_ticketdailysummary",
        # Payment disputes (S4.3): customer service mediates and decides them, with finance.
        "settlements.view_paymentdispute", "settlements.change_paymentdispute",
        "settlements.view_settlementadjustment",
    ],
    OPERATIONS: [
        "core.view_policy", "core.view_policychange", "core.view_calendaroverride",
        "core.add_calendaroverride", "core.change_calendaroverride",
        # Deadlines, P2.1/K5: they confirm next year's make-up working days once entered.
        "core.view_calendaryearconfirmation", "core.add_calendaryearconfirmation",
        "jobs.view_patrolrun", "jobs.view_minimumwage",
        # P2.1: the daily check they sign off, the weekly report, campaigns; aggregates only.
        "operations.view_dailycheck", "operations.add_dailycheck", "operations.sign_off_dailycheck",
        "operations.view_taskfailure", "operations.view_weeklyreport", "operations.view_campaign",
        "operations.add_campaign", "operations.change_campaign", "operations.view_campaignvisit",
        "operations.view_campaignsignup", "support.view_ticketdailysummary",
        # K5 and the indicators on the daily check page (K1, P2.1).
        "core.view_backuprecord", "risk.view_keyriskindicator", "risk.view_krireading",
    ],
    FINANCE: [
        "settlements.view_settlement", "settlements.view_settlementline", "settlements.view_payoutmethod",
        "settlements.view_payoutbatch", "settlements.view_payout", "settlements.execute_payoutbatch",
        "finance.view_ledgeraccount", "finance.view_ledgertransaction", "finance.view_ledgerentry",
        "finance.view_integrityrun",
        "finance.view_fundingreference", "finance.view_bankstatementimport", "finance.add_bankstatementimport",
        "finance.view_bankstatementline", "finance.match_bankstatementline",
        "finance.add_integrityrun", "finance.view_escrowrefund", "finance.execute_escrowrefund",
        "employers.view_employer",
        "core.view_policy",
        # F1, F2, F3, F4: budgets, approving and booking claims, adjusting transactions (another
        # finance member approves), the monthly reconciliation, audits and their findings.
        "backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest", "backoffice.view_monthlyreconciliation",
        "backoffice.view_auditengagement", "backoffice.view_auditfinding", "core.view_backuprecord",
        "backoffice.add_budget", "backoffice.change_budget", "backoffice.approve_as_finance",
        "backoffice.add_adjustmentrequest", "backoffice.approve_adjustmentrequest",
        "backoffice.add_monthlyreconciliation", "backoffice.sign_off_reconciliation",
        "backoffice.add_auditengagement", "backoffice.change_auditengagement", "backoffice.add_auditfinding",
        "backoffice.change_auditfinding", "backoffice.close_auditfinding",
        "risk.view_riskitem", "risk.view_keyriskindicator", "risk.view_krireading",
        # Tickets escalated to finance (P2.2): they open the ticket from the notification.
        "support.view_ticket", "support.view_ticketmessage",
        # Payment disputes (S4.3): decided by finance or customer service; the adjustments they fund.
        "settlements.view_paymentdispute", "settlements.change_paymentdispute",
        "settlements.view_settlementadjustment",
        # Invoices for employers' fees (F1, E5): finance issues them outside the platform and records them.
        "backoffice.view_invoicerequest", "backoffice.view_invoiceline", "backoffice.issue_invoicerequest",
    ],
    AUDITOR: [
        "finance.view_ledgeraccount", "finance.view_ledgertransaction", "finance.view_ledgerentry",
        "finance.view_integrityrun",
        "finance.view_fundingreference", "finance.view_bankstatementimport", "finance.view_bankstatementline",
        "finance.view_escrowrefund",
        "core.view_policy", "core.view_policychange", "core.view_historyentry",
        "accounts.view_personaldataaccess",
        "moderation.view_report", "moderation.view_verificationstep",
        # F1, F2, F4, K1: the back office, read-only like everything an auditor sees.
        "backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest", "backoffice.view_monthlyreconciliation",
        "backoffice.view_auditengagement", "backoffice.view_auditfinding", "core.view_backuprecord",
        "risk.view_riskitem", "risk.view_keyriskindicator", "risk.view_krireading", "risk.view_legalreview",
        "risk.view_contingencyplan",
        "backoffice.view_invoicerequest", "backoffice.view_invoiceline",
    ],
    MANAGER: [
        "applications.view_application", "applications.view_engagement", "applications.view_attendance",
        "applications.view_demandreport", "applications.view_lossclaim", "core.view_creditevent",
        "core.view_policy", "core.change_policy", "core.view_policychange",
        "core.view_historyentry", "core.view_calendaroverride",
        "core.view_calendaryearconfirmation", "core.add_calendaryearconfirmation",
        "accounts.view_user", "accounts.view_studentprofile", "accounts.view_personaldataaccess",
        "accounts.view_consent", "accounts.view_deletionrequest",
        # J3: a colleague who lost their authenticator gets it reset by a manager (logged), never by themselves.
        "accounts.reset_second_factor",
        "employers.view_employer",
        "jobs.view_job", "jobs.view_complianceterm", "jobs.change_complianceterm", "jobs.view_minimumwage",
        "jobs.change_minimumwage", "jobs.view_patrolrun",
        "moderation.view_report", "moderation.view_verificationstep",
        "support.view_ticket",
        # F2, F4: department head and second approver of expense claims, budgets, audits and findings,
        # the risk register with its indicators, legal reviews and contingency plans (K1, K2, K4, K5).
        "backoffice.view_budget", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_expenseapproval", "backoffice.view_adjustmentrequest", "backoffice.view_monthlyreconciliation",
        "backoffice.view_auditengagement", "backoffice.view_auditfinding", "core.view_backuprecord",
        "backoffice.approve_as_head", "backoffice.add_budget", "backoffice.change_budget",
        "backoffice.add_auditengagement", "backoffice.change_auditengagement", "backoffice.add_auditfinding",
        "backoffice.change_auditfinding", "backoffice.close_auditfinding",
        "risk.view_riskitem", "risk.add_riskitem", "risk.change_riskitem", "risk.view_keyriskindicator",
        "risk.add_keyriskindicator", "risk.change_keyriskindicator", "risk.view_krireading",
        "risk.view_legalreview", "risk.add_legalreview", "risk.change_legalreview",
        "risk.view_contingencyplan", "risk.add_contingencyplan", "risk.change_contingencyplan",
        # P3: appraisals, rewards and penalties, suggestions; the reports operations builds; P2.3 agreement.
        "moderation.view_decisionreview", "moderation.view_selfreview_report",
        "operations.view_staffappraisal", "operations.add_staffappraisal", "operations.view_rewardorpenalty",
        "operations.add_rewardorpenalty", "operations.view_suggestion", "operations.decide_suggestion",
        "operations.view_weeklyreport", "operations.view_dailycheck", "operations.view_campaign",
        "support.view_ticketdailysummary",
    ],
}


def sync_role_permissions(apps) -> None:
    """Create the role groups and grant every listed permission that exists."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)
