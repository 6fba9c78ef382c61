"""Income tax withheld from students' pay, end to end (国家税务总局公告2025年第16号 §1(1)
with the cumulative method of 公告2018年第61号 art. 6; docs/tax.md): when a
settlement's pay is credited to the student (funding, the guarantee advance, a
dispute's extra pay) the credit is split — net to the student's payable, tax to
TAX_PAYABLE — the payout pays the net, the statement shows gross, tax and net and
why no tax, finance remits each month once (`tax-remit:<yyyy-mm>`), downloads the
monthly withholding list, and each student their yearly statement.

Worked examples (docs/tax.md, all amounts in yuan, first pay October 2025):
1,000 → 0; 6,000 → 0; 30,000 → 570; 8,000 in October and November → 42 + 42;
8,000 in October, none in November, 8,000 in December → 42 + 192."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import PersonalDataAccess
from accounts.roles import FINANCE
from core.errors import NotPermitted
from finance.integrity import settlement_account_check
from finance.ledger import account_balance, ledger_integrity_check, platform_account, student_payable
from finance.models import AccountKind, LedgerTransaction
from finance.services import integrity_checks_run
from settlements.funding import settlement_fund
from settlements.guarantee import settlement_advance
from settlements.income_tax import CumulativeReason
from settlements.models import Payout, Settlement, SettlementStatus, TaxRemittance, TaxWithholding
from settlements.payouts import payout_batch_build
from settlements.tax_exports import student_tax_statement_xlsx, withholding_list_xlsx
from settlements.withholding import TaxAlreadyRemitted, tax_remit
from tests.factories.accounts import StaffFactory
from tests.factories.applications import approved_student
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import aware, escrow_in, ready_settlement

pytestmark = pytest.mark.django_db

YUAN = 100
# 600 minutes at this hourly rate (fen) is the month's pay in yuan × 100: 10 h × rate.
TEN_HOURS = 600


def month_pay(student, yuan: int, at: dt.datetime) -> Settlement:
    """A statement paying `yuan` (10 hours at yuan/10 an hour), funded from escrow at `at`."""
    with time_machine.travel(at, tick=False):
        settlement = ready_settlement(hours=((TEN_HOURS, 0),), base_rate_fen=yuan * YUAN // 10, student=student)
        assert settlement.student_total_fen == yuan * YUAN
        escrow_in(settlement.employer_id, settlement.employer_total_fen, key=f"in-{settlement.pk}")
        return settlement_fund(settlement_id=settlement.pk)


def all_checks_clean() -> None:
    assert ledger_integrity_check() == []
    assert settlement_account_check() == []
    assert integrity_checks_run() == []


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def student():
    return approved_student()


# ------------------------------------------------------------------ one month (16号 §1(1))
def test_iit_16_1000_yuan_in_a_month_withholds_nothing_and_the_whole_pay_reaches_the_payable(student):
    # when: 1,000 funded in October 2025
    settlement = month_pay(student, 1_000, aware(2025, 10, 20, 10))
    # then: 1,000 − 200 − 5,000 < 0 → no tax; the payable holds the whole 1,000; nothing in tax payable
    row = TaxWithholding.objects.get(settlement=settlement)
    assert (row.year, row.month, row.gross_fen, row.tax_fen) == (2025, 10, 1_000 * YUAN, 0)
    assert row.reason == CumulativeReason.BELOW_DEDUCTION
    assert (settlement.tax_fen, settlement.net_fen) == (0, 1_000 * YUAN)
    assert account_balance(student_payable(student.pk)) == 1_000 * YUAN
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 0
    all_checks_clean()


def test_iit_16_6000_yuan_in_a_month_still_withholds_nothing(student):
    settlement = month_pay(student, 6_000, aware(2025, 10, 20, 10))
    # 6,000 − 1,200 − 5,000 = −200 → 0
    assert TaxWithholding.objects.get(settlement=settlement).tax_fen == 0
    assert settlement.net_fen == 6_000 * YUAN


def test_iit_16_30000_yuan_in_a_month_splits_the_credit_570_to_tax_payable(student):
    # when
    settlement = month_pay(student, 30_000, aware(2025, 10, 20, 10))
    # then: 30,000 − 6,000 − 5,000 = 19,000 × 3% = 570 withheld; net 29,430; net + tax = gross
    assert (settlement.tax_fen, settlement.net_fen) == (570 * YUAN, 29_430 * YUAN)
    assert settlement.net_fen + settlement.tax_fen == settlement.student_total_fen
    assert account_balance(student_payable(student.pk)) == 29_430 * YUAN
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 570 * YUAN
    # the escrow still paid the whole employer total, in one posting
    wages = LedgerTransaction.objects.get(key=f"settlement:{settlement.pk}:wages")
    assert sum(e.amount_fen for e in wages.entries.all()) == 0
    all_checks_clean()


def test_iit_16_two_consecutive_months_of_8000_withhold_42_each(student):
    october = month_pay(student, 8_000, aware(2025, 10, 20, 10))
    november = month_pay(student, 8_000, aware(2025, 11, 20, 10))
    # October: 8,000 − 1,600 − 5,000 = 1,400 × 3% = 42. November: 16,000 − 3,200 − 10,000 = 2,800 → 84 − 42 = 42
    assert (october.tax_fen, november.tax_fen) == (42 * YUAN, 42 * YUAN)
    row = TaxWithholding.objects.get(settlement=november)
    assert (row.consecutive_months, row.cumulative_basic_deduction_fen, row.withheld_before_fen) == (
        2, 10_000 * YUAN, 42 * YUAN)
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 84 * YUAN
    all_checks_clean()


def test_iit_16_a_gap_month_restarts_the_run_and_december_withholds_192(student):
    month_pay(student, 8_000, aware(2025, 10, 20, 10))
    december = month_pay(student, 8_000, aware(2025, 12, 10, 10))
    # no pay in November: December is month 1 again: 16,000 − 3,200 − 5,000 = 7,800 × 3% = 234 − 42 = 192
    row = TaxWithholding.objects.get(settlement=december)
    assert (row.consecutive_months, row.taxable_fen, row.tax_fen) == (1, 7_800 * YUAN, 192 * YUAN)
    assert december.net_fen == 8_000 * YUAN - 192 * YUAN


def test_iit_16_a_short_escrow_withholds_nothing_until_the_money_arrives(student):
    with time_machine.travel(aware(2025, 10, 20, 10), tick=False):
        settlement = ready_settlement(hours=((TEN_HOURS, 0),), base_rate_fen=300_000, student=student)
        settlement_fund(settlement_id=settlement.pk)  # escrow empty
    # then: still ready, and no withholding row left behind (it would shift the next payment's figures)
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.READY
    assert not TaxWithholding.objects.exists()


# ------------------------------------------------------------------ the payout pays the net
def test_f3_2_the_payout_pays_the_net_and_the_tax_stays_in_tax_payable(student):
    month_pay(student, 30_000, aware(2025, 9, 30, 10))
    PayoutMethodFactory(student=student)
    with time_machine.travel(aware(2025, 10, 20, 10), tick=False):
        batch = payout_batch_build()
    payout = Payout.objects.get(batch=batch)
    assert payout.amount_fen == 29_430 * YUAN
    assert account_balance(student_payable(student.pk)) == 0
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 570 * YUAN
    all_checks_clean()


def test_e5_2_a_guarantee_advance_withholds_the_same_tax(student):
    from finance.guarantee import guarantee_fund_contribute

    guarantee_fund_contribute(amount_fen=10_000_000, actor=None, memo="test", key="fund-tax")
    with time_machine.travel(aware(2025, 10, 20, 10), tick=False):
        settlement = ready_settlement(hours=((TEN_HOURS, 0),), base_rate_fen=300_000, student=student)
        settlement = settlement_advance(settlement_id=settlement.pk)
    assert (settlement.status, settlement.tax_fen, settlement.advanced_fen) == (
        SettlementStatus.FUNDED, 570 * YUAN, 30_000 * YUAN)
    assert account_balance(student_payable(student.pk)) == 29_430 * YUAN
    all_checks_clean()


# ------------------------------------------------------------------ the statement
def test_iit_16_the_statement_shows_gross_tax_and_net(student):
    settlement = month_pay(student, 30_000, aware(2025, 10, 20, 10))
    client = Client()
    client.force_login(student)
    html = client.get(reverse("settlements:student_statement", args=[settlement.pk])).content.decode()
    assert 'id="gross-pay"' in html and "¥30,000.00" in html
    assert 'id="tax-withheld"' in html and "¥570.00" in html
    assert 'id="student-total"' in html and "¥29,430.00" in html
    assert "19,000.00 × 3%" in html  # the explanation recomputes


def test_iit_16_the_statement_says_why_no_tax_in_chinese(student):
    settlement = month_pay(student, 1_000, aware(2025, 10, 20, 10))
    client = Client()
    client.force_login(student)
    with translation.override("zh-hans"):
        html = client.get(reverse("settlements:student_statement", args=[settlement.pk]),
                          HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本年累计收入扣除费用后未超过累计减除费用，本次无需预扣个税" in html
    assert "代扣个人所得税" in html and "实发金额" in html


# ------------------------------------------------------------------ remittance: once per month
def test_iit_16_finance_remits_a_month_once_and_a_second_attempt_is_refused(student):
    month_pay(student, 30_000, aware(2025, 10, 20, 10))
    finance = StaffFactory(role=FINANCE)
    with time_machine.travel(aware(2025, 11, 10, 10), tick=False):
        remittance = tax_remit(year=2025, month=10, actor=finance, reference="税票 001")
        with pytest.raises(TaxAlreadyRemitted) as refused:
            tax_remit(year=2025, month=10, actor=finance)
    assert "2025-10" in str(refused.value.message) and "once" in str(refused.value.message)
    assert remittance.amount_fen == 570 * YUAN
    assert LedgerTransaction.objects.filter(key="tax-remit:2025-10").count() == 1
    assert TaxRemittance.objects.count() == 1
    assert account_balance(platform_account(AccountKind.TAX_PAYABLE)) == 0
    all_checks_clean()


def test_iit_16_a_month_not_over_or_without_tax_is_not_remitted(student):
    month_pay(student, 1_000, aware(2025, 10, 20, 10))
    finance = StaffFactory(role=FINANCE)
    from core.errors import DomainError

    with time_machine.travel(aware(2025, 10, 25, 10), tick=False), pytest.raises(DomainError):
        tax_remit(year=2025, month=10, actor=finance)  # October is not over
    with time_machine.travel(aware(2025, 11, 10, 10), tick=False), pytest.raises(DomainError):
        tax_remit(year=2025, month=10, actor=finance)  # nothing withheld
    with pytest.raises(NotPermitted):
        tax_remit(year=2025, month=10, actor=student)
    assert not LedgerTransaction.objects.filter(kind="tax_remit").exists()


# ------------------------------------------------------------------ the files
def test_iit_16_the_monthly_withholding_list_has_numbers_and_is_access_logged(student):
    month_pay(student, 8_000, aware(2025, 10, 20, 10))
    month_pay(student, 8_000, aware(2025, 11, 20, 10))
    finance = StaffFactory(role=FINANCE)
    rows = read_xlsx(withholding_list_xlsx(year=2025, month=11, staff=finance))
    header, line = rows[0], rows[1]
    assert header[:4] == ["姓名", "证件类型", "证件号码", "本期收入"]
    values = dict(zip(header, line, strict=True))
    assert values["证件类型"] == "居民身份证"
    assert values["本期收入"] == 8000 and values["本期费用"] == 1600
    assert values["累计收入"] == 16000 and values["累计减除费用"] == 10000
    assert values["累计已预扣预缴税额"] == 42 and values["本期应预扣预缴税额"] == 42
    assert PersonalDataAccess.objects.filter(staff=finance, item=PersonalDataAccess.Item.DATA_EXPORT).count() == 1
    with pytest.raises(NotPermitted):
        withholding_list_xlsx(year=2025, month=11, staff=StaffFactory(role="moderator"))


def test_iit_16_the_list_keeps_a_formula_looking_name_as_text(student):
    profile = student.student_profile
    profile.real_name = '=HYPERLINK("http://x")'
    profile.save(update_fields=["real_name"])
    month_pay(student, 1_000, aware(2025, 10, 20, 10))
    content = withholding_list_xlsx(year=2025, month=10, staff=StaffFactory(role=FINANCE))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cell = workbook.active["A2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert workbook.active["D2"].number_format == "0.00"


def test_iit_16_the_student_downloads_their_yearly_statement_from_my_pay(student):
    month_pay(student, 30_000, aware(2025, 10, 20, 10))
    client = Client()
    client.force_login(student)
    home = client.get(reverse("settlements:student_home")).content.decode()
    assert reverse("settlements:student_tax_statement", args=[2025]) in home
    response = client.get(reverse("settlements:student_tax_statement", args=[2025]))
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    october = next(r for r in rows if r[0] == "2025-10")
    assert october[1] == 30000 and october[7] == 570 and october[8] == Decimal("29430") == 29430
    assert PersonalDataAccess.objects.filter(staff=student, subject=student).count() == 1
    # a year without pay is not found
    assert client.get(reverse("settlements:student_tax_statement", args=[2024])).status_code == 404
    assert student_tax_statement_xlsx(student=student, year=2025)


# ------------------------------------------------------------------ the statement's words (issue 23)
def test_s4_1_statement_lines_read_in_chinese_units(student, settings):
    # when: the statement is computed in the site's language, Chinese (3 h at ¥25.00)
    settings.LANGUAGE_CODE = "zh-hans"
    with time_machine.travel(aware(2025, 10, 20, 10), tick=False):
        settlement = ready_settlement(student=student)
    # then: "180 分钟 × 25.00 元/小时", not "180 min × ¥25.00/h"
    quantities = list(settlement.lines.values_list("quantity", flat=True))
    assert "180 分钟 × 25.00 元/小时" in quantities
    assert not any("min" in q or "/h" in q for q in quantities)


def test_s4_2_a_paid_statement_says_it_was_paid_not_that_the_money_is_coming(student):
    from settlements.payouts import payout_batch_confirm

    settlement = month_pay(student, 30_000, aware(2025, 9, 30, 10))
    PayoutMethodFactory(student=student)
    with time_machine.travel(aware(2025, 10, 20, 10), tick=False):
        batch = payout_batch_build()
        payout_batch_confirm(batch_id=batch.pk, actor=StaffFactory(role=FINANCE))
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.PAID
    client = Client()
    client.force_login(student)
    with translation.override("zh-hans"):
        html = client.get(reverse("settlements:student_statement", args=[settlement.pk]),
                          HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "用人单位的款项到达平台后" not in html
    assert 'id="paid-note"' in html and "实发金额已转入您的收款账户" in html


# ------------------------------------------------------------------ finance in the admin
def test_iit_16_finance_downloads_the_list_and_records_the_remittance_in_the_admin(student, staff_client):
    month_pay(student, 30_000, aware(2025, 10, 20, 10))
    client, finance = staff_client(FINANCE)
    with time_machine.travel(aware(2025, 11, 10, 10), tick=True):
        response = client.post(reverse("admin:settlements_taxremittance_list"), {"month": "2025-10"})
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        assert read_xlsx(response.content)[1][-1] == 570
        bad = client.post(reverse("admin:settlements_taxremittance_list"), {"month": "2025-13"})
        assert bad.status_code == 200 and "YYYY-MM" in bad.content.decode()
        first = client.post(reverse("admin:settlements_taxremittance_record"), {"month": "2025-10", "reference": "A1"})
        assert first.status_code == 302
        second = client.post(reverse("admin:settlements_taxremittance_record"), {"month": "2025-10"})
    assert second.status_code == 200 and "already remitted" in second.content.decode()
    assert LedgerTransaction.objects.filter(key="tax-remit:2025-10").count() == 1
    assert TaxRemittance.objects.get().recorded_by == finance


def test_iit_16_staff_without_the_permission_cannot_remit_or_download(staff_client):
    client, _user = staff_client("moderator")
    assert client.post(reverse("admin:settlements_taxremittance_record"), {"month": "2025-10"}).status_code == 403
    assert client.post(reverse("admin:settlements_taxremittance_list"), {"month": "2025-10"}).status_code == 403
    assert not TaxRemittance.objects.exists()
