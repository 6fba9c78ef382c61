"""Issue 20: a mainland mobile number to sign in with, and its SMS codes.

- Students and employer members add a number (sign-up or later), verify it with
  a code sent by SMS and then sign in with a code sent to it; staff never have a
  number and keep e-mail + password + TOTP.
- Numbers are +86 mobile numbers, stored in E.164, one per account, masked to
  staff, in the personal-data export and gone with the erasure.
- Changing the number asks for the password again and a code sent to the new one.
- Codes expire after 5 minutes, are single-use, and requesting them is limited per
  number (60 s cool-down, per hour, per day) and per client address."""

import datetime as dt
import os
import re
from itertools import count

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import personal_data_export, user_by_phone
from accounts.services import account_delete, user_phone_set
from config.settings.base import ACCOUNT_RATE_LIMITS
from core import sms
from core.errors import NotPermitted
from core.models import SmsMessage
from core.phones import cn_mobile_e164, mask_phone
from core.tasks import send_sms
from tests.factories.accounts import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
_addresses = count(1)
_numbers = count(1)


def _address() -> str:
    n = next(_addresses) + (os.getpid() % 200) * 250
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _number() -> str:
    """A fresh valid mainland mobile number per test (the rate limits live in the shared cache)."""
    return f"+86139{(os.getpid() % 1000):03d}{next(_numbers):05d}"


def _client() -> Client:
    return Client(REMOTE_ADDR=_address())


_capture = {}


@pytest.fixture(autouse=True)
def _deliver_on_commit(django_capture_on_commit_callbacks):
    """Messages leave after the transaction commits: run those callbacks after each request."""
    _capture["fixture"] = django_capture_on_commit_callbacks
    yield


def _post(client: Client, url: str, data: dict | None = None):
    with _capture["fixture"](execute=True):
        return client.post(url, data or {})


def _send(**kwargs) -> SmsMessage:
    with _capture["fixture"](execute=True):
        return sms.sms_send(**kwargs)


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _last_code(phone: str) -> str:
    texts = [m for m in sms.outbox if m["phone"] == phone and m["template"] == sms.SmsTemplate.VERIFICATION_CODE]
    assert texts, f"no code sent to {phone}"
    return texts[-1]["params"]["code"]


def _add_verified_number(client: Client, user, phone: str) -> None:
    _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
    response = _post(client, reverse("account_change_phone"), {"phone": phone})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (phone, True)


def _signed_in_client(user) -> Client:
    client = _client()
    client.force_login(user)
    return client


def _request_login_code(client: Client, phone: str):
    return _post(client, reverse("account_request_login_code"), {"phone": phone})


def _is_signed_in_as(client: Client, user) -> bool:
    return str(client.session.get("_auth_user_id")) == str(user.pk)


# ------------------------------------------------------------------ numbers: +86 mobile, E.164, masked
def test_i20_numbers_are_parsed_to_e164_and_only_mainland_mobiles_are_accepted():
    assert cn_mobile_e164("138 0013 8000") == "+8613800138000"
    assert cn_mobile_e164("+86 138-0013-8000") == "+8613800138000"
    for not_mobile in ("010 6552 9988", "+1 202 555 0100", "+852 9123 4567", "12345", ""):
        with pytest.raises(ValidationError):
            cn_mobile_e164(not_mobile)
    assert mask_phone("+8613800138000") == "+86138****8000"


def test_i20_a_landline_or_foreign_number_is_refused_with_a_clear_message():
    user = UserFactory(verified_email=True)
    client = _signed_in_client(user)
    _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
    response = _post(client, reverse("account_change_phone"), {"phone": "+1 202 555 0100"})
    assert response.status_code == 200
    assert "Enter a mainland China mobile number" in response.content.decode()
    user.refresh_from_db()
    assert user.phone is None and not sms.outbox


# ------------------------------------------------------------------ adding, verifying, signing in
def test_i20_an_email_account_adds_and_verifies_a_number_then_signs_in_with_an_sms_code():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    record = SmsMessage.objects.filter(recipient=user).latest("pk")
    assert (record.status, record.phone_masked, record.template) == ("sent", mask_phone(phone), "verification_code")
    assert record.provider_id and phone not in record.phone_masked

    client = _client()
    response = _request_login_code(client, phone)
    assert response.status_code == 302
    response = _post(client, reverse("account_confirm_login_code"), {"code": _last_code(phone)})
    assert response.status_code == 302
    assert _is_signed_in_as(client, user)


def test_i20_the_existing_email_and_password_sign_in_still_works():
    user = UserFactory(verified_email=True)
    client = _client()
    response = _post(client, reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and _is_signed_in_as(client, user)


def test_i20_a_verified_number_signs_in_with_the_password_too():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    client = _client()
    response = _post(client, reverse("account_login"), {"login": phone, "password": PASSWORD})
    assert response.status_code == 302 and _is_signed_in_as(client, user)


def test_i20_sign_up_with_a_number_sends_it_a_code_and_stores_it_in_e164():
    client = _client()
    response = _post(client, reverse("account_signup"), {
        "email": "new-student@example.com", "phone": "139 0000 0001",
        "password1": "a-long-enough-password-1", "password2": "a-long-enough-password-1", "accept_terms": "on",
    })
    assert response.status_code == 302
    from accounts.models import User

    user = User.objects.get(email="new-student@example.com")
    assert user.phone == "+8613900000001" and not user.phone_verified


# ------------------------------------------------------------------ one number, one account
def test_i20_one_number_one_account():
    first, second = UserFactory(verified_email=True), UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(first), first, phone)
    with pytest.raises(ValidationError):
        user_phone_set(user=second, phone=phone, verified=False)
    client = _signed_in_client(second)
    _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
    response = _post(client, reverse("account_change_phone"), {"phone": phone})
    assert response.status_code == 200 and "already uses this mobile number" in response.content.decode()
    assert _codes_sent_to(phone) == 1  # the first account's own verification only: nothing to its owner
    second.refresh_from_db()
    assert second.phone is None


# ------------------------------------------------------------------ changing the number
def test_i20_changing_the_number_needs_reauthentication_and_a_code_to_the_new_number():
    user = UserFactory(verified_email=True)
    old, new = _number(), _number()
    _add_verified_number(_signed_in_client(user), user, old)

    client = _signed_in_client(user)  # a fresh session: not recently authenticated
    response = _post(client, reverse("account_change_phone"), {"phone": new})
    assert response.status_code == 302 and reverse("account_reauthenticate") in response["Location"]
    user.refresh_from_db()
    assert user.phone == old and not [m for m in sms.outbox if m["phone"] == new]

    _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
    _post(client, reverse("account_change_phone"), {"phone": new})
    user.refresh_from_db()
    assert user.phone == old  # not until the code sent to the new number is entered
    response = _post(client, reverse("account_verify_phone"), {"code": "WRONG1"})
    user.refresh_from_db()
    assert user.phone == old
    _post(client, reverse("account_verify_phone"), {"code": _last_code(new)})
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (new, True)


# ------------------------------------------------------------------ staff keep e-mail + password + TOTP
def test_i20_staff_cannot_have_a_number_nor_sign_in_by_sms_code():
    staff = StaffFactory()
    with pytest.raises(NotPermitted):
        user_phone_set(user=staff, phone=_number(), verified=True)
    # Even a number written straight into the table does not open a staff account.
    phone = _number()
    type(staff).objects.filter(pk=staff.pk).update(phone=phone, phone_verified=True)
    assert user_by_phone(phone) is None
    client = _client()
    _request_login_code(client, phone)
    assert not [m for m in sms.outbox if m["template"] == sms.SmsTemplate.VERIFICATION_CODE]
    _post(client, reverse("account_confirm_login_code"), {"code": "ABCDEF"})
    assert not _is_signed_in_as(client, staff)


def test_i20_staff_do_not_see_the_mobile_number_link():
    staff = StaffFactory()
    from tests.conftest import login_with_mfa

    client = login_with_mfa(_client(), staff)
    page = client.get(reverse("accounts:privacy"))
    assert reverse("account_change_phone") not in page.content.decode()


# ------------------------------------------------------------------ expiry and replay
def test_i20_a_code_expires_after_five_minutes():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    client = _client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _request_login_code(client, phone)
        code = _last_code(phone)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        _post(client, reverse("account_confirm_login_code"), {"code": code})
    assert not _is_signed_in_as(client, user)


def test_i20_a_code_is_single_use_and_a_replay_does_not_sign_in():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    client = _client()
    _request_login_code(client, phone)
    code = _last_code(phone)
    _post(client, reverse("account_confirm_login_code"), {"code": code})
    assert _is_signed_in_as(client, user)
    client.logout()
    # Replayed in the same browser and in another one: neither signs in.
    _post(client, reverse("account_confirm_login_code"), {"code": code})
    assert not _is_signed_in_as(client, user)
    other = _client()
    _post(other, reverse("account_confirm_login_code"), {"code": code})
    assert not _is_signed_in_as(other, user)


def test_i20_three_wrong_codes_end_the_attempt():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    client = _client()
    _request_login_code(client, phone)
    code = _last_code(phone)
    for _ in range(settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS):
        _post(client, reverse("account_confirm_login_code"), {"code": "WRONG1"})
    _post(client, reverse("account_confirm_login_code"), {"code": code})
    assert not _is_signed_in_as(client, user)


# ------------------------------------------------------------------ abuse limits (policy values)
@pytest.fixture
def limits(settings):
    settings.ACCOUNT_RATE_LIMITS = ACCOUNT_RATE_LIMITS


def _codes_sent_to(phone: str) -> int:
    return len([m for m in sms.outbox if m["phone"] == phone and m["template"] == sms.SmsTemplate.VERIFICATION_CODE])


def _verified_user() -> tuple:
    user = UserFactory(verified_email=True)
    phone = _number()
    type(user).objects.filter(pk=user.pk).update(phone=phone, phone_verified=True)
    return user, phone


def test_i20_a_number_gets_one_code_a_minute(limits):
    _user, phone = _verified_user()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert _request_login_code(_client(), phone).status_code == 302
        clock.shift(dt.timedelta(seconds=45))
        response = _request_login_code(_client(), phone)
        # The refusal says how long is left, and the button counts it down (static/js/sms-cooldown.js).
        assert response.status_code == 200
        assert "Please wait 15 seconds before asking for another code." in response.content.decode()
        assert 'data-cooldown-seconds="15"' in response.content.decode()
        assert _codes_sent_to(phone) == 1
        clock.shift(dt.timedelta(seconds=16))
        assert _request_login_code(_client(), phone).status_code == 302
    assert _codes_sent_to(phone) == 2


def test_i20_a_number_gets_at_most_five_codes_an_hour_and_ten_a_day(limits):
    _user, phone = _verified_user()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert _request_login_code(_client(), phone).status_code == 302
            clock.shift(dt.timedelta(minutes=2))
        assert _request_login_code(_client(), phone).status_code == 200  # the sixth within the hour
        assert _codes_sent_to(phone) == 5
        clock.shift(dt.timedelta(hours=1))
        for _ in range(5):
            assert _request_login_code(_client(), phone).status_code == 302
            clock.shift(dt.timedelta(minutes=2))
        clock.shift(dt.timedelta(hours=1))
        assert _request_login_code(_client(), phone).status_code == 200  # the eleventh within the day
        assert _codes_sent_to(phone) == 10
        clock.shift(dt.timedelta(days=1))
        assert _request_login_code(_client(), phone).status_code == 302
    assert _codes_sent_to(phone) == 11


def test_i20_one_address_gets_at_most_twenty_codes_an_hour(limits):
    address = _address()
    phones = [_verified_user()[1] for _ in range(21)]
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [_request_login_code(Client(REMOTE_ADDR=address), phone).status_code for phone in phones]
    assert statuses[:20] == [302] * 20 and statuses[20] == 200
    assert sum(_codes_sent_to(p) for p in phones) == 20


def test_i20_verification_codes_have_the_same_cool_down(limits):
    user = UserFactory(verified_email=True)
    phone = _number()
    client = _signed_in_client(user)
    _post(client, reverse("account_reauthenticate"), {"password": PASSWORD})
    with time_machine.travel(timezone.now(), tick=False):
        _post(client, reverse("account_change_phone"), {"phone": phone})
        _post(client, reverse("account_verify_phone"), {"action": "resend"})
    assert _codes_sent_to(phone) == 1


# ------------------------------------------------------------------ delivery: recorded, retried
def test_i20_every_sms_is_recorded_masked_and_a_temporary_failure_is_retried(monkeypatch):
    attempts = []

    def flaky(self, *, phone, template, params):
        attempts.append(phone)
        if len(attempts) < 3:
            raise sms.SmsTemporaryError("Throttling")
        return sms.SmsResult(provider_id="biz-123")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send", flaky)
    phone = _number()
    message = sms.sms_send(phone=phone, template=sms.SmsTemplate.VERIFICATION_CODE, params={"code": "123456"})
    assert message.status == "queued" and message.phone_masked == mask_phone(phone)
    # The worker's first two tries fail and are scheduled again with a growing delay; the third is delivered.
    delays = [_run_task(monkeypatch, message.pk, retries=n) for n in (0, 1)]
    message.refresh_from_db()
    assert delays == [2, 4] and message.status == "queued" and message.error == "Throttling"
    assert _run_task(monkeypatch, message.pk, retries=2) is None
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == ("sent", "biz-123", 3)
    assert message.sent_at is not None and len(attempts) == 3
    # A redelivered task does not send it twice.
    _run_task(monkeypatch, message.pk, retries=0)
    assert len(attempts) == 3


def _run_task(monkeypatch, message_id: int, *, retries: int) -> int | None:
    """Run send_sms as the worker's try number `retries`; the countdown it asked to retry after, if any."""
    asked = []

    class Retried(Exception):
        pass

    def retry(exc=None, countdown=None, **kwargs):
        asked.append(countdown)
        return Retried()

    monkeypatch.setattr(send_sms, "retry", retry)
    send_sms.push_request(retries=retries)
    try:
        send_sms.run(message_id)
    except Retried:
        pass
    finally:
        send_sms.pop_request()
    return asked[0] if asked else None


def test_i20_an_sms_still_failing_after_the_last_retry_is_recorded_as_failed(monkeypatch):
    def down(self, *, phone, template, params):
        raise sms.SmsTemporaryError("ServiceUnavailable")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send", down)
    message = sms.sms_send(phone=_number(), template=sms.SmsTemplate.VERIFICATION_CODE, params={"code": "1"})
    for retries in range(send_sms.max_retries):
        assert _run_task(monkeypatch, message.pk, retries=retries)
    assert _run_task(monkeypatch, message.pk, retries=send_sms.max_retries) is None  # the last try
    message.refresh_from_db()
    assert message.status == "failed" and "ServiceUnavailable" in message.error
    assert message.attempts == send_sms.max_retries + 1


def test_i20_an_sms_the_provider_refuses_is_recorded_as_failed_not_retried(monkeypatch):
    attempts = []

    def refuse(self, *, phone, template, params):
        attempts.append(phone)
        raise sms.SmsRejected("isv.MOBILE_NUMBER_ILLEGAL")

    monkeypatch.setattr(sms.LocmemSmsBackend, "send", refuse)
    message = _send(phone=_number(), template=sms.SmsTemplate.VERIFICATION_CODE, params={"code": "1"})
    message.refresh_from_db()
    assert len(attempts) == 1
    assert message.status == "failed" and "MOBILE_NUMBER_ILLEGAL" in message.error


def test_i20_the_aliyun_backend_sends_through_the_sdk_with_sign_name_and_template_code(settings, monkeypatch):
    settings.SMS_BACKEND = "core.sms.AliyunSmsBackend"
    settings.SMS_ALIYUN_SIGN_NAME = "兼职"
    settings.SMS_ALIYUN_TEMPLATES = {"verification_code": "SMS_0001"}
    sent = []

    class Body:
        code, biz_id = "OK", "biz-42"

    class FakeClient:
        def send_sms(self, request):
            sent.append(request)
            return type("Response", (), {"body": Body()})()

    monkeypatch.setattr(sms.AliyunSmsBackend, "_client", lambda self: FakeClient())
    message = _send(phone="+8613800138000", template=sms.SmsTemplate.VERIFICATION_CODE,
                           params={"code": "654321"})
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_id == "biz-42"
    request = sent[0]
    assert (request.phone_numbers, request.sign_name, request.template_code) == ("13800138000", "兼职", "SMS_0001")
    assert '"654321"' in request.template_param


def test_i20_the_console_backend_prints_the_code(capsys):
    sms.ConsoleSmsBackend().send(phone="+8613800138000", template=sms.SmsTemplate.VERIFICATION_CODE,
                                 params={"code": "246810"})
    assert "246810" in capsys.readouterr().out


# ------------------------------------------------------------------ personal data: export and erasure
def test_i20_the_number_is_in_the_export_and_gone_with_the_erasure():
    user = UserFactory(verified_email=True)
    phone = _number()
    _add_verified_number(_signed_in_client(user), user, phone)
    export = personal_data_export(user)
    assert export["account"]["mobile_number"] == phone and export["account"]["mobile_number_verified"] is True
    assert export["text_messages"][0]["to"] == mask_phone(phone)

    account_delete(user=user)
    user.refresh_from_db()
    assert user.phone is None and not user.phone_verified
    assert not SmsMessage.objects.filter(recipient=user).exists()
    assert not [m for m in SmsMessage.objects.all() if m.phone == phone]
    assert user_by_phone(phone) is None
    assert re.fullmatch(r"\+86138\*+\d{4}|\+86139\*+\d{4}", SmsMessage.objects.latest("pk").phone_masked)
