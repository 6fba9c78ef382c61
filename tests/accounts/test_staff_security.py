"""J3: staff sessions and their second factor, and sign-in throttling that an
attacker cannot turn against the account's owner.

- Staff cannot switch their own TOTP off; a manager resets a colleague's, logged,
  and the colleague enrols again.
- Staff sessions end after 30 minutes idle, 12 hours in all and with the browser
  ("remember me" does not apply); students keep the sessions they ask for.
- Behind the reverse proxy the per-address limits key on the client's address
  the trusted proxy forwards, never on a header nobody vouches for.
- The per-account limit stays, but the owner can still sign in with a code sent
  to their e-mail (staff then still pass their TOTP)."""

import datetime as dt
import os
import re
import subprocess
import sys
import time
from itertools import count

import pytest
import time_machine
from allauth.account.forms import LoginForm
from allauth.core.internal.ratelimit import Rate, get_cache_key
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from accounts.adapters import AccountAdapter, MFAAdapter
from accounts.staff_sessions import SEEN_RESOLUTION
from config.settings.base import ACCOUNT_RATE_LIMITS
from core.models import HistoryEntry, Notification
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password
_addresses = count(1)


def _address() -> str:
    """A client address of its own for each client: allauth's per-address limits live in the shared cache."""
    n = next(_addresses) + (os.getpid() % 200) * 250
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _client() -> Client:
    return Client(REMOTE_ADDR=_address())


def _enrol(user) -> str:
    secret = generate_totp_secret()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
    return secret


def _totp(secret: str) -> str:
    period = 30
    if period - time.time() % period < 2:  # not in the last seconds of a period: the code could expire
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


# ------------------------------------------------------------------ the second factor stays on
def _reauthenticated(client) -> Client:
    """allauth asks for the password again before the 2FA settings change."""
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def test_J3_staff_cannot_switch_off_their_own_totp():
    staff = StaffFactory(role="moderator")
    _enrol(staff)
    client = _reauthenticated(login_with_mfa(_client(), staff))
    url = reverse("mfa_deactivate_totp")
    # when
    page = client.get(url)
    response = client.post(url)
    # then: refused with a message saying who can help; the authenticator stays
    assert page.status_code == 200 and response.status_code == 200
    assert "ask a manager to reset it" in response.content.decode()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("admin:index")).status_code == 200


def test_J3_the_refusal_is_translated():
    with translation.override("zh-hans"):
        message = str(MFAAdapter.error_messages["cannot_delete_authenticator"])
    assert message == "工作人员不能自行关闭双因素认证。如果您丢失了身份验证器，请让经理为您重置。"


def test_J3_a_student_may_still_switch_their_totp_off():
    student = UserFactory(kind="student")
    _enrol(student)
    client = _reauthenticated(login_with_mfa(_client(), student))
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=student, type=Authenticator.Type.TOTP).exists()


def test_J3_a_manager_resets_a_colleagues_authenticator_and_the_colleague_enrols_again():
    # given: a moderator signed in with their (lost) authenticator, and recovery codes
    colleague = StaffFactory(role="moderator")
    _enrol(colleague)
    Authenticator.objects.create(user=colleague, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    colleague_client = login_with_mfa(_client(), colleague)
    assert colleague_client.get(reverse("admin:index")).status_code == 200
    manager = StaffFactory(role="manager")
    manager_client = login_with_mfa(_client(), manager)
    url = reverse("admin:accounts_user_reset_second_factor", args=[colleague.pk])
    assert url in manager_client.get(reverse("admin:accounts_user_change", args=[colleague.pk])).content.decode()
    assert manager_client.get(url).status_code == 200
    # when
    response = manager_client.post(url, {"reason": "Phone lost on 5 December"})
    # then: gone, logged with the reason, the colleague told
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=colleague).exists()
    colleague.refresh_from_db()
    assert colleague.second_factor_reset_at is not None
    entry = HistoryEntry.objects.get(object_id=str(colleague.pk), transition="reset_second_factor")
    assert entry.actor == manager and entry.reason == "Phone lost on 5 December"
    assert Notification.objects.filter(recipient=colleague, subject="Your authenticator was reset").exists()
    # and the session that used the old factor no longer opens the back office: enrol a new one first
    assert colleague_client.get(reverse("admin:index")).status_code == 302
    assert colleague_client.get(reverse("admin:login"))["Location"] == reverse("mfa_activate_totp")


def test_J3_only_a_manager_resets_and_never_their_own():
    colleague = StaffFactory(role="moderator")
    _enrol(colleague)
    url = reverse("admin:accounts_user_reset_second_factor", args=[colleague.pk])
    # another role: refused
    moderator_client = login_with_mfa(_client(), StaffFactory(role="moderator"))
    assert moderator_client.post(url, {"reason": "because"}).status_code == 403
    # a manager's own: refused with a message
    manager = StaffFactory(role="manager")
    _enrol(manager)
    manager_client = login_with_mfa(_client(), manager)
    own = reverse("admin:accounts_user_reset_second_factor", args=[manager.pk])
    response = manager_client.post(own, {"reason": "because"}, follow=True)
    assert "You cannot reset your own authenticator" in response.content.decode()
    # not staff: no such page
    student = UserFactory(kind="student")
    student_url = reverse("admin:accounts_user_reset_second_factor", args=[student.pk])
    assert manager_client.post(student_url, {"reason": "because"}).status_code == 404
    # no reason: nothing happens
    assert manager_client.post(url, {"reason": ""}).status_code == 200
    assert Authenticator.objects.filter(user__in=[colleague, manager]).count() == 2
    assert not HistoryEntry.objects.filter(transition="reset_second_factor").exists()


# ------------------------------------------------------------------ staff sessions
@pytest.fixture
def staff_limits(settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 30 * 60
    settings.STAFF_SESSION_MAX_SECONDS = 12 * 60 * 60


def test_J3_the_limits_come_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "STAFF_SESSION_IDLE_MINUTES": "15",
           "STAFF_SESSION_MAX_HOURS": "8", "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
           "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}
    code = ("from django.conf import settings as s; print(s.STAFF_SESSION_IDLE_SECONDS, s.STAFF_SESSION_MAX_SECONDS,"
            " s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["900", "28800", "1", "X-Real-IP"]
    # and the defaults
    from config.settings import base

    assert (base.STAFF_SESSION_IDLE_SECONDS, base.STAFF_SESSION_MAX_SECONDS) == (30 * 60, 12 * 60 * 60)
    assert (base.ALLAUTH_TRUSTED_PROXY_COUNT, base.ALLAUTH_TRUSTED_CLIENT_IP_HEADER) == (0, None)


def test_J3_an_idle_staff_session_ends_after_30_minutes(staff_limits):
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = login_with_mfa(_client(), StaffFactory(role="moderator"))
        assert client.get(reverse("admin:index")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("admin:index")).status_code == 200  # activity: the idle clock starts again
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("admin:index")).status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("admin:index"), follow=True)
        # then: signed out, told why, and the next page is the sign-in
        assert response.redirect_chain[0][0].startswith(reverse("admin:login"))
        assert "Your staff session has ended" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_J3_a_staff_session_ends_after_12_hours_however_busy(staff_limits):
    with time_machine.travel(dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = login_with_mfa(_client(), StaffFactory(role="moderator"))
        for _quarter in range(47):  # every 15 minutes until 11:45 later
            clock.shift(dt.timedelta(minutes=15))
            assert client.get(reverse("admin:index")).status_code == 200
        clock.shift(dt.timedelta(minutes=15) + dt.timedelta(seconds=SEEN_RESOLUTION))
        assert client.get(reverse("admin:index")).status_code == 302
        assert "_auth_user_id" not in client.session


def test_J3_an_expired_staff_session_cannot_post(staff_limits):
    """A form sent after the limit does nothing: the request runs as an anonymous visitor's."""
    manager = StaffFactory(role="manager")
    colleague = StaffFactory(role="moderator")
    _enrol(colleague)
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = login_with_mfa(_client(), manager)
        clock.shift(dt.timedelta(minutes=31))
        response = client.post(reverse("admin:accounts_user_reset_second_factor", args=[colleague.pk]),
                               {"reason": "Phone lost"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert Authenticator.objects.filter(user=colleague).exists()


def _sign_in(client, email, *, remember: bool):
    data = {"login": email, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    return client.post(reverse("account_login"), data)


def test_J3_remember_me_does_not_apply_to_staff(staff_limits):
    # given: staff with an authenticator tick "remember me"
    staff = StaffFactory(role="moderator")
    secret = _enrol(staff)
    client = _client()
    assert "remember" in LoginForm.base_fields  # the box is on the form: students use it
    response = _sign_in(client, staff.email, remember=True)
    assert response["Location"] == reverse("mfa_authenticate")
    # when
    response = client.post(reverse("mfa_authenticate"), {"code": _totp(secret)})
    # then: signed in with a browser-session cookie and a session that ends with the browser
    assert response.status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()
    assert client.get(reverse("admin:index")).status_code == 200


def test_J3_students_keep_the_longer_session_they_ask_for(staff_limits):
    student = UserFactory(kind="student")
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = _client()
        _sign_in(client, student.email, remember=True)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
        clock.shift(dt.timedelta(days=3))
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200 and response.wsgi_request.user == student


# ------------------------------------------------------------------ the client address behind the proxy
def _key(forwarded_for: str | None, **headers) -> str:
    meta = {"REMOTE_ADDR": "172.18.0.5"}  # the reverse proxy
    if forwarded_for:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    meta.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
    request = RequestFactory().post(reverse("account_login"), **meta)
    return get_cache_key(request, app="allauth.account", action="login_failed", rate=Rate(10, 60, "ip"))


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_J3_behind_the_trusted_proxy_two_clients_have_their_own_limit_key():
    assert _key("203.0.113.5") != _key("203.0.113.6")
    # a client's own X-Forwarded-For entries before the proxy's are not believed
    assert _key("198.51.100.1, 203.0.113.5") == _key("203.0.113.5")


@override_settings(ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP")
def test_J3_or_the_header_the_proxy_sets():
    assert _key(None, **{"X-Real-IP": "203.0.113.5"}) != _key(None, **{"X-Real-IP": "203.0.113.6"})
    assert _key("198.51.100.1", **{"X-Real-IP": "203.0.113.5"}) == _key(None, **{"X-Real-IP": "203.0.113.5"})


def test_J3_without_a_trusted_proxy_the_forwarded_header_is_not_believed():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0 and settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER is None
    assert _key("203.0.113.5") == _key("203.0.113.6") == _key(None)
    assert _key(None, **{"X-Real-IP": "203.0.113.5"}) == _key(None)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1, ACCOUNT_RATE_LIMITS=ACCOUNT_RATE_LIMITS)
def test_J3_one_client_failing_behind_the_proxy_does_not_lock_out_the_others():
    proxy = f"172.31.{os.getpid() % 250}.1"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=_address())
    for n in range(12):  # past the per-address limit (10 a minute), over several accounts
        attacker.post(reverse("account_login"), {"login": f"guess{n}-{os.getpid()}@example.com",
                                                 "password": "wrong-password"})
    neighbour = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=_address())
    response = _sign_in(neighbour, UserFactory(kind="student").email, remember=False)
    assert response.status_code == 302 and "_auth_user_id" in neighbour.session


# ------------------------------------------------------------------ the owner's way in
def _lock_out(email: str) -> None:
    """50 wrong passwords for the account from elsewhere: the per-account limit is reached."""
    attackers = [_client() for _i in range(5)]
    for n in range(50):
        attackers[n % 5].post(reverse("account_login"), {"login": email, "password": f"wrong-{n}"})


def _code_from_mail(email: str) -> str:
    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"\n\n([A-Z0-9-]{4,12})\n\n", message.body).group(1)


@override_settings(ACCOUNT_RATE_LIMITS=ACCOUNT_RATE_LIMITS)
def test_J3_after_50_wrong_passwords_the_owner_signs_in_with_an_emailed_code():
    student = UserFactory(kind="student")
    _lock_out(student.email)
    owner = _client()
    # the right password is refused for now (the per-account limit stays), and the page says what to do
    response = _sign_in(owner, student.email, remember=False)
    page = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in owner.session
    assert "sign in with a one-time code" in page and f'href="{reverse("account_request_login_code")}"' in page
    # when: the owner asks for a code, which goes to the account's e-mail only
    assert owner.get(reverse("account_request_login_code")).status_code == 200
    response = owner.post(reverse("account_request_login_code"), {"email": student.email})
    assert response["Location"].startswith(reverse("account_confirm_login_code"))
    response = owner.post(reverse("account_confirm_login_code"), {"code": _code_from_mail(student.email)})
    # then
    assert response.status_code == 302
    assert owner.get(reverse("accounts:dashboard")).wsgi_request.user == student


@override_settings(ACCOUNT_RATE_LIMITS=ACCOUNT_RATE_LIMITS)
def test_J3_locked_out_staff_sign_in_with_a_code_and_still_their_totp():
    staff = StaffFactory(role="finance")
    secret = _enrol(staff)
    _lock_out(staff.email)
    owner = _client()
    assert "_auth_user_id" not in (_sign_in(owner, staff.email, remember=False) and owner.session)
    owner.post(reverse("account_request_login_code"), {"email": staff.email})
    response = owner.post(reverse("account_confirm_login_code"), {"code": _code_from_mail(staff.email)})
    # the code alone does not sign staff in: the TOTP stage follows
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in owner.session
    assert owner.get(reverse("admin:index")).status_code == 302
    response = owner.post(reverse("mfa_authenticate"), {"code": _totp(secret)})
    assert response.status_code == 302
    assert owner.get(reverse("admin:index")).status_code == 200


def test_J3_the_lockout_message_is_translated():
    with translation.override("zh-hans"):
        message = str(AccountAdapter.error_messages["too_many_password_attempts"])
    assert "发送登录代码给我" in message and "一次性验证码" in message

