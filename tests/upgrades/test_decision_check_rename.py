"""A moderator's second look at another's decision became a "decision check" (P2.3): a
database at the schema before, with a sampled decision checked, a role group and a user
holding the permissions, migrates forward with the row, its content type and its permissions
kept in place (DESIGN: no data is lost).

A migration test (django-test-migrations), transactional like tests/upgrades/test_back_office_move.py."""

import pytest
from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

BEFORE = {"moderation": "0006_review_reports_into_reports"}


def _targets(pinned: dict) -> list[tuple[str, str | None]]:
    """Every app at its latest migration, except the pinned ones."""
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    return [(app, pinned.get(app, name)) for app, name in leaves.items()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_p2_3_self_reviews_become_decision_checks_with_rows_and_permissions_kept(migrator):
    # given a database at the schema before the rename, with its content types and permissions
    migrator.apply_initial_migration(("contenttypes", None))
    executor = MigrationExecutor(connection)
    executor.migrate(_targets(BEFORE))
    old_apps = executor.loader.project_state([t for t in _targets(BEFORE) if t[1] is not None]).apps
    for app_config in installed_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=old_apps)
    # and a decision another moderator checked, the moderator group and one user holding the permissions
    User = old_apps.get_model("accounts", "User")
    Permission = old_apps.get_model("auth", "Permission")
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    decider = User.objects.create(email="a@example.com", kind="staff", is_staff=True)
    checker = User.objects.create(email="b@example.com", kind="staff", is_staff=True)
    entry = old_apps.get_model("core", "HistoryEntry").objects.create(
        content_type=ContentType.objects.get(app_label="jobs", model="job"), object_id="1", transition="approve",
        from_state="pending", to_state="published", actor=decider)
    checked_at = timezone.now()
    row = old_apps.get_model("moderation", "DecisionReview").objects.create(
        decision=entry, decider=decider, reviewer=checker, week="2026-11-09", agrees=False, notes="too lenient",
        reviewed_at=checked_at)
    ct = ContentType.objects.get(app_label="moderation", model="decisionreview")
    view = Permission.objects.get(content_type=ct, codename="view_decisionreview")
    record = Permission.objects.get(content_type=ct, codename="review_decision")
    report = Permission.objects.get(content_type=ct, codename="view_selfreview_report")
    group, _created = old_apps.get_model("auth", "Group").objects.get_or_create(name="moderator")
    group.permissions.add(view, record, report)
    checker.user_permissions.add(record)

    # when it migrates forward
    apps = migrator.apply_tested_migration(_targets({})).apps

    # then the row is there, read as a decision check, with its checker and verdict
    check = apps.get_model("moderation", "DecisionCheck").objects.get(pk=row.pk)
    assert (check.decision_id, check.decider_id, check.checker_id, check.agrees, check.notes, check.checked_at) == (
        entry.pk, decider.pk, checker.pk, False, "too lenient", checked_at)
    # and its content type and permissions were renamed in place: same ids, held by the same group and user
    assert apps.get_model("contenttypes", "ContentType").objects.get(pk=ct.pk).model == "decisioncheck"
    Permission = apps.get_model("auth", "Permission")
    assert {p.pk: p.codename for p in Permission.objects.filter(pk__in=[view.pk, record.pk, report.pk])} == {
        view.pk: "view_decisioncheck", record.pk: "check_decision", report.pk: "view_decisioncheck_report"}
    assert not Permission.objects.filter(content_type__app_label="moderation",
                                         codename__in=["review_decision", "view_selfreview_report",
                                                       "view_decisionreview"]).exists()
    held = set(apps.get_model("auth", "Group").objects.get(name="moderator").permissions.values_list("pk", flat=True))
    assert {view.pk, record.pk, report.pk} <= held
    assert list(apps.get_model("accounts", "User").objects.get(pk=checker.pk)
                .user_permissions.values_list("codename", flat=True)) == ["check_decision"]
