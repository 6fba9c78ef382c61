"""Issue 20: the SMS code limits the server enforces, said with the time left, and the
cool-down the "send code" buttons count down.

Per number: 1 a minute, 5 an hour, 10 a day (tests/accounts/test_phone_sign_in.py);
per client address: 20 an hour (ibid.) and 50 a day (here); the same limits for the
codes that verify a number at sign-up or on a change, whose "Request new code" button
counts down; number changes: 1 a minute and 5 a day per user."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.sms_codes import code_wait_message
from tests.accounts.test_phone_sign_in import (  # noqa: F401 - the autouse fixtures come along
    PASSWORD,
    _address,
    _client,
    _codes_sent_to,
    _deliver_on_commit,
    _last_code,
    _number,
    _outbox,
    _post,
    _request_login_code,
    _signed_in_client,
    _verified_user,
    limits,
)
from tests.factories.accounts import UserFactory
from tests.security.words import findings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits")]  # the real limits


def _cooldown(html: str, button_id: str) -> int | None:
    match = re.search(rf'<button[^>]*id="{button_id}"[^>]*>', html, re.S)
    assert match, f"no #{button_id} button"
    seconds = re.search(r'data-cooldown-seconds="(\d+)"', match.group(0))
    return int(seconds.group(1)) if seconds else None


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_i20_the_wait_is_said_in_seconds_for_the_cool_down_and_in_minutes_beyond_two():
    assert code_wait_message(1) == "Please wait 1 second before asking for another code."
    assert code_wait_message(60) == "Please wait 60 seconds before asking for another code."
    assert code_wait_message(3000) == ("Too many codes were asked for. You can ask for another one in 50 minutes "
                                       "(3000 seconds).")


def test_i20_the_wait_is_said_in_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        assert code_wait_message(15) == "请等待 15 秒后再获取验证码。"


def test_i20_one_address_gets_at_most_fifty_codes_a_day():
    address = _address()

    def ask():
        return _request_login_code(Client(REMOTE_ADDR=address), _number()).status_code

    with time_machine.travel(timezone.now(), tick=False) as clock:
        statuses = [ask() for _ in range(20)]
        clock.shift(dt.timedelta(hours=1, minutes=1))
        statuses += [ask() for _ in range(20)]
        clock.shift(dt.timedelta(hours=1, minutes=1))
        statuses += [ask() for _ in range(10)]
        assert statuses == [302] * 50
        response = _request_login_code(Client(REMOTE_ADDR=address), _number())
        assert response.status_code == 200  # the 51st of the day, though the hour has room
        assert "Too many codes were asked for" in response.content.decode()
        clock.shift(dt.timedelta(hours=22))
        assert ask() == 302  # the first hour's codes have left the day


def test_i20_the_hourly_refusal_says_the_minutes_left():
    _user, phone = _verified_user()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert _request_login_code(_client(), phone).status_code == 302
            clock.shift(dt.timedelta(minutes=2))
        response = _request_login_code(_client(), phone)
    html = response.content.decode()
    assert "You can ask for another one in 50 minutes (3000 seconds)." in html
    assert _cooldown(html, "send-code") == 3000


def test_i20_request_new_code_on_the_sign_in_page_counts_down_and_keeps_to_the_limits():
    _user, phone = _verified_user()
    client = _client()
    confirm = reverse("account_confirm_login_code")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _request_login_code(client, phone)
        first_code = _last_code(phone)
        assert _cooldown(client.get(confirm).content.decode(), "resend-code") == 60
        clock.shift(dt.timedelta(seconds=20))
        assert _cooldown(client.get(confirm).content.decode(), "resend-code") == 40
        response = _post(client, confirm, {"action": "resend"})
        assert "Please wait 40 seconds before asking for another code." in _messages(response)
        assert _codes_sent_to(phone) == 1
        clock.shift(dt.timedelta(seconds=41))
        assert _cooldown(client.get(confirm).content.decode(), "resend-code") is None  # may ask now
        _post(client, confirm, {"action": "resend"})
        assert _codes_sent_to(phone) == 2 and _last_code(phone) != first_code
        _post(client, confirm, {"code": _last_code(phone)})
    assert client.session.get("_auth_user_id") == str(_user.pk)


def test_i20_request_new_code_at_sign_up_counts_down_and_a_refusal_says_the_seconds():
    client = _client()
    phone = _number()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _post(client, reverse("account_signup"), {"phone": phone, "accept_terms": "on"})
        clock.shift(dt.timedelta(seconds=10))
        page = client.get(reverse("account_verify_phone")).content.decode()
        assert _cooldown(page, "resend-code") == 50
        response = _post(client, reverse("account_verify_phone"), {"action": "resend"})
        assert "Please wait 50 seconds before asking for another code." in _messages(response)
        assert _codes_sent_to(phone) == 1
        clock.shift(dt.timedelta(seconds=51))
        _post(client, reverse("account_verify_phone"), {"action": "resend"})
        assert _codes_sent_to(phone) == 2
        # The newest code opens the account.
        _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    assert client.session.get("_auth_user_id")


def test_i20_a_member_changes_their_number_at_most_once_a_minute():
    user = UserFactory(verified_email=True)
    client = _signed_in_client(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
        first, second = _number(), _number()
        assert _post(client, reverse("account_change_phone"), {"phone": first}).status_code == 302
        response = _post(client, reverse("account_change_phone"), {"phone": second})
        assert response.status_code == 429 and "Wait a minute, then try again." in response.content.decode()
        assert _codes_sent_to(second) == 0
        clock.shift(dt.timedelta(seconds=61))
        assert _post(client, reverse("account_change_phone"), {"phone": second}).status_code == 302
    assert _codes_sent_to(second) == 1


def test_i20_re_send_verification_on_the_change_number_page_counts_down():
    # given: a member whose number still waits for its verification code
    phone = _number()
    user = UserFactory(verified_email=True, phone=phone, phone_verified=False)
    client = _signed_in_client(user)
    page_url = reverse("account_change_phone")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
        assert _cooldown(client.get(page_url).content.decode(), "resend-verification") is None  # may ask now
        # when: they ask for the code again
        _post(client, page_url, {"action": "verify"})
        assert _codes_sent_to(phone) == 1
        clock.shift(dt.timedelta(seconds=15))
        # then: the button counts down the rest of the minute, like every other "send code" button
        assert _cooldown(client.get(page_url).content.decode(), "resend-verification") == 45
        clock.shift(dt.timedelta(seconds=46))
        assert _cooldown(client.get(page_url).content.decode(), "resend-verification") is None
    # and the page reads in Chinese, the button and its count-down included
    client.cookies["jianzhi_language"] = "zh-hans"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        _post(client, page_url, {"action": "verify"})
        html = client.get(page_url).content.decode()
    assert _cooldown(html, "resend-verification") == 60
    assert 'data-cooldown-label="{seconds} 秒后可重新发送"' in html
    assert findings(html, allowed_text=frozenset({phone})) == []
