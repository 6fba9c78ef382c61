"""The pay journey in a real browser (E5.1, S4.2, S4.3): an employer at a desk sees what a
ready statement costs, pays it into escrow through the sandbox payment on the
funding page; the funding sweep moves it out of escrow; on the payout day the
batch is built, finance staff download the bank's bulk-transfer file in the
admin and confirm the batch; the student, on a phone, sees the statement paid
to their masked bank card. The ledger ends balanced with nothing owed."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from core.money import format_fen
from finance.banking import funding_reference_for
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
)
from finance.models import AccountKind, LedgerTransaction
from settlements.funding import settlements_fund_ready
from settlements.models import Payout, PayoutBatch, Settlement, SettlementStatus
from settlements.payouts import payout_batch_build
from settlements.services import settlement_prepare
from tests.factories.settlements import PayoutMethodFactory, worked_engagement

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, sign_in, sign_in_staff

pytestmark = pytest.mark.browser

XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive


def _paid_label() -> str:
    """The statement's "paid" badge as the site shows it in Chinese."""
    with translation.override("zh-hans"):
        return translation.pgettext("payment status", "Paid")


def _yuan(amount_fen: int) -> str:
    """An amount as typed into the sandbox form: 82.50."""
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"


def test_e5_1_s4_2_f3_2_employer_funds_escrow_finance_pays_the_batch_student_sees_paid_on_phone(
        make_page, live_server, settings, tmp_path):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PAYMENTS_SANDBOX = True  # the live server runs in this process and reads settings per request

    # given: a ready statement (3 h at ¥25.00 → ¥75.00 to the student, ¥7.50 commission) and an empty escrow
    engagement = worked_engagement(hours=[(180, 0)], base_rate_fen=2500, title="咖啡店周末店员")
    settlement = settlement_prepare(engagement_id=engagement.pk)
    assert settlement.status == SettlementStatus.READY
    assert (settlement.student_total_fen, settlement.commission_fen, settlement.employer_total_fen) == (
        7500, 750, 8250)
    employer_id, student = settlement.employer_id, settlement.student
    owner = settlement.employer.members.select_related("user").first().user
    assert account_balance(employer_escrow(employer_id)) == 0
    # and: the student's default payout method, a bank card in their own name
    card = PayoutMethodFactory(student=student)
    last_four = card.account_number[-4:]
    reference = funding_reference_for(employer_id).code

    # when: the employer, at a desk, opens their statements: the amount due, waiting for their payment
    desk = make_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(desk, owner.email)
    desk.goto(reverse("settlements:employer_home"))
    row = desk.locator(f"#settlement-{settlement.pk}")
    expect(row.locator(".statement-total")).to_have_text(format_fen(8250))
    expect(row.locator(".badge.settlement-ready")).to_be_visible()

    # and: opens the funding page: an empty escrow, the statement due, and their funding reference
    desk.goto(reverse("funding:page"))
    expect(desk.locator("#escrow-balance .amount")).to_have_text(format_fen(0))
    expect(desk.locator(f"#owed #unpaid-{settlement.pk} .amount")).to_have_text(format_fen(8250))
    expect(desk.locator(f"#unpaid-{settlement.pk}")).to_contain_text("咖啡店周末店员")
    expect(desk.locator("#committed .amount")).to_have_text(format_fen(8250))
    expect(desk.locator("#funding-reference")).to_have_text(reference)

    # and: pays the amount due with the sandbox payment
    sandbox = desk.locator("#sandbox form")
    sandbox.locator("[name=amount]").fill(_yuan(settlement.employer_total_fen))
    sandbox.locator("[type=submit]").click()
    desk.wait_for_url(f"**{reverse('funding:page')}")

    # then: the payment is in escrow and listed among the payments in
    expect(desk.locator(".message-success")).to_be_visible()
    expect(desk.locator("#escrow-balance .amount")).to_have_text(format_fen(8250))
    expect(desk.locator("#payments-in .statement-lines li")).to_have_count(1)
    expect(desk.locator("#payments-in .statement-lines li .amount")).to_have_text(format_fen(8250))
    assert account_balance(employer_escrow(employer_id)) == 8250

    # when: the funding sweep runs (beat's task; the live server shares the database)
    settlements_fund_ready()

    # then: the statement is funded, its payout due P1 working days later; escrow is empty again
    settlement = Settlement.objects.get(pk=settlement.pk)
    assert settlement.status == SettlementStatus.FUNDED
    assert settlement.payout_due_at > settlement.funded_at
    assert account_balance(employer_escrow(employer_id)) == 0
    assert account_balance(student_payable(student.pk)) == 7500
    desk.goto(reverse("funding:page"))
    expect(desk.locator("#escrow-balance .amount")).to_have_text(format_fen(0))
    expect(desk.locator("#owed [id^=unpaid-]")).to_have_count(0)  # nothing waiting for their payment
    expect(desk.locator("#committed .amount")).to_have_text(format_fen(0))

    # when: on the payout day the day's batch is built
    batch = payout_batch_build(now=settlement.payout_due_at)
    assert batch is not None and batch.payout_count == 1 and batch.total_fen == 7500

    # and: a finance staff member (TOTP) opens the batch from the admin's list of payout batches
    admin = make_page(viewport=DESKTOP, locale="en-US")
    finance_user = sign_in_staff(admin, live_server, "finance")
    admin.goto(reverse("admin:settlements_payoutbatch_changelist"))
    change_url = reverse("admin:settlements_payoutbatch_change", args=[batch.pk])
    admin.locator(f'#result_list a[href="{change_url}"]').click()
    admin.wait_for_url(f"**{change_url}")
    expect(admin.locator("#content")).to_contain_text(format_fen(7500))
    expect(admin.locator("#content")).to_contain_text(last_four)  # the masked account on the payout line
    assert card.account_number not in admin.content()  # the full number is only in the file

    # and: downloads the bank's bulk-transfer file
    bank_form = admin.locator(
        f'form[action="{reverse("admin:settlements_payoutbatch_download_bank", args=[batch.pk])}"]')
    with admin.expect_download() as download_info:
        bank_form.locator("[type=submit]").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(XLSX_MAGIC)
    batch = PayoutBatch.objects.get(pk=batch.pk)
    assert batch.exported_at is not None
    assert set(Payout.objects.filter(batch=batch).values_list("status", flat=True)) == {Payout.Status.SENT}

    # and: after the bank executed it, confirms the batch as paid
    # (issue 23) a confirmation step that shows the count and total first
    admin.locator("#confirm-batch").click()
    expect(admin.locator("#confirm-summary")).to_contain_text("1")
    admin.locator("form [type=submit].default").click()
    admin.wait_for_url(f"**{change_url}")
    expect(admin.locator(".messagelist .success")).to_be_visible()
    expect(admin.locator(".payout-batch-actions")).to_have_count(0)  # nothing left to do on a confirmed batch

    # then: the batch is confirmed by them, the payout and the statement are paid
    batch = PayoutBatch.objects.get(pk=batch.pk)
    assert batch.confirmed_by == finance_user and batch.confirmed_at is not None
    assert list(Payout.objects.filter(batch=batch).values_list("status", flat=True)) == [Payout.Status.PAID]
    settlement = Settlement.objects.get(pk=settlement.pk)
    assert settlement.status == SettlementStatus.PAID and settlement.paid_at is not None

    # when: the student, on a phone, opens My pay
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("settlements:student_home"))

    # then: the statement is paid, to the masked card, and the page fits the phone
    card_row = phone.locator(f"#settlement-{settlement.pk}")
    expect(card_row.locator(".statement-total")).to_have_text(format_fen(7500))
    expect(card_row.locator(".badge.settlement-paid")).to_have_text(_paid_label())
    expect(card_row.locator(".payout-status")).to_contain_text(f"{timezone.localtime(settlement.paid_at):%Y-%m-%d}")
    account = phone.locator("#payout-method .account")
    expect(account).to_contain_text(last_four)
    assert card.account_number not in phone.content()
    assert_no_horizontal_scroll(phone)

    # and: the ledger: nothing owed to the student, nothing in transit, escrow empty, all balanced
    assert account_balance(student_payable(student.pk)) == 0
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert account_balance(employer_escrow(employer_id)) == 0
    assert account_balance(platform_account(AccountKind.REVENUE_COMMISSIONS)) == 750
    assert LedgerTransaction.objects.filter(key=f"settlement:{settlement.pk}:wages").count() == 1
    assert ledger_integrity_check() == []
