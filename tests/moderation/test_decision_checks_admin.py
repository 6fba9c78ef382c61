"""P2.3 in the back office: "my decision checks", the verdict form, the agreement report."""

import datetime as dt

import pytest
from django.urls import reverse

from jobs.models import Job
from moderation.decision_checks import DecisionCheck
from tests.factories.accounts import StaffFactory
from tests.factories.operations import decision, local

WEEK = dt.date(2026, 11, 9)


def _check(decider, checker, *, object_id=1, agrees=None):
    entry = decision(model=Job, object_id=object_id, transition="reject", actor=decider,
                     at=local(2026, 11, 10), reason="Fees charged to students.")
    return DecisionCheck.objects.create(decision=entry, decider=decider, checker=checker, week=WEEK,
                                         agrees=agrees)


def test_p2_3_moderators_see_only_their_own_tasks(staff_client):
    # given
    client, me = staff_client("moderator")
    other = StaffFactory(role="moderator")
    mine = _check(other, me, object_id=1)
    theirs = _check(me, other, object_id=2)
    # when
    response = client.get(reverse("admin:moderation_decisioncheck_changelist"))
    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert client.get(reverse("admin:moderation_decisioncheck_check", args=[theirs.pk])).status_code == 404


def test_p2_3_the_checker_records_a_disagreement_with_notes(staff_client):
    # given
    client, me = staff_client("moderator")
    check = _check(StaffFactory(role="moderator"), me)
    url = reverse("admin:moderation_decisioncheck_check", args=[check.pk])
    # when: without notes first, then with them
    missing = client.post(url, {"agrees": "no", "notes": ""})
    done = client.post(url, {"agrees": "no", "notes": "The fee was a refundable deposit; allowed."})
    # then
    assert missing.status_code == 200 and "Say why you disagree" in missing.content.decode()
    assert done.status_code == 302
    check.refresh_from_db()
    assert check.agrees is False and check.notes.startswith("The fee was")


@pytest.mark.parametrize("data", [{}, {"agrees": "maybe"}, {"agrees": "yes", "notes": "x" * 5000}])
def test_p2_3_a_bad_verdict_is_a_form_error(staff_client, data):
    client, me = staff_client("moderator")
    check = _check(StaffFactory(role="moderator"), me)
    response = client.post(reverse("admin:moderation_decisioncheck_check", args=[check.pk]), data)
    assert response.status_code == 200
    check.refresh_from_db()
    assert check.agrees is None


def test_p2_3_managers_read_the_agreement_report(staff_client):
    # given
    client, _manager = staff_client("manager")
    a, b = StaffFactory(role="moderator"), StaffFactory(role="moderator")
    _check(a, b, object_id=1, agrees=True)
    _check(a, b, object_id=2, agrees=False)
    _check(a, None, object_id=3)  # nobody could take it
    # when
    response = client.get(reverse("admin:moderation_decisioncheck_report"))
    # then
    assert response.status_code == 200 and response.context["unassigned"] == 1
    assert 'id="unassigned"' in response.content.decode()
    assert [(r["checked"], r["agreed"], r["rate"]) for r in response.context["by_moderator"]] == [(2, 1, 50.0)]
    assert len(client.get(reverse("admin:moderation_decisioncheck_changelist") + "?verdict=all")
               .context["cl"].result_list) == 3


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations", "finance", "auditor"])
def test_p2_3_only_managers_read_the_report(staff_client, role):
    client, _user = staff_client(role)
    assert client.get(reverse("admin:moderation_decisioncheck_report")).status_code == 403


def test_p2_3_the_task_list_does_not_grow_queries_with_rows(staff_client, django_assert_max_num_queries):
    # given: twelve decisions waiting for this moderator
    client, me = staff_client("moderator")
    other = StaffFactory(role="moderator")
    for n in range(12):
        _check(other, me, object_id=n)
    # when: session, user, permissions (4), the count of the filtered list (1), a policy probe of the
    # admin's header (1), the rows joined with decision, content type, decider and checker (1), the
    # inbox count (1) — the same whatever the number of rows
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:moderation_decisioncheck_changelist"))
    # then
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 12
