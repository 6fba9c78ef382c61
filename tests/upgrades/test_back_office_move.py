"""The back office left finance with its tables (state-only move) and ledger
transactions learned their source: a database at the schema before that change,
with rows in every moved table, history rows pointing at them and role groups
holding their permissions, migrates forward with every row intact, the content
types re-pointed in place, and the old transactions' sources filled from their
keys (F1, F2, F3.3, F4; DESIGN: Money — no data is lost).

A migration test (django-test-migrations) sharing its round trip from nothing to the old
schema and forward again with the other upgrades (tests/upgrades/conftest.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db

MOVED = ["Budget", "ExpenseClaim", "ExpenseReceipt", "ExpenseApproval", "AdjustmentRequest",
         "MonthlyReconciliation", "AuditEngagement", "AuditFinding"]


@upgrade_seed("back_office", before={"finance": "0008_back_office_roles", "backoffice": None})
def seed(apps) -> dict:
    """Rows in every moved table (through the old finance models), history rows on them,
    and ledger transactions under the old key formats."""
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    ContentType = apps.get_model("contenttypes", "ContentType")
    HistoryEntry = apps.get_model("core", "HistoryEntry")
    LedgerTransaction = apps.get_model("finance", "LedgerTransaction")
    m = {name: apps.get_model("finance", name) for name in MOVED}
    staff = User.objects.create(email="finance@example.com", kind="staff", is_staff=True)
    head = User.objects.create(email="head@example.com", kind="staff", is_staff=True)
    today = dt.date(2026, 10, 1)
    m["Budget"].objects.create(category="office", period_start=today, period_end=today + dt.timedelta(days=30),
                               amount_fen=100_000, created_by=staff)
    claim = m["ExpenseClaim"].objects.create(claimant=staff, category="office", spent_on=today, amount_fen=5_000,
                                             description="paper", status="booked",
                                             ledger_key="expense_claim:1:booked")
    m["ExpenseReceipt"].objects.create(claim=claim, file="receipts/r.jpg")
    m["ExpenseApproval"].objects.create(claim=claim, stage="head", approver=head, approved=True)
    request = m["AdjustmentRequest"].objects.create(memo="misbooked", lines=[["a", 1], ["b", -1]],
                                                    requested_by=staff, status="posted", decided_by=head)
    m["MonthlyReconciliation"].objects.create(month=today, figures={"parts_difference": 0},
                                              prepared_at=timezone.now())
    engagement = m["AuditEngagement"].objects.create(title="Q3", kind="internal", period_start=today,
                                                     period_end=today, scope="ledger")
    finding = m["AuditFinding"].objects.create(engagement=engagement, title="late receipts", description="d",
                                               severity="low", owner=staff, due_on=today)
    claim_ct = ContentType.objects.get(app_label="finance", model="expenseclaim")
    finding_ct = ContentType.objects.get(app_label="finance", model="auditfinding")
    # a role group holding a back-office permission under its old name, as on a live database
    manager, _created = Group.objects.get_or_create(name="manager")
    manager.permissions.add(apps.get_model("auth", "Permission").objects.get(content_type=claim_ct,
                                                                             codename="approve_as_head"))
    HistoryEntry.objects.create(content_type=claim_ct, object_id=str(claim.pk), transition="approve_head",
                                from_state="submitted", to_state="approved", actor=head)
    HistoryEntry.objects.create(content_type=finding_ct, object_id=str(finding.pk), transition="create",
                                to_state="open", actor=staff)
    for key, kind in ((f"expense_claim:{claim.pk}:booked", "expense_claim_booked"),
                      (f"expense_claim:{claim.pk}:booked:reversal", "expense_claim_booked_reversal"),
                      (f"adjustment:{request.pk}", "adjustment"),
                      ("refund:999999", "escrow_refund"),  # its record is gone: no source
                      ("guarantee:contribution:0b7c", "guarantee_contribution")):  # for no record
        LedgerTransaction.objects.create(key=key, kind=kind, memo="before the source field")
    return {
        "counts": {name: m[name].objects.count() for name in MOVED},
        "claim": claim.pk, "request": request.pk, "claim_ct": claim_ct.pk, "finding_ct": finding_ct.pk,
        "manager_perms": set(Group.objects.get(name="manager").permissions.values_list("pk", flat=True)),
    }


def test_f4_back_office_moves_out_of_finance_with_every_row_and_link_intact(upgraded):
    # given a database at the schema before the move, with rows in every table that moves (seed
    # above), when it migrated forward (the `upgraded` fixture)
    apps, before = upgraded.apps, upgraded.seeded["back_office"]

    # then every row is still there, now read through the back office's models, on the same tables
    counts = {name: apps.get_model("backoffice", name).objects.count() for name in MOVED}
    assert counts == before["counts"] and all(counts.values())
    ExpenseClaim = apps.get_model("backoffice", "ExpenseClaim")
    assert ExpenseClaim._meta.db_table == "finance_expenseclaim"
    claim = ExpenseClaim.objects.get(pk=before["claim"])
    assert (claim.amount_fen, claim.status, claim.receipts.count(), claim.approvals.count()) == (5_000, "booked", 1, 1)

    # and the content types were re-pointed in place: same ids, app label backoffice
    ContentType = apps.get_model("contenttypes", "ContentType")
    assert ContentType.objects.get(pk=before["claim_ct"]).app_label == "backoffice"
    assert ContentType.objects.get(pk=before["finding_ct"]).app_label == "backoffice"
    assert not ContentType.objects.filter(app_label="finance", model__in=[n.lower() for n in MOVED]).exists()
    # so the history rows still point at their records …
    HistoryEntry = apps.get_model("core", "HistoryEntry")
    assert HistoryEntry.objects.filter(content_type_id=before["claim_ct"], object_id=str(claim.pk)).count() == 1
    assert HistoryEntry.objects.filter(content_type_id=before["finding_ct"]).count() == 1
    # … and the role groups kept every permission, now named backoffice.*
    manager = apps.get_model("auth", "Group").objects.get(name="manager")
    assert before["manager_perms"] <= set(manager.permissions.values_list("pk", flat=True))
    assert manager.permissions.filter(content_type__app_label="backoffice", codename="approve_as_head").exists()
    assert not apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="finance", codename="approve_as_head").exists()

    # and the old transactions name their source, read from their keys one last time
    LedgerTransaction = apps.get_model("finance", "LedgerTransaction")
    sources = {t.key: (t.source_type and (t.source_type.app_label, t.source_type.model), t.source_id)
               for t in LedgerTransaction.objects.select_related("source_type")}
    assert sources[f"expense_claim:{claim.pk}:booked"] == (("backoffice", "expenseclaim"), claim.pk)
    assert sources[f"expense_claim:{claim.pk}:booked:reversal"] == (("backoffice", "expenseclaim"), claim.pk)
    assert sources[f"adjustment:{before['request']}"] == (("backoffice", "adjustmentrequest"), before["request"])
    assert sources["refund:999999"] == (None, None)
    assert sources["guarantee:contribution:0b7c"] == (None, None)
