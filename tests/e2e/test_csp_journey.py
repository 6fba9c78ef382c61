"""The policy in a real browser (J3): the pages a journey crosses raise no CSP
violation (the make_page fixture fails a journey on one), and the check itself
notices a violation when there is one."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_j3_the_browser_reports_an_inline_script_as_a_violation_and_the_fixture_sees_it(make_page, live_server):
    # given: a response from our origin with our policy and an inline script without the nonce
    page = make_page()
    page.goto(reverse("core:home"))
    policy = page.evaluate("() => fetch('/').then(r => r.headers.get('Content-Security-Policy'))")
    assert policy and "script-src 'self'" in policy
    page.route("**/csp-probe/", lambda route: route.fulfill(
        status=200, content_type="text/html", headers={"Content-Security-Policy": policy},
        body="<!doctype html><p id=probe>probe</p><script>document.title = 'ran'</script>"))
    # when
    page.goto("/csp-probe/")
    expect(page.locator("#probe")).to_be_visible()
    # then: the script did not run, and the console reported it
    assert page.title() != "ran"
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in v for v in make_page.csp_violations)
    make_page.csp_violations.clear()  # expected here; any other journey fails on one


def test_j3_public_pages_and_the_sign_in_page_raise_no_violation(make_page, live_server):
    page = make_page()
    for name in ("core:home", "jobs:list", "account_login", "account_signup"):
        page.goto(reverse(name))
        page.wait_for_load_state("load")
    assert not make_page.csp_violations, make_page.csp_violations
