import pytest
from cryptography.fernet import Fernet

from core import crypto
from core.money import format_fen


def test_j3_1_encrypted_value_round_trips_and_is_not_plain():
    token = crypto.encrypt("110101199003070027")
    assert "110101199003070027" not in token
    assert crypto.decrypt(token) == "110101199003070027"


def test_j3_1_keys_rotate_without_losing_data(settings):
    # given: a value encrypted under the old key
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    token = crypto.encrypt("secret")
    # when: a new key is prepended and the value rotated
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    rotated = crypto.rotate(token)
    # then: the old key can be dropped
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert crypto.decrypt(rotated) == "secret"
    from cryptography.fernet import InvalidToken

    with pytest.raises(InvalidToken):
        crypto.decrypt(token)


def test_j3_1_keyed_hash_is_stable_and_case_insensitive():
    assert crypto.keyed_hash("11010119900307002x") == crypto.keyed_hash("11010119900307002X")
    assert crypto.keyed_hash("a") != crypto.keyed_hash("b")


def test_j3_1_id_numbers_are_masked():
    assert crypto.mask("31010119900307123X") == "**************123X"


@pytest.mark.parametrize("fen,shown", [(0, "¥0.00"), (5, "¥0.05"), (123450, "¥1,234.50"), (-99, "-¥0.99")])
def test_money_is_shown_in_yuan_from_integer_fen(fen, shown):
    assert format_fen(fen) == shown


@pytest.mark.django_db
def test_j3_1_rotate_command_reencrypts_stored_id_numbers(settings):
    from django.core.management import call_command
    from django.db import connection

    from tests.factories.accounts import StudentProfileFactory

    # given: an ID number stored under the old key
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    profile = StudentProfileFactory(id_number="110101199003070027")
    # when: a new key is prepended and the command runs
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=__import__("io").StringIO())
    # then: readable with the new key alone
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_studentprofile WHERE id = %s", [profile.pk])
        token = cursor.fetchone()[0]
    assert crypto.decrypt(token) == "110101199003070027"
