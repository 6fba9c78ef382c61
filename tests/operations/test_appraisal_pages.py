"""P3 pages: the managers' staff list and appraisal form, and one's own appraisals."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jobs.models import Job
from operations.appraisal import staff_appraisal_create
from operations.models import RewardOrPenalty, StaffAppraisal
from tests.factories.accounts import StaffFactory
from tests.factories.operations import decision, handled_ticket, local

NOW = local(2026, 11, 5, 10)
OCTOBER = "?start=2026-10-01&end=2026-10-31"


@pytest.fixture
def manager_client(staff_client):
    with time_machine.travel(NOW, tick=False):
        yield staff_client("manager")


def test_p3_staff_list_shows_everyone_with_last_months_indicators(manager_client, django_assert_max_num_queries):
    # given: ten staff members with some October activity
    client, _manager = manager_client
    members = [StaffFactory(role=role) for role in ["moderator"] * 5 + ["customer_service"] * 5]
    for n, member in enumerate(members[:5]):
        decision(model=Job, object_id=n, transition="approve", actor=member, at=local(2026, 10, 10))
    for member in members[5:]:
        handled_ticket(by=member, first_due=local(2026, 10, 3, 12), first_at=local(2026, 10, 3, 10),
                       resolved_at=local(2026, 10, 4), satisfaction=4)
    # when: session, user and their permissions (4), staff and their groups (2), decisions, tickets and
    # decision-check agreement grouped per person (3), the decision models' content types (1 on a cold
    # cache), the inbox count in the header (1) — the same 11 for ten staff members or a hundred
    with django_assert_max_num_queries(11):
        response = client.get(reverse("operations:staff_list"))
    # then: the default period is last month (October, on 5 November)
    assert response.status_code == 200
    assert response.context["start"] == dt.date(2026, 10, 1) and response.context["end"] == dt.date(2026, 10, 31)
    rows = dict(response.context["rows"])
    assert all(rows[m]["decisions"] == 1 for m in members[:5])
    assert all(rows[m]["satisfaction_avg"] == 4.0 for m in members[5:])
    assert "How the indicators are measured" in response.content.decode()


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations", "finance", "auditor"])
def test_p3_only_managers_see_the_staff_list_and_appraise(staff_client, role):
    client, _user = staff_client(role)
    target = StaffFactory(role="moderator")
    assert client.get(reverse("operations:staff_list")).status_code == 403
    url = reverse("operations:staff_appraise", args=[target.pk]) + OCTOBER
    assert client.get(url).status_code == 403
    assert client.post(url, {"results": 5, "attitude": 5, "teamwork": 5}).status_code == 403
    assert not StaffAppraisal.objects.exists()


def test_p3_staff_pages_need_the_second_factor(db):
    # given: a manager signed in with the password only
    client = Client()
    client.force_login(StaffFactory(role="manager"))
    # then
    assert client.get(reverse("operations:staff_list")).status_code == 403
    assert client.get(reverse("operations:my_appraisals")).status_code == 403


def test_p3_manager_appraises_through_the_form(manager_client):
    # given
    client, _manager = manager_client
    target = StaffFactory(role="customer_service")
    url = reverse("operations:staff_appraise", args=[target.pk]) + OCTOBER
    # when
    page = client.get(url)
    response = client.post(url, {"results": 4, "attitude": 5, "teamwork": 3, "comments": "Good month.",
                                 "outcome_kind": "reward", "outcome_amount": "200.50",
                                 "outcome_reason": "Most tickets."})
    # then
    assert page.status_code == 200 and "appraisal-form" in page.content.decode()
    assert response.status_code == 302
    appraisal = StaffAppraisal.objects.get()
    assert (appraisal.staff, appraisal.period_start, appraisal.period_end) == (
        target, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert RewardOrPenalty.objects.get().amount_fen == 20050
    # and the period cannot be appraised twice: the page says so
    assert "already-appraised" in client.get(url).content.decode()


def test_p3_the_form_refuses_appraising_oneself_clearly(manager_client):
    client, manager = manager_client
    url = reverse("operations:staff_appraise", args=[manager.pk]) + OCTOBER
    assert "You cannot appraise yourself" in client.get(url).content.decode()
    response = client.post(url, {"results": 5, "attitude": 5, "teamwork": 5})
    assert response.status_code == 200 and not StaffAppraisal.objects.exists()


@pytest.mark.parametrize("query, data", [
    ("?start=nonsense&end=2026-10-31", {"results": 4, "attitude": 4, "teamwork": 4}),
    ("?start=2026-10-31&end=2026-10-01", {"results": 4, "attitude": 4, "teamwork": 4}),
    (OCTOBER, {"results": 9, "attitude": "x", "teamwork": ""}),
    (OCTOBER, {"results": 4, "attitude": 4, "teamwork": 4, "outcome_kind": "bonus"}),
    (OCTOBER, {"results": 4, "attitude": 4, "teamwork": 4, "outcome_kind": "penalty", "outcome_amount": "-5",
               "outcome_reason": "r"}),
    ("?start=2026-12-01&end=2026-12-31", {"results": 4, "attitude": 4, "teamwork": 4}),
])
def test_p3_bad_input_is_a_form_error_not_a_500(manager_client, query, data):
    client, _manager = manager_client
    target = StaffFactory(role="moderator")
    response = client.post(reverse("operations:staff_appraise", args=[target.pk]) + query, data)
    assert response.status_code == 200 and not StaffAppraisal.objects.exists()
    if query.startswith("?start=2026-12"):  # a period that has not ended
        assert "Appraise a period that has ended" in response.content.decode()


def test_p3_an_unknown_or_non_staff_person_is_a_404(manager_client, student):
    client, _manager = manager_client
    assert client.get(reverse("operations:staff_appraise", args=[999999])).status_code == 404
    assert client.get(reverse("operations:staff_appraise", args=[student.pk])).status_code == 404


def test_p3_staff_see_only_their_own_appraisals(staff_client):
    # given: two moderators appraised for October
    manager = StaffFactory(role="manager")
    client, me = staff_client("moderator")
    colleague = StaffFactory(role="moderator")
    with time_machine.travel(NOW, tick=False):
        for person, comment in ((me, "Mine."), (colleague, "Theirs.")):
            staff_appraisal_create(actor=manager, staff_id=person.pk, period_start=dt.date(2026, 10, 1),
                                   period_end=dt.date(2026, 10, 31), results=3, attitude=3, teamwork=3,
                                   comments=comment)
    # when
    response = client.get(reverse("operations:my_appraisals"))
    # then
    assert response.status_code == 200
    assert [a.staff for a in response.context["appraisals"]] == [me]
    assert "Mine." in response.content.decode() and "Theirs." not in response.content.decode()


def test_p3_students_cannot_open_staff_pages(student_client):
    for name in ("operations:my_appraisals", "operations:suggestions", "operations:suggestion_new",
                 "operations:staff_list"):
        assert student_client.get(reverse(name)).status_code == 403


def test_p3_managers_read_appraisals_in_the_back_office(staff_client):
    # given
    client, _manager = staff_client("manager")
    other_manager = StaffFactory(role="manager")
    target = StaffFactory(role="moderator")
    with time_machine.travel(NOW, tick=False):
        appraisal = staff_appraisal_create(actor=other_manager, staff_id=target.pk, period_start=dt.date(2026, 10, 1),
                                           period_end=dt.date(2026, 10, 31), results=2, attitude=3, teamwork=4,
                                           outcome_kind="penalty", outcome_reason="Missed the SLA often.")
    # when
    listing = client.get(reverse("admin:operations_staffappraisal_changelist"))
    page = client.get(reverse("admin:operations_staffappraisal_change", args=[appraisal.pk]))
    records = client.get(reverse("admin:operations_rewardorpenalty_changelist"))
    # then
    assert listing.status_code == 200 and reverse("operations:staff_list") in listing.content.decode()
    assert page.status_code == 200 and "Measured indicators (frozen)" in page.content.decode()
    assert records.status_code == 200 and "Missed the SLA often." in records.content.decode()


def test_p3_an_absurd_id_is_a_404_not_a_500(manager_client):
    client, _manager = manager_client
    assert client.get("/ops/staff/99999999999999999999999999/appraise/").status_code == 404


@pytest.mark.parametrize("query", ["?start=0001-01-01&end=0001-01-02", "?start=2026-10-01&end=9999-12-31",
                                   "?start=2026-02-30&end=x"])
def test_p3_an_absurd_period_falls_back_to_last_month(manager_client, query):
    client, _manager = manager_client
    response = client.get(reverse("operations:staff_list") + query)
    assert response.status_code == 200 and response.context["start"] == dt.date(2026, 10, 1)
    assert response.context["form"].errors
