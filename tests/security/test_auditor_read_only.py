"""The auditor reads finance and changes nothing (F4, P1): signed in as the
auditor, every finance, risk and core admin model refuses add, change and
delete, every POST to a finance admin or finance page is refused or writes
nothing, and the changelists the role may read open."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from core.policy import get_policy
from finance.banking import funding_reference_for
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind, EscrowRefund
from finance.services import integrity_run
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import AuditFindingFactory
from tests.factories.employers import EmployerFactory
from tests.security.test_access_matrix import database_fingerprint

pytestmark = pytest.mark.django_db

APPS = ("finance", "backoffice", "risk", "core")
# The money pages: the ledger's, the back office's, and the funding page (settlements').
MONEY_APPS = ("finance", "backoffice")
MONEY_NAMESPACES = ("finance", "backoffice", "funding")
REFUSED = (403, 404, 405)
# Report pages that only read and answer a POST as a GET (backoffice.admin_reports): they must write nothing.
# Finance pages every staff member uses for their own expense claims (issue 9, H10).
OWN_CLAIM_PAGES = {"expense_new"}
READ_ONLY_REPORTS = {"finance_report_settlements", "finance_report_reconciliation", "finance_report_trial_balance"}


def refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and response["Location"].startswith(("/accounts/login/", "/admin/login/"))


@pytest.fixture
def auditor_world():
    """Something to look at: a funded escrow, an integrity run, a refund request, an audit with a finding."""
    get_policy()  # the policy row exists in every installation (core.admin offers "add" only before it does)
    employer = EmployerFactory(approved=True)
    transaction_post(key="auditor-world", kind="escrow_funding", memo="m", lines=[
        (platform_account(AccountKind.BANK_CLEARING), 1_000), (employer_escrow(employer.pk), -1_000)])
    integrity_run()
    funding_reference_for(employer.pk)
    EscrowRefund.objects.create(employer=employer, amount_fen=100, account_holder=employer.name,
                                bank_name="招商银行", account_number="6222021234567890",
                                requested_by=employer.members.get().user)
    AuditFindingFactory(due_on=dt.date(2026, 12, 1))
    auditor = StaffFactory(role="auditor")
    return auditor, login_with_mfa(Client(), auditor)


def _models():
    return sorted(((m, a) for m, a in admin.site._registry.items() if m._meta.app_label in APPS),
                  key=lambda item: item[0]._meta.label)


def test_f4_auditor_cannot_add_change_or_delete_any_finance_risk_or_core_record(auditor_world):
    # given the auditor signed in with the second factor
    auditor, client = auditor_world
    before = database_fingerprint()
    opened = 0
    for model, _model_admin in _models():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        # then the changelist opens for what the role reads, and is refused otherwise
        response = client.get(reverse(f"{name}_changelist"))
        if auditor.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            assert response.status_code == 200, f"{opts.label} changelist → {response.status_code}"
            opened += 1
        else:
            assert refused(response), f"{opts.label} changelist → {response.status_code}"
        # and adding is refused
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(f"{name}_add"))
            assert refused(response), f"{opts.label} add {method} → {response.status_code}"
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        # and so are changing and deleting
        response = client.post(reverse(f"{name}_change", args=[obj.pk]), {})
        assert refused(response), f"{opts.label} change POST → {response.status_code}"
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(f"{name}_delete", args=[obj.pk]))
            assert refused(response), f"{opts.label} delete {method} → {response.status_code}"
    assert opened >= 15
    assert database_fingerprint() == before


def _finance_admin_custom_routes():
    """(route name, kwargs) of the finance admins' own views (not add/change/delete/history)."""
    standard = ("_changelist", "_add", "_change", "_delete", "_history", "_autocomplete")
    for model, model_admin in _models():
        if model._meta.app_label not in MONEY_APPS:
            continue
        obj = model._default_manager.order_by("pk").first()
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name or pattern.name.endswith(standard):
                continue
            params = set(pattern.pattern.regex.groupindex)
            if not params:
                yield pattern.name, {}
            elif params <= {"pk", "object_id"} and obj is not None:
                yield pattern.name, {p: obj.pk for p in params}
            elif "transition_name" in params and obj is not None:
                for field_name in getattr(model_admin, "fsm_fields", []):
                    for transition in getattr(obj, f"get_all_{field_name}_transitions")():
                        yield pattern.name, {"object_id": obj.pk, "transition_name": transition.name}


def test_f4_auditor_posts_to_finance_admin_views_are_refused(auditor_world):
    _auditor, client = auditor_world
    before = database_fingerprint()
    probed = 0
    accepted = []
    for name, kwargs in _finance_admin_custom_routes():
        response = client.post(reverse(f"admin:{name}", kwargs=kwargs), {})
        if not refused(response) and name not in READ_ONLY_REPORTS:
            accepted.append(f"{name} → {response.status_code}")
        probed += 1
    assert not accepted
    assert probed >= 5
    assert database_fingerprint() == before


def test_f4_auditor_posts_to_finance_pages_write_nothing(auditor_world):
    """The finance pages (funding, refunds, expenses): the auditor's empty POST is refused or,
    on a page every staff member uses for their own expense claims, changes nothing."""
    _auditor, client = auditor_world
    resolver = get_resolver()
    finance_patterns = [p for p in resolver.url_patterns if getattr(p, "namespace", None) in MONEY_NAMESPACES]
    before = database_fingerprint()
    probed, accepted = 0, set()
    for include in finance_patterns:
        for pattern in include.url_patterns:
            params = set(pattern.pattern.regex.groupindex) | set(getattr(pattern.pattern, "converters", {}))
            kwargs = {p: 1 for p in params}
            name = f"{include.namespace}:{pattern.name}"
            response = client.post(reverse(name, kwargs=kwargs), {})
            assert response.status_code != 500
            if not refused(response):
                accepted.add(pattern.name)
                assert database_fingerprint() == before, f"{name} wrote as the auditor"
            probed += 1
    assert probed >= 3
    # Only the page where any staff member files their own expense claim takes the auditor's POST.
    assert accepted <= OWN_CLAIM_PAGES, accepted
    assert database_fingerprint() == before
