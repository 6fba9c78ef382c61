"""Content-Security-Policy on every HTML page (J3): scripts only from our static files
or with the request's nonce, no inline event handlers, no eval. Checked on the main
page types: public, student, employer, the admin and the weekly report's charts.
The browser journeys (tests/e2e) fail on any CSP violation the browser reports."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from operations import reports
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.applications import EngagementFactory, approved_student
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 16)  # a Monday
# Data blocks are never executed by a browser, so script-src does not govern them (json_script).
DATA_TYPES = {"application/json", "application/ld+json"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.javascript_urls: list[str] = []
        self._open_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.javascript_urls.append(value)
        if tag == "script":
            self._open_script = {**attributes, "_body": ""}
            self.scripts.append(self._open_script)

    def handle_data(self, data):
        if self._open_script is not None:
            self._open_script["_body"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._open_script = None


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_csp_holds(response, name: str) -> _Tags:
    assert response.status_code == 200, (name, response.status_code)
    assert response["Content-Type"].startswith("text/html"), name
    header = response.get("Content-Security-Policy")
    assert header, f"{name}: no Content-Security-Policy header"
    policy = directives(header)
    script_src = policy.get("script-src", policy.get("default-src"))
    assert script_src is not None and "'self'" in script_src, (name, header)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (name, header)
    assert policy.get("object-src") == ["'none'"] and policy.get("base-uri") == ["'none'"], (name, header)
    assert policy.get("frame-ancestors") == ["'none'"], (name, header)
    assert "'unsafe-inline'" not in policy.get("style-src", []), (name, header)
    nonces = {word[len("'nonce-"):-1] for word in script_src if word.startswith("'nonce-")}

    tags = _Tags()
    tags.feed(response.content.decode())
    assert not tags.handlers, f"{name}: inline event handlers {tags.handlers}"
    assert not tags.javascript_urls, f"{name}: javascript: URLs {tags.javascript_urls}"
    for script in tags.scripts:
        if script.get("src"):
            src = script["src"]  # our static files, or the admin's jsi18n catalogue: same origin
            assert src.startswith("/") and not src.startswith("//"), f"{name}: script from {src}"
        elif script.get("type", "").lower() not in DATA_TYPES:
            assert script.get("nonce") in nonces, f"{name}: inline script without the nonce: {script['_body'][:80]}"
    return tags


@pytest.fixture
def pages():
    """(name, client, url) for each main page type."""
    engagement = EngagementFactory()
    job, shift = engagement.job, engagement.job.shifts.get()
    open_job = JobFactory(published=True)
    student = approved_student()
    student_client = Client()
    student_client.force_login(student)
    member_client = Client()
    member_client.force_login(job.employer.members.first().user)
    reports.weekly_report_build(week_start=WEEK)
    moderator = login_with_mfa(Client(), StaffFactory(role="moderator"))
    operations = login_with_mfa(Client(), StaffFactory(role="operations"))
    profile = StudentProfileFactory(approved=True)
    anonymous = Client()
    return [
        ("home", anonymous, reverse("core:home")),
        ("job list", anonymous, reverse("jobs:list")),
        ("job detail", anonymous, reverse("jobs:detail", args=[open_job.pk])),
        ("student home", student_client, reverse("applications:student_home")),
        ("student dashboard", student_client, reverse("accounts:dashboard")),
        ("employer dashboard", member_client, reverse("employers:dashboard")),
        ("employer shift with QR codes", member_client, reverse("applications:employer_shift",
                                                                 args=[job.pk, shift.pk])),
        ("employer job form", member_client, reverse("jobs:employer_job_new")),
        ("admin index", moderator, reverse("admin:index")),
        ("admin change page", moderator, reverse("admin:accounts_studentprofile_change", args=[profile.pk])),
        ("admin change list", moderator, reverse("admin:accounts_studentprofile_changelist")),
        ("weekly report", operations, reverse("operations:report", kwargs={"week": WEEK.isoformat()})),
        ("sign-in", Client(), reverse("account_login")),
    ]


def test_j3_every_main_page_type_carries_a_csp_without_inline_script(pages):
    for name, client, url in pages:
        assert_csp_holds(client.get(url), name)


def test_j3_the_weekly_report_charts_load_from_static_with_data_in_a_json_block(pages):
    name, client, url = next(p for p in pages if p[0] == "weekly report")
    tags = assert_csp_holds(client.get(url), name)
    sources = [s.get("src", "") for s in tags.scripts]
    assert any("vendor/chartjs/chart.umd.min.js" in s for s in sources)
    assert any(s.get("id") == "report-data" and s.get("type") == "application/json" for s in tags.scripts)


def test_j3_an_inline_script_gets_the_nonce_of_its_response(rf, settings):
    # The way to add one, should a page ever need it: <script nonce="{{ request.csp_nonce }}">.
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">var a = 1;</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    request = rf.get("/")
    response = CSPMiddleware(view)(request)
    nonce = request.csp_nonce
    assert f"'nonce-{nonce}'" in directives(response["Content-Security-Policy"])["script-src"]
    assert f'nonce="{nonce}"' in response.content.decode()
