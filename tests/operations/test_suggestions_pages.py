"""P3 pages: staff submit suggestions on the site; managers decide and reward them in the back office."""

import pytest
from django.urls import reverse

from operations.models import RewardOrPenalty, Suggestion
from tests.factories.accounts import StaffFactory
from tests.factories.operations import SuggestionFactory


def test_p3_staff_submit_and_see_only_their_suggestions(staff_client):
    # given
    client, me = staff_client("customer_service")
    SuggestionFactory(title="Someone else's idea")
    # when
    response = client.post(reverse("operations:suggestion_new"), {"title": "Evening phone shift",
                                                                  "body": "Calls after 18:00 go unanswered."})
    # then
    assert response.status_code == 302
    assert Suggestion.objects.get(author=me).title == "Evening phone shift"
    page = client.get(reverse("operations:suggestions")).content.decode()
    assert "Evening phone shift" in page and "Someone else&#x27;s idea" not in page


@pytest.mark.parametrize("data", [{}, {"title": " ", "body": " "}, {"title": "x" * 500, "body": "b"}])
def test_p3_an_incomplete_suggestion_is_a_form_error(staff_client, data):
    client, _me = staff_client("operations")
    response = client.post(reverse("operations:suggestion_new"), data)
    assert response.status_code == 200 and not Suggestion.objects.exists()


def test_p3_manager_adopts_then_rewards_in_the_back_office(staff_client):
    # given
    client, manager = staff_client("manager")
    suggestion = SuggestionFactory()
    # when
    decided = client.post(reverse("admin:operations_suggestion_decide", args=[suggestion.pk]),
                          {"decision": "adopt", "reason": "Start in December."})
    rewarded = client.post(reverse("admin:operations_suggestion_reward", args=[suggestion.pk]),
                           {"effect": "Missed calls down from 30 to 4 a week.", "amount": "300"})
    again = client.post(reverse("admin:operations_suggestion_reward", args=[suggestion.pk]),
                        {"effect": "Again.", "amount": "300"})
    # then
    assert decided.status_code == 302 and rewarded.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REWARDED and suggestion.decided_by == manager
    assert again.status_code == 302  # back to the suggestion, with a warning
    assert RewardOrPenalty.objects.get(suggestion=suggestion).amount_fen == 30000
    # and the queue shows what waits by default, the suggestion page what was done
    assert client.get(reverse("admin:operations_suggestion_changelist")).status_code == 200
    assert client.get(reverse("admin:operations_suggestion_change", args=[suggestion.pk])).status_code == 200


def test_p3_manager_cannot_decide_their_own_suggestion_in_the_back_office(staff_client):
    client, manager = staff_client("manager")
    own = SuggestionFactory(author=manager)
    response = client.post(reverse("admin:operations_suggestion_decide", args=[own.pk]),
                           {"decision": "adopt", "reason": "Mine is great."})
    assert response.status_code == 200 and "your own suggestion" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Suggestion.Status.SUBMITTED


def test_p3_manager_records_a_penalty_in_the_back_office_never_for_themselves(staff_client):
    # given
    client, manager = staff_client("manager")
    agent = StaffFactory(role="customer_service")
    url = reverse("admin:operations_rewardorpenalty_record")
    # when
    own = client.post(url, {"staff": manager.pk, "kind": "reward", "amount": "100", "reason": "Me."})
    done = client.post(url, {"staff": agent.pk, "kind": "penalty", "amount": "50", "reason": "Rude to a user."})
    # then: the manager is not even offered as a choice
    assert own.status_code == 200 and not RewardOrPenalty.objects.filter(staff=manager).exists()
    assert done.status_code == 302
    assert RewardOrPenalty.objects.get().kind == "penalty"
    listing = client.get(reverse("admin:operations_rewardorpenalty_changelist"))
    assert listing.status_code == 200 and "Record a reward or a penalty" in listing.content.decode()


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations", "finance", "auditor"])
def test_p3_other_roles_cannot_decide_or_reward(staff_client, role):
    client, _user = staff_client(role)
    suggestion = SuggestionFactory()
    for name in ("admin:operations_suggestion_decide", "admin:operations_suggestion_reward"):
        response = client.post(reverse(name, args=[suggestion.pk]), {"decision": "adopt", "reason": "r"})
        assert response.status_code == 403
    assert client.post(reverse("admin:operations_rewardorpenalty_record"),
                       {"staff": suggestion.author.pk, "kind": "reward", "reason": "r"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUBMITTED and not RewardOrPenalty.objects.exists()
