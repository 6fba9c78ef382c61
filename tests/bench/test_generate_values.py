"""The generator's synthetic identity numbers pass the platform's own validators."""

import datetime as dt
import random
from types import SimpleNamespace

from bench import generate
from core.identity import validate_resident_id, validate_uscc


def test_credit_codes_are_valid_and_unique():
    ctx = SimpleNamespace(rng=random.Random(1))
    codes = [generate.credit_code(ctx, serial, "杭州") for serial in range(1, 3001)]
    assert len(set(codes)) == len(codes)
    for code in codes[:200]:
        assert validate_uscc(code) == code
        assert code[2:8] in {"330106", "330108"}  # registered in the employer's city


def test_resident_ids_are_valid_unique_and_match_the_birth_date():
    ctx = SimpleNamespace(rng=random.Random(2))
    used: set[str] = set()
    birth = dt.date(2005, 2, 28)
    numbers = [generate.resident_id(ctx, birth, female=True, used=used) for _ in range(500)]
    assert len(set(numbers)) == 500
    for number in numbers[:100]:
        assert validate_resident_id(number, birth_date=birth) == number
        assert int(number[16]) % 2 == 0  # the sex digit
