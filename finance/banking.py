"""Money in (E5.1): employers pay into escrow by bank transfer quoting their
funding reference; finance staff import the bank statement (CSV or XLSX, see
docs/bank-statement-format.md); a line whose reference names an employer is
matched and posted, the rest wait in a manual queue. The sandbox payment of
`make run` goes through exactly the same posting path as a matched bank line.

Posting a line (once per bank transaction, idempotent by its ledger key):
    Dr BANK_CLEARING, Cr employer escrow           key "bank-line:<transaction id>"
then, if the employer owes posting fees (its receivable), they are settled
from the escrow first:
    Dr employer escrow, Cr employer receivable     key "receivable-settle:<line id>"
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, InvalidUpload, NotPermitted
from core.history import history_record
from core.money import parse_yuan
from core.uploads import xlsx_archive_check
from employers.models import Employer

from .ledger import (
    account_balance,
    account_code,
    employer_escrow,
    employer_receivable,
    platform_account,
    transaction_post,
)
from .models import (
    AccountKind,
    BankStatementImport,
    BankStatementLine,
    FinanceAction,
    FundingReference,
    LedgerAccount,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django_stubs_ext import StrOrPromise

    from accounts.models import User

MATCH_PERMISSION = "finance.match_bankstatementline"
IMPORT_PERMISSION = "finance.add_bankstatementimport"
# A statement file is at most this many data rows; bank exports are per day or week.
MAX_STATEMENT_ROWS = 20_000
# Errors listed back to the user; a file with more is wrong throughout anyway.
MAX_REPORTED_ERRORS = 10
# The largest single sandbox payment: play money, but an honest-looking demo.
SANDBOX_MAX_FEN = 1_000_000 * 100


# ------------------------------------------------------------------ funding references
# Check letters: 23 letters without I, O and Z (read as 1, 0 and 2). 23 is prime and
# the weights 2…9 are distinct, so any one wrong digit or two swapped neighbours
# change the check letter.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXY"
CODE_PATTERN = re.compile(r"JZ(\d{8})([A-Z])")


def funding_code(employer_id: int) -> str:
    """"JZ" + the employer id in 8 digits + a check letter, e.g. JZ00000042 + check."""
    digits = f"{employer_id:08d}"
    if len(digits) != 8:
        raise ValueError("employer ids above 99,999,999 need a longer funding code")
    weighted = sum(int(d) * (position + 2) for position, d in enumerate(digits))
    return f"JZ{digits}{CHECK_ALPHABET[weighted % len(CHECK_ALPHABET)]}"


def funding_code_in(text: str) -> str | None:
    """The first valid funding code in free text (bank 附言 are often lower-case,
    spaced or hyphenated), or None."""
    squeezed = re.sub(r"[\s\-_/.]", "", text or "").upper()
    for match in CODE_PATTERN.finditer(squeezed):
        if funding_code(int(match.group(1))) == match.group(0):
            return match.group(0)
    return None


def funding_reference_for(employer_id: int) -> FundingReference:
    """The employer's funding reference, created on first use."""
    reference = FundingReference.objects.filter(employer_id=employer_id).first()
    if reference is not None:
        return reference
    try:
        with transaction.atomic():
            return FundingReference.objects.create(employer_id=employer_id, code=funding_code(employer_id))
    except IntegrityError:  # created concurrently
        return FundingReference.objects.get(employer_id=employer_id)


# ------------------------------------------------------------------ parsing statements
class StatementInvalid(DomainError):
    """The file cannot be imported; `errors` lists what is wrong, with row numbers."""

    default_message = _("This bank statement cannot be imported.")

    def __init__(self, errors: Sequence[StrOrPromise]) -> None:
        self.errors = [str(e) for e in errors[:MAX_REPORTED_ERRORS]]
        if len(errors) > MAX_REPORTED_ERRORS:
            self.errors.append(str(_("… and %(n)d more problems.") % {"n": len(errors) - MAX_REPORTED_ERRORS}))
        super().__init__(" ".join(self.errors), field="file")


# Column → the headers banks and people use for it (compared case-insensitively).
COLUMNS: dict[str, tuple[str, ...]] = {
    "booked_on": ("交易日期", "记账日期", "日期", "booked_on", "date"),
    "amount": ("金额", "交易金额", "收入金额", "amount"),
    "payer": ("付款人", "付款人名称", "对方户名", "payer", "payer_name"),
    "reference": ("附言", "摘要", "用途", "reference"),
    "transaction_id": ("流水号", "交易流水号", "transaction_id"),
}
HEADER_SEARCH_ROWS = 10  # bank exports often put a title and the account above the header
MAX_FILE_ROWS = MAX_STATEMENT_ROWS + HEADER_SEARCH_ROWS + 100  # data, title rows and a few blank ones
MAX_COLUMNS = 50


@dataclass(frozen=True)
class ParsedLine:
    row: int
    booked_on: dt.date
    amount_fen: int  # negative for outgoing payments
    payer_name: str
    reference_text: str
    transaction_id: str


def parse_booked_on(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().split(" ")[0].split("T")[0]
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a transaction id typed as a number
        value = int(value)
    return str(value).strip()


def _bounded(rows: list[list[Any]]) -> list[list[Any]]:
    if len(rows) > MAX_FILE_ROWS:
        raise StatementInvalid([_("The file has more than %(n)d rows; split it.") % {"n": MAX_STATEMENT_ROWS}])
    return rows


def _read_rows(*, data: bytes, file_name: str) -> list[list[Any]]:
    """The file's rows as lists of cell values (XLSX: first sheet; CSV: UTF-8 or GB18030)."""
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            xlsx_archive_check(data)  # J3.1: caps on the archive before any XML is parsed
        except InvalidUpload as error:
            raise StatementInvalid([error.message]) from error
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken file  # noqa: BLE001
            raise StatementInvalid([_("The file is not a readable XLSX workbook.")]) from error
        try:
            # Bounded: a small compressed workbook can declare millions of rows.
            rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
            return _bounded([list(row) for row in itertools.islice(rows, MAX_FILE_ROWS + 1)])
        except StatementInvalid:
            raise
        except Exception as error:  # the sheet's XML is parsed lazily (defusedxml refusals included)  # noqa: BLE001
            raise StatementInvalid([_("The file is not a readable XLSX workbook.")]) from error
        finally:
            workbook.close()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # Chinese online-banking exports
            except UnicodeDecodeError as error:
                raise StatementInvalid([_("The file is neither UTF-8 nor GB18030 text.")]) from error
    if "\x00" in text:
        raise StatementInvalid([_("The file is neither a CSV text file nor an XLSX workbook.")])
    try:
        return _bounded([row[:MAX_COLUMNS] for row in itertools.islice(csv.reader(io.StringIO(text)),
                                                                      MAX_FILE_ROWS + 1)])
    except csv.Error as error:
        raise StatementInvalid([_("The CSV file cannot be read: %(error)s") % {"error": error}]) from error


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """(index of the header row, column → position); the first row naming every column."""
    wanted = {name: {h.lower() for h in headers} for name, headers in COLUMNS.items()}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [_cell(c).lstrip("\ufeff").lower() for c in row]
        found = {}
        for name, headers in wanted.items():
            position = next((i for i, c in enumerate(cells) if c in headers), None)
            if position is not None:
                found[name] = position
        if len(found) == len(COLUMNS):
            return index, found
    raise StatementInvalid([_(
        "No header row with the columns 交易日期 (booked_on), 金额 (amount), 付款人 (payer), 附言 (reference) "
        "and 流水号 (transaction_id) in the first %(n)d rows.") % {"n": HEADER_SEARCH_ROWS}])


def _amount_fen(value: object) -> int:
    """A statement line's amount in fen; ValueError when it is not an amount, blank or zero."""
    amount_fen = parse_yuan(value, allow_negative=True)
    if not amount_fen:  # blank or zero: no money moved
        raise ValueError(amount_fen)
    return amount_fen


def statement_parse(*, data: bytes, file_name: str) -> list[ParsedLine]:
    """Every data row of the file, validated; StatementInvalid lists every problem by row."""
    rows = _read_rows(data=data, file_name=file_name)
    header_index, columns = _find_header(rows)
    parsed: list[ParsedLine] = []
    errors: list[str] = []
    for index, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = {name: (row[position] if position < len(row) else None) for name, position in columns.items()}
        if not any(_cell(v) for v in values.values()):
            continue  # blank rows, and the empty cells under a table
        row_errors = []
        try:
            booked_on = parse_booked_on(values["booked_on"])
        except ValueError:
            row_errors.append(_("Row %(row)d: the date “%(value)s” is not a date like 2026-11-20.")
                              % {"row": index, "value": _cell(values["booked_on"])})
        try:
            amount_fen = _amount_fen(values["amount"])
        except ValueError:
            row_errors.append(_("Row %(row)d: the amount “%(value)s” is not an amount in yuan like 1,234.50.")
                              % {"row": index, "value": _cell(values["amount"])})
        transaction_id = _cell(values["transaction_id"])
        if not transaction_id:
            row_errors.append(_("Row %(row)d: the bank transaction id is missing.") % {"row": index})
        elif len(transaction_id) > 64:
            row_errors.append(_("Row %(row)d: the bank transaction id is longer than 64 characters.")
                              % {"row": index})
        if row_errors:
            errors += row_errors
            continue
        parsed.append(ParsedLine(row=index, booked_on=booked_on, amount_fen=amount_fen,
                                 payer_name=_cell(values["payer"])[:200],
                                 reference_text=_cell(values["reference"])[:300], transaction_id=transaction_id))
    if len(parsed) > MAX_STATEMENT_ROWS:
        errors.insert(0, _("The file has more than %(n)d rows; split it.") % {"n": MAX_STATEMENT_ROWS})
    if errors:
        raise StatementInvalid(errors)
    if not parsed:
        raise StatementInvalid([_("The file has a header but no payment lines.")])
    return parsed


# ------------------------------------------------------------------ posting
def _post_funding(*, line: BankStatementLine, employer_id: int, actor: User | None) -> None:
    """Credit the employer's escrow with the line, then settle what it owes from it.

    Locks the bank clearing, escrow and receivable accounts first, in id order
    (the ledger's order), so the receivable read below cannot change before the
    settlement posts."""
    bank, escrow, receivable = (platform_account(AccountKind.BANK_CLEARING), employer_escrow(employer_id),
                                employer_receivable(employer_id))
    list(LedgerAccount.objects.select_for_update().filter(pk__in=[bank.pk, escrow.pk, receivable.pk])
         .order_by("pk"))
    key = f"bank-line:{line.transaction_id}"
    transaction_post(key=key, kind="escrow_funding", actor=actor, source=line,
                     memo=f"{line.booked_on} {line.payer_name} {line.reference_text}",
                     lines=[(bank, line.amount_fen), (escrow, -line.amount_fen)])
    owed = min(account_balance(escrow), account_balance(receivable))
    if owed > 0:
        transaction_post(key=f"receivable-settle:{line.pk}", kind="receivable_settlement", actor=actor,
                         source=line,
                         memo=f"settled from {key}", lines=[(escrow, owed), (receivable, -owed)])
    line.matched_employer_id = employer_id
    line.ledger_key = key


def _statement_refresh_status(statement_id: int | None) -> None:
    if statement_id is None:
        return
    waiting = BankStatementLine.objects.filter(statement_id=statement_id,
                                               status=BankStatementLine.Status.UNMATCHED).exists()
    BankStatementImport.objects.filter(pk=statement_id).update(
        status=BankStatementImport.Status.NEEDS_MATCHING if waiting else BankStatementImport.Status.COMPLETE)


@transaction.atomic
def statement_import(*, uploaded_file: UploadedFile, actor: User) -> BankStatementImport:
    """Import a bank statement (E5.1): validate every row (nothing is saved if any
    row is wrong), skip outgoing payments and lines already imported (by bank
    transaction id), and post every line whose reference names an employer's
    funding code; the rest wait for manual matching. Finance staff only."""
    if not actor.has_perm(IMPORT_PERMISSION):
        raise NotPermitted()
    if uploaded_file.size > settings.UPLOAD_MAX_BYTES:
        raise StatementInvalid([_("The file is larger than the upload limit.")])
    data = uploaded_file.read()
    file_name = (getattr(uploaded_file, "name", "") or "statement")[:255]
    parsed = statement_parse(data=data, file_name=file_name)
    incoming = [p for p in parsed if p.amount_fen > 0]
    seen = set(BankStatementLine.objects.filter(
        bank=BankStatementLine.BANK_PLATFORM, transaction_id__in=[p.transaction_id for p in incoming])
        .values_list("transaction_id", flat=True))
    new: list[ParsedLine] = []
    for p in incoming:
        if p.transaction_id not in seen:  # also drops a line repeated within the file
            seen.add(p.transaction_id)
            new.append(p)
    statement = BankStatementImport.objects.create(
        uploaded_by=actor, file_name=file_name, file_sha256=hashlib.sha256(data).hexdigest(), row_count=len(parsed),
        created_count=len(new), duplicate_count=len(incoming) - len(new), outgoing_count=len(parsed) - len(incoming))
    try:
        with transaction.atomic():
            lines = BankStatementLine.objects.bulk_create([BankStatementLine(
                statement=statement, line_number=p.row, bank=BankStatementLine.BANK_PLATFORM,
                transaction_id=p.transaction_id, booked_on=p.booked_on, amount_fen=p.amount_fen,
                payer_name=p.payer_name, reference_text=p.reference_text) for p in new])
    except IntegrityError as error:  # the same statement imported at the same moment
        raise DomainError(_("These lines are being imported by someone else right now; try again.")) from error
    codes = {line.pk: funding_code_in(line.reference_text) for line in lines}
    employers = dict(FundingReference.objects.filter(code__in={c for c in codes.values() if c})
                     .values_list("code", "employer_id"))
    matched = 0
    for line in lines:
        code = codes[line.pk]
        employer_id = employers.get(code) if code else None
        if employer_id is None:
            continue
        _post_funding(line=line, employer_id=employer_id, actor=actor)
        line.status = BankStatementLine.Status.MATCHED
        line.save(update_fields=["status", "matched_employer", "ledger_key"])
        matched += 1
    statement.matched_count = matched
    statement.status = (BankStatementImport.Status.NEEDS_MATCHING if matched < len(lines)
                        else BankStatementImport.Status.COMPLETE)
    statement.save(update_fields=["matched_count", "status"])
    history_record(subject=statement, transition=FinanceAction.IMPORT, from_state="", to_state=statement.status, actor=actor,
                   reason=f"{len(lines)} new, {matched} matched, {statement.duplicate_count} already imported, "
                          f"{statement.outgoing_count} outgoing")
    return statement


def _line_for_decision(line_id: int, actor: User) -> BankStatementLine:
    if not actor.has_perm(MATCH_PERMISSION):
        raise NotPermitted()
    line = BankStatementLine.objects.select_for_update().get(pk=line_id)
    if line.status != BankStatementLine.Status.UNMATCHED:
        raise DomainError(_("This line has already been matched or ignored."))
    return line


@transaction.atomic
def bank_line_match(*, line_id: int, employer_id: int, actor: User) -> BankStatementLine:
    """Finance staff match a waiting line to an employer by hand (E5.1): the same
    posting as an automatic match (escrow credited, posting fees owed settled)."""
    line = _line_for_decision(line_id, actor)
    if not Employer.objects.filter(pk=employer_id).exists():
        raise DomainError(_("There is no such employer."), field="employer")
    _post_funding(line=line, employer_id=employer_id, actor=actor)
    line.status = BankStatementLine.Status.MANUAL
    line.decided_by, line.decided_at = actor, timezone.now()
    line.save(update_fields=["status", "matched_employer", "ledger_key", "decided_by", "decided_at"])
    history_record(subject=line, transition=FinanceAction.MATCH, from_state=BankStatementLine.Status.UNMATCHED,
                   to_state=line.status, actor=actor, reason=f"employer {employer_id}")
    _statement_refresh_status(line.statement_id)
    return line


@transaction.atomic
def bank_line_ignore(*, line_id: int, actor: User, reason: str) -> BankStatementLine:
    """Finance staff set a waiting line aside (not an employer's funding: a refund
    from a supplier, interest …) with a reason; nothing is posted."""
    if not (reason or "").strip():
        raise DomainError(_("Please give a reason."), field="reason")
    line = _line_for_decision(line_id, actor)
    line.status = BankStatementLine.Status.IGNORED
    line.ignore_reason = reason.strip()[:300]
    line.decided_by, line.decided_at = actor, timezone.now()
    line.save(update_fields=["status", "ignore_reason", "decided_by", "decided_at"])
    history_record(subject=line, transition=FinanceAction.IGNORE, from_state=BankStatementLine.Status.UNMATCHED,
                   to_state=line.status, actor=actor, reason=line.ignore_reason)
    _statement_refresh_status(line.statement_id)
    return line


# ------------------------------------------------------------------ sandbox (make run)
class SandboxDisabled(DomainError):
    default_message = _("Sandbox payments are switched off.")


@transaction.atomic
def funding_sandbox_pay(*, employer_id: int, amount_fen: int, actor: User | None) -> BankStatementLine:
    """The demo employer pays instantly (PAYMENTS_SANDBOX only): a synthetic bank
    line quoting its funding reference, posted exactly like a matched bank line."""
    if not settings.PAYMENTS_SANDBOX:
        raise SandboxDisabled()
    if not 0 < amount_fen <= SANDBOX_MAX_FEN:
        raise DomainError(_("Enter an amount between ¥0.01 and ¥1,000,000."), field="amount")
    reference = funding_reference_for(employer_id)
    line = BankStatementLine.objects.create(
        bank=BankStatementLine.BANK_SANDBOX, transaction_id=f"SANDBOX-{uuid.uuid4().hex}",
        booked_on=timezone.localdate(), amount_fen=amount_fen, payer_name=str(reference.employer.name)[:200],
        reference_text=reference.code, status=BankStatementLine.Status.MATCHED)
    _post_funding(line=line, employer_id=employer_id, actor=actor)
    line.save(update_fields=["matched_employer", "ledger_key"])
    history_record(subject=line, transition=FinanceAction.SANDBOX_PAY, from_state="", to_state=line.status, actor=actor)
    return line


# ------------------------------------------------------------------ reading
RECENT_FUNDING_LINES = 20


@dataclass(frozen=True)
class FundingOverview:
    reference: FundingReference
    escrow_fen: int
    receivable_fen: int
    lines: list[BankStatementLine]


def _balance_or_zero(kind: str, employer_id: int) -> int:
    """A readable balance without creating the account on a page view."""
    account = LedgerAccount.objects.filter(code=account_code(kind, employer_id=employer_id)).first()
    return account.balance if account else 0


def funding_overview(*, employer_id: int) -> FundingOverview:
    """What the employer's funding page shows: escrow, what it owes, its reference,
    its latest payments in."""
    return FundingOverview(
        reference=funding_reference_for(employer_id),
        escrow_fen=_balance_or_zero(AccountKind.EMPLOYER_ESCROW, employer_id),
        receivable_fen=_balance_or_zero(AccountKind.EMPLOYER_RECEIVABLE, employer_id),
        lines=list(BankStatementLine.objects.filter(
            matched_employer_id=employer_id,
            status__in=[BankStatementLine.Status.MATCHED, BankStatementLine.Status.MANUAL],
        ).order_by("-booked_on", "-id")[:RECENT_FUNDING_LINES]),
    )
