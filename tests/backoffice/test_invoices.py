"""Invoices for employers' fees (F1, E5): an employer's member asks for a VAT
invoice (发票) for the posting fees and commissions of a period, under the title
and taxpayer number of its verified organisation; finance records the invoice it
issued (number, date, the request's amount) or refuses with a reason, which
releases the fees; the employer reads each fee with its invoice status and
downloads a fee statement. Nothing is invoiced twice: the database refuses it."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import PersonalDataAccess
from backoffice.invoices import (
    AlreadyInvoiced,
    NothingToInvoice,
    NotVerified,
    fee_totals,
    invoice_issue,
    invoice_refuse,
    invoice_request,
)
from backoffice.models import InvoiceAction, InvoiceLine, InvoiceRequest
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_for
from core.models import Notification
from employers.models import Employer
from finance.fees import posting_fee_charge
from finance.ledger import employer_escrow, platform_account, transaction_post
from finance.models import AccountKind
from settlements.funding import settlement_fund
from settlements.services import settlement_prepare
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory
from tests.factories.jobs import JobFactory
from tests.factories.settlements import worked_engagement

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCT_START, OCT_END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
FEES = reverse("backoffice:employer_fees")
STATEMENT = reverse("backoffice:employer_fee_statement")


def aware(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(aware(2026, 11, 20, 10, 0), tick=False):
        yield


def posting_fee(employer, fen: int, at: dt.datetime, title: str = "超市理货员") -> None:
    job = JobFactory(employer=employer, published=True, title=title)
    with time_machine.travel(at, tick=False):
        posting_fee_charge(employer_id=employer.pk, job_id=job.pk, amount_fen=fen, memo=f"posting fee {job.pk}")


def commission(employer, at: dt.datetime, title: str = "咖啡店店员"):
    """A statement of ¥75.00 pay funded from escrow: ¥7.50 commission (10 %)."""
    with time_machine.travel(at, tick=False):
        engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500, employer=employer, title=title)
        settlement = settlement_prepare(engagement_id=engagement.pk)
        transaction_post(key=f"in-{settlement.pk}", kind="escrow_funding", memo="bank transfer", lines=[
            (platform_account(AccountKind.BANK_CLEARING), settlement.employer_total_fen),
            (employer_escrow(employer.pk), -settlement.employer_total_fen)])
        return settlement_fund(settlement_id=settlement.pk)


def verified_employer(**kwargs) -> Employer:
    return EmployerFactory(approved=True, verification_level=Employer.VerificationLevel.VERIFIED, **kwargs)


@pytest.fixture
def employer() -> Employer:
    """October: posting fees of ¥30.00 and ¥12.50 and a ¥7.50 commission (¥50.00); November: a ¥20.00 fee."""
    employer = verified_employer()
    posting_fee(employer, 3000, aware(2026, 10, 1, 0, 5), title="超市理货员")
    posting_fee(employer, 1250, aware(2026, 10, 20, 9, 0), title="展会协助")
    commission(employer, aware(2026, 10, 31, 23, 30))
    posting_fee(employer, 2000, aware(2026, 11, 1, 0, 5), title="十一月的岗位")
    return employer


def member_of(employer: Employer):
    return employer.members.get(role="owner").user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_october(employer: Employer) -> InvoiceRequest:
    return invoice_request(employer_id=employer.pk, actor=member_of(employer), period_start=OCT_START,
                           period_end=OCT_END)


def finance_staff():
    return StaffFactory(role="finance")


# ------------------------------------------------------------------ request → issue → the employer sees it
def test_f1_e5_request_issue_and_the_employer_sees_the_invoice_number(employer, django_capture_on_commit_callbacks):
    # given: a second member of the employer, and a finance staff member
    colleague = EmployerMemberFactory(employer=employer).user
    finance = finance_staff()
    # when: the owner asks for October's invoice
    with django_capture_on_commit_callbacks(execute=True):
        invoice = request_october(employer)
    # then: the verified organisation's title and taxpayer number, October's three fees and nothing else
    assert (invoice.title, invoice.tax_number) == (employer.name, employer.uscc)
    assert invoice.amount_fen == 3000 + 1250 + 750
    assert invoice.status == InvoiceRequest.Status.REQUESTED
    assert sorted(invoice.lines.values_list("amount_fen", flat=True)) == [750, 1250, 3000]
    assert Notification.objects.filter(recipient=finance, link__contains=f"/invoicerequest/{invoice.pk}/").exists()
    # when: finance records the invoice it issued
    invoice_issue(pk=invoice.pk, actor=finance, invoice_number="26312000000012345678",
                  invoice_date=dt.date(2026, 11, 19), amount_fen=5000)
    # then: issued, in the history's vocabulary, and both members are told the number
    invoice.refresh_from_db()
    assert (invoice.status, invoice.invoice_number, invoice.decided_by) == ("issued", "26312000000012345678", finance)
    assert [h.transition for h in history_for(invoice)] == [InvoiceAction.ISSUED, InvoiceAction.REQUESTED]
    for user in (member_of(employer), colleague):
        assert Notification.objects.filter(recipient=user, body__contains="26312000000012345678").exists()
    # and the employer's page shows the number on the request and on each fee it covers
    page = client_of(colleague).get(FEES + "?start=2026-10-01&end=2026-10-31").content.decode()
    assert page.count("26312000000012345678") == 4  # the request and its three fees
    assert "Invoice no. 26312000000012345678, dated 2026-11-19" in page
    assert "Posting fee for “超市理货员”" in page and "Commission on the pay for “咖啡店店员”" in page
    assert "十一月的岗位" not in page


def test_f1_the_fee_totals_say_what_is_not_invoiced_yet(employer):
    request_october(employer)
    totals = fee_totals(employer_id=employer.pk, start=OCT_START, end=dt.date(2026, 11, 30))
    assert (totals.total_fen, totals.on_invoices_fen, totals.not_invoiced_fen) == (7000, 5000, 2000)


# ------------------------------------------------------------------ nothing is invoiced twice
def test_f1_the_database_refuses_a_fee_line_on_a_second_live_invoice(employer):
    # given: October on a request, and a second request written directly
    invoice = request_october(employer)
    other = InvoiceRequest.objects.create(employer=employer, period_start=OCT_START, period_end=OCT_END,
                                          title=employer.name, tax_number=employer.uscc, amount_fen=3000,
                                          requested_by=member_of(employer))
    entry_id = invoice.lines.get(amount_fen=3000).entry_id
    # when / then: the database refuses the same fee on it
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(invoice=other, entry_id=entry_id, amount_fen=3000)


def test_f1_the_service_refuses_a_period_already_invoiced_and_invoices_only_new_fees(employer):
    request_october(employer)
    # when: October again
    with pytest.raises(AlreadyInvoiced):
        request_october(employer)
    # when: October and November: only November's fee is left
    both = invoice_request(employer_id=employer.pk, actor=member_of(employer), period_start=OCT_START,
                           period_end=dt.date(2026, 11, 20))
    assert (both.amount_fen, both.lines.count()) == (2000, 1)


def test_f1_an_issued_invoice_keeps_its_fees(employer):
    invoice = request_october(employer)
    invoice_issue(pk=invoice.pk, actor=finance_staff(), invoice_number="12345678", invoice_date=dt.date(2026, 11, 2),
                  amount_fen=5000)
    with pytest.raises(AlreadyInvoiced):
        request_october(employer)


def test_f1_a_period_without_fees_is_refused_with_a_translated_message(employer):
    # when: a member asks for September (no fees) on the page, in Chinese
    client = client_of(member_of(employer))
    with translation.override("zh-hans"):
        response = client.post(FEES, {"period_start": "2026-09-01", "period_end": "2026-09-30"},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then: the form says so, and nothing was asked for
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(NothingToInvoice.default_message) in response.content.decode()
        assert str(NothingToInvoice.default_message) != "There are no fees to invoice in this period."
    assert not InvoiceRequest.objects.exists()


def test_f1_a_period_already_invoiced_is_refused_on_the_page(employer):
    request_october(employer)
    response = client_of(member_of(employer)).post(FEES, {"period_start": "2026-10-01", "period_end": "2026-10-31"})
    assert response.status_code == 400
    assert "Every fee of this period is on an invoice already" in response.content.decode()
    assert InvoiceRequest.objects.count() == 1


def test_f1_the_page_sends_the_request_to_finance(employer):
    response = client_of(member_of(employer)).post(FEES, {"period_start": "2026-10-01", "period_end": "2026-10-31"})
    assert response.status_code == 302 and response["Location"].endswith("#requests")
    assert InvoiceRequest.objects.get().amount_fen == 5000


# ------------------------------------------------------------------ refusal releases the fees
def test_f1_a_refused_request_releases_its_fees_for_a_new_request(employer):
    # given: October on a request
    invoice = request_october(employer)
    # when: finance refuses it
    invoice_refuse(pk=invoice.pk, actor=finance_staff(), reason="抬头与开票信息不一致，请核对后重新申请")
    # then: refused with the reason told to the employer; its lines kept, released
    invoice.refresh_from_db()
    assert invoice.status == InvoiceRequest.Status.REFUSED
    assert invoice.lines.count() == 3 and not invoice.lines.filter(released_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=member_of(employer), body__contains="抬头与开票信息不一致").exists()
    assert [h.transition for h in history_for(invoice)][0] == InvoiceAction.REFUSED
    # and the same fees may be asked for again
    again = request_october(employer)
    assert (again.amount_fen, again.lines.count()) == (5000, 3)


def test_f1_a_refusal_needs_a_reason(employer):
    invoice = request_october(employer)
    with pytest.raises(ReasonRequired):
        invoice_refuse(pk=invoice.pk, actor=finance_staff(), reason="  ")


# ------------------------------------------------------------------ who may ask, who may issue
def test_e1_3_only_a_verified_employer_may_ask_for_an_invoice():
    employer = EmployerFactory(approved=True)  # not real-name verified
    posting_fee(employer, 3000, aware(2026, 10, 5, 10, 0))
    with pytest.raises(NotVerified):
        request_october(employer)
    page = client_of(member_of(employer)).get(FEES).content.decode()
    assert "Only a real-name verified organisation can ask for a VAT invoice" in page


def test_f1_only_a_member_of_the_employer_may_ask(employer):
    stranger = member_of(verified_employer())
    with pytest.raises(NotPermitted):
        invoice_request(employer_id=employer.pk, actor=stranger, period_start=OCT_START, period_end=OCT_END)


def test_f1_issuing_needs_the_permission(employer):
    invoice = request_october(employer)
    for role in ("customer_service", "auditor"):
        with pytest.raises(NotPermitted):
            invoice_issue(pk=invoice.pk, actor=StaffFactory(role=role), invoice_number="12345678",
                          invoice_date=dt.date(2026, 11, 2), amount_fen=5000)
    assert InvoiceRequest.objects.get().status == InvoiceRequest.Status.REQUESTED


@pytest.mark.parametrize(("number", "date", "amount", "field"), [
    ("12345678", dt.date(2026, 11, 2), 4999, "amount"),  # not the request's amount
    ("1234-5678", dt.date(2026, 11, 2), 5000, "invoice_number"),
    ("12345678", dt.date(2026, 11, 21), 5000, "invoice_date"),  # tomorrow
    ("12345678", dt.date(2026, 9, 30), 5000, "invoice_date"),  # before the fees
])
def test_f1_the_invoice_recorded_must_match_the_request(employer, number, date, amount, field):
    invoice = request_october(employer)
    with pytest.raises(DomainError) as refused:
        invoice_issue(pk=invoice.pk, actor=finance_staff(), invoice_number=number, invoice_date=date,
                      amount_fen=amount)
    assert refused.value.field == field
    assert InvoiceRequest.objects.get().status == InvoiceRequest.Status.REQUESTED


def test_f1_one_invoice_number_is_recorded_once(employer):
    finance = finance_staff()
    first = request_october(employer)
    invoice_issue(pk=first.pk, actor=finance, invoice_number="12345678", invoice_date=dt.date(2026, 11, 2),
                  amount_fen=5000)
    november = invoice_request(employer_id=employer.pk, actor=member_of(employer), period_start=dt.date(2026, 11, 1),
                               period_end=dt.date(2026, 11, 20))
    with pytest.raises(DomainError) as refused:
        invoice_issue(pk=november.pk, actor=finance, invoice_number="1234 5678", invoice_date=dt.date(2026, 11, 19),
                      amount_fen=2000)
    assert refused.value.field == "invoice_number"


# ------------------------------------------------------------------ the admin queue
def test_f1_finance_issues_from_the_queue_where_waiting_requests_come_first(employer):
    # given: an issued request of another employer, and October's waiting one
    other = verified_employer()
    posting_fee(other, 900, aware(2026, 10, 3, 10, 0))
    issued = request_october(other)
    invoice_issue(pk=issued.pk, actor=finance_staff(), invoice_number="87654321", invoice_date=dt.date(2026, 11, 2),
                  amount_fen=900)
    waiting = request_october(employer)
    client = login_with_mfa(Client(), finance_staff())
    # when: finance opens the queue (all requests)
    changelist = client.get(reverse("admin:backoffice_invoicerequest_changelist") + "?status=all")
    # then: the waiting request first
    html = changelist.content.decode()
    assert changelist.status_code == 200
    assert html.index(f"/invoicerequest/{waiting.pk}/change/") < html.index(f"/invoicerequest/{issued.pk}/change/")
    # when: finance records the invoice
    url = reverse("admin:backoffice_invoicerequest_issue", args=[waiting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"invoice_number": "11112222", "invoice_date": "2026-11-19", "amount": "50.00"})
    # then
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.invoice_number) == ("issued", "11112222")


def test_f1_a_wrong_amount_in_the_admin_is_a_form_error(employer):
    invoice = request_october(employer)
    client = login_with_mfa(Client(), finance_staff())
    response = client.post(reverse("admin:backoffice_invoicerequest_issue", args=[invoice.pk]),
                           {"invoice_number": "11112222", "invoice_date": "2026-11-19", "amount": "49.99"})
    assert response.status_code == 200
    assert "The invoice&#x27;s amount must be the request&#x27;s: ¥50.00." in response.content.decode()


def test_f1_finance_refuses_from_the_admin_and_auditors_may_not(employer):
    invoice = request_october(employer)
    url = reverse("admin:backoffice_invoicerequest_refuse", args=[invoice.pk])
    assert login_with_mfa(Client(), StaffFactory(role="auditor")).post(url, {"reason": "x"}).status_code == 403
    response = login_with_mfa(Client(), finance_staff()).post(url, {"reason": "税号有误"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.refusal_reason) == ("refused", "税号有误")


# ------------------------------------------------------------------ access
def test_f1_another_employer_sees_none_of_the_fees_and_cannot_download_the_list(employer):
    invoice = request_october(employer)
    stranger = client_of(member_of(verified_employer()))
    page = stranger.get(FEES + "?start=2026-10-01&end=2026-10-31").content.decode()
    assert "超市理货员" not in page and f'id="invoice-{invoice.pk}"' not in page
    url = reverse("backoffice:employer_invoice_statement", args=[invoice.pk])
    assert stranger.get(url).status_code == 404
    assert client_of(StudentProfileFactory(approved=True).user).get(url).status_code == 403
    assert client_of(StudentProfileFactory(approved=True).user).get(FEES).status_code == 403
    assert Client().get(STATEMENT).status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_f1_the_statement_of_another_employer_period_holds_only_its_own_fees(employer):
    other = verified_employer()
    response = client_of(member_of(other)).get(STATEMENT + "?start=2026-10-01&end=2026-10-31")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Fee lines"]
    assert sheet.max_row == 1  # the header only


# ------------------------------------------------------------------ the fee statement
def _cells(content: bytes, sheet: str) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [[cell.value for cell in row] for row in workbook[sheet].iter_rows()]


def test_f1_the_fee_statement_lists_each_fee_and_is_access_logged(employer):
    request_october(employer)
    user = member_of(employer)
    # when
    response = client_of(user).get(STATEMENT + "?start=2026-10-01&end=2026-11-30")
    # then: a workbook with October's fees on the request and November's not invoiced
    assert response.status_code == 200 and response["Content-Disposition"].endswith('20261130.xlsx"')
    rows = _cells(response.content, "Fee lines")
    assert rows[1] == ["2026-10-01", "Posting fee for “超市理货员”", "Posting fee", "30.00", "Invoice requested", "",
                       ""]
    assert rows[3][1:5] == ["Commission on the pay for “咖啡店店员”", "Commission", "7.50", "Invoice requested"]
    assert rows[4][1:5] == ["Posting fee for “十一月的岗位”", "Posting fee", "20.00", "Not invoiced"]
    summary = dict((r[0], r[1]) for r in _cells(response.content, "Fee statement"))
    assert summary["Taxpayer identification number"] == employer.uscc and summary["Fees (yuan)"] == "70.00"
    # and the download is in the access log
    log = PersonalDataAccess.objects.get()
    assert (log.staff, log.item) == (user, PersonalDataAccess.Item.DATA_EXPORT)
    assert "2026-10-01 – 2026-11-30" in log.subject_label


def test_f1_the_fee_statement_keeps_a_formula_as_text():
    # given: an organisation whose name is a formula
    employer = verified_employer(name='=HYPERLINK("http://evil.example","点我")有限公司')
    posting_fee(employer, 3000, aware(2026, 10, 5, 10, 0), title='=1+2')
    invoice = request_october(employer)
    client = client_of(member_of(employer))
    for url in (STATEMENT + "?start=2026-10-01&end=2026-10-31",
                reverse("backoffice:employer_invoice_statement", args=[invoice.pk])):
        # when
        content = client.get(url).content
        # then: text cells, no formula anywhere in the workbook
        xml = "".join(zipfile.ZipFile(io.BytesIO(content)).read(name).decode()
                      for name in zipfile.ZipFile(io.BytesIO(content)).namelist() if name.endswith(".xml"))
        assert "<f>" not in xml and "HYPERLINK" in xml
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        assert workbook["Fee statement"]["B2"].data_type == "s"
        assert workbook["Fee lines"]["B2"].value == "Posting fee for “=1+2”"
    assert PersonalDataAccess.objects.count() == 2


def test_f1_the_list_of_a_refused_request_says_so(employer):
    invoice = request_october(employer)
    invoice_refuse(pk=invoice.pk, actor=finance_staff(), reason="r")
    content = client_of(member_of(employer)).get(
        reverse("backoffice:employer_invoice_statement", args=[invoice.pk])).content
    assert [row[4] for row in _cells(content, "Fee lines")[1:]] == ["Invoice refused"] * 3


# ------------------------------------------------------------------ the page
def test_f1_the_fees_page_reads_a_fixed_number_of_queries(employer, django_assert_num_queries):
    # given: October's fees on an issued invoice, and more fees and statements in November
    invoice = request_october(employer)
    invoice_issue(pk=invoice.pk, actor=finance_staff(), invoice_number="12345678", invoice_date=dt.date(2026, 11, 2),
                  amount_fen=5000)
    for day in range(2, 6):
        posting_fee(employer, 100 * day, aware(2026, 11, day, 10, 0), title=f"岗位 {day}")
    commission(employer, aware(2026, 11, 10, 10, 0), title="十一月咖啡店")
    client = client_of(member_of(employer))
    url = FEES + "?start=2026-10-01&end=2026-11-30"
    client.get(url)  # content types cached, as in a running process
    # 11 whatever the number of fees: session, user, membership with its employer, the lines' count,
    # the page of lines, their live invoices, the jobs' titles, the statements' job titles,
    # the totals, the requests, the unread notifications.
    with django_assert_num_queries(11):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<li id="fee-') == 3 + 1 + 4 + 1
    assert "¥50.00" in html and "岗位 5" in html and "十一月咖啡店" in html


def test_f1_the_page_is_in_chinese_and_linked_from_the_employer_navigation(employer):
    client = client_of(member_of(employer))
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = client.get(FEES).content.decode()
    assert f'href="{FEES}"' in html
    assert "费用与发票" in html and "申请开具增值税发票" in html and "您的开票申请" in html
