"""The lawyer's check of a contract or rule became a "legal opinion" (K2): a database at the
schema before, with a legal review on file, a role group and a user holding its permissions,
migrates forward with the row, its content type and its permissions kept in place (DESIGN:
no data is lost).

A migration test (django-test-migrations) sharing its round trip with the other renames
(tests/upgrades/conftest.py)."""

import datetime as dt

import pytest

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db


@upgrade_seed("legal_opinion", before={"risk": "0005_key_risk_indicators_seed"})
def seed(old_apps) -> dict:
    # a legal review on file, the manager group and one user holding its permissions
    User = old_apps.get_model("accounts", "User")
    Permission = old_apps.get_model("auth", "Permission")
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    manager = User.objects.create(email="manager@example.com", kind="staff", is_staff=True)
    review = old_apps.get_model("risk", "LegalReview").objects.create(
        subject="contract", title="Employer agreement v3", summary="Fine.", reviewer="Counsel Li",
        outcome="approved", reviewed_on=dt.date(2026, 11, 2), document="legal-reviews/a.pdf", recorded_by=manager)
    ct = ContentType.objects.get(app_label="risk", model="legalreview")
    view, change = (Permission.objects.get(content_type=ct, codename=f"{action}_legalreview")
                    for action in ("view", "change"))
    group, _created = old_apps.get_model("auth", "Group").objects.get_or_create(name="manager")
    group.permissions.add(view, change)
    manager.user_permissions.add(view)
    return {"review": review.pk, "manager": manager.pk, "ct": ct.pk, "view": view.pk, "change": change.pk}


def test_k2_legal_reviews_become_legal_opinions_with_rows_and_permissions_kept(upgraded):
    # given a database at the schema before the rename, with a legal review and its permissions held
    # (seed above), when it migrated forward (the `upgraded` fixture)
    apps, before = upgraded.apps, upgraded.seeded["legal_opinion"]
    view, change = before["view"], before["change"]

    # then the row is there, read as a legal opinion, its old file where it was
    opinion = apps.get_model("risk", "LegalOpinion").objects.get(pk=before["review"])
    assert (opinion.title, opinion.counsel, opinion.given_on, opinion.outcome, opinion.document.name) == (
        "Employer agreement v3", "Counsel Li", dt.date(2026, 11, 2), "approved", "legal-reviews/a.pdf")
    # and its content type and permissions were renamed in place: same ids, held by the same group and user
    assert apps.get_model("contenttypes", "ContentType").objects.get(pk=before["ct"]).model == "legalopinion"
    Permission = apps.get_model("auth", "Permission")
    assert Permission.objects.get(pk=view).codename == "view_legalopinion"
    assert Permission.objects.get(pk=change).codename == "change_legalopinion"
    assert not Permission.objects.filter(codename__endswith="_legalreview").exists()
    held = set(apps.get_model("auth", "Group").objects.get(name="manager").permissions.values_list("pk", flat=True))
    assert {view, change} <= held
    assert list(apps.get_model("accounts", "User").objects.get(pk=before["manager"])
                .user_permissions.values_list("codename", flat=True)) == ["view_legalopinion"]
