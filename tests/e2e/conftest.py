"""Fixtures for the real-browser journeys: Debian's Chromium driven by Playwright
against pytest-django's live server. The helpers the journeys share (sign in as
a role, read the latest e-mail, approve in the admin) are in `helpers`.

Pages come from `page` / `phone_page` / `make_page`; a failing test leaves a
full-page screenshot and the HTML of each of its pages in TEST_ARTIFACTS_DIR."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from .helpers import DESKTOP, PHONE

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 10_000
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR", REPO / "test-artifacts"))


# ------------------------------------------------------------------------------
# Failure artifacts
# ------------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


def _save_artifacts(node, pages) -> None:
    stem = re.sub(r"[^\w.\-\[\]]+", "_", node.nodeid).strip("_")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for index, page in enumerate(pages):
        if page.is_closed():
            continue
        name = stem if index == 0 else f"{stem}--page{index + 1}"
        try:
            page.screenshot(path=str(ARTIFACTS_DIR / f"{name}.png"), full_page=True)
            (ARTIFACTS_DIR / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as error:  # noqa: BLE001 — a broken page must not hide the real failure
            print(f"\ncould not save artifacts for {name}: {error}")
            continue
        print(f"\nbrowser artifacts ({page.url}): {ARTIFACTS_DIR / name}.png / .html")


# ------------------------------------------------------------------------------
# Database and browser
# ------------------------------------------------------------------------------
# Every journey runs against the live server, so on a transactional database
# that is flushed afterwards. Serialized rollback snapshots the rows the data
# migrations created (staff roles, site, content types) when the test database
# is set up and loads them before each journey; after the last journey of the
# package they are put back for the tests that follow (in this session or a
# --reuse-db one), which would otherwise find no roles.
@pytest.fixture(scope="package", autouse=True)
def _migration_data_restored(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        connection = connections["default"]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)
        connection.close()


@pytest.fixture(autouse=True)
def _serialized_rollback(django_db_serialized_rollback):
    pass


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One Chromium for the journeys. Package-scoped on purpose: while Playwright's
    sync API runs, this thread has a running event loop, which changes how Django
    treats the rest of the session (see below); it ends with the last journey."""
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # With a running loop Django refuses ORM calls from this thread unless told
    # they are safe. Set only while the browser lives: subprocesses started by
    # other tests (manage.py check --deploy) must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # The running loop also makes asgiref's Local hand Django a second set of
            # connection objects; give them the snapshot, or serialized rollback
            # would silently do nothing.
            for alias, snapshot in snapshots.items():
                if snapshot is not None:
                    connections[alias]._test_serialized_contents = snapshot
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            for alias in connections:
                connections[alias].close()
    finally:
        if unsafe_before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = unsafe_before


@pytest.fixture
def make_page(live_server, browser, request):
    """make_page(viewport=PHONE, locale="zh-CN") → a page in a fresh browser context
    (its own cookies), whose relative URLs resolve against the live server.

    Any Content-Security-Policy violation Chromium reports on the console fails the
    journey (J3): the policy must hold on every page a journey visits."""
    contexts, pages, violations = [], [], []

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.type}: {message.text} ({message.location.get('url', '')})")

    def make(*, viewport: dict = DESKTOP, locale: str = "en-US"):
        phone = viewport["width"] < 768
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone,
            extra_http_headers={"Accept-Language": locale},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page.on("console", on_console)
        pages.append(page)
        return page

    make.csp_violations = violations  # for the test that proves the check works
    yield make
    if _failed(request.node):
        _save_artifacts(request.node, pages)
    for context in contexts:
        context.close()
    if violations and not _failed(request.node):
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


@pytest.fixture
def viewport():
    """The `page` fixture's viewport; parametrize `viewport` with DESKTOP / PHONE to change it."""
    return DESKTOP


@pytest.fixture
def locale(viewport):
    """The browser's language (and Accept-Language); Chinese on phones by default."""
    return "zh-CN" if viewport["width"] < 768 else "en-US"


@pytest.fixture
def page(make_page, viewport, locale):
    return make_page(viewport=viewport, locale=locale)


@pytest.fixture
def phone_page(make_page):
    """A 375 × 812 touch page with a Chinese browser."""
    return make_page(viewport=PHONE, locale="zh-CN")
