"""The single "hazardous" tick became the minors declaration (docs/minors.md): a database at
the schema before, with a job ticked hazardous, one not ticked and a pending revision that
ticks it, migrates forward with every job keeping its meaning — the ticked ones closed to
students aged 16–17 under art. 3(7) of the Provisions on the Special Protection of Juvenile
Workers (1994-12-09), the others open — and the revision's stored fields rewritten.

A migration test (django-test-migrations) sharing its round trip with the other upgrades
(tests/upgrades/conftest.py)."""

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db


def _job(Job, employer, *, title: str, hazardous: bool):
    return Job.objects.create(
        employer=employer, title=title, category="logistics", description="仓库分拣", headcount=1,
        is_hazardous=hazardous, application_deadline=timezone.now() + dt.timedelta(days=3), pay_unit="hour",
        base_rate_fen=3000, settlement_cycle="weekly", payment_days=3, status="published")


@upgrade_seed("minors_declaration", before={"jobs": "0007_lexicon_sync"})
def seed(old_apps) -> dict:
    Employer = old_apps.get_model("employers", "Employer")
    Job = old_apps.get_model("jobs", "Job")
    employer = Employer.objects.create(name="前途物流", uscc="91310000MA1FL00000", address="漕溪北路 88 号",
                                       city="上海市", business_scope="仓储", contact_name="王经理",
                                       contact_mobile="+8613812345678", business_licence="x.pdf")
    ticked = _job(Job, employer, title="搬运工", hazardous=True)
    open_job = _job(Job, employer, title="图书整理", hazardous=False)
    revision = old_apps.get_model("jobs", "JobRevision").objects.create(
        job=open_job, status="pending", data={"fields": {"title": "图书整理", "is_hazardous": True}, "shifts": []})
    return {"ticked": ticked.pk, "open_job": open_job.pk, "revision": revision.pk}


def test_minor_art3_the_old_hazardous_tick_becomes_art3_item_7_and_keeps_jobs_closed_to_minors(upgraded):
    apps, before = upgraded.apps, upgraded.seeded["minors_declaration"]
    ticked, open_job, revision_pk = before["ticked"], before["open_job"], before["revision"]


    Job = apps.get_model("jobs", "Job")
    ticked, open_job = Job.objects.get(pk=ticked), Job.objects.get(pk=open_job)
    assert (ticked.minor_restricted_work, ticked.minor_restricted_venue, ticked.closed_to_minors) == (
        ["heavy_physical"], "", True)
    assert (open_job.minor_restricted_work, open_job.closed_to_minors) == ([], False)
    fields = apps.get_model("jobs", "JobRevision").objects.get(pk=revision_pk).data["fields"]
    assert "is_hazardous" not in fields
    assert (fields["minor_restricted_work"], fields["minor_restricted_venue"]) == (["heavy_physical"], "")
    # the seed lexicon now names the venues, and the hazard terms explain the declaration
    Term = apps.get_model("jobs", "ComplianceTerm")
    assert Term.objects.filter(category="minor_venue", pattern="ktv").exists()
    assert "未勾选" in Term.objects.get(category="hazard", pattern="高空作业").explanation
