"""Audit findings tracked to closure (F4): finance or managers record them, the
owner records the rectification and evidence, a holder of close_auditfinding
closes with evidence; owners are reminded once before the due date and overdue
findings are escalated once to managers. Each step is in the history."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from backoffice.audits import (
    EvidenceRequired,
    audit_finding_close,
    audit_finding_evidence_add,
    audit_finding_record,
    audit_finding_start_rectifying,
    audit_findings_sweep,
)
from backoffice.models import AuditEngagement, AuditFinding
from backoffice.tasks import audit_findings_sweep_task
from core.errors import InvalidTransition, NotPermitted
from core.history import history_for
from core.models import Notification
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory
from tests.factories.backoffice import AuditEngagementFactory, AuditFindingFactory

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 15), tzinfo=TZ)


def test_f4_finding_goes_to_closure_with_evidence_and_history():
    # given a manager, a finding owner from operations (who cannot close) and a finance closer
    manager, owner, closer = StaffFactory(role="manager"), StaffFactory(role="operations"), StaffFactory(role="finance")
    engagement = AuditEngagementFactory()
    # when the manager records it, the owner rectifies and adds evidence, finance closes it
    finding = audit_finding_record(engagement_id=engagement.pk, actor=manager, title="Self-approved claim",
                                   description="A claim approved by its claimant", severity="high", owner=owner,
                                   due_on=dt.date(2026, 12, 31))
    audit_finding_start_rectifying(finding_id=finding.pk, actor=owner, steps="Approval rule enforced in code")
    audit_finding_evidence_add(finding_id=finding.pk, actor=owner, evidence="Test run 123 attached")
    with pytest.raises(NotPermitted):
        audit_finding_close(finding_id=finding.pk, actor=owner, evidence="done")
    audit_finding_close(finding_id=finding.pk, actor=closer, evidence="Reviewed the test and the commit")
    # then it is closed by finance with both pieces of evidence, every step in its history
    finding.refresh_from_db()
    assert finding.status == AuditFinding.Status.CLOSED and finding.closed_by == closer and finding.closed_at
    assert "Test run 123 attached" in finding.evidence and "Reviewed the test" in finding.evidence
    assert finding.rectification == "Approval rule enforced in code"
    steps = [(h.transition, h.actor) for h in history_for(finding).order_by("created_at", "pk")]
    assert steps == [("record", manager), ("start_rectifying", owner), ("evidence", owner), ("close", closer)]
    # and the owner was told when it was assigned, and when it closed
    subjects = list(Notification.objects.filter(recipient=owner).values_list("subject", flat=True))
    assert any("assigned to you: Self-approved claim" in s for s in subjects)
    assert any("closed: Self-approved claim" in s for s in subjects)
    # and the manager who recorded it heard of the owner's progress
    told = list(Notification.objects.filter(recipient=manager).values_list("subject", flat=True))
    assert any("Rectification started" in s for s in told) and any("Evidence added" in s for s in told)


def test_f4_only_finance_and_managers_record_findings():
    engagement = AuditEngagementFactory()
    owner = StaffFactory(role="finance")
    for role in ("auditor", "operations", "customer_service"):
        with pytest.raises(NotPermitted):
            audit_finding_record(engagement_id=engagement.pk, actor=StaffFactory(role=role), title="t",
                                 description="d", severity="low", owner=owner, due_on=dt.date(2026, 12, 31))
    assert not AuditFinding.objects.exists()


def test_f4_only_the_owner_rectifies():
    finding = AuditFindingFactory()
    for stranger in (StaffFactory(role="manager"), StaffFactory(role="finance"), StaffFactory(role="auditor")):
        with pytest.raises(NotPermitted):
            audit_finding_start_rectifying(finding_id=finding.pk, actor=stranger, steps="s")
    finding.refresh_from_db()
    assert finding.status == AuditFinding.Status.OPEN


def test_f4_closing_needs_the_permission_and_evidence():
    finding = AuditFindingFactory()
    with pytest.raises(NotPermitted):
        audit_finding_close(finding_id=finding.pk, actor=StaffFactory(role="auditor"), evidence="e")
    with pytest.raises(EvidenceRequired):
        audit_finding_close(finding_id=finding.pk, actor=StaffFactory(role="manager"), evidence="  ")
    # the owner may close it only because finance holds close_auditfinding
    audit_finding_close(finding_id=finding.pk, actor=finding.owner, evidence="Fixed and checked")
    with pytest.raises(InvalidTransition):
        audit_finding_close(finding_id=finding.pk, actor=StaffFactory(role="manager"), evidence="again")


def owner_notes(finding, word: str) -> int:
    return Notification.objects.filter(recipient=finding.owner, subject__contains=word).count()


def test_f4_owner_is_reminded_once_before_the_due_date():
    # given a finding due on 15 December, reminders 7 days before (the policy's default)
    finding = AuditFindingFactory(due_on=dt.date(2026, 12, 15))
    # when the sweep runs daily from 7 December
    with time_machine.travel(morning(dt.date(2026, 12, 7)), tick=False):
        assert audit_findings_sweep().reminded == 0
    for day in (8, 8, 9, 14):
        with time_machine.travel(morning(dt.date(2026, 12, day)), tick=False):
            audit_findings_sweep_task.delay()
    # then the owner was reminded once, on the 8th
    assert owner_notes(finding, "due on 2026-12-15") == 1
    assert history_for(finding).filter(transition="remind").count() == 1


def test_f4_overdue_finding_is_escalated_once_to_managers():
    # given an unclosed finding due on 15 December, a closed one also past due, and two managers
    managers = [StaffFactory(role="manager"), StaffFactory(role="manager")]
    finding = AuditFindingFactory(due_on=dt.date(2026, 12, 15), title="Reconciliation unsigned")
    closed = AuditFindingFactory(due_on=dt.date(2026, 12, 10))
    audit_finding_close(finding_id=closed.pk, actor=managers[0], evidence="e")
    # when the sweep runs on the due date, the day after, and again
    with time_machine.travel(morning(dt.date(2026, 12, 15)), tick=False):
        assert audit_findings_sweep().escalated == 0
    with time_machine.travel(morning(dt.date(2026, 12, 16)), tick=False):
        first = audit_findings_sweep()
        second = audit_findings_sweep()
    with time_machine.travel(morning(dt.date(2026, 12, 20)), tick=False):
        third = audit_findings_sweep()
    # then it was escalated once, each manager told once with the finding's admin link
    assert (first.escalated, second.escalated, third.escalated) == (1, 0, 0)
    finding.refresh_from_db()
    closed.refresh_from_db()
    assert finding.escalated_at is not None and closed.escalated_at is None
    link = reverse("admin:backoffice_auditfinding_change", args=[finding.pk])
    for manager in managers:
        notes = Notification.objects.filter(recipient=manager, subject__contains="Overdue audit finding")
        assert list(notes.values_list("link", flat=True)) == [link]
    assert history_for(finding).filter(transition="escalate").count() == 1


def test_f4_findings_queue_shows_overdue_first(client):
    # given a finding due later, an overdue one, and a closed overdue one
    later = AuditFindingFactory(due_on=dt.date(2027, 1, 10), title="Later one")
    overdue = AuditFindingFactory(due_on=dt.date(2026, 11, 1), title="Overdue one")
    AuditFindingFactory(due_on=dt.date(2026, 10, 1), title="Closed one", status=AuditFinding.Status.CLOSED)
    for n in range(5):
        AuditFindingFactory(due_on=dt.date(2026, 12, 20 + n))
    login_with_mfa(client, StaffFactory(role="finance"))
    # when finance opens the queue
    with time_machine.travel(morning(dt.date(2026, 11, 27)), tick=False):
        response = client.get(reverse("admin:backoffice_auditfinding_changelist"))
    # then the overdue one comes first and the closed one last
    assert response.status_code == 200
    titles = [f.title for f in response.context["cl"].result_list]
    assert titles[0] == overdue.title and titles[-1] == "Closed one" and later.title in titles


def test_f4_findings_queue_query_count_is_flat(client, django_assert_max_num_queries):
    # given 20 findings of different audits owned by a manager, and others'
    manager = StaffFactory(role="manager")
    for n in range(25):
        AuditFindingFactory(owner=manager if n < 20 else StaffFactory(role="finance"))
    login_with_mfa(client, manager)
    # when the manager opens their own findings, the page costs a fixed number of queries
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:backoffice_auditfinding_changelist") + "?owner=me")
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 20


def test_f4_owner_and_closer_work_the_finding_in_the_admin(client):
    # given a finding owned by an operations staff member
    owner = StaffFactory(role="operations")
    finding = AuditFindingFactory(owner=owner)
    # when the owner records the steps in the admin
    login_with_mfa(client, owner)
    page = client.get(reverse("admin:backoffice_auditfinding_change", args=[finding.pk]))
    assert page.status_code == 200
    assert reverse("admin:backoffice_auditfinding_rectify", args=[finding.pk]) in page.content.decode()
    response = client.post(reverse("admin:backoffice_auditfinding_rectify", args=[finding.pk]), {"text": "Fixed"})
    assert response.status_code == 302
    # and may not close it
    assert client.post(reverse("admin:backoffice_auditfinding_close", args=[finding.pk]),
                       {"text": "done"}).status_code == 403
    # then a manager closes it with evidence
    login_with_mfa(client, StaffFactory(role="manager"))
    assert client.post(reverse("admin:backoffice_auditfinding_rectify", args=[finding.pk]),
                       {"text": "x"}).status_code == 403
    empty = client.post(reverse("admin:backoffice_auditfinding_close", args=[finding.pk]), {"text": ""})
    assert empty.status_code == 200  # the form asks for the evidence
    client.post(reverse("admin:backoffice_auditfinding_close", args=[finding.pk]), {"text": "Checked the fix"})
    finding.refresh_from_db()
    assert finding.status == AuditFinding.Status.CLOSED and finding.rectification == "Fixed"


def test_f4_manager_records_a_finding_in_the_admin_and_the_owner_is_told(client):
    engagement = AuditEngagementFactory()
    owner = StaffFactory(role="finance")
    login_with_mfa(client, StaffFactory(role="manager"))
    response = client.post(reverse("admin:backoffice_auditfinding_add"), {
        "engagement": engagement.pk, "title": "Budget overrun unexplained", "description": "d",
        "severity": "medium", "owner": owner.pk, "due_on": "2026-12-31"})
    assert response.status_code == 302, response.content.decode()[:2000]
    finding = AuditFinding.objects.get()
    assert finding.owner == owner and history_for(finding).filter(transition="record").exists()
    assert Notification.objects.filter(recipient=owner, subject__contains="Budget overrun").count() == 1


def test_f4_finance_plans_an_engagement_in_the_admin_and_it_is_in_its_history(client):
    # given finance staff and an auditor user
    finance, auditor = StaffFactory(role="finance"), StaffFactory(role="auditor")
    login_with_mfa(client, finance)
    data = {"title": "Q4 internal audit", "kind": "internal", "period_start": "2026-10-01",
            "period_end": "2026-12-31", "scope": "Expenses", "auditor": "", "external_firm": "", "status": "planned",
            "report_summary": "", "findings-TOTAL_FORMS": "0", "findings-INITIAL_FORMS": "0"}
    # when they name no auditor, the form asks for one
    response = client.post(reverse("admin:backoffice_auditengagement_add"), data)
    assert response.status_code == 200 and not AuditEngagement.objects.exists()
    # when they name the auditor
    response = client.post(reverse("admin:backoffice_auditengagement_add"), {**data, "auditor": auditor.pk})
    # then the engagement exists with a history row by finance
    assert response.status_code == 302
    engagement = AuditEngagement.objects.get()
    assert engagement.auditor == auditor
    assert history_for(engagement).filter(transition="create", actor=finance).exists()


def test_f4_finance_opens_the_engagement_and_the_prefilled_finding_form(client):
    finding = AuditFindingFactory()
    login_with_mfa(client, StaffFactory(role="finance"))
    page = client.get(reverse("admin:backoffice_auditengagement_change", args=[finding.engagement_id]))
    assert page.status_code == 200
    add_url = reverse("admin:backoffice_auditfinding_add")
    assert f"{add_url}?engagement={finding.engagement_id}" in page.content.decode()
    form = client.get(f"{add_url}?engagement={finding.engagement_id}")
    assert form.status_code == 200 and form.context["adminform"].form.initial["engagement"] == str(
        finding.engagement_id)


def test_f4_engagement_page_query_count_does_not_grow_with_its_findings(client, django_assert_max_num_queries):
    engagement = AuditEngagementFactory()
    owner = StaffFactory(role="finance")
    for _ in range(15):
        AuditFindingFactory(engagement=engagement, owner=owner)
    login_with_mfa(client, StaffFactory(role="auditor"))
    url = reverse("admin:backoffice_auditengagement_change", args=[engagement.pk])
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count(owner.email) >= 15


def test_f4_the_sweep_is_on_the_daily_beat_schedule():
    from celery import current_app
    from celery.schedules import crontab

    from config.celery import app

    entry = app.conf.beat_schedule["audit-findings-sweep"]
    assert entry["task"] == "backoffice.tasks.audit_findings_sweep_task"
    assert entry["schedule"] == crontab(hour=8, minute=15)
    assert entry["task"] in current_app.tasks
