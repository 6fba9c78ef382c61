"""The ledger (F1, F3; DESIGN: Money): double-entry, append-only, integer fen,
idempotent by key, guarded balances, and an integrity check that catches
tampering."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from finance.ledger import (
    InsufficientBalance,
    UnbalancedTransaction,
    account_balance,
    employer_escrow,
    escrow_total_fen,
    ledger_integrity_check,
    platform_account,
    student_payable,
    transaction_post,
    transaction_reverse,
)
from finance.models import (
    AccountKind,
    IntegrityRun,
    LedgerAccount,
    LedgerEntry,
    LedgerImmutable,
    LedgerTransaction,
)
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def student():
    return StudentProfileFactory(approved=True).user


def fund(employer, amount: int, key: str = "fund-1"):
    """The employer's bank transfer lands: the platform holds it, owes it to the employer's escrow."""
    return transaction_post(key=key, kind="escrow_funding", memo="bank transfer", lines=[
        (platform_account(AccountKind.BANK_CLEARING), amount), (employer_escrow(employer.pk), -amount)])


def wages(employer, student, amount: int, key: str = "wages-1"):
    return transaction_post(key=key, kind="wages", memo="confirmed hours", lines=[
        (employer_escrow(employer.pk), amount), (student_payable(student.pk), -amount)])


# ---------------------------------------------------------------- posting
def test_f3_1_funding_moves_the_bank_account_and_the_employers_escrow_by_the_same_fen(employer):
    # when
    fund(employer, 123_456)
    # then: both read as positive amounts held / owed
    assert account_balance(platform_account(AccountKind.BANK_CLEARING)) == 123_456
    assert account_balance(employer_escrow(employer.pk)) == 123_456
    assert escrow_total_fen() == 123_456
    txn = LedgerTransaction.objects.get()
    assert sorted(txn.entries.values_list("amount_fen", flat=True)) == [-123_456, 123_456]


def test_f3_2_wages_move_from_escrow_to_the_students_payable(employer, student):
    fund(employer, 50_000)
    # when
    wages(employer, student, 30_000)
    # then
    assert account_balance(employer_escrow(employer.pk)) == 20_000
    assert account_balance(student_payable(student.pk)) == 30_000


@pytest.mark.parametrize("lines_of", [
    lambda a, b: [(a, 100), (b, -99)],        # does not sum to zero
    lambda a, b: [(a, 100.0), (b, -100.0)],   # floats are never money
    lambda a, b: [(a, 0), (b, 0)],            # zero entries carry nothing
    lambda a, b: [(a, True), (b, -1)],        # bools are not fen either
    lambda a, b: [],                          # nothing at all
])
def test_money_is_integer_fen_and_every_transaction_sums_to_zero(employer, lines_of):
    bank, escrow = platform_account(AccountKind.BANK_CLEARING), employer_escrow(employer.pk)
    with pytest.raises(UnbalancedTransaction):
        transaction_post(key="bad", kind="x", memo="x", lines=lines_of(bank, escrow))
    assert not LedgerTransaction.objects.exists() and not LedgerEntry.objects.exists()


def test_f3_2_a_key_posts_once_however_often_it_is_sent(employer):
    # when: a redelivered task or a double click posts the same key twice
    first = fund(employer, 10_000, key="statement-line-42")
    second = fund(employer, 10_000, key="statement-line-42")
    # then
    assert first.pk == second.pk and LedgerTransaction.objects.count() == 1
    assert account_balance(employer_escrow(employer.pk)) == 10_000


def test_e5_1_escrow_cannot_pay_out_money_the_employer_has_not_paid_in(employer, student):
    fund(employer, 10_000)
    # when: wages larger than what is held
    with pytest.raises(InsufficientBalance) as refused:
        wages(employer, student, 10_001)
    # then: nothing moved, and the error says how much is missing
    assert refused.value.needed_fen == 1
    assert account_balance(employer_escrow(employer.pk)) == 10_000
    assert account_balance(student_payable(student.pk)) == 0
    assert LedgerTransaction.objects.count() == 1


# ---------------------------------------------------------------- append-only
def test_entries_and_transactions_cannot_be_changed_or_deleted_in_code(employer):
    txn = fund(employer, 500)
    entry = txn.entries.first()
    entry.amount_fen = 600
    for attempt in (entry.save, entry.delete, txn.delete,
                    lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount_fen=1),
                    lambda: LedgerEntry.objects.all().delete(),
                    lambda: LedgerTransaction.objects.all().update(memo="x")):
        with pytest.raises(LedgerImmutable):
            attempt()
    assert sorted(LedgerEntry.objects.values_list("amount_fen", flat=True)) == [-500, 500]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
@pytest.mark.parametrize("sql", [
    "UPDATE finance_ledgerentry SET amount_fen = amount_fen + 1",
    "DELETE FROM finance_ledgerentry",
    "UPDATE finance_ledgertransaction SET memo = 'changed'",
    "DELETE FROM finance_ledgertransaction",
])
def test_on_postgresql_the_database_refuses_updates_and_deletes_of_ledger_rows(employer, sql):
    fund(employer, 700)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert sorted(LedgerEntry.objects.values_list("amount_fen", flat=True)) == [-700, 700]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
def test_on_postgresql_an_unbalanced_transaction_cannot_be_written(employer):
    # given: code that bypasses the service and writes one side only
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        txn = LedgerTransaction.objects.create(key="one-sided", kind="x", memo="x")
        LedgerEntry.objects.create(transaction=txn, account=employer_escrow(employer.pk), amount_fen=-100)
    assert not LedgerTransaction.objects.filter(key="one-sided").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
def test_on_postgresql_both_sides_written_in_one_statement_are_accepted(employer):
    # given: a balanced pair inserted in one statement, as finance.ledger writes them
    bank = platform_account(AccountKind.BANK_CLEARING)
    with transaction.atomic():
        txn = LedgerTransaction.objects.create(key="two-sided", kind="x", memo="x")
        LedgerEntry.objects.bulk_create([LedgerEntry(transaction=txn, account=bank, amount_fen=100),
                                         LedgerEntry(transaction=txn, account=employer_escrow(employer.pk),
                                                     amount_fen=-100)])
    # then: written (the running balances were bypassed here, so only the entries are checked)
    assert sorted(txn.entries.values_list("amount_fen", flat=True)) == [-100, 100]


# ---------------------------------------------------------------- corrections
def test_f3_3_a_correction_is_a_reversing_transaction_posted_once(employer, student):
    fund(employer, 9_000)
    wages(employer, student, 4_000, key="wages-wrong")
    # when
    reversal = transaction_reverse(original_key="wages-wrong", memo="hours corrected")
    again = transaction_reverse(original_key="wages-wrong", memo="hours corrected")
    # then: balances are back, the original stays, both are visible
    assert reversal.pk == again.pk and reversal.reverses.key == "wages-wrong"
    assert account_balance(employer_escrow(employer.pk)) == 9_000
    assert account_balance(student_payable(student.pk)) == 0
    assert LedgerTransaction.objects.count() == 3


# ---------------------------------------------------------------- integrity (F3.3)
def test_f3_3_the_integrity_check_passes_on_a_clean_ledger_and_records_the_run(employer, student):
    fund(employer, 9_000)
    wages(employer, student, 4_000)
    assert ledger_integrity_check() == []
    call_command("ledger_check")
    assert IntegrityRun.objects.get().problem_count == 0


def test_f3_3_the_integrity_check_catches_a_tampered_running_balance(employer):
    fund(employer, 9_000)
    # when: someone edits an account's running balance behind the ledger's back
    LedgerAccount.objects.filter(kind=AccountKind.EMPLOYER_ESCROW).update(balance_fen=-9_999)
    # then
    problems = ledger_integrity_check()
    assert [p.check for p in problems] == ["running_balance"]
    assert "running -9999 ≠ entries -9000" in problems[0].detail
    with pytest.raises(CommandError):
        call_command("ledger_check")
    assert IntegrityRun.objects.get().problem_count == len(problems)


def test_f1_payables_for_many_students_are_created_in_bulk_once():
    from finance.ledger import accounts_for_students

    students = [StudentProfileFactory().user for _ in range(3)]
    existing = student_payable(students[0].pk)
    accounts = accounts_for_students([s.pk for s in students] * 2)
    assert set(accounts) == {s.pk for s in students}
    assert accounts[students[0].pk].pk == existing.pk
    assert all(a.kind == AccountKind.STUDENT_PAYABLE and a.student_id == pk for pk, a in accounts.items())
    again = accounts_for_students([s.pk for s in students])
    assert {pk: a.pk for pk, a in again.items()} == {pk: a.pk for pk, a in accounts.items()}
    assert accounts_for_students([]) == {}


def test_f1_a_posting_touching_many_accounts_moves_each_running_balance_exactly():
    from finance.ledger import accounts_for_students

    students = [StudentProfileFactory().user.pk for _ in range(6)]
    payables = accounts_for_students(students)
    bank = platform_account(AccountKind.BANK_CLEARING)
    # when: one posting credits six payables (the set-based update) and debits the bank
    lines = [(payables[pk], -(i + 1) * 100) for i, pk in enumerate(students)]
    transaction_post(key="many", kind="test", memo="many", lines=[*lines, (bank, 2100)])
    # then
    assert [account_balance(payables[pk]) for pk in students] == [100, 200, 300, 400, 500, 600]
    # and: a guarded account going below zero refuses the whole posting, set-based or not
    over = [(payables[pk], 200) for pk in students]
    with pytest.raises(InsufficientBalance):
        transaction_post(key="too-much", kind="test", memo="x", lines=[*over, (bank, -1200)])
    assert [account_balance(payables[pk]) for pk in students] == [100, 200, 300, 400, 500, 600]
    assert ledger_integrity_check() == []
