"""The lawyer's check of a contract or rule became a "legal opinion" (K2): a database at the
schema before, with a legal review on file, a role group and a user holding its permissions,
migrates forward with the row, its content type and its permissions kept in place (DESIGN:
no data is lost).

A migration test (django-test-migrations), transactional like tests/upgrades/test_back_office_move.py."""

import datetime as dt

import pytest
from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

BEFORE = {"risk": "0005_key_risk_indicators_seed"}


def _targets(pinned: dict) -> list[tuple[str, str | None]]:
    """Every app at its latest migration, except the pinned ones."""
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    return [(app, pinned.get(app, name)) for app, name in leaves.items()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_k2_legal_reviews_become_legal_opinions_with_rows_and_permissions_kept(migrator):
    # given a database at the schema before the rename, with its content types and permissions
    migrator.apply_initial_migration(("contenttypes", None))
    executor = MigrationExecutor(connection)
    executor.migrate(_targets(BEFORE))
    old_apps = executor.loader.project_state([t for t in _targets(BEFORE) if t[1] is not None]).apps
    for app_config in installed_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=old_apps)
    # and a legal review on file, the manager group and one user holding its permissions
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

    # when it migrates forward
    apps = migrator.apply_tested_migration(_targets({})).apps

    # then the row is there, read as a legal opinion, its old file where it was
    opinion = apps.get_model("risk", "LegalOpinion").objects.get(pk=review.pk)
    assert (opinion.title, opinion.counsel, opinion.given_on, opinion.outcome, opinion.document.name) == (
        "Employer agreement v3", "Counsel Li", dt.date(2026, 11, 2), "approved", "legal-reviews/a.pdf")
    # and its content type and permissions were renamed in place: same ids, held by the same group and user
    assert apps.get_model("contenttypes", "ContentType").objects.get(pk=ct.pk).model == "legalopinion"
    Permission = apps.get_model("auth", "Permission")
    assert Permission.objects.get(pk=view.pk).codename == "view_legalopinion"
    assert Permission.objects.get(pk=change.pk).codename == "change_legalopinion"
    assert not Permission.objects.filter(codename__endswith="_legalreview").exists()
    held = set(apps.get_model("auth", "Group").objects.get(name="manager").permissions.values_list("pk", flat=True))
    assert {view.pk, change.pk} <= held
    assert list(apps.get_model("accounts", "User").objects.get(pk=manager.pk)
                .user_permissions.values_list("codename", flat=True)) == ["view_legalopinion"]
