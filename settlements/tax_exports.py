"""Income tax files (docs/tax.md): finance's monthly withholding list (扣缴申报) and
each student's yearly income and tax statement, as XLSX.

Both carry personal data, so each file written is logged as an access
(PIPL art. 28, J3.1). Workbooks are written with formula, URL and number
conversion off (a name like "=HYPERLINK(...)" stays text); amounts are numbers
in yuan with the format 0.00, written from the exact decimal of the integer fen."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from accounts.models import PersonalDataAccess, StudentProfile, User
from accounts.services import personal_data_export_record
from core.errors import NotPermitted
from core.money import yuan_decimal

from .exports import WORKBOOK_OPTIONS
from .income_tax import CUMULATIVE_EXPENSE_PERCENT
from .models import TaxWithholding
from .statement import half_up

LIST_PERMISSION = "settlements.view_taxwithholding"
LIST_REASON = "monthly income tax withholding list (扣缴申报)"
ID_TYPE = "居民身份证"


def _yuan(fen: int) -> Decimal:
    return Decimal(yuan_decimal(fen))


@dataclass(frozen=True)
class ListRow:
    """One student's line of a month's list: the month's last row, the month's sums."""

    name: str
    id_type: str
    id_number: str
    income_fen: int  # 本期收入: the month's pay
    last: TaxWithholding  # the cumulative figures at the month's end
    tax_fen: int  # 本期应预扣预缴税额: the month's tax


def withholding_list_rows(year: int, month: int) -> list[ListRow]:
    """The month's list: one line per student with pay in the month (three queries)."""
    sums = {row["student_id"]: row for row in TaxWithholding.objects.filter(year=year, month=month)
            .order_by().values("student_id").annotate(income=Sum("gross_fen"), tax=Sum("tax_fen"), last=Max("id"))}
    lasts = {row.student_id: row for row in TaxWithholding.objects.filter(pk__in=[r["last"] for r in sums.values()])}
    profiles = {p.user_id: p for p in StudentProfile.objects.filter(user_id__in=list(sums))}
    rows = []
    for student_id in sorted(sums):
        profile = profiles.get(student_id)
        rows.append(ListRow(name=profile.real_name if profile else "", id_type=ID_TYPE,
                            id_number=(profile.id_number or "") if profile else "",
                            income_fen=sums[student_id]["income"], last=lasts[student_id],
                            tax_fen=sums[student_id]["tax"]))
    return rows


LIST_HEADERS = ["姓名", "证件类型", "证件号码", "本期收入", "本期费用", "累计收入", "累计费用", "累计免税收入",
                "累计减除费用", "累计依法确定的其他扣除", "累计预扣预缴应纳税所得额", "预扣率(%)", "速算扣除数",
                "累计应纳税额", "累计减免税额", "累计已预扣预缴税额", "本期应预扣预缴税额"]


def _workbook(sheet_name: str, headers: list[str], rows: list[list[object]]) -> bytes:
    """Text cells as text, Decimal cells as numbers in the 0.00 format, ints as whole numbers."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "0.00"})
    text = workbook.add_format({"num_format": "@"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, Decimal):
                sheet.write_number(row_number, col, value, money)
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(row_number, col, value)
            else:
                sheet.write_string(row_number, col, str(value), text)
    sheet.set_column(0, len(headers) - 1, 18)
    workbook.close()
    return output.getvalue()


def withholding_list_xlsx(*, year: int, month: int, staff: User) -> bytes:
    """The month's withholding list (扣缴申报) for finance, with full ID numbers:
    refused without the permission, and every download logged."""
    if not (staff.is_active and staff.has_perm(LIST_PERMISSION)):
        raise NotPermitted()
    PersonalDataAccess.objects.create(staff=staff, subject=None,
                                      subject_label=f"income tax withholding list {year:04d}-{month:02d}",
                                      item=PersonalDataAccess.Item.DATA_EXPORT, reason=LIST_REASON)
    rows = []
    for row in withholding_list_rows(year, month):
        last = row.last
        # 本期费用: the month's share of the cumulative 20 % (each rounded as the formula rounds it)
        month_expenses = last.cumulative_expenses_fen - half_up(
            (last.cumulative_income_fen - row.income_fen) * CUMULATIVE_EXPENSE_PERCENT, 100)
        rows.append([row.name, row.id_type, row.id_number, _yuan(row.income_fen), _yuan(month_expenses),
                     _yuan(last.cumulative_income_fen), _yuan(last.cumulative_expenses_fen),
                     _yuan(last.cumulative_tax_free_fen), _yuan(last.cumulative_basic_deduction_fen),
                     _yuan(last.cumulative_other_deductions_fen), _yuan(last.taxable_fen), last.rate_percent,
                     _yuan(last.quick_deduction_fen), _yuan(last.cumulative_tax_fen),
                     _yuan(last.cumulative_relief_fen), _yuan(last.withheld_to_date_fen - row.tax_fen),
                     _yuan(row.tax_fen)])
    return _workbook(f"{year:04d}-{month:02d}", LIST_HEADERS, rows)


def list_filename(year: int, month: int) -> str:
    return f"iit-withholding-{year:04d}-{month:02d}.xlsx"


# ------------------------------------------------------------------ the student's yearly statement
STATEMENT_HEADERS = ["月份", "收入", "累计收入", "累计费用", "累计减除费用", "累计应纳税所得额", "累计应纳税额",
                     "本月预扣税额", "实发金额"]


def student_tax_statement_xlsx(*, student: User, year: int) -> bytes:
    """The student's own income and tax statement for a year, month by month (the
    file names them and their masked ID number); logged as their own export."""
    profile = StudentProfile.objects.filter(user=student).first()
    personal_data_export_record(user=student)
    months: dict[int, list[TaxWithholding]] = {}
    for row in TaxWithholding.objects.filter(student=student, year=year).order_by("id"):
        months.setdefault(row.month, []).append(row)
    rows: list[list[object]] = [
        [_("Name"), profile.real_name if profile else ""], [_("ID number"), profile.id_number_masked if profile else ""],
        [_("Year"), year], []]
    rows.append(list(STATEMENT_HEADERS))
    total_income = total_tax = 0
    for month, month_rows in sorted(months.items()):
        last = month_rows[-1]
        income = sum(r.gross_fen for r in month_rows)
        tax = sum(r.tax_fen for r in month_rows)
        net = sum(r.net_fen for r in month_rows)
        total_income, total_tax = total_income + income, total_tax + tax
        rows.append([f"{year:04d}-{month:02d}", _yuan(income), _yuan(last.cumulative_income_fen),
                     _yuan(last.cumulative_expenses_fen), _yuan(last.cumulative_basic_deduction_fen),
                     _yuan(last.taxable_fen), _yuan(last.cumulative_tax_fen), _yuan(tax), _yuan(net)])
    rows.append([_("Total"), _yuan(total_income), "", "", "", "", "", _yuan(total_tax), ""])
    return _workbook(str(year), [_("Income and income tax statement")], rows)


def statement_filename(year: int) -> str:
    return f"income-tax-statement-{year:04d}.xlsx"
