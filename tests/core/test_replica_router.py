"""Issue 22: staff reports and exports read from the streaming replica when one is
configured; nothing is ever written there, and a report read from a replica that lags
shows the figures as of the replica's moment, without error.

The test database's "replica" alias is a test mirror of "default" (config/settings/test.py):
another connection to the same database, so it sees committed rows only — a replica
that has not yet received the rows of a transaction still open on the primary is
exactly what a lagging replica looks like."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import router, transaction
from django.utils import timezone

from backoffice.reports import settlement_report
from core.replica import using_replica
from finance.fees import posting_fee_charge
from finance.models import LedgerTransaction
from operations.models import WeeklyReport
from operations.reports import weekly_report_build
from tests.factories.employers import EmployerFactory


@pytest.fixture
def replica_on(settings):
    settings.REPLICA_DATABASE_ALIAS = "replica"


def test_issue22_router_never_sends_a_write_to_the_replica(replica_on):
    with using_replica():
        for model in apps.get_models():
            assert router.db_for_read(model) == "replica"
            assert router.db_for_write(model) == "default"
            assert not router.allow_migrate_model("replica", model)
        # A locking read is a write's first half: the primary.
        assert LedgerTransaction.objects.select_for_update().db == "default"
        assert LedgerTransaction.objects.all().db == "replica"
    # Outside the block, and whenever no replica is configured, everything is the primary.
    assert router.db_for_read(LedgerTransaction) == "default"


def test_issue22_without_a_replica_configured_reports_read_the_primary(settings):
    settings.REPLICA_DATABASE_ALIAS = None
    with using_replica():
        assert router.db_for_read(LedgerTransaction) == "default"


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_issue22_settlement_report_reads_the_replica_and_tolerates_its_lag(replica_on):
    today = timezone.localdate()
    employer = EmployerFactory()
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=1250, memo="fee")  # committed: replicated
    with transaction.atomic():
        # A second fee the replica has not received yet (still in flight on the primary).
        posting_fee_charge(employer_id=employer.pk, job_id=2, amount_fen=700, memo="fee")
        with using_replica():
            lagging = settlement_report(date_from=today, date_to=today)
        primary = settlement_report(date_from=today, date_to=today)
    assert lagging.row("posting_fees").amount_fen == 1250  # the replica's moment, consistent, no error
    assert primary.row("posting_fees").amount_fen == 1950
    with using_replica():
        caught_up = settlement_report(date_from=today, date_to=today)
    assert caught_up.row("posting_fees").amount_fen == 1950


@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", "replica"])
def test_issue22_weekly_report_figures_come_from_the_replica_and_the_report_is_written_to_the_primary(replica_on):
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7)
    with using_replica():  # even when a caller wraps the whole build, the write goes to the primary
        report = weekly_report_build(week_start=monday)
    assert report._state.db == "default"
    assert WeeklyReport.objects.using("default").filter(week_start=monday).count() == 1
