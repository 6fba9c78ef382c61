"""Payout methods (S4.2, J3.1, PIPL art. 28–29): a bank card or Alipay account in
the student's own name, validated, encrypted, shown masked, removable."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Consent
from core.errors import DomainError, NotPermitted
from core.history import history_for
from settlements.models import PayoutMethod
from settlements.services import (
    DuplicatePayoutMethod,
    HolderNameMismatch,
    InvalidAccount,
    alipay_account_normalise,
    bank_card_number_normalise,
    payout_method_add,
    payout_method_remove,
    payout_method_set_default,
)
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.settlements import PayoutMethodFactory, card_number

pytestmark = pytest.mark.django_db

CARD = card_number()  # 19 digits, Luhn-valid


@pytest.fixture
def profile():
    return StudentProfileFactory(approved=True, real_name="张三")


def add(profile, **kwargs):
    values = {"kind": "bank_card", "account_number": CARD, "account_holder": "张三", "bank_name": "中国工商银行",
              "consents": True}
    return payout_method_add(student=profile.user, **{**values, **kwargs})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("typed", [CARD, " ".join(CARD[i:i + 4] for i in range(0, 19, 4)), card_number(length=16),
                                   "".join(chr(ord(c) + 0xFEE0) for c in CARD)])  # full-width digits (IME)
def test_s4_2_a_valid_bank_card_number_is_accepted_as_digits(typed):
    assert bank_card_number_normalise(typed) in (CARD, card_number(length=16))


@pytest.mark.parametrize("typed, reason", [
    (CARD[:-1] + str((int(CARD[-1]) + 1) % 10), "check digit"),  # one digit mistyped: Luhn fails
    (card_number(length=15), "16 to 19"),
    (card_number(length=20), "16 to 19"),
    ("6222 0212 3456 789O 128", "digits only"),
    ("", "digits only"),
])
def test_s4_2_an_invalid_bank_card_number_is_refused(typed, reason):
    with pytest.raises(InvalidAccount) as error:
        bank_card_number_normalise(typed)
    assert reason in str(error.value.message)
    assert error.value.field == "account_number"


@pytest.mark.parametrize("typed, stored", [
    ("13812345678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"),
    ("Zhang.San@Example.COM", "zhang.san@example.com"),
])
def test_s4_2_an_alipay_account_is_a_mainland_mobile_number_or_an_email(typed, stored):
    assert alipay_account_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["02112345678", "1381234567", "+1 415 555 2671", "zhang@", "支付宝", ""])
def test_s4_2_other_alipay_accounts_are_refused(typed):
    with pytest.raises(InvalidAccount):
        alipay_account_normalise(typed)


def test_s4_2_the_account_holder_must_be_the_students_real_name(profile):
    # when / then
    with pytest.raises(HolderNameMismatch):
        add(profile, account_holder="李四")
    assert not PayoutMethod.objects.exists()
    # a space typed inside the name is no mismatch
    assert add(profile, account_holder=" 张 三 ").account_holder == "张 三"


def test_s4_2_a_bank_card_needs_its_bank(profile):
    with pytest.raises(DomainError) as error:
        add(profile, bank_name=" ")
    assert error.value.field == "bank_name"


def test_pipl_29_the_account_is_stored_only_with_separate_consent(profile):
    # when: no consent given
    with pytest.raises(DomainError) as error:
        add(profile, consents=False)
    # then
    assert error.value.field == "consents" and not PayoutMethod.objects.exists()
    # when: given
    add(profile, consents=True)
    # then: recorded once, and not asked again
    assert Consent.objects.filter(user=profile.user, kind=Consent.Kind.SENSITIVE_DATA).count() == 1
    add(profile, kind="alipay", account_number="13812345678", consents=False)


def test_s4_2_the_same_account_cannot_be_added_twice(profile):
    add(profile)
    with pytest.raises(DuplicatePayoutMethod):
        add(profile, account_number=" ".join(CARD[i:i + 4] for i in range(0, 19, 4)))


def test_s4_2_only_students_add_payout_methods():
    employer_user = EmployerFactory(approved=True).members.get().user
    with pytest.raises(NotPermitted):
        payout_method_add(student=employer_user, kind="alipay", account_number="13812345678",
                          account_holder="x", consents=True)


# ------------------------------------------------------------------ encrypted and masked (J3.1)
def test_j3_1_the_number_is_encrypted_at_rest_and_shown_only_masked(profile):
    # when
    method = add(profile)
    # then: the database holds a token, not the number
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM settlements_payoutmethod WHERE id = %s", [method.pk])
        stored = cursor.fetchone()[0]
    assert CARD not in stored and CARD[-4:] not in stored
    assert method.account_masked == "*" * 15 + CARD[-4:]
    assert PayoutMethod(account_number="zhang.san@example.com").account_masked == "z***@example.com"


def test_j3_1_the_full_number_never_appears_on_the_page_after_saving(profile):
    # given
    client = signed_in(profile.user)
    # when
    response = client.post(reverse("settlements:payout_methods"), {
        "kind": "bank_card", "bank_name": "招商银行", "account_number": CARD, "account_holder": "张三",
        "make_default": "on", "consents": "on"}, follow=True)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert CARD not in html and CARD[:6] not in html
    assert CARD[-4:] in html and "招商银行" in html
    method = PayoutMethod.objects.get()
    assert method.is_default and method.student == profile.user


def test_s4_2_a_mistyped_card_is_refused_on_the_page(profile):
    # when
    response = signed_in(profile.user).post(reverse("settlements:payout_methods"), {
        "kind": "bank_card", "bank_name": "招商银行", "account_number": CARD[:-1] + "0" if CARD[-1] != "0" else
        CARD[:-1] + "1", "account_holder": "张三", "consents": "on"})
    # then: the form shows why, nothing saved
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert not PayoutMethod.objects.exists()


def test_s4_2_the_staff_admin_shows_the_number_masked_only(profile, staff_client):
    # given
    method = add(profile)
    client, _user = staff_client("finance")
    # when
    response = client.get(reverse("admin:settlements_payoutmethod_change", args=[method.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert CARD not in html and CARD[-4:] in html


# ------------------------------------------------------------------ the default, removal
def test_s4_2_the_first_method_is_the_default_and_the_student_can_choose_another(profile):
    # given
    card = add(profile)
    alipay = add(profile, kind="alipay", account_number="13812345678")
    assert (card.is_default, alipay.is_default) == (True, False)
    # when
    payout_method_set_default(student=profile.user, method_id=alipay.pk)
    # then: exactly one default
    card.refresh_from_db()
    alipay.refresh_from_db()
    assert (card.is_default, alipay.is_default) == (False, True)


def test_s4_2_removing_keeps_the_record_and_passes_the_default_on(profile):
    # given
    card = add(profile)
    alipay = add(profile, kind="alipay", account_number="zhang.san@example.com")
    # when
    successor = payout_method_remove(student=profile.user, method_id=card.pk)
    # then
    card.refresh_from_db()
    assert card.removed_at is not None and not card.is_default
    assert successor == alipay and PayoutMethod.objects.get(pk=alipay.pk).is_default
    assert [h.transition for h in history_for(card).order_by("id")] == ["add", "remove"]
    # the removed account may be added again later
    assert add(profile).pk != card.pk


def test_s4_2_payout_method_pages_let_the_student_choose_and_remove(profile):
    # given
    client = signed_in(profile.user)
    card, alipay = add(profile), add(profile, kind="alipay", account_number="13812345678")
    # when
    client.post(reverse("settlements:payout_method_default", args=[alipay.pk]))
    response = client.post(reverse("settlements:payout_method_remove", args=[card.pk]), follow=True)
    # then
    html = response.content.decode()
    assert f'id="method-{card.pk}"' not in html and f'id="method-{alipay.pk}"' in html
    assert PayoutMethod.objects.get(pk=alipay.pk).is_default


def test_s4_2_another_students_payout_method_is_not_found(profile):
    # given
    method = PayoutMethodFactory()
    client = signed_in(profile.user)
    # when / then: not found, and unchanged
    assert client.post(reverse("settlements:payout_method_remove", args=[method.pk])).status_code == 404
    assert client.post(reverse("settlements:payout_method_default", args=[method.pk])).status_code == 404
    method.refresh_from_db()
    assert method.removed_at is None


def test_s4_2_payout_method_pages_are_for_students_only():
    employer = signed_in(EmployerFactory(approved=True).members.get().user)
    assert employer.get(reverse("settlements:payout_methods")).status_code == 403
