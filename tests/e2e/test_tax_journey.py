"""Income tax in a real browser (docs/tax.md; 国家税务总局公告2025年第16号): a student
paid ¥30,000 in a month opens the statement on a phone and reads the pay before tax,
the ¥570 withheld and the net pay; a finance clerk downloads the month's withholding
list (扣缴申报) from the admin, and the file has the student's line with the tax as a
number."""

import io

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import PersonalDataAccess
from core.money import format_fen
from tests.factories.applications import approved_student
from tests.settlements.test_funding import aware
from tests.settlements.test_tax_wiring import month_pay

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, sign_in, sign_in_staff

pytestmark = pytest.mark.browser

XLSX_MAGIC = b"PK\x03\x04"


def test_iit_16_student_reads_gross_tax_and_net_and_finance_downloads_the_numeric_withholding_list(
        make_page, live_server, tmp_path):
    # given: ¥30,000 credited in October 2025: 30,000 − 6,000 − 5,000 = 19,000 × 3 % = 570 withheld
    student = approved_student()
    settlement = month_pay(student, 30_000, aware(2025, 10, 20, 10))
    assert settlement.tax_fen == 57_000

    # when: the student opens the statement on a phone, in Chinese
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("settlements:student_home"))
    phone.locator(f'a[href="{reverse("settlements:student_statement", args=[settlement.pk])}"]').first.click()
    # then: pay before tax, the tax withheld and the net pay, and how the tax was computed
    expect(phone.locator("#gross-pay .amount")).to_have_text(format_fen(3_000_000))
    expect(phone.locator("#tax-withheld .amount")).to_contain_text(format_fen(57_000))
    expect(phone.locator("#student-total .amount")).to_have_text(format_fen(2_943_000))
    expect(phone.locator("#tax-explanation")).to_contain_text("19,000.00")
    assert_no_horizontal_scroll(phone)

    # when: a finance clerk opens the income tax remittances and the monthly withholding list
    admin = make_page(viewport=DESKTOP, locale="en-US")
    finance = sign_in_staff(admin, live_server, "finance")
    admin.goto(f"{live_server.url}{reverse('admin:settlements_taxremittance_changelist')}")
    admin.locator(f'a[href="{reverse("admin:settlements_taxremittance_list")}"]').click()
    admin.wait_for_url(f"**{reverse('admin:settlements_taxremittance_list')}")
    admin.fill("#id_month", "2025-10")
    with admin.expect_download() as download_info:
        admin.locator("#content form [type=submit]").click()
    download = download_info.value
    assert download.failure() is None and download.suggested_filename == "iit-withholding-2025-10.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(XLSX_MAGIC)

    # then: the student's line, the tax a number in the 0.00 format, not text
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    line = {header[i]: cell for i, cell in enumerate(sheet[2])}
    assert line["姓名"].value == student.student_profile.real_name
    assert line["证件号码"].value == student.student_profile.id_number
    tax = line["本期应预扣预缴税额"]
    assert tax.data_type == "n" and tax.value == 570 and tax.number_format == "0.00"
    assert line["本期收入"].value == 30000
    # and: the download is in the personal data access log
    assert PersonalDataAccess.objects.filter(staff=finance, item=PersonalDataAccess.Item.DATA_EXPORT).count() == 1
