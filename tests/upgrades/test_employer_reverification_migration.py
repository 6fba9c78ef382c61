"""Employers approved before re-verification existed get a due date (docs/recruitment-rules.md):
six months after their vetting, but never sooner than 30 days after the upgrade, so that every
one of them is reminded before its vetting lapses; an employer not approved gets none.

A migration test (django-test-migrations) sharing its round trip with the other upgrades
(tests/upgrades/conftest.py). It seeds at the schema the vetting rename starts from
(employers 0004, where the decision was still "review_status"/"reviewed_at"), so the rows go
through the rename and then get their due date, as a real upgrade from before both does."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db


@upgrade_seed("employer_reverification", before={"employers": "0004_employer_sanctions"})
def seed(old_apps) -> dict:
    Employer = old_apps.get_model("employers", "Employer")
    now = timezone.now()

    def employer(n: int, status: str, vetted_at):
        return Employer.objects.create(
            name=f"复核测试公司{n}", uscc=f"91310000MA1RV0000{n}", address="漕溪北路 88 号", city="上海市",
            business_scope="仓储", contact_name="王经理", contact_mobile="+8613812345678",
            business_licence="x.pdf", review_status=status, reviewed_at=vetted_at).pk

    return {"recent": employer(1, "approved", now - dt.timedelta(days=30)),
            "old": employer(2, "approved", now - dt.timedelta(days=700)),
            "submitted": employer(3, "submitted", None)}


def test_rr_2026_approved_employers_get_a_due_date_with_at_least_30_days_to_be_reminded(upgraded):
    apps, before = upgraded.apps, upgraded.seeded["employer_reverification"]
    Employer = apps.get_model("employers", "Employer")
    recent, old = Employer.objects.get(pk=before["recent"]), Employer.objects.get(pk=before["old"])
    assert recent.reverify_due_at == recent.vetted_at + relativedelta(months=6)
    assert old.reverify_due_at >= timezone.now() + dt.timedelta(days=29)
    assert old.reverify_due_at <= timezone.now() + dt.timedelta(days=31)
    assert Employer.objects.get(pk=before["submitted"]).reverify_due_at is None
