"""Small helpers shared by every journey: read the latest e-mail and its link,
sign in (as a student, an employer, or staff with TOTP), approve in the admin,
check the phone layout. Selectors are ids, names and classes, never wording,
so the helpers work in Chinese and in English."""

import re
import time
from urllib.parse import urlsplit

from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
PASSWORD = "correct-horse-battery"  # the factories' password; strong enough for the sign-up form


# ------------------------------------------------------------------------------
# Mail
# ------------------------------------------------------------------------------
def latest_email(*, to: str):
    """The last message sent to `to` (the live server shares the locmem outbox)."""
    for message in reversed(mail.outbox):
        if to in message.to:
            return message
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"no e-mail to {to}; sent: {sent}")


URL_PATTERN = re.compile(r"https?://[^\s\"'<>]+")


def link_from_email(message, base_url: str, *, contains: str = "") -> str:
    """The first URL in the message (containing `contains`), moved onto the live server."""
    for url in URL_PATTERN.findall(message.body):
        if contains in url:
            parts = urlsplit(url)
            return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {contains!r} in:\n{message.body}")


# ------------------------------------------------------------------------------
# Signing in
# ------------------------------------------------------------------------------
def submit(page, scope: str = "main form") -> None:
    """Click the submit button of the (first) form in `scope`, not the nav's sign-out."""
    page.locator(f"{scope} [type=submit]").first.click()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_totp(secret: str = TOTP_SECRET) -> str:
    """The current code for `secret`, waiting out the last seconds of a period so it
    cannot expire between typing and checking (allauth allows no drift by default)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in_staff(page, live_server, role: str, *, secret: str = TOTP_SECRET):
    """Create a staff member with `role` and TOTP, sign in through /admin/ → allauth
    → the 2FA code; returns the user, with `page` on the admin index."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    from tests.factories.accounts import StaffFactory

    user = StaffFactory(role=role)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("#id_code", current_totp(secret))
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    return user


def approve_in_admin(page, admin_change_url: str, *, note: str = "") -> None:
    """Open the change page, follow its Approve transition link and submit the form."""
    page.goto(admin_change_url)
    page.locator('a[href$="/transition/approve/"]').click()
    page.wait_for_url("**/transition/approve/")
    if note:
        page.fill("textarea[name=reason]", note)
    page.locator("#content form [type=submit]").click()
    page.wait_for_url(lambda url: "/transition/" not in url)
    expect(page.locator(".messagelist .success")).to_be_visible()


# ------------------------------------------------------------------------------
# Journeys' common steps
# ------------------------------------------------------------------------------
def sign_up_and_confirm(page, live_server, *, signup_path: str, email: str) -> None:
    """Sign up, open the link from the confirmation e-mail and confirm; ends signed in."""
    phone = is_phone(page)
    page.goto(signup_path)
    if phone:
        assert_no_horizontal_scroll(page)
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.check("#id_accept_terms")
    submit(page)
    page.wait_for_url("**/accounts/confirm-email/")  # "verify your e-mail address"
    link = link_from_email(latest_email(to=email), live_server.url, contains="/accounts/confirm-email/")
    page.goto(link)
    if phone:
        assert_no_horizontal_scroll(page)
    submit(page)
    page.wait_for_url(lambda url: "/accounts/" not in url)


def open_nav_link(page, href: str) -> None:
    """Follow a link of the main navigation, opening the menu first on a phone."""
    nav = page.locator(".site-nav")
    if is_phone(page):
        expect(nav).to_be_hidden()
        page.click(".nav-toggle-label")
        expect(nav).to_be_visible()
    nav.locator(f'a[href="{href}"]').click()
    page.wait_for_url(f"**{href}")


# ------------------------------------------------------------------------------
# Layout and language
# ------------------------------------------------------------------------------
def is_phone(page) -> bool:
    return page.viewport_size["width"] < 768


def in_language(language: str, message: str) -> str:
    """`message` as the site shows it in `language` (compare rendered text with this)."""
    with translation.override(language):
        return translation.gettext(message)


def assert_no_horizontal_scroll(page) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px content in a {width}px viewport"


# ------------------------------------------------------------------------------
# Text messages (issue 20)
# ------------------------------------------------------------------------------
def latest_sms(*, to: str, template: str = "verification_code") -> dict:
    """The last text message sent to the number `to` (E.164): the live server runs in this process, and
    the test settings' SMS backend (core.sms.LocmemSmsBackend) keeps every message in core.sms.outbox."""
    from core import sms

    for message in reversed(sms.outbox):
        if message["phone"] == to and message["template"] == template:
            return message
    sent = [(m["phone"], m["template"]) for m in sms.outbox]
    raise AssertionError(f"no {template} SMS to {to}; sent: {sent}")
