"""P1: staff roles are groups; each app declares in its AppConfig which of its permissions
each role gets, and one post_migrate receiver (accounts.roles) makes the groups hold exactly
that, after every migrate, also on a fresh database.

The expected table below is frozen from a fresh database migrated before the declarations
moved into the apps (when accounts.roles held one table and data migrations granted it):
moving them changed no role's permissions."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import (
    AUDITOR,
    CUSTOMER_SERVICE,
    FINANCE,
    MANAGER,
    MODERATOR,
    OPERATIONS,
    STAFF_ROLES,
    app_role_permissions,
    declared_role_permissions,
    role_groups_sync,
)

EXPECTED_ROLE_PERMISSIONS: dict[str, set[str]] = {
    MODERATOR: {
        "accounts.reveal_personal_data", "accounts.vet_studentprofile", "accounts.view_studentprofile",
        "accounts.view_studentverification", "accounts.view_user",
        "accounts.view_guardianconsent", "accounts.view_guardiannotice",  # issue 19: minors (docs/minors.md)
        "applications.decide_case", "applications.view_application", "applications.view_attendance",
        "applications.view_demandreport", "applications.view_engagement", "applications.view_lossclaim",
        "applications.view_schedulechange",
        "applications.view_agreement",  # the service agreement (issue 19), added after the freeze
        "core.add_reasontemplate", "core.change_reasontemplate", "core.moderate_heldtext",
        "core.view_creditevent", "core.view_heldtext", "core.view_historyentry", "core.view_reasontemplate",
        "employers.vet_employer", "employers.view_employer", "employers.view_employermember",
        "employers.view_employerverification",
        "jobs.add_complianceterm", "jobs.add_minimumwage", "jobs.change_complianceterm",
        "jobs.change_minimumwage", "jobs.moderate_job", "jobs.view_complianceterm", "jobs.view_job",
        "jobs.view_jobflag", "jobs.view_jobrevision", "jobs.view_minimumwage", "jobs.view_patrolrun",
        "moderation.add_verificationstep", "moderation.resolve_report", "moderation.check_decision",
        "moderation.view_decisioncheck", "moderation.view_report", "moderation.view_verificationstep",
        "moderation.view_employerwatch",
        "reviews.view_review", "reviews.view_reviewwindow",
        "risk.add_externalflagimport", "risk.add_sanction", "risk.decide_appeal", "risk.view_appeal",
        "risk.view_creditscore", "risk.view_externalflagimport", "risk.view_sanction",
        "support.view_ticket",
    },
    CUSTOMER_SERVICE: {
        "accounts.view_studentprofile", "accounts.view_user",
        "applications.decide_case", "applications.view_application", "applications.view_attendance",
        "applications.view_demandreport", "applications.view_engagement", "applications.view_lossclaim",
        "applications.view_agreement",  # the service agreement (issue 19), added after the freeze
        "core.view_creditevent", "core.view_historyentry",
        "employers.view_employer", "employers.view_employermember",
        "jobs.view_job",
        "moderation.view_report",
        "risk.view_appeal", "risk.view_creditscore", "risk.view_sanction",
        "settlements.change_paymentdispute", "settlements.view_paymentdispute",
        "settlements.view_settlementadjustment",
        "support.add_faqentry", "support.change_faqentry", "support.change_ticket", "support.view_faqentry",
        "support.view_ticket", "support.view_ticketdailysummary", "support.view_ticketmessage",
    },
    OPERATIONS: {
        "core.add_calendaroverride", "core.add_calendaryearconfirmation", "core.change_calendaroverride",
        "core.view_backuprecord", "core.view_calendaroverride", "core.view_calendaryearconfirmation",
        "core.view_policy", "core.view_policychange",
        "jobs.view_minimumwage", "jobs.view_patrolrun",
        # The search's synonym table (S2.1), added after the freeze.
        "jobs.add_searchsynonym", "jobs.change_searchsynonym", "jobs.delete_searchsynonym",
        "jobs.view_searchsynonym",
        "operations.add_campaign", "operations.add_dailycheck", "operations.change_campaign",
        "operations.sign_off_dailycheck", "operations.view_campaign", "operations.view_campaignsignup",
        "operations.view_campaignvisit", "operations.view_dailycheck", "operations.view_taskfailure",
        "operations.view_weeklyreport",
        "risk.view_keyriskindicator", "risk.view_krireading",
        "support.view_ticketdailysummary",
    },
    FINANCE: {
        # The service agreement (issue 19): finance decides payment disputes; added after the freeze.
        "applications.view_agreement",
        # Invoices for employers' fees (F1, E5), added after the freeze.
        "backoffice.view_invoicerequest", "backoffice.view_invoiceline", "backoffice.issue_invoicerequest",
        "backoffice.add_adjustmentrequest", "backoffice.add_auditengagement", "backoffice.add_auditfinding",
        "backoffice.add_budget", "backoffice.add_monthlyreconciliation",
        "backoffice.approve_adjustmentrequest", "backoffice.approve_as_finance",
        "backoffice.change_auditengagement", "backoffice.change_auditfinding", "backoffice.change_budget",
        "backoffice.close_auditfinding", "backoffice.sign_off_reconciliation",
        "backoffice.view_adjustmentrequest", "backoffice.view_auditengagement",
        "backoffice.view_auditfinding", "backoffice.view_budget", "backoffice.view_expenseapproval",
        "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_monthlyreconciliation",
        "core.view_backuprecord", "core.view_policy",
        # four eyes on who withholds income tax (docs/tax.md)
        "core.view_policychangerequest", "core.add_policychangerequest", "core.approve_policychangerequest",
        "employers.view_employer",
        "finance.add_bankstatementimport", "finance.add_integrityrun", "finance.execute_escrowrefund",
        "finance.match_bankstatementline", "finance.view_bankstatementimport",
        "finance.view_bankstatementline", "finance.view_escrowrefund", "finance.view_fundingreference",
        "finance.view_integrityrun", "finance.view_ledgeraccount", "finance.view_ledgerentry",
        "finance.view_ledgertransaction",
        "risk.view_keyriskindicator", "risk.view_krireading", "risk.view_riskitem",
        "settlements.change_paymentdispute", "settlements.execute_payoutbatch",
        "settlements.view_paymentdispute", "settlements.view_payout", "settlements.view_payoutbatch",
        "settlements.view_payoutmethod", "settlements.view_settlement",
        "settlements.view_settlementadjustment", "settlements.view_settlementline",
        # income tax (docs/tax.md): the withholding list and the month's remittance
        "settlements.remit_tax", "settlements.view_taxremittance", "settlements.view_taxwithholding",
        # the quarterly tax information report (国务院令第810号 art. 4)
        "settlements.view_taxinforeport", "settlements.submit_taxinforeport",
        "settlements.view_employerwithholding",
        "support.view_ticket", "support.view_ticketmessage",
    },
    AUDITOR: {
        "backoffice.view_invoicerequest", "backoffice.view_invoiceline",  # F1, E5: added after the freeze
        "accounts.view_personaldataaccess",
        "accounts.view_minorsdataaudit",  # issue 19: the yearly audit of minors' personal data
        "backoffice.view_adjustmentrequest", "backoffice.view_auditengagement",
        "backoffice.view_auditfinding", "backoffice.view_budget", "backoffice.view_expenseapproval",
        "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_monthlyreconciliation",
        "core.view_backuprecord", "core.view_historyentry", "core.view_policy", "core.view_policychange",
        "core.view_policychangerequest",
        "finance.view_bankstatementimport", "finance.view_bankstatementline", "finance.view_escrowrefund",
        "finance.view_fundingreference", "finance.view_integrityrun", "finance.view_ledgeraccount",
        "finance.view_ledgerentry", "finance.view_ledgertransaction",
        "moderation.view_report", "moderation.view_verificationstep",
        "risk.view_contingencyplan", "risk.view_keyriskindicator", "risk.view_krireading",
        "risk.view_legalopinion", "risk.view_riskitem",
    },
    MANAGER: {
        "accounts.reset_second_factor", "accounts.view_consent", "accounts.view_deletionrequest",
        "accounts.view_personaldataaccess", "accounts.view_studentprofile", "accounts.view_user",
        # issue 19: minors (docs/minors.md)
        "accounts.view_guardianconsent", "accounts.view_guardiannotice", "accounts.view_minorsdataaudit",
        "applications.view_application", "applications.view_attendance", "applications.view_demandreport",
        "applications.view_engagement", "applications.view_lossclaim",
        "applications.view_agreement",  # the service agreement (issue 19), added after the freeze
        "backoffice.add_auditengagement", "backoffice.add_auditfinding", "backoffice.add_budget",
        "backoffice.approve_as_head", "backoffice.change_auditengagement", "backoffice.change_auditfinding",
        "backoffice.change_budget", "backoffice.close_auditfinding", "backoffice.view_adjustmentrequest",
        "backoffice.view_auditengagement", "backoffice.view_auditfinding", "backoffice.view_budget",
        "backoffice.view_expenseapproval", "backoffice.view_expenseclaim", "backoffice.view_expensereceipt",
        "backoffice.view_monthlyreconciliation",
        "core.add_calendaryearconfirmation", "core.change_policy", "core.view_backuprecord",
        "core.view_calendaroverride", "core.view_calendaryearconfirmation", "core.view_creditevent",
        "core.view_historyentry", "core.view_policy", "core.view_policychange",
        "core.view_policychangerequest", "core.add_policychangerequest", "core.approve_policychangerequest",
        "employers.view_employer",
        "jobs.change_complianceterm", "jobs.change_minimumwage", "jobs.view_complianceterm",
        "jobs.view_job", "jobs.view_minimumwage", "jobs.view_patrolrun",
        "moderation.view_decisioncheck", "moderation.view_report", "moderation.view_decisioncheck_report",
        "moderation.view_verificationstep", "moderation.view_employerwatch",
        "operations.add_rewardorpenalty", "operations.add_staffappraisal", "operations.decide_suggestion",
        "operations.view_campaign", "operations.view_dailycheck", "operations.view_rewardorpenalty",
        "operations.view_staffappraisal", "operations.view_suggestion", "operations.view_weeklyreport",
        "risk.add_contingencyplan", "risk.add_keyriskindicator", "risk.add_legalopinion",
        "risk.add_riskitem", "risk.change_contingencyplan", "risk.change_keyriskindicator",
        "risk.change_legalopinion", "risk.change_riskitem", "risk.view_contingencyplan",
        "risk.view_keyriskindicator", "risk.view_krireading", "risk.view_legalopinion", "risk.view_riskitem",
        "support.view_ticket", "support.view_ticketdailysummary",
    },
}


def _held() -> dict[str, set[str]]:
    """What each role group holds now: role → dotted permission names."""
    held: dict[str, set[str]] = {role: set() for role in STAFF_ROLES}
    for name, app_label, codename in Group.permissions.through.objects.filter(group__name__in=STAFF_ROLES).values_list(
            "group__name", "permission__content_type__app_label", "permission__codename"):
        held[name].add(f"{app_label}.{codename}")
    return held


def _sync_every_app() -> None:
    for app_config in apps.get_app_configs():
        role_groups_sync(app_config=app_config)


def test_p1_the_apps_declarations_together_give_each_role_what_it_had():
    # given every installed app's AppConfig.role_permissions
    # when they are put together
    declared = declared_role_permissions()
    # then each role has exactly the permissions it had when accounts.roles held them all
    assert declared == EXPECTED_ROLE_PERMISSIONS


def test_p1_a_fresh_migrate_gives_each_role_group_exactly_its_declared_permissions(db):
    # given the test database, migrated from nothing (the data migrations grant no role anything)
    # then every role group exists and holds exactly its declared permissions: every declared
    # permission exists (no typo is skipped silently) and the sync ran after auth created them
    assert set(Group.objects.filter(name__in=STAFF_ROLES).values_list("name", flat=True)) == set(STAFF_ROLES)
    assert _held() == declared_role_permissions() == EXPECTED_ROLE_PERMISSIONS


def test_p1_syncing_the_role_groups_twice_changes_nothing(db):
    # given the groups as migrate left them
    rows = set(Group.permissions.through.objects.values_list("pk", "group_id", "permission_id"))
    groups = set(Group.objects.values_list("pk", "name"))
    # when the sync runs again for every app, twice
    with CaptureQueriesContext(connection) as queries:
        _sync_every_app()
        _sync_every_app()
    # then it wrote nothing: the same rows, no insert, update or delete
    assert set(Group.permissions.through.objects.values_list("pk", "group_id", "permission_id")) == rows
    assert set(Group.objects.values_list("pk", "name")) == groups
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


def test_p1_after_migrate_the_declarations_are_the_truth_for_the_role_groups_only(db):
    # given a moderator group that was given an undeclared permission by hand and lost a declared one,
    # a missing auditor group, and a group that is not a staff role
    moderator = Group.objects.get(name=MODERATOR)
    moderator.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="delete_job"),
                              Permission.objects.get(content_type__app_label="auth", codename="add_group"))
    moderator.permissions.remove(Permission.objects.get(content_type__app_label="jobs", codename="moderate_job"))
    Group.objects.filter(name=AUDITOR).delete()
    other = Group.objects.create(name="volunteers")
    other.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="delete_job"))

    # when post_migrate fires, as after any migrate
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    # then the role groups hold exactly what the apps declare again, and the other group keeps its own
    assert _held() == EXPECTED_ROLE_PERMISSIONS
    assert list(other.permissions.values_list("codename", flat=True)) == ["delete_job"]


def test_p1_an_app_grants_only_its_own_permissions_and_only_to_staff_roles():
    # given declarations that name another app's permission, or a role that does not exist
    foreign = SimpleNamespace(label="jobs", role_permissions={MODERATOR: ["jobs.view_job", "core.view_policy"]})
    unknown = SimpleNamespace(label="jobs", role_permissions={"intern": ["jobs.view_job"]})
    fine = SimpleNamespace(label="jobs", role_permissions={FINANCE: ["jobs.view_job"]})
    # then they are refused (the app that owns a permission says who gets it), and a good one is read
    with pytest.raises(ImproperlyConfigured, match="core.view_policy"):
        app_role_permissions(foreign)
    with pytest.raises(ImproperlyConfigured, match="intern"):
        app_role_permissions(unknown)
    assert app_role_permissions(fine) == {FINANCE: {"jobs.view_job"}}
    # and every installed app's declaration reads without error, for every role
    for app_config in apps.get_app_configs():
        app_role_permissions(app_config)
    assert set(declared_role_permissions()) == {MODERATOR, CUSTOMER_SERVICE, OPERATIONS, FINANCE, AUDITOR, MANAGER}


def test_p1_no_migration_grants_role_permissions_with_live_code():
    # given every migration of the project's own apps
    migrations = [path for app_config in apps.get_app_configs()
                  if Path(app_config.path).parent == settings.BASE_DIR
                  for path in Path(app_config.path, "migrations").glob("[0-9]*.py")]
    assert len(migrations) > 50
    # then none imports the roles' live code: the post_migrate receiver grants them
    offenders = [path.name for path in migrations
                 if "accounts.roles import" in (text := path.read_text()) or "sync_role_permissions" in text]
    assert offenders == []
