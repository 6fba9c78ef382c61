"""A moderator's second look at another's decision became a "decision check" (P2.3): a
database at the schema before, with a sampled decision checked, a role group and a user
holding the permissions, migrates forward with the row, its content type and its permissions
kept in place (DESIGN: no data is lost).

A migration test (django-test-migrations) sharing its round trip with the other renames
(tests/upgrades/conftest.py)."""

import pytest
from django.utils import timezone

from .conftest import upgrade_seed

pytestmark = pytest.mark.django_db


@upgrade_seed("decision_check", before={"moderation": "0006_review_reports_into_reports"})
def seed(old_apps) -> dict:
    # a decision another moderator checked, the moderator group and one user holding the permissions
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
    return {"row": row.pk, "entry": entry.pk, "decider": decider.pk, "checker": checker.pk,
            "checked_at": checked_at, "ct": ct.pk, "view": view.pk, "record": record.pk, "report": report.pk}


def test_p2_3_self_reviews_become_decision_checks_with_rows_and_permissions_kept(upgraded):
    # given a database at the schema before the rename, with a checked decision and its permissions
    # held (seed above), when it migrated forward (the `upgraded` fixture)
    apps, before = upgraded.apps, upgraded.seeded["decision_check"]
    view, record, report = before["view"], before["record"], before["report"]

    # then the row is there, read as a decision check, with its checker and verdict
    check = apps.get_model("moderation", "DecisionCheck").objects.get(pk=before["row"])
    assert (check.decision_id, check.decider_id, check.checker_id, check.agrees, check.notes, check.checked_at) == (
        before["entry"], before["decider"], before["checker"], False, "too lenient", before["checked_at"])
    # and its content type and permissions were renamed in place: same ids, held by the same group and user
    assert apps.get_model("contenttypes", "ContentType").objects.get(pk=before["ct"]).model == "decisioncheck"
    Permission = apps.get_model("auth", "Permission")
    assert {p.pk: p.codename for p in Permission.objects.filter(pk__in=[view, record, report])} == {
        view: "view_decisioncheck", record: "check_decision", report: "view_decisioncheck_report"}
    assert not Permission.objects.filter(content_type__app_label="moderation",
                                         codename__in=["review_decision", "view_selfreview_report",
                                                       "view_decisionreview"]).exists()
    held = set(apps.get_model("auth", "Group").objects.get(name="moderator").permissions.values_list("pk", flat=True))
    assert {view, record, report} <= held
    assert list(apps.get_model("accounts", "User").objects.get(pk=before["checker"])
                .user_permissions.values_list("codename", flat=True)) == ["check_decision"]
