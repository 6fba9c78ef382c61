"""The quarterly tax information report (互联网平台企业涉税信息报送规定, 国务院令第810号
art. 4; 国家税务总局公告2025年第15号; docs/tax.md "The quarterly report"): after each
quarter beat writes one report with a row per student and a row per employer with
income in the quarter, computed from the withholding rows only, so the same quarter
always writes the same bytes; finance downloads it (logged), checks it and marks it
submitted."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from accounts.models import PersonalDataAccess
from accounts.roles import FINANCE
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_for
from settlements.funding import settlement_fund
from settlements.models import Settlement, TaxInfoReport, TaxInfoReportStatus
from settlements.tasks import tax_info_report_task
from settlements.tax_exports import tax_info_report_xlsx
from settlements.tax_report import (
    previous_quarter,
    tax_info_report_file,
    tax_info_report_generate,
    tax_info_report_submit,
    tax_info_reports_due,
)
from tests.factories.accounts import StaffFactory
from tests.factories.applications import approved_student
from tests.factories.employers import EmployerFactory
from tests.settlements.test_funding import aware, escrow_in, ready_settlement

pytestmark = pytest.mark.django_db

YUAN = 100
TEN_HOURS = 600
AFTER_Q4 = aware(2026, 1, 1, 6, 10)


def pay(student, employer, yuan: int, at: dt.datetime) -> Settlement:
    """`yuan` for 10 hours from `employer`, funded from escrow at `at`."""
    with time_machine.travel(at, tick=False):
        settlement = ready_settlement(hours=((TEN_HOURS, 0),), base_rate_fen=yuan * YUAN // 10, student=student,
                                      employer=employer)
        escrow_in(settlement.employer_id, settlement.employer_total_fen, key=f"in-{settlement.pk}")
        return settlement_fund(settlement_id=settlement.pk)


def sheets(content: bytes) -> dict[str, list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in workbook}


def by_header(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def quarter():
    """Q4 2025: student A paid 8,000 by X in October and 8,000 by Y in November, student B
    1,000 by X in December; student A was also paid in September (Q3), student C only in Q3."""
    a, b, c = approved_student(), approved_student(), approved_student()
    x, y = EmployerFactory(approved=True), EmployerFactory(approved=True)
    pay(a, x, 2_000, aware(2025, 9, 10, 10))
    pay(c, y, 3_000, aware(2025, 9, 12, 10))
    pay(a, x, 8_000, aware(2025, 10, 20, 10))
    pay(a, y, 8_000, aware(2025, 11, 20, 10))
    pay(b, x, 1_000, aware(2025, 12, 10, 10))
    return a, b, c, x, y


def test_810_art4_quarterly_report_one_row_per_student_and_employer(quarter):
    a, b, _c, x, y = quarter
    # when: beat runs on 1 January
    with time_machine.travel(AFTER_Q4, tick=False):
        report = TaxInfoReport.objects.get(pk=tax_info_report_task())
    assert (report.year, report.quarter, report.status) == (2025, 4, TaxInfoReportStatus.GENERATED)
    assert (report.student_rows, report.employer_rows, report.income_fen) == (2, 2, 17_000 * YUAN)
    content, _s, _e = tax_info_report_xlsx(2025, 4)
    books = sheets(content)
    students = by_header(books["从业人员"])
    # then: one row per student with income in Q4 (C, paid only in Q3, is not in it), amounts as numbers
    assert [row["姓名"] for row in students] == [a.student_profile.real_name, b.student_profile.real_name]
    first = students[0]
    assert first["证件号码"] == a.student_profile.id_number and first["证件类型"] == "居民身份证"
    assert first["国家或地区"] == "中国" and first["所得项目"] == "劳务报酬"
    assert (first["收入总额"], first["退款金额"], first["收入净额"]) == (16000, 0, 16000)
    assert isinstance(first["收入总额"], int | float)
    # A was in Q3's income already: not new; B is new
    assert [row["身份信息状态"] for row in students] == ["已报送", "新增"]
    # and: one row per employer: what it paid the platform's workers, and to how many
    employers = {row["单位名称"]: row for row in by_header(books["用工单位"])}
    assert employers[x.name]["支付从业人员劳务报酬总额"] == 9000 and employers[x.name]["从业人员人数"] == 2
    assert employers[y.name]["支付从业人员劳务报酬总额"] == 8000 and employers[y.name]["统一社会信用代码（纳税人识别号）"] == y.uscc
    assert employers[y.name]["身份信息状态"] == "已报送"  # Y paid C in Q3


def test_810_art4_regenerating_later_writes_identical_bytes(quarter):
    a, _b, _c, x, _y = quarter
    with time_machine.travel(AFTER_Q4, tick=False):
        report = tax_info_report_generate(year=2025, quarter=4)
        first, _s, _e = tax_info_report_xlsx(2025, 4)
    # when: more pay in the next quarter (January: a new year, new cumulative totals), months later
    pay(a, x, 30_000, aware(2026, 1, 15, 10))
    with time_machine.travel(aware(2026, 7, 3, 9), tick=False):
        again, _s, _e = tax_info_report_xlsx(2025, 4)
        # and: the sweep runs again on the next days: the same report, unchanged
        assert tax_info_report_generate(year=2025, quarter=4).pk == report.pk
    # then: the same bytes, the hash stored when it was generated
    import hashlib

    assert again == first
    assert hashlib.sha256(again).hexdigest() == report.sha256
    assert TaxInfoReport.objects.count() == 1


def test_810_art4_the_sweep_runs_in_the_month_after_each_quarter_and_generates_once(quarter):
    from config.celery import app as celery_app

    entry = celery_app.conf.beat_schedule["settlements-tax-info-report"]
    assert entry["task"] == tax_info_report_task.name
    assert entry["schedule"].month_of_year == {1, 4, 7, 10}
    assert tax_info_report_task.acks_late is True
    for day in (AFTER_Q4, aware(2026, 1, 2, 6, 10), aware(2026, 1, 31, 6, 10)):
        with time_machine.travel(day, tick=False):
            tax_info_reports_due()
    assert TaxInfoReport.objects.count() == 1
    assert [e.transition for e in history_for(TaxInfoReport.objects.get())] == ["report_generate"]
    assert previous_quarter(dt.date(2026, 4, 1)) == (2026, 1)


def test_810_art4_a_quarter_not_over_is_not_reported(quarter):
    with time_machine.travel(aware(2025, 12, 31, 23), tick=False), pytest.raises(DomainError):
        tax_info_report_generate(year=2025, quarter=4)
    assert not TaxInfoReport.objects.exists()


def test_810_art4_finance_downloads_logged_then_marks_submitted_once(quarter):
    finance = StaffFactory(role=FINANCE)
    with time_machine.travel(AFTER_Q4, tick=False):
        report = tax_info_report_generate(year=2025, quarter=4)
    # a submission before anyone looked at the file is refused
    with pytest.raises(DomainError):
        tax_info_report_submit(report_id=report.pk, actor=finance)
    # others may neither download nor submit
    moderator = StaffFactory(role="moderator")
    with pytest.raises(NotPermitted):
        tax_info_report_file(report_id=report.pk, staff=moderator)
    with pytest.raises(NotPermitted):
        tax_info_report_submit(report_id=report.pk, actor=moderator)
    # when: finance downloads it: the stored file, logged
    _report, content = tax_info_report_file(report_id=report.pk, staff=finance)
    assert content == tax_info_report_xlsx(2025, 4)[0]
    assert PersonalDataAccess.objects.filter(staff=finance, subject_label="tax information report 2025-Q4").count() == 1
    # and: marks it submitted
    tax_info_report_submit(report_id=report.pk, actor=finance, note="电子税务局 回执 123")
    report.refresh_from_db()
    assert (report.status, report.submitted_by) == (TaxInfoReportStatus.SUBMITTED, finance)
    with pytest.raises(InvalidTransition):
        tax_info_report_submit(report_id=report.pk, actor=finance)
    entry = history_for(report).first()
    assert (entry.transition, entry.actor, entry.reason) == ("report_submit", finance, "电子税务局 回执 123")


def test_810_art4_finance_downloads_and_submits_in_the_admin(quarter, staff_client):
    with time_machine.travel(AFTER_Q4, tick=False):
        report = tax_info_report_generate(year=2025, quarter=4)
    client, finance = staff_client(FINANCE)
    page = client.get(reverse("admin:settlements_taxinforeport_change", args=[report.pk])).content.decode()
    assert 'id="download-report"' in page and 'id="submit-report"' in page
    assert "base64" not in page and report.content[:20] not in page
    response = client.post(reverse("admin:settlements_taxinforeport_download", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "tax-info-report-2025-Q4.xlsx" in response["Content-Disposition"]
    assert set(sheets(response.content)) == {"从业人员", "用工单位"}
    assert client.get(reverse("admin:settlements_taxinforeport_download", args=[report.pk])).status_code == 405
    done = client.post(reverse("admin:settlements_taxinforeport_submit", args=[report.pk]), {"note": "A-1"})
    assert done.status_code == 302
    assert TaxInfoReport.objects.get().status == TaxInfoReportStatus.SUBMITTED
    # staff without the permissions are refused, and nothing changes
    other, _user = staff_client("moderator")
    assert other.post(reverse("admin:settlements_taxinforeport_download", args=[report.pk])).status_code == 403
