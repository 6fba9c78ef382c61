"""The single "hazardous" tick became the minors declaration (docs/minors.md): a database at
the schema before, with a job ticked hazardous, one not ticked and a pending revision that
ticks it, migrates forward with every job keeping its meaning — the ticked ones closed to
students aged 16–17 under art. 3(7) of the Provisions on the Special Protection of Juvenile
Workers (1994-12-09), the others open — and the revision's stored fields rewritten.

A migration test (django-test-migrations), transactional like tests/upgrades/test_back_office_move.py."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

BEFORE = {"jobs": "0007_lexicon_sync"}


def _targets(pinned: dict) -> list[tuple[str, str | None]]:
    """Every app at its latest migration, except the pinned ones."""
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    return [(app, pinned.get(app, name)) for app, name in leaves.items()]


def _job(Job, employer, *, title: str, hazardous: bool):
    return Job.objects.create(
        employer=employer, title=title, category="logistics", description="仓库分拣", headcount=1,
        is_hazardous=hazardous, application_deadline=timezone.now() + dt.timedelta(days=3), pay_unit="hour",
        base_rate_fen=3000, settlement_cycle="weekly", payment_days=3, status="published")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_minor_art3_the_old_hazardous_tick_becomes_art3_item_7_and_keeps_jobs_closed_to_minors(migrator):
    migrator.apply_initial_migration(("contenttypes", None))
    executor = MigrationExecutor(connection)
    executor.migrate(_targets(BEFORE))
    old_apps = executor.loader.project_state([t for t in _targets(BEFORE) if t[1] is not None]).apps
    Employer = old_apps.get_model("employers", "Employer")
    Job = old_apps.get_model("jobs", "Job")
    employer = Employer.objects.create(name="前途物流", uscc="91310000MA1FL00000", address="漕溪北路 88 号",
                                       city="上海市", business_scope="仓储", contact_name="王经理",
                                       contact_mobile="+8613812345678", business_licence="x.pdf")
    ticked = _job(Job, employer, title="搬运工", hazardous=True)
    open_job = _job(Job, employer, title="图书整理", hazardous=False)
    revision = old_apps.get_model("jobs", "JobRevision").objects.create(
        job=open_job, status="pending", data={"fields": {"title": "图书整理", "is_hazardous": True}, "shifts": []})

    apps = migrator.apply_tested_migration(_targets({})).apps

    Job = apps.get_model("jobs", "Job")
    ticked, open_job = Job.objects.get(pk=ticked.pk), Job.objects.get(pk=open_job.pk)
    assert (ticked.minor_restricted_work, ticked.minor_restricted_venue, ticked.closed_to_minors) == (
        ["heavy_physical"], "", True)
    assert (open_job.minor_restricted_work, open_job.closed_to_minors) == ([], False)
    fields = apps.get_model("jobs", "JobRevision").objects.get(pk=revision.pk).data["fields"]
    assert "is_hazardous" not in fields
    assert (fields["minor_restricted_work"], fields["minor_restricted_venue"]) == (["heavy_physical"], "")
    # the seed lexicon now names the venues, and the hazard terms explain the declaration
    Term = apps.get_model("jobs", "ComplianceTerm")
    assert Term.objects.filter(category="minor_venue", pattern="ktv").exists()
    assert "未勾选" in Term.objects.get(category="hazard", pattern="高空作业").explanation
