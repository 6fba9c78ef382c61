"""One report concept for reviews (S5.1, G3): on a database of the former schema, every
`reviews.ReviewReport` row becomes a `moderation.Report(review=…)` with nothing lost —
reporter, category, text, status, decision, dates, history (renamed to the report's
transitions) and the moderators' inbox links; a reporter's open review report that meets
their own open report of the same review keeps one case with both texts."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.history import history_for
from core.models import Notification
from moderation.models import Report
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.reviews import ReviewFactory

BEFORE = [("moderation", "0005_report_review_categories"), ("reviews", "0002_moderator_roles")]
CREATED = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
DECIDED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("migration_data_restored")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_g3_review_reports_become_moderation_reports_with_nothing_lost():
    # given: reviews, readers and a moderator (tables both schemas share), and one open false-information
    # report of the moderation kind by a reader who also reported the review for abuse
    review, other = ReviewFactory(comment="骂人"), ReviewFactory(comment="泄露电话")
    reader, second_reader = StudentProfileFactory(approved=True).user, StudentProfileFactory(approved=True).user
    moderator = StaffFactory(role="moderator")
    existing = Report.objects.create(review=review, reporter=reader, category="false_information", details="不实")
    old = _migrate(BEFORE)
    ReviewReport = old.get_model("reviews", "ReviewReport")
    ContentType = old.get_model("contenttypes", "ContentType")
    HistoryEntry = old.get_model("core", "HistoryEntry")
    old_type, _created = ContentType.objects.get_or_create(app_label="reviews", model="reviewreport")
    upheld = ReviewReport.objects.create(review_id=other.pk, reporter_id=second_reader.pk, category="personal_data",
                                         reason="写了我的电话", status="upheld", decided_by_id=moderator.pk,
                                         decided_at=DECIDED, note="已隐藏")
    ReviewReport.objects.filter(pk=upheld.pk).update(created_at=CREATED)
    dismissed = ReviewReport.objects.create(review_id=review.pk, reporter_id=second_reader.pk, category="other",
                                            reason="不喜欢", status="dismissed", decided_by_id=moderator.pk,
                                            decided_at=DECIDED, note="属于意见")
    merged = ReviewReport.objects.create(review_id=review.pk, reporter_id=reader.pk, category="abuse",
                                         reason="人身攻击", status="open")
    for report, transitions in ((upheld, ("report", "uphold")), (dismissed, ("report", "dismiss")),
                                (merged, ("report",))):
        for transition in transitions:
            HistoryEntry.objects.create(content_type_id=old_type.pk, object_id=str(report.pk), transition=transition,
                                        actor_id=moderator.pk, reason=report.reason)
    Notification.objects.create(recipient=moderator, subject="A review was reported", body="",
                                link=f"/admin/reviews/reviewreport/{upheld.pk}/change/")
    # when: the migrations run forward
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    # then: three review reports, two new cases and one merged into the open one, nothing lost
    assert Report.objects.count() == 3
    hidden = Report.objects.get(review=other)
    assert (hidden.reporter, hidden.category, hidden.details, hidden.status) == (
        second_reader, "personal_data", "写了我的电话", Report.Status.RESOLVED)
    assert (hidden.decided_by, hidden.decided_at, hidden.decision_note, hidden.created_at) == (
        moderator, DECIDED, "已隐藏", CREATED)
    assert [h.transition for h in reversed(history_for(hidden))] == ["create", "confirm"]
    kept = Report.objects.get(review=review, reporter=second_reader)
    assert (kept.category, kept.details, kept.status, kept.decision_note) == (
        "other", "不喜欢", Report.Status.DISMISSED, "属于意见")
    assert [h.transition for h in reversed(history_for(kept))] == ["create", "dismiss"]
    existing.refresh_from_db()
    assert existing.status == Report.Status.OPEN and existing.details == "不实\n\n[abuse] 人身攻击"
    assert [h.reason for h in history_for(existing)] == ["人身攻击"]
    assert Notification.objects.get(recipient=moderator).link == f"/admin/moderation/report/{hidden.pk}/change/"
