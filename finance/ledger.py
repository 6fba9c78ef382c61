"""The only code that writes the ledger (F1, F3; DESIGN: Money).

    transaction_post(key=..., kind=..., memo=..., lines=[(account, +debit), (account, -credit), ...])

posts one balanced transaction, idempotently by `key`: the accounts are locked
in id order (no deadlocks between two postings), their running balances move,
and a guarded account that would go below zero refuses the whole transaction.
Corrections are `transaction_reverse`, never edits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from .models import (
    CREDIT_NORMAL,
    GUARDED,
    PLATFORM_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

if TYPE_CHECKING:
    from accounts.models import User

# What a transaction is for: a model instance, or ("app_label.Model", pk) from a caller holding only the id.
Source = models.Model | tuple[str, Any]


class UnbalancedTransaction(ValueError):
    """A programming error: the lines do not sum to zero (never a user's doing)."""


class InsufficientBalance(DomainError):
    default_message = _("There is not enough money in the account for this.")

    def __init__(self, account: LedgerAccount, needed_fen: int) -> None:
        super().__init__()
        self.account, self.needed_fen = account, needed_fen


# ------------------------------------------------------------------ accounts
def account_code(kind: str, *, employer_id: int | None = None, student_id: int | None = None) -> str:
    if kind in PLATFORM_KINDS:
        return f"platform:{kind}"
    if student_id is not None:
        return f"student:{student_id}:{kind}"
    return f"employer:{employer_id}:{kind}"


def account_get(kind: str, *, employer_id: int | None = None, student_id: int | None = None) -> LedgerAccount:
    """The account of this kind (and owner), created on first use."""
    if kind in PLATFORM_KINDS and (employer_id or student_id):
        raise ValueError(f"{kind} is a platform account")
    if kind == AccountKind.STUDENT_PAYABLE and not student_id:
        raise ValueError("a student payable needs a student")
    if kind in (AccountKind.EMPLOYER_ESCROW, AccountKind.EMPLOYER_RECEIVABLE) and not employer_id:
        raise ValueError(f"{kind} needs an employer")
    code = account_code(kind, employer_id=employer_id, student_id=student_id)
    account = LedgerAccount.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(kind=kind, code=code, employer_id=employer_id, student_id=student_id)
    except IntegrityError:  # created concurrently
        return LedgerAccount.objects.get(code=code)


def platform_account(kind: str) -> LedgerAccount:
    return account_get(kind)


def employer_escrow(employer_id: int) -> LedgerAccount:
    return account_get(AccountKind.EMPLOYER_ESCROW, employer_id=employer_id)


def employer_receivable(employer_id: int) -> LedgerAccount:
    return account_get(AccountKind.EMPLOYER_RECEIVABLE, employer_id=employer_id)


def student_payable(student_id: int) -> LedgerAccount:
    return account_get(AccountKind.STUDENT_PAYABLE, student_id=student_id)


def accounts_for_students(student_ids: Iterable[int]) -> dict[int, LedgerAccount]:
    """Every given student's payable account, by student id, creating the missing
    ones in one INSERT: two or three queries for a payout chunk's thousand students
    instead of one (or two) each. Safe against a concurrent creator (ignore_conflicts,
    then read again)."""
    student_ids = sorted(set(student_ids))
    if not student_ids:
        return {}
    kind = AccountKind.STUDENT_PAYABLE
    # Only what posting reads (pk, kind): a thousand full rows are a thousand model instances.
    found = _by_student(LedgerAccount.objects.filter(kind=kind, student_id__any_of=student_ids)
                        .only("pk", "kind", "student_id"))
    missing = [pk for pk in student_ids if pk not in found]
    if missing:
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(kind=kind, student_id=pk, code=account_code(kind, student_id=pk)) for pk in missing],
            ignore_conflicts=True)
        found.update(_by_student(LedgerAccount.objects.filter(kind=kind, student_id__any_of=missing)
                                 .only("pk", "kind", "student_id")))
    return found


def _by_student(accounts: Iterable[LedgerAccount]) -> dict[int, LedgerAccount]:
    """Student payable accounts by their student's id (a student payable always has one)."""
    return {a.student_id: a for a in accounts if a.student_id is not None}


# ------------------------------------------------------------------ posting
def _readable(kind: str, balance_fen: int) -> int:
    return -balance_fen if kind in CREDIT_NORMAL else balance_fen


@transaction.atomic
def transaction_post(*, key: str, kind: str, memo: str, lines: list[tuple[LedgerAccount, int]],
                     actor: User | None = None, reverses: LedgerTransaction | None = None,
                     source: Source | None = None) -> LedgerTransaction:
    """Post a balanced transaction once.

    `source` is the record the transaction is for (a model instance, or
    ("app_label.Model", pk) from a caller that holds only the id): stored as a
    content type and id, so audits follow a link instead of parsing the key.

    `lines` are (account, amount) with debits positive and credits negative;
    they must sum to zero and none may be zero. A second call with the same key
    returns the first transaction and moves nothing. Raises InsufficientBalance
    if a guarded account (escrow, payable, guarantee fund …) would go negative."""
    if not key or len(key) > 120:
        raise ValueError("a transaction needs an idempotency key of at most 120 characters")
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    totals: dict[int, int] = defaultdict(int)
    accounts: dict[int, LedgerAccount] = {}
    for account, amount in lines:
        if type(amount) is not int or amount == 0:  # noqa: E721 - bool and float are refused too
            raise UnbalancedTransaction(f"amounts are non-zero int fen, got {amount!r}")
        totals[account.pk] += amount
        accounts[account.pk] = account
    if not lines or sum(totals.values()) != 0:
        raise UnbalancedTransaction(f"entries must sum to zero: {dict(totals)}")

    # Lock every account touched, in id order, then check the guarded ones.
    locked = _lock_balances(sorted(totals))
    # Holding the locks, look again: a concurrent post of the same key has committed by now.
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    for pk, delta in totals.items():
        kind_of, balance_fen = locked[pk]
        after = balance_fen + delta
        if kind_of in GUARDED and _readable(kind_of, after) < 0:
            raise InsufficientBalance(accounts[pk], needed_fen=-_readable(kind_of, after))
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(key=key, kind=kind, memo=str(memo)[:300], created_by=actor,
                                                   reverses=reverses, **_source_fields(source))
    except IntegrityError:  # the same key posted concurrently: theirs stands, ours moves nothing
        return LedgerTransaction.objects.get(key=key)
    _insert_entries(txn, [(account.pk, amount) for account, amount in lines])
    _move_balances({pk: delta for pk, delta in totals.items() if delta})
    return txn


def _source_fields(source: Source | None) -> dict[str, Any]:
    """The content type and id of a transaction's source (nothing when there is none)."""
    if source is None:
        return {}
    if isinstance(source, tuple):
        label, pk = source  # a model named by its label: finance imports no app above it
        return {"source_type": ContentType.objects.get_for_model(apps.get_model(label)), "source_id": pk}
    return {"source_type": ContentType.objects.get_for_model(source), "source_id": source.pk}


# From this many accounts, a posting locks, writes and moves balances with array
# parameters in one statement each (a payout chunk's thousand students): no model
# instances and no thousand-placeholder IN lists, which cost more than the database.
SET_BASED_FROM = 4


def _set_based(count: int) -> bool:
    return count >= SET_BASED_FROM and connection.vendor == "postgresql"


def _lock_balances(ids: list[int]) -> dict[int, tuple[str, int]]:
    """Lock the accounts in id order (no deadlock between two postings); return kind and balance of each."""
    if _set_based(len(ids)):
        table = connection.ops.quote_name(LedgerAccount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, kind, balance_fen FROM {table} WHERE id = ANY(%s::bigint[]) "
                           f"ORDER BY id FOR UPDATE", [ids])
            return {pk: (kind, balance) for pk, kind, balance in cursor.fetchall()}
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {pk: (kind, balance) for pk, kind, balance in rows.values_list("pk", "kind", "balance_fen")}


def _insert_entries(txn: LedgerTransaction, lines: list[tuple[int, int]]) -> None:
    """All of a transaction's entries in one INSERT statement: the database's
    balance check runs per statement (finance migration 0006)."""
    if _set_based(len(lines)):
        table = connection.ops.quote_name(LedgerEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (transaction_id, account_id, amount_fen, created_at) "
                           f"SELECT %s, v.account_id, v.amount_fen, %s "
                           f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(account_id, amount_fen)",
                           [txn.pk, txn.created_at, [pk for pk, _amount in lines],
                            [amount for _pk, amount in lines]])
        return
    LedgerEntry.objects.bulk_create([LedgerEntry(transaction=txn, account_id=pk, amount_fen=amount)
                                     for pk, amount in lines])


def _move_balances(deltas: dict[int, int]) -> None:
    """Add each delta to its account's running balance. Many accounts (a payout
    chunk's thousand students) on PostgreSQL: one UPDATE … FROM unnest(ids, deltas)
    (the set of values as two array parameters); else (few accounts, or SQLite)
    one UPDATE per account. The rows are locked already."""
    if _set_based(len(deltas)):
        table = connection.ops.quote_name(LedgerAccount._meta.db_table)
        ids = sorted(deltas)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS a SET balance_fen = a.balance_fen + v.delta "
                           f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, delta) WHERE a.id = v.id",
                           [ids, [deltas[pk] for pk in ids]])
        return
    for pk, delta in deltas.items():
        LedgerAccount.objects.filter(pk=pk).update(balance_fen=F("balance_fen") + delta)


@transaction.atomic
def transaction_reverse(*, original_key: str, memo: str, actor: User | None = None) -> LedgerTransaction:
    """Cancel a posted transaction by posting its mirror image (once)."""
    original = LedgerTransaction.objects.get(key=original_key)
    lines = [(entry.account, -entry.amount_fen) for entry in original.entries.select_related("account")]
    source_type = original.source_type  # no query when there is none
    source = (None if source_type is None
              else (f"{source_type.app_label}.{source_type.model}", original.source_id))
    return transaction_post(key=f"{original_key}:reversal", kind=f"{original.kind}_reversal", memo=memo,
                            lines=lines, actor=actor, reverses=original, source=source)


# ------------------------------------------------------------------ reading
def account_balance(account: LedgerAccount) -> int:
    """The readable balance, from the running total (one indexed row read)."""
    balance_fen = LedgerAccount.objects.filter(pk=account.pk).values_list("balance_fen", flat=True).get()
    return _readable(account.kind, balance_fen)


def escrow_total_fen() -> int:
    """What the platform holds for all employers together (F3.1)."""
    total = LedgerAccount.objects.filter(kind=AccountKind.EMPLOYER_ESCROW).aggregate(s=Sum("balance_fen"))["s"]
    return -(total or 0)


# ------------------------------------------------------------------ integrity (F3.3)
@dataclass(frozen=True)
class IntegrityProblem:
    check: str
    detail: str


def ledger_integrity_check() -> list[IntegrityProblem]:
    """Every transaction balanced and non-empty; every running balance equal to
    the sum of its entries; no guarded account below zero; the whole ledger sums
    to zero. Set-based: a handful of grouped queries whatever the size."""
    problems: list[IntegrityProblem] = []
    unbalanced = (LedgerEntry.objects.values("transaction_id").annotate(total=Sum("amount_fen"))
                  .exclude(total=0).values_list("transaction_id", "total")[:100])
    problems += [IntegrityProblem("balanced", f"transaction {pk} sums to {total}") for pk, total in unbalanced]
    empty = (LedgerTransaction.objects.annotate(n=Count("entries")).filter(n__lt=2).values_list("pk", flat=True)[:100])
    problems += [IntegrityProblem("entries", f"transaction {pk} has fewer than two entries") for pk in empty]
    sums = dict(LedgerEntry.objects.values("account_id").annotate(total=Sum("amount_fen"))
                .values_list("account_id", "total"))
    for pk, code, kind, balance_fen in LedgerAccount.objects.values_list("pk", "code", "kind", "balance_fen"):
        if sums.get(pk, 0) != balance_fen:
            problems.append(IntegrityProblem("running_balance",
                                             f"{code}: running {balance_fen} ≠ entries {sums.get(pk, 0)}"))
        if kind in GUARDED and _readable(kind, balance_fen) < 0:
            problems.append(IntegrityProblem("non_negative", f"{code}: {_readable(kind, balance_fen)}"))
    if sum(sums.values()) != 0:
        problems.append(IntegrityProblem("zero_sum", f"all entries sum to {sum(sums.values())}"))
    return problems
