"""Jobs near me in a real browser (S2.1, docs/near-me.md): a student on a phone at Peking
University taps "use my current position" and sees the nearest jobs first with their
distances, then narrows to 3 km; an employer at the workplace fills in its position with
the same button."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jobs.geo import campuses
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

from .helpers import sign_in

pytestmark = pytest.mark.browser


def test_s2_1_a_student_shares_their_position_and_finds_the_nearest_jobs(phone_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    pku, tsinghua, bnu = (campuses()[key] for key in ("pku", "tsinghua", "bnu"))
    employer = EmployerFactory(approved=True)
    for title, campus in (("北师大附近家教", bnu), ("清华园咖啡店员", tsinghua)):
        JobFactory(published=True, employer=employer, title=title, city="北京市", district="海淀区",
                   latitude=campus.lat, longitude=campus.lng)
    JobFactory(published=True, employer=employer, title="徐汇区家教")  # Shanghai, no position
    # given: the browser is at Peking University and the student allows it to tell the page
    phone_page.context.grant_permissions(["geolocation"])
    phone_page.context.set_geolocation({"latitude": pku.lat + 0.00012345, "longitude": pku.lng})
    phone_page.goto(reverse("jobs:list"))
    # when
    phone_page.locator("#use-position").click()
    phone_page.wait_for_url("**sort=distance**")
    # then: the position went rounded to 3 decimals; nearest first, each with its distance
    assert f"lat={round(pku.lat + 0.00012345, 3)}" in phone_page.url
    cards = phone_page.locator(".job-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("清华园咖啡店员")
    expect(cards.nth(0).locator(".distance")).to_have_text("2.2 公里")
    expect(cards.nth(1)).to_contain_text("北师大附近家教")
    expect(phone_page.locator("#near-me-status")).to_contain_text("我们不会保存")
    # when: only jobs within 3 km
    phone_page.select_option("#id_within", "3")
    phone_page.locator("form.job-search [type=submit]").first.click()
    phone_page.wait_for_url("**within=3**")
    expect(phone_page.locator(".job-card")).to_have_count(1)
    expect(phone_page.locator(".job-card")).to_contain_text("清华园咖啡店员")


def test_s2_1_an_employer_at_the_workplace_fills_in_its_position(page):
    employer = EmployerFactory(approved=True)
    sign_in(page, employer.members.get().user.email)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.193012, "longitude": 121.437034})
    page.goto(reverse("jobs:employer_job_new"))
    page.locator("#use-position").click()
    expect(page.locator("#id_latitude")).to_have_value("31.193012")
    expect(page.locator("#id_longitude")).to_have_value("121.437034")
    expect(page.locator("#id_coordinate_system")).to_have_value("wgs84")
