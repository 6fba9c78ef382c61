"""The weekly report in a real browser (P2.1): an operations staff
member signs in with TOTP, opens last week's report and sees its four charts
drawn by the vendored Chart.js; the screenshot is kept in test-artifacts/."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from jobs.models import JobCategory
from operations.reports import weekly_report_build
from support.models import Ticket

from .conftest import ARTIFACTS_DIR
from .helpers import PHONE, assert_no_horizontal_scroll, sign_in_staff

pytestmark = pytest.mark.browser

WEEK = dt.date(2026, 11, 16)
CANVASES = ["chart-jobs-by-category", "chart-median-pay", "chart-tickets", "chart-fill-rate"]

# How many pixels of a canvas are not transparent: a drawn chart has thousands.
PAINTED_PIXELS = """(id) => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { painted++; } }
  return painted;
}"""


def _a_week_of_activity():
    from tests.operations.test_weekly_report import _hire, _job, _ticket, at

    tutoring = _job(published=at(16, 9), base_rate_fen=6000, headcount=3, city="上海市")
    _job(published=at(17, 9), base_rate_fen=8000, headcount=2, city="杭州市")
    catering = _job(published=at(18, 9), base_rate_fen=3000, headcount=4, city="上海市",
                    category=JobCategory.CATERING, shift_day=19)
    _job(published=at(19, 9), base_rate_fen=4500, headcount=2, city="北京市", category=JobCategory.EVENTS)
    _hire(tutoring, applied=at(16, 10), hired=at(17, 10))
    _hire(catering, applied=at(18, 10), hired=at(18, 20))
    for category, day in ((Ticket.Category.COMPLAINT, 16), (Ticket.Category.QUESTION, 17),
                          (Ticket.Category.QUESTION, 18), (Ticket.Category.FEEDBACK, 20)):
        _ticket(category=category, created=at(day))
    return weekly_report_build(week_start=WEEK)


def test_p2_1_operations_opens_the_weekly_report_and_sees_its_charts(make_page, live_server):
    # given: last week's report built from a week of activity
    report = _a_week_of_activity()
    page = make_page()
    # when: an operations staff member signs in with TOTP and opens it
    sign_in_staff(page, live_server, "operations")
    page.goto(f"{live_server.url}/ops/reports/")
    page.locator(f'a[href="/ops/reports/{report.week_start.isoformat()}/"]').click()
    page.wait_for_url(f"**/ops/reports/{report.week_start.isoformat()}/")
    for canvas in CANVASES:
        expect(page.locator(f"#{canvas}")).to_have_attribute("data-drawn", "true")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "weekly_report.png"), full_page=True)
    # then: every chart painted its canvas
    for canvas in CANVASES:
        assert page.evaluate(PAINTED_PIXELS, canvas) > 500, f"{canvas} drew nothing"
    # and the page reads on a phone too
    phone = make_page(viewport=PHONE, locale="zh-CN")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}/ops/reports/{report.week_start.isoformat()}/")
    expect(phone.locator("#chart-fill-rate")).to_have_attribute("data-drawn", "true")
    assert_no_horizontal_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS_DIR / "weekly_report_phone.png"), full_page=True)
    assert phone.evaluate(PAINTED_PIXELS, "chart-median-pay") > 500
    # the other operations pages read on a phone as well: today's check, a campaign's effect
    from operations.health import daily_check_run
    from operations.models import Campaign

    daily_check_run()
    campaign = Campaign.objects.create(name="复旦食堂海报", code="fudan", channel="食堂海报", starts_on=WEEK,
                                       ends_on=WEEK + dt.timedelta(days=60), budget_fen=80_000)
    for path in ("/ops/health/", f"/ops/campaigns/{campaign.pk}/", "/ops/campaigns/"):
        phone.goto(f"{live_server.url}{path}")
        expect(phone.locator("h1")).to_be_visible()
        assert_no_horizontal_scroll(phone)
    phone.goto(f"{live_server.url}/ops/health/")
    phone.screenshot(path=str(ARTIFACTS_DIR / "daily_check_phone.png"), full_page=True)
