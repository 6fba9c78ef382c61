"""Accessibility in a real browser (issue 21): axe-core (axe-playwright-python; WCAG 2.1 A/AA and best
practices) finds no serious or critical violation on any student or employer page, each audited at
375 px and at 1366 px (in Chinese; the first English pages too), nor on the admin's dashboard, a
changelist and a change form; the phone menu opens and is walked by keyboard (the site has no
dialogs: confirmations are pages); a form's errors are tied to their fields for screen readers.

The pages are those the words crawler reads (tests/security/test_words_crawl.py) for the access
matrix's student_a and employer_a: every page of the site they may open, with the world's
application, engagement, statement, review, ticket … behind them."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.security.test_access_matrix import World, build_world
from tests.security.test_words_crawl import pages_for

from .helpers import PHONE

pytestmark = pytest.mark.browser

AXE = Axe()
SCREEN = {"width": 1366, "height": 768}
GRAVE = ("serious", "critical")
# The standards the pages are held to: WCAG 2.1 A and AA (the rules axe tags so) and axe's best practices.
AXE_OPTIONS = {"resultTypes": ["violations"],
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@pytest.fixture
def world(transactional_db) -> World:
    """The access matrix's world, built in one transaction: on the live server's database the side
    effects of its services run on commit, once everything is written (as in the matrix's own tests)."""
    with transaction.atomic():
        return build_world()


def grave_violations(page) -> list[str]:
    """The page's serious and critical axe violations, one line per rule with its first elements."""
    results = AXE.run(page, options=AXE_OPTIONS)
    return [f"{page.url} {v['id']} ({v['impact']}, {len(v['nodes'])}×): "
            f"{[n['target'] for n in v['nodes'][:3]]} {v['nodes'][0].get('failureSummary', '')[:160]}"
            for v in results.response["violations"] if v["impact"] in GRAVE]


@pytest.fixture
def audit_page(browser, live_server):
    """audit_page(the_world, principal, language) → a 375 px page signed in as `principal`. Its context
    bypasses the Content-Security-Policy: axe sets inline styles while it measures colour contrast (the
    policy itself is held by every journey's make_page)."""
    contexts = []

    def make(the_world: World, principal: str, language: str):
        locale = "zh-CN" if language == "zh-hans" else "en-US"
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale=locale, bypass_csp=True,
                                      extra_http_headers={"Accept-Language": locale})
        contexts.append(context)
        client = the_world.client_for(principal)
        cookies = [{"name": "jianzhi_language", "value": language, "url": live_server.url}]
        if "sessionid" in client.cookies:
            cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def site_pages(the_world: World, principal: str) -> list[str]:
    return [url for url in pages_for(the_world, principal) if not url.startswith("/admin/")]


def audit(page, urls) -> tuple[list[str], int]:
    """Each page (a whole HTML document; not files, refusals, POST-only addresses or fragments) audited
    at 375 px, then resized to 1366 px and audited again."""
    found, audited = [], 0
    for url in urls:
        try:
            response = page.goto(url)
        except PlaywrightError:  # an error status with an empty body (405 on a POST-only address)
            continue
        if (response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", "")
                or "<html" not in response.text()[:300]):
            continue
        for viewport in (PHONE, SCREEN):
            page.set_viewport_size(viewport)
            audited += 1
            found += [f"{viewport['width']}px {line}" for line in grave_violations(page)]
        page.set_viewport_size(PHONE)
    return found, audited


@pytest.mark.parametrize(("principal", "language"), [("anonymous", "zh-hans"), ("student_a", "zh-hans"),
                                                     ("employer_a", "zh-hans"), ("student_a", "en")])
def test_i21_student_and_employer_pages_have_no_serious_accessibility_violation(
        audit_page, world, principal, language):
    urls = site_pages(world, principal)
    if language != "zh-hans":  # the English pages: the shared layout and the main page types
        urls = urls[:8]
    page = audit_page(world, principal, language)
    found, audited = audit(page, urls)
    print(f"axe: {principal} ({language}): {audited} page views audited, "  # noqa: T201
          f"{len(found)} serious or critical violations")
    assert audited >= 6, f"only {audited} page views audited: is {principal} signed in?"
    assert not found, "\n".join(found)


def test_i21_the_admin_dashboard_changelist_and_change_form_have_no_serious_accessibility_violation(
        audit_page, world):
    job = world.files["jobs:employer_job"][1]["pk"]
    urls = [reverse("admin:index"), reverse("admin:jobs_job_changelist"), reverse("admin:jobs_job_change", args=[job]),
            reverse("admin:accounts_studentprofile_changelist")]
    page = audit_page(world, "moderator", "en")
    found, audited = audit(page, urls)
    print(f"axe: admin: {audited} page views audited, {len(found)} serious or critical violations")  # noqa: T201
    assert audited == 2 * len(urls), f"only {audited} admin page views audited"
    assert not found, "\n".join(found)


def test_i21_the_phone_menu_opens_and_is_walked_by_keyboard(phone_page, live_server):
    # given: the home page on a phone, its menu closed
    phone_page.goto(reverse("core:home"))
    menu = phone_page.locator(".site-nav")
    expect(menu).to_be_hidden()
    # when: Tab past the skip link and the brand to the menu button, Space opens it
    phone_page.keyboard.press("Tab")
    expect(phone_page.locator(".skip-link")).to_be_focused()
    phone_page.keyboard.press("Tab")
    phone_page.keyboard.press("Tab")
    expect(phone_page.locator("#nav-toggle")).to_be_focused()
    phone_page.keyboard.press("Space")
    # then: the menu shows, and Tab goes to its first link, Enter follows it
    expect(menu).to_be_visible()
    phone_page.keyboard.press("Tab")
    first = menu.locator("a").first
    expect(first).to_be_focused()
    phone_page.keyboard.press("Enter")
    phone_page.wait_for_url(f"**{reverse('jobs:list')}")
    # and: the skip link takes the keyboard to the content
    phone_page.keyboard.press("Tab")
    phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("() => location.hash") == "#main"


def test_i21_a_form_s_errors_are_tied_to_their_fields_for_screen_readers(page, live_server):
    # given: the student sign-up form sent empty
    page.goto(reverse("account_signup"))
    page.evaluate("() => document.querySelector('main form').noValidate = true")  # past the browser's own check
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state("load")
    # then: every field marked invalid names its error text, which is on the page and not empty
    invalid = page.locator("main [aria-invalid=true]")
    assert invalid.count() >= 2
    for index in range(invalid.count()):
        control = invalid.nth(index)
        described = (control.get_attribute("aria-describedby") or "").split()
        errors = [ref for ref in described if ref.endswith("_error")]
        assert errors, f"{control.get_attribute('name')} has no aria-describedby to its error"
        for ref in described:
            expect(page.locator(f"#{ref}")).not_to_be_empty()
    assert grave_violations(page) == []
