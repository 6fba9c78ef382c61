"""A payout batch as the files finance uploads to the bank and to Alipay (F3.2):
XLSX workbooks in the columns a Chinese bank bulk transfer (批量代发) and an
Alipay batch transfer (批量转账) expect.

The only place full account numbers are decrypted: each file written is logged
as an access to personal data (PIPL art. 28, J3.1). Workbooks are written with
formula and URL conversion off, so a name like "=HYPERLINK(...)" stays text
(CSV/XLSX formula injection)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalDataAccess
from core.errors import NotPermitted

from .models import Payout, PayoutBatch, PayoutMethod

EXPORT_REASON = "payout batch export"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}


def yuan(amount_fen: int) -> str:
    """Integer fen as a yuan decimal string: 12345 → "123.45" (never a float)."""
    sign = "-" if amount_fen < 0 else ""
    whole, fen = divmod(abs(amount_fen), 100)
    return f"{sign}{whole}.{fen:02d}"


def _record_access(*, staff, batch: PayoutBatch, kind: str) -> None:
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


def _lines(batch: PayoutBatch, kind: str):
    return (batch.payouts.filter(method_kind=kind, status__in=[Payout.Status.QUEUED, Payout.Status.SENT])
            .order_by("pk"))


def batch_bank_file(batch: PayoutBatch, *, staff) -> bytes:
    """The bank bulk-transfer file (批量代发): 序号, 收款账号, 收款户名, 收款银行, 金额(元), 备注."""
    _record_access(staff=staff, batch=batch, kind="bank")
    headers = ["序号", "收款账号", "收款户名", "收款银行", "金额(元)", "备注"]
    rows = [[str(n), p.account_number, p.account_holder, p.bank_name, yuan(p.amount_fen),
             _("Jianzhi pay, payout %(id)s") % {"id": p.pk}]
            for n, p in enumerate(_lines(batch, PayoutMethod.Kind.BANK_CARD), start=1)]
    return _workbook(headers, rows, "bank")


def batch_alipay_file(batch: PayoutBatch, *, staff) -> bytes:
    """The Alipay batch-transfer file (批量转账): 序号, 收款账号, 收款户名, 金额(元), 备注."""
    _record_access(staff=staff, batch=batch, kind="alipay")
    headers = ["序号", "收款账号", "收款户名", "金额(元)", "备注"]
    rows = [[str(n), p.account_number, p.account_holder, yuan(p.amount_fen),
             _("Jianzhi pay, payout %(id)s") % {"id": p.pk}]
            for n, p in enumerate(_lines(batch, PayoutMethod.Kind.ALIPAY), start=1)]
    return _workbook(headers, rows, "alipay")


def export_filename(batch: PayoutBatch, kind: str) -> str:
    return f"payout-batch-{batch.pk}-{kind}-{timezone.localdate():%Y%m%d}.xlsx"
