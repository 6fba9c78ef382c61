"""Income tax files (docs/tax.md): finance's monthly withholding list (扣缴申报) and
each student's yearly income and tax statement, as XLSX.

Both carry personal data, so each file written is logged as an access
(PIPL art. 28, J3.1). Workbooks are written with formula, URL and number
conversion off (a name like "=HYPERLINK(...)" stays text); amounts are numbers
in yuan with the format 0.00, written from the exact decimal of the integer fen."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.utils.translation import gettext as _

from accounts.models import PersonalDataAccess, StudentProfile, User
from accounts.services import personal_data_export_record
from core.errors import NotPermitted
from core.money import yuan_decimal
from employers.models import Employer

from .exports import WORKBOOK_OPTIONS
from .income_tax import CUMULATIVE_EXPENSE_PERCENT
from .models import EmployerWithholding, TaxWithholding
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
    return workbook_sheets([(sheet_name, headers, rows)])


def workbook_sheets(sheets: list[tuple[str, list[str], list[list[object]]]], *,
                    created: dt.datetime | None = None) -> bytes:
    """A workbook of one sheet per (name, headers, rows): text cells as text (never a
    formula), Decimal cells as numbers in the 0.00 format, ints as whole numbers.
    With `created` the file's creation date is that moment, so the same sheets
    always write the same bytes (XlsxWriter dates the zip entries 1980-01-01)."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    if created is not None:
        workbook.set_properties({"created": created})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "0.00"})
    text = workbook.add_format({"num_format": "@"})
    for sheet_name, headers, rows in sheets:
        sheet = workbook.add_worksheet(sheet_name[:31])
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
        sheet.set_column(0, max(0, len(headers) - 1), 18)
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


# ------------------------------------------------------------------ the quarterly report (国务院令第810号 art. 4)
QUARTER_MONTHS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}
COUNTRY = "中国"
INCOME_KIND = "劳务报酬"  # remuneration for services (劳务收入), the only kind the platform pays students
FIRST_REPORTED = "新增"  # the person's identity is reported for the first time
REPORTED_BEFORE = "已报送"  # reported in an earlier quarter's report (identity as the platform holds it now)
STUDENT_HEADERS = ["平台唯一标识码", "姓名", "国家或地区", "证件类型", "证件号码", "地址", "联系电话", "身份信息状态",
                   "所得项目", "收入总额", "退款金额", "收入净额"]
EMPLOYER_HEADERS = ["平台唯一标识码", "单位名称", "统一社会信用代码（纳税人识别号）", "地址", "身份信息状态",
                    "支付从业人员劳务报酬总额", "从业人员人数"]


def student_uid(student_id: int) -> str:
    """The student's unique identifier on the platform (唯一标识码): never reused, never changed."""
    return f"JZS{student_id:010d}"


def employer_uid(employer_id: int) -> str:
    return f"JZE{employer_id:010d}"


@dataclass(frozen=True)
class QuarterStudentRow:
    student_id: int
    name: str
    id_number: str
    address: str
    phone: str
    first_reported: bool
    income_fen: int


@dataclass(frozen=True)
class QuarterEmployerRow:
    employer_id: int
    name: str
    uscc: str
    address: str
    first_reported: bool
    paid_fen: int
    students: int


def _quarter_q(year: int, quarter: int) -> Q:
    return Q(year=year, month__in=QUARTER_MONTHS[quarter])


def _before_q(year: int, quarter: int) -> Q:
    first = QUARTER_MONTHS[quarter][0]
    return Q(year__lt=year) | Q(year=year, month__lt=first)


def tax_info_rows(year: int, quarter: int) -> tuple[list[QuarterStudentRow], list[QuarterEmployerRow]]:
    """The quarter's income, one row per student and one per employer, from the
    withholding rows alone (the platform's, and the employer's when it was the
    withholding agent): each row's month is fixed when the pay is credited and never
    changes, so later activity never changes a quarter's rows. Six queries."""
    in_quarter, before = _quarter_q(year, quarter), _before_q(year, quarter)
    pairs: dict[tuple[int, int], int] = {}  # (student, employer) → income in the quarter
    for student_id, employer_id, income in [
            *TaxWithholding.objects.filter(in_quarter).order_by().values_list("student_id", "settlement__employer_id")
            .annotate(income=Sum("gross_fen")),
            *EmployerWithholding.objects.filter(in_quarter).order_by().values_list("student_id", "employer_id")
            .annotate(income=Sum("gross_fen"))]:
        pairs[(student_id, employer_id)] = pairs.get((student_id, employer_id), 0) + income
    by_student: dict[int, int] = {}
    by_employer: dict[int, int] = {}
    employer_students: dict[int, set[int]] = {}
    for (student_id, employer_id), income in pairs.items():
        by_student[student_id] = by_student.get(student_id, 0) + income
        by_employer[employer_id] = by_employer.get(employer_id, 0) + income
        employer_students.setdefault(employer_id, set()).add(student_id)
    students_before: set[int] = set()
    employers_before: set[int] = set()
    for student_id, employer_id in [
            *TaxWithholding.objects.filter(before, Q(student_id__in=list(by_student))
                                           | Q(settlement__employer_id__in=list(by_employer)))
            .order_by().values_list("student_id", "settlement__employer_id").distinct(),
            *EmployerWithholding.objects.filter(before, Q(student_id__in=list(by_student))
                                                | Q(employer_id__in=list(by_employer)))
            .order_by().values_list("student_id", "employer_id").distinct()]:
        students_before.add(student_id)
        employers_before.add(employer_id)
    profiles = {p.user_id: p for p in StudentProfile.objects.filter(user_id__in=list(by_student))
                .select_related("user")}
    employers = {e.pk: e for e in Employer.objects.filter(pk__in=list(by_employer))}
    student_rows = []
    for student_id in sorted(by_student):
        profile = profiles.get(student_id)
        student_rows.append(QuarterStudentRow(
            student_id=student_id, name=profile.real_name if profile else "",
            id_number=(profile.id_number or "") if profile else "", address=profile.school if profile else "",
            phone=(profile.user.phone or "") if profile else "", first_reported=student_id not in students_before,
            income_fen=by_student[student_id]))
    employer_rows = []
    for employer_id in sorted(by_employer):
        employer = employers[employer_id]
        employer_rows.append(QuarterEmployerRow(
            employer_id=employer_id, name=employer.name, uscc=employer.uscc or "", address=employer.address,
            first_reported=employer_id not in employers_before, paid_fen=by_employer[employer_id],
            students=len(employer_students[employer_id])))
    return student_rows, employer_rows


def quarter_end(year: int, quarter: int) -> dt.datetime:
    """The first moment after the quarter (the report file's creation date: the same every time)."""
    month = QUARTER_MONTHS[quarter][-1] + 1
    return dt.datetime(year + (month > 12), (month - 1) % 12 + 1, 1)


def tax_info_report_xlsx(year: int, quarter: int) -> tuple[bytes, list[QuarterStudentRow], list[QuarterEmployerRow]]:
    """The quarter's report (810号 art. 4, 15号): a sheet of the students (从业人员) and
    one of the employers (用工单位), amounts as numbers. The same quarter always writes
    the same bytes while the identities the platform holds are unchanged."""
    students, employers = tax_info_rows(year, quarter)
    student_sheet = [[student_uid(r.student_id), r.name, COUNTRY, ID_TYPE, r.id_number, r.address, r.phone,
                      FIRST_REPORTED if r.first_reported else REPORTED_BEFORE, INCOME_KIND, _yuan(r.income_fen),
                      _yuan(0), _yuan(r.income_fen)] for r in students]
    employer_sheet = [[employer_uid(r.employer_id), r.name, r.uscc, r.address,
                       FIRST_REPORTED if r.first_reported else REPORTED_BEFORE, _yuan(r.paid_fen), r.students]
                      for r in employers]
    content = workbook_sheets([("从业人员", STUDENT_HEADERS, student_sheet),
                               ("用工单位", EMPLOYER_HEADERS, employer_sheet)], created=quarter_end(year, quarter))
    return content, students, employers


def tax_info_filename(year: int, quarter: int) -> str:
    return f"tax-info-report-{year:04d}-Q{quarter}.xlsx"
