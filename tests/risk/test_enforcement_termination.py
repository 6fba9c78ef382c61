"""Termination of cooperation (E4.2): an employer's jobs come down, its hired
students are told their pay is protected, and the wages it owes are secured —
from escrow when it covers them, otherwise advanced by the guarantee fund at
once (above the per-case cap: escalated to finance). A terminated student can
no longer apply or act."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.models import Notification
from core.policy import policy_update
from finance.guarantee import guarantee_fund_contribute
from jobs.models import JobStatus
from settlements.guarantee import employer_wages_secure, settlements_funding_watch
from settlements.models import Settlement, SettlementStatus
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.applications import EngagementFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.factories.risk import sanction_of
from tests.settlements.test_funding import escrow_in, ready_settlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return StaffFactory(role="moderator")


def _terminate(employer, moderator):
    for _ in range(4):
        sanction_of(employer, actor=moderator)
    return sanction_of(employer, actor=moderator)


def test_e4_2_termination_takes_jobs_down_tells_hired_students_and_secures_wages(moderator):
    # given: the guarantee fund holds ¥10,000 and advances at most ¥50.00 a case
    guarantee_fund_contribute(amount_fen=1_000_000, actor=None, memo="test", key="fund-term")
    policy_update(actor=StaffFactory(role="manager"), changes={"guarantee_cap_fen": 5000})
    employer = EmployerFactory(approved=True)
    live_job, pending_job = JobFactory(employer=employer, published=True), JobFactory(employer=employer,
                                                                                      status="pending_review")
    hired = EngagementFactory(application__job=live_job).student
    # three ready statements: ¥75.00 that escrow covers, ¥25.00 it does not, ¥75.00 over the cap
    covered = ready_settlement(employer=employer)
    escrow_in(employer.pk, covered.employer_total_fen, key="in-covered")
    small = ready_settlement(employer=employer, hours=((60, 0),))
    large = ready_settlement(employer=employer)
    # when: a fifth violation ends cooperation
    termination = _terminate(employer, moderator)
    # then: terminated; every live or pending job taken down
    employer.refresh_from_db()
    assert termination.level == "termination" and employer.terminated_at is not None
    assert set(employer.jobs.filter(pk__in=[live_job.pk, pending_job.pk]).values_list("status", flat=True)) == {
        JobStatus.TAKEN_DOWN}
    # the hired student is told their pay is protected
    assert Notification.objects.filter(recipient=hired, subject__contains="ended its cooperation",
                                       body__contains="protected").exists()
    # the covered statement funded from escrow, the small one advanced by the fund, the large one escalated
    statuses = {s.pk: (s.status, s.advanced_fen, s.guarantee_escalated_at is not None)
                for s in Settlement.objects.filter(pk__in=[covered.pk, small.pk, large.pk])}
    assert statuses[covered.pk] == (SettlementStatus.FUNDED, 0, False)
    assert statuses[small.pk] == (SettlementStatus.FUNDED, small.student_total_fen, False)
    assert statuses[large.pk] == (SettlementStatus.READY, 0, True)


def test_e4_2_securing_wages_twice_changes_nothing_more(moderator):
    # given: a terminated employer whose one statement was advanced
    guarantee_fund_contribute(amount_fen=1_000_000, actor=None, memo="test", key="fund-twice")
    employer = EmployerFactory(approved=True)
    settlement = ready_settlement(employer=employer)
    _terminate(employer, moderator)
    # when: wages are secured again (a retry)
    counts = employer_wages_secure(employer_id=employer.pk, actor=moderator)
    # then: nothing more to do
    assert counts == {"funded": 0, "advanced": 0, "escalated": 0}
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.FUNDED


def test_e4_2_a_statement_prepared_after_termination_is_advanced_by_the_ordinary_sweeps(moderator):
    # given: a terminated employer, then a statement for hours confirmed later; the fund holds money
    guarantee_fund_contribute(amount_fen=1_000_000, actor=None, memo="test", key="fund-later")
    employer = EmployerFactory(approved=True)
    _terminate(employer, moderator)
    later = ready_settlement(employer=employer)
    # when: the funding watch runs today, and again once the due date and the grace period have passed
    settlements_funding_watch()
    today = Settlement.objects.get(pk=later.pk).status
    with time_machine.travel(later.funding_due_at + dt.timedelta(days=20)):
        settlements_funding_watch()
    # then: nothing before its due date; afterwards the guarantee fund has paid the student
    later.refresh_from_db()
    assert today == SettlementStatus.READY
    assert later.status == SettlementStatus.FUNDED and later.advanced_fen == later.student_total_fen


def test_e4_2_a_terminated_student_cannot_apply_or_act_and_is_told(moderator):
    # given: a student terminated after four sanctions, and a published job
    profile = StudentProfileFactory(approved=True)
    job = JobFactory(published=True)
    for _ in range(4):
        sanction_of(profile, actor=moderator)
    termination = sanction_of(profile, actor=moderator)
    profile.refresh_from_db()
    client = Client()
    client.force_login(profile.user)
    # when: they try to apply
    response = client.post(reverse("applications:apply", args=[job.pk]),
                           {"confirms_requirements": "on", "commits_to_work": "on"})
    # then: refused; they were told
    assert termination.level == "termination" and not profile.can_apply and profile.is_suspended
    assert response.status_code == 403 and "ended its cooperation" in response.content.decode()
    assert Notification.objects.filter(recipient=profile.user, subject__contains="Termination").exists()
