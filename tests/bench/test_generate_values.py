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


def test_iit_16_bench_payouts_carry_income_tax_as_funding_withholds_it():
    """The payout batch benchmark pays nets (docs/tax.md): one statement in
    PAYOUT_TAXED_EVERY pays a month's long job, taxed by the cumulative method in
    each student's order; the others stay below the deduction."""
    from settlements.models import Settlement

    ctx = SimpleNamespace(rng=random.Random(3))
    wages = [generate._bench_wages(ctx, number) for number in range(40)]
    assert all(7_000_00 <= w <= 30_000_00 for w in wages[::generate.PAYOUT_TAXED_EVERY])
    assert all(w <= 400_00 for i, w in enumerate(wages) if i % generate.PAYOUT_TAXED_EVERY)
    funded = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    # a student paid 30,000 then 8,000 in one month: 570, then (38,000 − 7,600 − 5,000) × 3 % − 570 = 192
    settlements = [Settlement(student_id=1, student_total_fen=30_000_00, funded_at=funded),
                   Settlement(student_id=1, student_total_fen=8_000_00, funded_at=funded),
                   Settlement(student_id=2, student_total_fen=300_00, funded_at=funded)]
    pairs = generate._bench_withhold(settlements, {})
    assert [s.tax_fen for s in settlements] == [570_00, 192_00, 0]
    assert [result.tax_fen for _s, result in pairs] == [570_00, 192_00, 0]
