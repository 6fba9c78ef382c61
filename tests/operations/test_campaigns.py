"""Promotion campaigns (P2.1): tagged links count visits, the sign-up that
follows is attributed to the campaign (first touch), and the effect report
counts what the users it brought did — in aggregates only."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications.models import ApplicationStatus
from core.vetting import VettingStatus
from operations.campaigns import SESSION_KEY
from operations.middleware import CampaignLinkMiddleware
from operations.models import Campaign, CampaignSignup, CampaignVisit
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.applications import ApplicationFactory, EngagementFactory
from tests.factories.employers import EmployerFactory

STUDENT_SIGNUP = {"password1": "Dragon-fruit-2026", "password2": "Dragon-fruit-2026", "accept_terms": "on"}


def _campaign(code="fudan-poster", **kwargs) -> Campaign:
    today = timezone.localdate()
    defaults = {"name": "Fudan poster", "channel": "canteen poster", "starts_on": today - dt.timedelta(days=3),
                "ends_on": today + dt.timedelta(days=3), "budget_fen": 100_000}
    return Campaign.objects.create(code=code, **{**defaults, **kwargs})


def _staff_client(role):
    return login_with_mfa(Client(), StaffFactory(role=role))


def test_p2_1_a_visitor_is_counted_once_a_day_however_often_they_come(db, client):
    # given
    campaign = _campaign()
    # when: five visits through the tagged link, one to another page with the code
    for _ in range(4):
        client.get("/?c=fudan-poster")
    client.get("/jobs/?c=fudan-poster")
    # then: one counter row for today, one visitor, the code in the session
    visit = CampaignVisit.objects.get(campaign=campaign)
    assert (visit.date, visit.count) == (timezone.localdate(), 1)
    assert client.session[SESSION_KEY] == "fudan-poster"


def test_p2_1_different_visitors_each_count(db):
    # given: three browsers (own sessions), two on the same address with different browsers
    campaign = _campaign()
    visitors = [Client(HTTP_USER_AGENT="phone A", REMOTE_ADDR="10.0.0.1"),
                Client(HTTP_USER_AGENT="phone B", REMOTE_ADDR="10.0.0.1"),
                Client(HTTP_USER_AGENT="phone A", REMOTE_ADDR="10.0.0.2")]
    # when: each comes twice
    for visitor in visitors * 2:
        visitor.get("/?c=fudan-poster")
    # then
    assert CampaignVisit.objects.get(campaign=campaign).count == 3


def test_p2_1_a_client_that_drops_cookies_is_still_one_visitor(db):
    # given: a script that sends no cookie back (a new session every time) from one address
    campaign = _campaign()
    for _ in range(5):
        Client(HTTP_USER_AGENT="curl/8", REMOTE_ADDR="10.0.0.9").get("/?c=fudan-poster")
    # then
    assert CampaignVisit.objects.get(campaign=campaign).count == 1


def test_p2_1_the_same_visitor_counts_again_the_next_day(db, client):
    campaign = _campaign()
    client.get("/?c=fudan-poster")
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        client.get("/?c=fudan-poster")
        client.get("/?c=fudan-poster")
    assert sorted(CampaignVisit.objects.filter(campaign=campaign).values_list("count", flat=True)) == [1, 1]


@pytest.mark.parametrize("code", ["unknown", "", "over"])
def test_p2_1_unknown_or_finished_campaigns_count_nothing(db, client, code):
    today = timezone.localdate()
    _campaign(code="over", starts_on=today - dt.timedelta(days=30), ends_on=today - dt.timedelta(days=1))
    response = client.get(f"/?c={code}")
    assert response.status_code == 200
    assert not CampaignVisit.objects.exists()
    assert SESSION_KEY not in client.session


def test_p2_1_requests_without_a_campaign_code_cost_no_query(db):
    # given: the middleware alone, in front of a view that does nothing
    middleware = CampaignLinkMiddleware(lambda request: "response")
    factory = RequestFactory()
    # when / then: no `c=` in the query string (or only inside another parameter's name) → no query at all
    for path in ("/", "/jobs/?q=家教&city=上海市", "/jobs/?abc=1"):
        with CaptureQueriesContext(connection) as queries:
            assert middleware(factory.get(path)) == "response"
        assert len(queries) == 0, path


def test_p2_1_a_sign_up_after_the_link_is_attributed_first_touch(db, client):
    # given: a visitor came through one campaign, then through another
    first, second = _campaign("first"), _campaign("second")
    client.get("/?c=first")
    client.get("/?c=second")
    # when: they sign up as a student
    response = client.post(reverse("account_signup"), {"email": "xm@example.com", **STUDENT_SIGNUP})
    # then: the first campaign gets the sign-up; both got their visit
    assert response.status_code == 302
    signup = CampaignSignup.objects.get()
    assert signup.user.email == "xm@example.com" and signup.campaign == first
    assert CampaignVisit.objects.get(campaign=second).count == 1


def test_p2_1_an_employer_sign_up_is_attributed_too(db, client):
    campaign = _campaign(audience=Campaign.Audience.EMPLOYERS)
    client.get("/employer/signup/?c=fudan-poster")
    client.post(reverse("employers:signup"), {"email": "boss@tea.example", **STUDENT_SIGNUP})
    assert CampaignSignup.objects.get().campaign == campaign
    assert CampaignSignup.objects.get().user.kind == User.Kind.EMPLOYER


def test_p2_1_a_sign_up_without_a_link_is_not_attributed(db, client):
    _campaign()
    client.post(reverse("account_signup"), {"email": "xm@example.com", **STUDENT_SIGNUP})
    assert not CampaignSignup.objects.exists()


@pytest.fixture
def brought(db):
    """A campaign with 10 visits, 3 students (2 approved) and 1 employer (approved) signed up through it;
    the students made 4 applications, 1 of them hired; the employer hired 2 students. Plus a student
    who came another way, whose application does not count."""
    campaign = _campaign(budget_fen=100_000)
    CampaignVisit.objects.create(campaign=campaign, date=timezone.localdate(), count=10)
    students = [StudentProfileFactory(approved=True).user, StudentProfileFactory(approved=True).user,
                StudentProfileFactory(vetting_status=VettingStatus.SUBMITTED).user]
    employer = EmployerFactory(approved=True)
    for user in [*students, employer.members.get().user]:
        CampaignSignup.objects.create(campaign=campaign, user=user)
    ApplicationFactory(student=students[0])
    ApplicationFactory(student=students[0], status=ApplicationStatus.REJECTED)
    ApplicationFactory(student=students[1])
    EngagementFactory(application__student=students[1])
    EngagementFactory(application__job__employer=employer)
    EngagementFactory(application__job__employer=employer)
    ApplicationFactory()  # someone else
    return campaign, students


def test_p2_1_the_effect_report_counts_what_the_campaign_brought(brought):
    from operations.selectors import campaign_effect

    campaign, _students = brought
    effect = campaign_effect(campaign=campaign)
    assert effect.visits == 10
    assert (effect.student_signups, effect.employer_signups, effect.signups) == (3, 1, 4)
    assert (effect.approved_students, effect.approved_employers) == (2, 1)
    assert (effect.applications, effect.student_hires, effect.employer_hires) == (4, 1, 2)
    assert effect.cost_per_signup_fen == 25_000  # ¥1,000 / 4 sign-ups
    assert effect.visit_to_signup_percent == 40.0


def test_p2_1_the_effect_page_shows_yuan_and_no_personal_data(brought, django_assert_max_num_queries):
    campaign, students = brought
    client = _staff_client("operations")
    # session, user, permissions (2), the campaign, and the eight counts of campaign_effect
    with django_assert_max_num_queries(14):
        response = client.get(reverse("operations:campaign", kwargs={"pk": campaign.pk}))
    assert response.status_code == 200
    content = response.content.decode()
    assert "¥250.00" in content and "¥1,000.00" in content and "/?c=fudan-poster" in content
    for student in students:
        assert student.email not in content and student.student_profile.real_name not in content


def test_p2_1_the_campaign_list_has_totals_without_n_plus_one(brought, django_assert_max_num_queries):
    for i in range(5):
        _campaign(f"extra-{i}")
    client = _staff_client("manager")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("operations:campaigns"))
    assert response.status_code == 200
    row = next(c for c in response.context["campaigns"] if c.code == "fudan-poster")
    assert (row.visits_total, row.signups_total) == (10, 4)


@pytest.mark.parametrize("role", ["customer_service", "moderator", "finance"])
def test_p2_1_campaign_pages_are_for_operations_and_managers(db, role):
    campaign = _campaign()
    client = _staff_client(role)
    assert client.get(reverse("operations:campaigns")).status_code == 403
    assert client.get(reverse("operations:campaign", kwargs={"pk": campaign.pk})).status_code == 403


def test_p2_1_operations_creates_a_campaign_in_the_admin(db):
    # given
    user = StaffFactory(role="operations")
    client = login_with_mfa(Client(), user)
    today = timezone.localdate()
    # when
    response = client.post(reverse("admin:operations_campaign_add"), {
        "name": "WeChat article", "code": "wechat-1", "channel": "WeChat", "audience": "both",
        "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=7)).isoformat(),
        "budget_fen": "50000", "landing_path": "/"})
    # then
    assert response.status_code == 302
    campaign = Campaign.objects.get(code="wechat-1")
    assert campaign.created_by == user


def test_p2_1_customer_service_cannot_create_campaigns(db):
    client = _staff_client("customer_service")
    assert client.get(reverse("admin:operations_campaign_add")).status_code == 403
