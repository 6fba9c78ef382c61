"""Issue 20: signing up with a mainland mobile number, and what an account without an
e-mail address means for the rest of the platform.

- A student signs up with a number only: a code sent to it opens the account; no
  e-mail address, no password. They sign in afterwards with codes sent to the number.
- An employer member signs up with their e-mail and a number (both verified); the
  password is optional with a number. E-mail sign-ups work as before.
- One number, one account: a sign-up with a number in use opens nothing and tells the
  number's owner. Staff never sign in by number (code or password).
- A phone-only student gets their alerts in the inbox and by SMS, never by e-mail; the
  data export and the erasure work for them."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Consent, User
from accounts.selectors import personal_data_export
from accounts.services import account_delete, personal_data_export_record
from core import sms
from core.alerts import alert_send
from core.models import AlertKind, Notification
from core.notifications import notify
from core.phones import mask_phone
from tests.accounts.test_phone_sign_in import (  # noqa: F401 - the autouse fixtures come along
    PASSWORD,
    _client,
    _codes_sent_to,
    _deliver_on_commit,
    _is_signed_in_as,
    _last_code,
    _number,
    _outbox,
    _post,
    _request_login_code,
)
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-enough-password-1"


def _sign_up(client, url: str = "account_signup", **fields):
    return _post(client, reverse(url), {"accept_terms": "on", **fields})


def _phone_only_student(client=None):
    """A student signed up with a number only, verified, signed in on `client`."""
    return _phone_only_student_with(_number(), client)


def _phone_only_student_with(phone: str, client=None):
    client = client or _client()
    response = _sign_up(client, phone=phone)
    assert response.status_code == 302 and response["Location"] == reverse("account_verify_phone")
    response = _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    assert response.status_code == 302
    return User.objects.get(phone=phone, phone_verified=True), phone, client


# ------------------------------------------------------------------ students: a number only
def test_i20_a_student_signs_up_with_a_number_only_and_the_code_sent_to_it_opens_the_account():
    client = _client()
    phone = _number()
    response = _sign_up(client, phone=phone.removeprefix("+86"))  # typed as people write it
    assert response.status_code == 302 and response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(phone=phone)
    assert (user.kind, user.email, user.phone_verified) == (User.Kind.STUDENT, None, False)
    assert not user.has_usable_password() and not _is_signed_in_as(client, user)
    assert not mail.outbox  # no address: nothing to confirm by e-mail

    response = _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:dashboard")
    user.refresh_from_db()
    assert user.phone_verified and _is_signed_in_as(client, user)
    assert not EmailAddress.objects.filter(user=user).exists()
    assert set(Consent.objects.filter(user=user).values_list("kind", flat=True)) == {
        Consent.Kind.USER_AGREEMENT, Consent.Kind.PRIVACY_POLICY}
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert str(user) == mask_phone(phone)  # how staff see the account without an address


def test_i20_a_phone_only_student_signs_in_later_with_a_code_sent_to_the_number():
    user, phone, _ = _phone_only_student()
    client = _client()
    assert _request_login_code(client, phone).status_code == 302
    response = _post(client, reverse("account_confirm_login_code"), {"code": _last_code(phone)})
    assert response.status_code == 302 and _is_signed_in_as(client, user)


def test_i20_a_wrong_code_at_sign_up_does_not_open_the_account():
    client = _client()
    phone = _number()
    _sign_up(client, phone=phone)
    _post(client, reverse("account_verify_phone"), {"code": "WRONG1"})
    user = User.objects.get(phone=phone)
    assert not user.phone_verified and not _is_signed_in_as(client, user)
    # An unverified number signs nothing in: asking for a sign-in code sends none.
    codes_before = _codes_sent_to(phone)
    _request_login_code(_client(), phone)
    assert _codes_sent_to(phone) == codes_before


def test_i20_an_abandoned_sign_up_does_not_keep_the_number_from_its_owner():
    abandoned = _client()
    phone = _number()
    _sign_up(abandoned, phone=phone)  # never enters the code
    first = User.objects.get(phone=phone)
    user, _phone, client = _phone_only_student_with(phone)
    assert user.pk != first.pk and user.phone_verified and _is_signed_in_as(client, user)
    first.refresh_from_db()
    assert first.phone is None  # the number went to whoever verified it


def test_i20_a_sign_up_code_expires_after_five_minutes():
    client = _client()
    phone = _number()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _sign_up(client, phone=phone)
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    user = User.objects.get(phone=phone)
    assert not user.phone_verified and not _is_signed_in_as(client, user)


def test_i20_a_sign_up_code_cannot_be_replayed_nor_used_to_sign_in():
    user, phone, client = _phone_only_student()
    code = _last_code(phone)
    client.logout()
    for browser in (client, _client()):
        _post(browser, reverse("account_verify_phone"), {"code": code})
        _post(browser, reverse("account_confirm_login_code"), {"code": code})
        assert not _is_signed_in_as(browser, user)


def test_i20_a_sign_up_needs_a_number_or_an_email_and_a_password_without_a_number():
    client = _client()
    response = _sign_up(client)
    assert response.status_code == 200
    assert "Enter a mobile number or an e-mail address." in response.content.decode()
    response = _sign_up(client, email="no-password@example.com")
    assert response.status_code == 200
    assert "Choose a password, or sign up with a mobile number" in response.content.decode()
    response = _sign_up(client, phone="010 6552 9988")  # a landline
    assert "Enter a mainland China mobile number" in response.content.decode()
    assert not User.objects.exists() and not sms.outbox


def test_i20_a_student_may_still_sign_up_with_an_email_and_password_and_add_a_number_with_a_password():
    client = _client()
    phone = _number()
    response = _sign_up(client, phone=phone, email="both@example.com", password1=NEW_PASSWORD,
                        password2=NEW_PASSWORD)
    assert response.status_code == 302
    _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    user = User.objects.get(phone=phone)
    assert user.phone_verified and user.email == "both@example.com" and user.check_password(NEW_PASSWORD)
    # The address is still to be confirmed (mandatory verification): the e-mail stage comes next.
    assert not _is_signed_in_as(client, user)
    assert any("both@example.com" in m.to for m in mail.outbox)


def test_i20_a_sign_up_with_a_number_in_use_opens_nothing_and_tells_the_owner():
    owner, phone, _ = _phone_only_student()
    sms.outbox.clear()
    client = _client()
    response = _sign_up(client, phone=phone)
    assert response.status_code == 302  # the same page as a new number: no enumeration
    assert User.objects.filter(phone=phone).count() == 1
    assert [m["template"] for m in sms.outbox if m["phone"] == phone] == [sms.SmsTemplate.ACCOUNT_EXISTS]
    _post(client, reverse("account_verify_phone"), {"code": "ABCDEF"})
    assert not client.session.get("_auth_user_id")


def test_i20_the_registration_starts_with_the_number_signed_up_with():
    _user, phone, client = _phone_only_student()
    page = client.get(reverse("accounts:profile_edit")).content.decode()
    assert f'value="{phone}"' in page


# ------------------------------------------------------------------ employer members
def test_i20_an_employer_member_signs_up_with_email_and_number_password_optional():
    client = _client()
    phone = _number()
    response = _sign_up(client, "employers:signup", email="boss@shop.example", phone=phone)
    assert response.status_code == 302
    user = User.objects.get(email="boss@shop.example")
    assert user.kind == User.Kind.EMPLOYER and user.phone == phone and not user.has_usable_password()
    _post(client, reverse("account_verify_phone"), {"code": _last_code(phone)})
    user.refresh_from_db()
    assert user.phone_verified
    assert any("boss@shop.example" in m.to for m in mail.outbox)  # the address is confirmed next


def test_i20_an_employer_member_must_give_an_email():
    response = _sign_up(_client(), "employers:signup", phone=_number())
    assert response.status_code == 200 and not User.objects.exists()


# ------------------------------------------------------------------ staff: e-mail + password + TOTP only
def test_i20_staff_cannot_sign_in_with_a_number_and_password():
    staff = StaffFactory()
    phone = _number()
    User.objects.filter(pk=staff.pk).update(phone=phone, phone_verified=True)
    client = _client()
    response = _post(client, reverse("account_login"), {"login": phone, "password": PASSWORD})
    assert response.status_code == 200 and not _is_signed_in_as(client, staff)


# ------------------------------------------------------------------ the platform without an address
def test_i20_a_phone_only_student_gets_alerts_in_the_inbox_and_by_sms_but_no_email(
        django_capture_on_commit_callbacks):
    user, phone, _ = _phone_only_student()
    sms.outbox.clear()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_send(recipient=user, kind=AlertKind.OFFER, subject="录用通知", body="b", link="/work/mine/",
                   urgent=True)
        notify(recipient=user, subject="s", body="b", email=True)
    assert Notification.objects.filter(recipient=user).count() == 2
    assert [m["phone"] for m in sms.outbox] == [phone]
    assert not mail.outbox


def test_i20_a_phone_only_student_exports_and_erases_their_data():
    user, phone, _ = _phone_only_student()
    export = personal_data_export(user)
    assert export["account"]["email"] is None and export["account"]["mobile_number"] == phone
    assert personal_data_export_record(user=user).subject_label == mask_phone(phone)
    account_delete(user=user)
    user.refresh_from_db()
    assert user.phone is None and not user.is_active and user.email.endswith("@deleted.invalid")


# ------------------------------------------------------------------ `make run` says where codes appear
def test_i20_the_make_run_banner_says_where_sms_codes_appear():
    out = StringIO()
    call_command("seed_demo", print_logins=True, stdout=out)
    banner = out.getvalue()
    assert "----- SMS to +86" in banner and "13800138000" in banner  # and the demo student's number
