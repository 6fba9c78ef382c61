"""The back office's expense screens (F2): the queue of claims waiting for me,
approving through the service from the list, budgets set through the service
with spent and remaining; auditors read and change nothing."""

import datetime as dt

import pytest

from backoffice.expenses import claim_submit
from backoffice.models import Budget, ExpenseClaim
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import budget_make, receipt_png

pytestmark = pytest.mark.django_db


def _claim(claimant, amount_fen=10_000):
    return claim_submit(claimant=claimant, category="office", spent_on=dt.date.today(), amount_fen=amount_fen,
                        description="Toner", receipts=[receipt_png()])


def test_f2_admin_queue_and_approving_selected_claims_through_the_service(staff_client,
                                                                          django_assert_max_num_queries):
    client, head = staff_client("manager")
    others = [_claim(StaffFactory(role="customer_service")) for _ in range(3)]
    own = _claim(head)
    with django_assert_max_num_queries(20):
        page = client.get("/admin/backoffice/expenseclaim/?queue=mine")
    assert page.status_code == 200
    assert all(f"/finance/expenses/{c.pk}/".encode() in page.content for c in others)
    assert f"/finance/expenses/{own.pk}/".encode() not in page.content
    response = client.post("/admin/backoffice/expenseclaim/", {
        "action": "approve_selected", "_selected_action": [others[0].pk, own.pk]}, follow=True)
    assert response.status_code == 200 and b"your own expense claim" in response.content
    assert ExpenseClaim.objects.get(pk=others[0].pk).status == ExpenseClaim.Status.APPROVED
    assert ExpenseClaim.objects.get(pk=own.pk).status == ExpenseClaim.Status.SUBMITTED


def test_f2_budget_set_in_the_admin_shows_spent_and_remaining(staff_client):
    client, finance = staff_client("finance")
    start = dt.date.today().replace(day=1)
    response = client.post("/admin/backoffice/budget/add/", {
        "category": "office", "period_start": start.isoformat(),
        "period_end": (start + dt.timedelta(days=27)).isoformat(), "amount": "1,000.00"})
    assert response.status_code == 302
    budget = Budget.objects.get()
    assert (budget.amount_fen, budget.created_by) == (100_000, finance)
    page = client.get("/admin/backoffice/budget/")
    assert "¥1,000.00".encode() in page.content


def test_f2_auditor_reads_claims_and_budgets_and_changes_nothing(staff_client):
    client, _auditor = staff_client("auditor")
    claim = _claim(StaffFactory(role="customer_service"))
    budget = budget_make(category="office", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), amount_fen=1)
    assert client.get(f"/admin/backoffice/expenseclaim/{claim.pk}/change/").status_code == 200
    assert client.get(f"/admin/backoffice/budget/{budget.pk}/change/").status_code == 200
    assert client.get("/admin/backoffice/budget/add/").status_code == 403
    assert client.post(f"/admin/backoffice/budget/{budget.pk}/change/", {"amount": "9"}).status_code == 403
    client.post("/admin/backoffice/expenseclaim/", {"action": "approve_selected", "_selected_action": [claim.pk]})
    assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.SUBMITTED
