"""A payout batch as the files finance uploads to the bank and to Alipay (F3.2):
XLSX workbooks in the columns a Chinese bank bulk transfer (批量代发) and an
Alipay batch transfer (批量转账) expect.

The only place full account numbers are decrypted: each file written is logged
as an access to personal data (PIPL art. 28, J3.1). Workbooks are written with
formula and URL conversion off, so a name like "=HYPERLINK(...)" stays text
(CSV/XLSX formula injection)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import PersonalDataAccess, User
from core.errors import DomainError, NotPermitted
from core.money import parse_yuan
from core.money import yuan_decimal as yuan

from .models import Payout, PayoutBatch, PayoutMethod

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EXPORT_REASON = "payout batch export"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}


def _record_access(*, staff: User, batch: PayoutBatch, kind: str) -> None:
    """Log the reveal of the batch's account numbers.

    Not `accounts.services.personal_data_access_record`: that one requires
    `accounts.reveal_personal_data` (ID numbers and documents), which finance does
    not hold; executing payouts needs `settlements.execute_payoutbatch` only."""
    if not (staff.is_active and staff.has_perm("settlements.execute_payoutbatch")):
        raise NotPermitted()
    PersonalDataAccess.objects.create(staff=staff, subject=None, subject_label=f"payout batch {batch.pk} ({kind})",
                                      item=PersonalDataAccess.Item.DATA_EXPORT, reason=EXPORT_REASON)


def _workbook(headers: list[str], rows: list[list[str]], sheet: str) -> bytes:
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    worksheet = workbook.add_worksheet(sheet)
    text = workbook.add_format({"num_format": "@"})  # cells are text: account numbers keep every digit
    for col, header in enumerate(headers):
        worksheet.write_string(0, col, header)
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            worksheet.write_string(row_number, col, value, text)
    worksheet.set_column(0, len(headers) - 1, 20)
    workbook.close()
    return output.getvalue()


def _lines(batch: PayoutBatch, kind: str) -> QuerySet[Payout]:
    return (batch.payouts.filter(method_kind=kind, status__in=[Payout.Status.QUEUED, Payout.Status.SENT])
            .order_by("pk"))


def batch_bank_file(batch: PayoutBatch, *, staff: User) -> bytes:
    """The bank bulk-transfer file (批量代发): 序号, 收款账号, 收款户名, 收款银行, 金额(元), 备注."""
    _record_access(staff=staff, batch=batch, kind="bank")
    headers = ["序号", "收款账号", "收款户名", "收款银行", "金额(元)", "备注"]
    rows = [[str(n), p.account_number, p.account_holder, p.bank_name, yuan(p.amount_fen),
             _("Jianzhi pay, payout %(id)s") % {"id": p.pk}]
            for n, p in enumerate(_lines(batch, PayoutMethod.Kind.BANK_CARD), start=1)]
    return _workbook(headers, rows, "bank")


def batch_alipay_file(batch: PayoutBatch, *, staff: User) -> bytes:
    """The Alipay batch-transfer file (批量转账): 序号, 收款账号, 收款户名, 金额(元), 备注."""
    _record_access(staff=staff, batch=batch, kind="alipay")
    headers = ["序号", "收款账号", "收款户名", "金额(元)", "备注"]
    rows = [[str(n), p.account_number, p.account_holder, yuan(p.amount_fen),
             _("Jianzhi pay, payout %(id)s") % {"id": p.pk}]
            for n, p in enumerate(_lines(batch, PayoutMethod.Kind.ALIPAY), start=1)]
    return _workbook(headers, rows, "alipay")


def export_filename(batch: PayoutBatch, kind: str) -> str:
    return f"payout-batch-{batch.pk}-{kind}-{timezone.localdate():%Y%m%d}.xlsx"


# ------------------------------------------------------------------ the bank's result file (F3.2)
# What comes back after the bank or Alipay executed a batch: one row per line with
# the reference we wrote in 备注 (or the payout id, or its ledger key), the status
# and, for a refused line, why. Format: docs/bank-result-format.md.
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("备注", "附言", "摘要", "用途", "打款编号", "付款编号", "参考号", "reference", "payout", "payout_id",
                  "ledger_key"),
    "status": ("状态", "处理状态", "交易状态", "处理结果", "结果", "status", "result"),
    "reason": ("失败原因", "原因", "错误信息", "reason", "failure_reason"),
    "amount": ("金额(元)", "金额（元）", "金额", "amount"),
}
RESULT_REQUIRED = ("reference", "status")
RESULT_SUCCESS = {"success", "succeeded", "successful", "ok", "paid", "成功", "交易成功", "处理成功", "代发成功",
                  "转账成功", "已成功", "支付成功"}
RESULT_FAILED = {"failed", "failure", "fail", "refused", "rejected", "失败", "交易失败", "处理失败", "代发失败",
                 "转账失败", "已退回", "退回", "退票"}
RESULT_PENDING = {"pending", "processing", "处理中", "待处理", "受理中", "交易处理中"}
RESULT_HEADER_ROWS = 10
_TRAILING_ID = re.compile(r"(\d{1,18})\s*$")


class ResultFileInvalid(DomainError):
    """The result file cannot be applied; `errors` lists what is wrong, by row."""

    default_message = gettext_lazy("This result file cannot be imported.")
    MAX_REPORTED = 30

    def __init__(self, errors: Sequence[StrOrPromise]) -> None:
        self.errors = [str(e) for e in errors[:self.MAX_REPORTED]]
        if len(errors) > self.MAX_REPORTED:
            self.errors.append(_("… and %(n)d more problems.") % {"n": len(errors) - self.MAX_REPORTED})
        super().__init__(" ".join(self.errors), field="file")


@dataclass(frozen=True)
class ResultLine:
    row: int
    reference: str
    payout_id: int | None  # from the remark or a bare id …
    ledger_key: str  # … or the payout's ledger key
    status: str  # "success" | "failed" | "pending"
    reason: str
    amount_fen: int | None


def _result_rows(data: bytes, file_name: str) -> list[list]:
    from finance.banking import StatementInvalid, _read_rows

    try:
        return _read_rows(data=data, file_name=file_name)
    except StatementInvalid as error:
        raise ResultFileInvalid(error.errors) from error


def _result_header(rows: list[list]) -> tuple[int, dict[str, int]]:
    from finance.banking import _cell

    wanted = {name: {h.lower() for h in headers} for name, headers in RESULT_COLUMNS.items()}
    for index, row in enumerate(rows[:RESULT_HEADER_ROWS]):
        cells = [_cell(c).lstrip("\ufeff").lower() for c in row]
        found = {name: cells.index(next(c for c in cells if c in headers)) for name, headers in wanted.items()
                 if any(c in headers for c in cells)}
        if all(name in found for name in RESULT_REQUIRED):
            return index, found
    raise ResultFileInvalid([_("No header row with the columns 备注 (reference) and 状态 (status) in the first "
                               "%(n)d rows.") % {"n": RESULT_HEADER_ROWS}])


def result_status(value: str) -> str | None:
    text = value.strip().lower()
    for status, words in (("success", RESULT_SUCCESS), ("failed", RESULT_FAILED), ("pending", RESULT_PENDING)):
        if text in words:
            return status
    return None


def result_file_parse(*, data: bytes, file_name: str) -> list[ResultLine]:
    """Every data row of a result file (CSV in UTF-8, UTF-8 with BOM or GB18030, or
    XLSX), validated; ResultFileInvalid lists every problem by row."""
    from finance.banking import _cell

    rows = _result_rows(data, file_name)
    header_index, columns = _result_header(rows)
    lines, errors = [], []
    for index, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = {name: _cell(row[position] if position < len(row) else None) for name, position in columns.items()}
        if not any(values.values()):
            continue
        reference = values["reference"]
        payout_id, ledger_key = None, ""
        if reference.startswith("payout:"):
            ledger_key = reference
        elif match := _TRAILING_ID.search(reference):
            payout_id = int(match.group(1))
        else:
            errors.append(_("Row %(row)d: “%(value)s” names no payout (expected the remark of the batch file, "
                            "a payout id or its ledger key).") % {"row": index, "value": reference[:80]})
            continue
        status = result_status(values["status"])
        if status is None:
            errors.append(_("Row %(row)d: the status “%(value)s” is neither success (成功) nor failed (失败).")
                          % {"row": index, "value": values["status"][:40]})
            continue
        amount_fen = None
        if values.get("amount"):
            try:
                amount_fen = parse_yuan(values["amount"], allow_negative=True)
            except ValueError:
                errors.append(_("Row %(row)d: the amount “%(value)s” is not an amount in yuan like 75.00.")
                              % {"row": index, "value": values["amount"][:40]})
                continue
        lines.append(ResultLine(row=index, reference=reference[:120], payout_id=payout_id, ledger_key=ledger_key,
                                status=status, reason=values.get("reason", "")[:300], amount_fen=amount_fen))
    if errors:
        raise ResultFileInvalid(errors)
    if not lines:
        raise ResultFileInvalid([_("The file has a header but no result lines.")])
    return lines
