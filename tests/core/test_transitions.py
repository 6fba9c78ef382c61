"""The one transition runner (DESIGN: state changes): a refused transition saves
nothing and records nothing; a run one saves exactly what changed, writes one
history row in the model's vocabulary, shown translated, and defers its side
effects to the commit."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import InvalidTransition, NotPermitted
from core.history import history_for, history_record
from core.models import CoreAction, HeldText, HistoryEntry
from core.transitions import lock_row, run_transition
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held():
    author = UserFactory()
    return HeldText.objects.create(door="test", content_type=ContentType.objects.get_for_model(author),
                                   object_id=str(author.pk), values={"text": "加微信"}, author=author)


def test_g_run_transition_saves_the_changed_fields_and_writes_one_history_row(held, django_capture_on_commit_callbacks):
    moderator = StaffFactory(role="moderator")
    told = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = lock_row(HeldText, held.pk)
        run_transition(row, "reject", actor=moderator, note="违规", check_permission=True,
                       on_commit=lambda: told.append(row.pk), by=moderator, reason="违规")
        assert told == []  # side effects wait for the commit
    fresh = HeldText.objects.get(pk=held.pk)
    assert (fresh.status, fresh.decided_by, fresh.decision_reason) == (HeldText.Status.REJECTED, moderator, "违规")
    [entry] = history_for(fresh)
    assert (entry.transition, entry.from_state, entry.to_state, entry.actor, entry.reason) == (
        "reject", "pending", "rejected", moderator, "违规")
    assert len(callbacks) == 1


def test_g_run_transition_updates_only_the_fields_the_transition_changed(held):
    moderator = StaffFactory(role="moderator")
    HeldText.objects.filter(pk=held.pk).update(door="elsewhere")  # another writer's change, not ours
    row = lock_row(HeldText, held.pk)
    row.door = "test"  # stale in memory: must not be written back
    with CaptureQueriesContext(connection) as queries:
        run_transition(row, "clear", actor=moderator, by=moderator)
    update = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE"))
    assert '"door"' not in update and '"status"' in update and '"decided_at"' in update
    assert HeldText.objects.get(pk=held.pk).door == "elsewhere"


def test_g_a_transition_the_state_refuses_saves_and_records_nothing(held):
    moderator = StaffFactory(role="moderator")
    run_transition(lock_row(HeldText, held.pk), "clear", actor=moderator, by=moderator)
    with pytest.raises(InvalidTransition):
        run_transition(lock_row(HeldText, held.pk), "reject", actor=moderator, by=moderator, reason="晚了")
    assert HeldText.objects.get(pk=held.pk).status == HeldText.Status.CLEARED
    assert HistoryEntry.objects.count() == 1


def test_g_a_transition_the_actor_may_not_run_is_refused_when_checked(held):
    with pytest.raises(NotPermitted):
        run_transition(lock_row(HeldText, held.pk), "clear", actor=UserFactory(), check_permission=True)
    assert HeldText.objects.get(pk=held.pk).status == HeldText.Status.PENDING and not HistoryEntry.objects.exists()


def test_g_history_outside_the_models_vocabulary_is_a_programming_error(held):
    with pytest.raises(ValueError):
        history_record(subject=held, transition="approve", from_state="pending", to_state="cleared")


def test_g_history_reads_in_the_readers_language(held):
    moderator = StaffFactory(role="moderator")
    run_transition(lock_row(HeldText, held.pk), "clear", actor=moderator, by=moderator)
    entry = HistoryEntry.objects.get()
    with translation.override("zh-hans"):
        assert entry.action_label == str(CoreAction.CLEAR.label) != "clear"
        assert entry.to_label == str(HeldText.Status.CLEARED.label) != "cleared"
    with translation.override("en"):
        assert (entry.action_label, entry.from_label, entry.to_label) == ("cleared", "Awaiting review",
                                                                          "Cleared and shown")
