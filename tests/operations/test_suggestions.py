"""P3: the suggestion scheme — submit, adopt or decline, reward once with the measured effect."""

import pytest

from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_for
from core.models import Notification
from operations.models import RewardOrPenalty, Suggestion
from operations.suggestions import (
    suggestion_adopt,
    suggestion_decline,
    suggestion_reward,
    suggestion_submit,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.operations import SuggestionFactory


@pytest.fixture
def manager(db):
    return StaffFactory(role="manager")


def test_p3_any_staff_member_submits_a_suggestion(db):
    # given
    agent = StaffFactory(role="customer_service")
    # when
    suggestion = suggestion_submit(author=agent, title="Evening phone shift", body="Add one.")
    # then
    assert suggestion.status == Suggestion.Status.SUBMITTED and suggestion.author == agent
    assert [h.transition for h in history_for(suggestion)] == ["submit"]


def test_p3_students_and_employers_do_not_submit_staff_suggestions(db):
    with pytest.raises(NotPermitted):
        suggestion_submit(author=UserFactory(kind="student"), title="t", body="b")


def test_p3_a_manager_adopts_with_a_reason_and_the_author_is_told(manager):
    # given
    suggestion = SuggestionFactory()
    # when
    suggestion_adopt(pk=suggestion.pk, actor=manager, reason="We start in December.")
    # then
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decided_by, suggestion.decision_reason) == (
        Suggestion.Status.ADOPTED, manager, "We start in December.")
    assert Notification.objects.filter(recipient=suggestion.author, body="We start in December.").exists()


def test_p3_declining_needs_a_reason_and_happens_once(manager):
    suggestion = SuggestionFactory()
    with pytest.raises(ReasonRequired):
        suggestion_decline(pk=suggestion.pk, actor=manager, reason="")
    suggestion_decline(pk=suggestion.pk, actor=manager, reason="Too costly.")
    with pytest.raises(InvalidTransition):
        suggestion_adopt(pk=suggestion.pk, actor=manager, reason="Changed my mind.")


def test_p3_a_manager_never_decides_their_own_suggestion(manager):
    own = SuggestionFactory(author=manager)
    with pytest.raises(DomainError, match="your own suggestion"):
        suggestion_adopt(pk=own.pk, actor=manager, reason="Great idea.")
    own.refresh_from_db()
    assert own.status == Suggestion.Status.SUBMITTED


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations", "finance", "auditor"])
def test_p3_only_managers_decide_suggestions(db, role):
    suggestion = SuggestionFactory()
    with pytest.raises(NotPermitted):
        suggestion_adopt(pk=suggestion.pk, actor=StaffFactory(role=role), reason="yes")


def test_p3_an_adopted_suggestion_is_rewarded_exactly_once_with_its_effect(manager):
    # given
    suggestion = SuggestionFactory()
    suggestion_adopt(pk=suggestion.pk, actor=manager, reason="Do it.")
    # when
    suggestion_reward(pk=suggestion.pk, actor=manager, effect="First answers 20% faster over 4 weeks.",
                      amount_fen=30000)
    # then
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REWARDED
    assert suggestion.measured_effect == "First answers 20% faster over 4 weeks."
    record = RewardOrPenalty.objects.get()
    assert (record.staff, record.kind, record.amount_fen, record.suggestion) == (
        suggestion.author, RewardOrPenalty.Kind.REWARD, 30000, suggestion)
    # when / then: never a second reward, by anyone
    for actor in (manager, StaffFactory(role="manager")):
        with pytest.raises(InvalidTransition):
            suggestion_reward(pk=suggestion.pk, actor=actor, effect="again", amount_fen=1)
    assert RewardOrPenalty.objects.count() == 1


def test_p3_no_reward_without_adoption_or_a_measured_effect(manager):
    suggestion = SuggestionFactory()
    with pytest.raises(InvalidTransition):
        suggestion_reward(pk=suggestion.pk, actor=manager, effect="It worked.")
    suggestion_adopt(pk=suggestion.pk, actor=manager, reason="Do it.")
    with pytest.raises(DomainError, match="effect"):
        suggestion_reward(pk=suggestion.pk, actor=manager, effect="  ")
    assert not RewardOrPenalty.objects.exists()
