"""Paying students exactly once (S4.2, F3.2): the day's batch, the bank and
Alipay files, finance's confirmation and a failed line."""

import datetime as dt
import io
import itertools
from collections import Counter

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import PersonalDataAccess
from core.models import Notification
from finance.ledger import (
    account_balance,
    employer_escrow,
    ledger_integrity_check,
    platform_account,
    student_payable,
    transaction_post,
)
from finance.models import AccountKind, LedgerEntry, LedgerTransaction
from settlements import exports, payouts
from settlements.funding import settlement_fund, settlements_fund_ready
from settlements.models import (
    Payout,
    PayoutBatch,
    PayoutMethod,
    Settlement,
    SettlementAdjustment,
    SettlementStatus,
)
from settlements.payouts import (
    BatchAlreadyConfirmed,
    payout_batch_build,
    payout_batch_confirm,
    payout_fail,
    payouts_reschedule_for_student,
)
from settlements.services import payout_method_set_default
from settlements.tasks import payout_batch_build_task
from tests.factories.accounts import StaffFactory
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import (
    DUE_AT,
    FUNDED_AT,
    aware,
    escrow_in,
    funded_settlement,
    ready_settlement,
)

pytestmark = pytest.mark.django_db


def paid_student_settlement(**method_kwargs) -> Settlement:
    """Funded on 30 Sep 2025 (due 11 Oct), the student has a default bank card."""
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
        PayoutMethodFactory(student=settlement.student, **method_kwargs)
    return settlement


def build(at: dt.datetime) -> PayoutBatch | None:
    with time_machine.travel(at, tick=False):
        return payout_batch_build()


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# ------------------------------------------------------------------ the batch
def test_s4_2_the_batch_takes_only_due_settlements():
    # given: one settlement due 11 Oct, one funded later (due after)
    due = paid_student_settlement()
    with time_machine.travel(aware(2025, 10, 9, 10), tick=False):
        later = funded_settlement()
        PayoutMethodFactory(student=later.student)
    # when: the batch is built a minute before, then at the due time
    assert build(DUE_AT - dt.timedelta(minutes=1)) is None
    batch = build(DUE_AT)
    # then: only the due one, moved from payable to payouts in transit
    assert list(batch.payouts.values_list("settlement_id", flat=True)) == [due.pk]
    assert (batch.payout_count, batch.total_fen) == (1, 7500)
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (SettlementStatus.PAYING, SettlementStatus.FUNDED)
    assert account_balance(student_payable(due.student_id)) == 0
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 7500
    # one combined posting for the chunk; the payout keeps its own key as its identity
    assert LedgerTransaction.objects.filter(key=f"payout-chunk:{batch.pk}:{due.pk}").count() == 1
    payout = batch.payouts.get()
    assert payout.ledger_key == f"payout:{due.pk}"
    assert (payout.method_kind, payout.account_masked) == ("bank_card", payout.method.account_masked)
    assert ledger_integrity_check() == []


def test_s4_2_a_student_without_a_payout_method_is_skipped_and_asked_once():
    # given: due, but no payout method
    with time_machine.travel(FUNDED_AT, tick=False):
        settlement = funded_settlement()
    # when: two days' batches
    assert build(DUE_AT) is None
    assert build(DUE_AT + dt.timedelta(days=2)) is None
    # then: still funded, the money still owed to them, asked once
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.FUNDED
    assert account_balance(student_payable(settlement.student_id)) == 7500
    assert Notification.objects.filter(recipient=settlement.student, subject__contains="payout method").count() == 1
    # when: they add one, the next batch pays them
    PayoutMethodFactory(student=settlement.student)
    batch = build(DUE_AT + dt.timedelta(days=3))
    assert batch.payouts.get().settlement_id == settlement.pk


def test_f3_2_a_batch_built_twice_pays_nothing_twice():
    # given
    settlement = paid_student_settlement()
    # when: the task delivered twice (a working Saturday: 11 Oct 2025)
    with time_machine.travel(DUE_AT, tick=False):
        first = payout_batch_build_task()
        second = payout_batch_build_task()
    # then
    assert first is not None and second is None
    assert Payout.objects.filter(settlement=settlement).count() == 1


def test_s4_2_the_batch_task_does_nothing_on_a_holiday():
    # given: due by National Day
    settlement = paid_student_settlement()
    # when: the beat fires on 3 Oct 2025 (holiday) after the due time has passed
    Settlement.objects.filter(pk=settlement.pk).update(payout_due_at=FUNDED_AT)
    with time_machine.travel(aware(2025, 10, 3, 9), tick=False):
        assert payout_batch_build_task() is None
    # then
    assert not Payout.objects.exists()


def test_f3_2_one_combined_posting_per_chunk_moves_every_students_payable_exactly(monkeypatch):
    # given: five due settlements, two of one student; chunks of two
    monkeypatch.setattr(payouts, "PAYOUT_CHUNK", 2)
    first = paid_student_settlement()
    with time_machine.travel(FUNDED_AT, tick=False):
        second = funded_settlement(student=first.student)
    others = [paid_student_settlement() for _ in range(3)]
    everyone = [first, second, *others]
    # when
    batch = build(DUE_AT)
    # then: three chunk postings (2 + 2 + 1), each balanced, Dr payables / Cr payouts in transit
    chunks = list(LedgerTransaction.objects.filter(kind="payout").order_by("pk"))
    assert [t.key for t in chunks] == [f"payout-chunk:{batch.pk}:{s.pk}" for s in (first, others[0], others[2])]
    clearing = platform_account(AccountKind.PAYOUT_CLEARING)
    for txn in chunks:
        entries = list(LedgerEntry.objects.filter(transaction=txn))
        assert sum(e.amount_fen for e in entries) == 0
        assert [e.amount_fen for e in entries if e.account_id == clearing.pk] == [
            -sum(e.amount_fen for e in entries if e.account_id != clearing.pk)]
    # the first chunk holds one line for the student with two settlements: 2 × ¥75.00
    assert sorted(e.amount_fen for e in LedgerEntry.objects.filter(transaction=chunks[0])) == [-15000, 15000]
    assert all(account_balance(student_payable(s.student_id)) == 0 for s in everyone)
    assert account_balance(clearing) == 5 * 7500 == batch.total_fen
    assert sorted(batch.payouts.values_list("ledger_key", flat=True)) == sorted(f"payout:{s.pk}" for s in everyone)
    assert ledger_integrity_check() == []


def test_f3_2_a_chunk_of_many_students_posts_in_parts_that_each_balance(monkeypatch):
    # given: three students in one chunk, at most two students per posting
    monkeypatch.setattr(payouts, "POSTING_STUDENTS", 2)
    settlements = [paid_student_settlement() for _ in range(3)]
    # when
    batch = build(DUE_AT)
    # then: `<key>` and `<key>:2`, together moving every payable exactly once
    first = min(s.pk for s in settlements)
    assert sorted(LedgerTransaction.objects.filter(kind="payout").values_list("key", flat=True)) == [
        f"payout-chunk:{batch.pk}:{first}", f"payout-chunk:{batch.pk}:{first}:2"]
    assert all(account_balance(student_payable(s.student_id)) == 0 for s in settlements)
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 3 * 7500
    assert ledger_integrity_check() == []


def test_f3_2_a_failed_line_returns_exactly_its_amount_from_the_combined_posting():
    # given: three students in one chunk posting
    settlements = [paid_student_settlement() for _ in range(3)]
    batch = build(DUE_AT)
    failing = batch.payouts.get(settlement=settlements[1])
    # when: one line fails, and finance clicks "failed" twice
    payout_fail(payout_id=failing.pk, actor=StaffFactory(role="finance"), reason="name does not match")
    with pytest.raises(payouts.PayoutNotOutstanding):
        payout_fail(payout_id=failing.pk, actor=StaffFactory(role="finance"), reason="again")
    # then: exactly its amount is back with that student, nothing with the others
    assert LedgerTransaction.objects.filter(key=f"payout:{settlements[1].pk}:failed").count() == 1
    assert [account_balance(student_payable(s.student_id)) for s in settlements] == [0, 7500, 0]
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 2 * 7500
    batch = PayoutBatch.objects.get(pk=batch.pk)
    assert (batch.payout_count, batch.total_fen) == (2, 15000)
    assert ledger_integrity_check() == []


def funded_adjustment(settlement: Settlement, amount_fen: int = 2000, *, due=DUE_AT) -> SettlementAdjustment:
    """A dispute's extra pay, funded from the employer's escrow (what H2's adjustment_fund posts)."""
    adjustment = SettlementAdjustment.objects.create(settlement=settlement, student=settlement.student,
                                                     employer=settlement.employer, amount_fen=amount_fen)
    escrow_in(settlement.employer_id, amount_fen, key=f"adj-in-{adjustment.pk}")
    transaction_post(key=f"adjustment:{adjustment.pk}:fund", kind="adjustment_fund", memo="extra pay", lines=[
        (employer_escrow(settlement.employer_id), amount_fen), (student_payable(settlement.student_id), -amount_fen)])
    SettlementAdjustment.objects.filter(pk=adjustment.pk).update(status=SettlementAdjustment.Status.FUNDED,
                                                                 funded_at=FUNDED_AT, payout_due_at=due)
    return SettlementAdjustment.objects.get(pk=adjustment.pk)


def test_s4_3_a_funded_adjustment_is_paid_once_in_the_batch():
    # given: a paid settlement and, after a dispute, ¥20.00 extra pay funded and due
    settlement = paid_student_settlement()
    payout_batch_confirm(batch_id=build(DUE_AT).pk, actor=StaffFactory(role="finance"))
    adjustment = funded_adjustment(settlement, due=DUE_AT + dt.timedelta(days=2))
    # when: the batch is built twice (a redelivered task), then confirmed
    batch = build(DUE_AT + dt.timedelta(days=2))
    assert build(DUE_AT + dt.timedelta(days=2, minutes=5)) is None
    payout = batch.payouts.get()
    assert (payout.adjustment_id, payout.settlement_id, payout.amount_fen, payout.ledger_key) == (
        adjustment.pk, settlement.pk, 2000, f"payout:adj{adjustment.pk}")
    assert SettlementAdjustment.objects.get(pk=adjustment.pk).status == SettlementAdjustment.Status.PAYING
    assert account_balance(student_payable(settlement.student_id)) == 0
    payout_batch_confirm(batch_id=batch.pk, actor=StaffFactory(role="finance"))
    # then: the adjustment is paid, the settlement stays as it was, the money left once
    adjustment = SettlementAdjustment.objects.get(pk=adjustment.pk)
    assert adjustment.status == SettlementAdjustment.Status.PAID and adjustment.paid_at is not None
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.PAID
    assert Payout.objects.filter(adjustment=adjustment).count() == 1
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    # the bank: ¥82.50 + ¥20.00 in, ¥75.00 + ¥20.00 out; the commission stays
    assert account_balance(platform_account(AccountKind.BANK_CLEARING)) == 8250 + 2000 - 7500 - 2000
    assert Notification.objects.filter(recipient=settlement.student, subject__contains="¥20.00").count() == 1
    assert ledger_integrity_check() == []


def test_s4_3_a_failed_adjustment_payout_waits_for_new_details_then_is_paid_again():
    # given: an adjustment in a batch
    settlement = paid_student_settlement()
    payout_batch_confirm(batch_id=build(DUE_AT).pk, actor=StaffFactory(role="finance"))
    adjustment = funded_adjustment(settlement)
    batch = build(DUE_AT + dt.timedelta(days=1))
    # when: its line fails
    payout_fail(payout_id=batch.payouts.get().pk, actor=StaffFactory(role="finance"), reason="card closed")
    # then: funded again, waiting for details, its money back in the payable; the settlement untouched
    adjustment = SettlementAdjustment.objects.get(pk=adjustment.pk)
    assert (adjustment.status, adjustment.payout_due_at) == (SettlementAdjustment.Status.FUNDED, None)
    assert Settlement.objects.get(pk=settlement.pk).status == SettlementStatus.PAID
    assert account_balance(student_payable(settlement.student_id)) == 2000
    assert build(DUE_AT + dt.timedelta(days=2)) is None
    # when: the student fixes their details; the next batch pays it as attempt 2
    assert payouts_reschedule_for_student(student_id=settlement.student_id) == 1
    later = build(timezone.now() + dt.timedelta(minutes=1))
    retry = later.payouts.get()
    assert (retry.adjustment_id, retry.attempt, retry.ledger_key) == (
        adjustment.pk, 2, f"payout:adj{adjustment.pk}:attempt2")
    payout_batch_confirm(batch_id=later.pk, actor=StaffFactory(role="finance"))
    assert SettlementAdjustment.objects.get(pk=adjustment.pk).status == SettlementAdjustment.Status.PAID
    assert account_balance(student_payable(settlement.student_id)) == 0
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert ledger_integrity_check() == []


# ------------------------------------------------------------------ the files
def test_f3_2_the_bank_file_is_valid_xlsx_with_yuan_amounts_and_no_formulas():
    # given: a bank card whose holder name is a formula
    settlement = paid_student_settlement(account_holder='=HYPERLINK("http://evil.example","click")')
    batch = build(DUE_AT)
    staff = StaffFactory(role="finance")
    # when
    rows = read_xlsx(exports.batch_bank_file(batch, staff=staff))
    # then: text cells, the full account number, the amount in yuan, the payout id in the remark
    payout = batch.payouts.get()
    assert rows[0] == ["序号", "收款账号", "收款户名", "收款银行", "金额(元)", "备注"]
    assert rows[1][:5] == ["1", payout.method.account_number, '=HYPERLINK("http://evil.example","click")',
                           "中国工商银行", "75.00"]
    assert str(payout.pk) in rows[1][5]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.batch_bank_file(batch, staff=staff))).active
    assert sheet["C2"].data_type == "s"  # a string, not a formula
    # and: every export is in the personal data access log
    assert PersonalDataAccess.objects.filter(staff=staff, reason="payout batch export").count() == 2
    assert settlement.student.student_profile.real_name not in rows[1]  # the holder as on the card


def test_f3_2_the_alipay_file_lists_only_alipay_lines():
    # given: one Alipay, one bank card
    alipay = paid_student_settlement(kind=PayoutMethod.Kind.ALIPAY, account_number="13812345678", bank_name="")
    paid_student_settlement()
    batch = build(DUE_AT)
    # when
    rows = read_xlsx(exports.batch_alipay_file(batch, staff=StaffFactory(role="finance")))
    # then
    assert rows[0] == ["序号", "收款账号", "收款户名", "金额(元)", "备注"]
    assert len(rows) == 2 and rows[1][1] == "13812345678" and rows[1][3] == "75.00"
    assert alipay.student.student_profile.real_name == rows[1][2]


def test_f3_2_amounts_are_written_in_yuan_from_integer_fen():
    assert [exports.yuan(n) for n in (0, 5, 100, 12345, 100000001)] == [
        "0.00", "0.05", "1.00", "123.45", "1000000.01"]


# ------------------------------------------------------------------ confirm and fail
def test_f3_2_confirming_twice_pays_once():
    # given
    settlement = paid_student_settlement()
    batch = build(DUE_AT)
    staff = StaffFactory(role="finance")
    # when: a double click
    with time_machine.travel(DUE_AT + dt.timedelta(hours=2), tick=False):
        payout_batch_confirm(batch_id=batch.pk, actor=staff)
        with pytest.raises(BatchAlreadyConfirmed):
            payout_batch_confirm(batch_id=batch.pk, actor=staff)
    # then: paid once; payouts in transit emptied into the bank account
    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.PAID
    assert batch.payouts.get().status == Payout.Status.PAID
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert Notification.objects.filter(recipient=settlement.student, subject__contains="paid").count() == 1
    assert ledger_integrity_check() == []


def test_f3_2_a_failed_line_returns_the_money_and_is_paid_in_a_later_batch():
    # given: two lines in a batch
    failing, fine = paid_student_settlement(), paid_student_settlement()
    batch = build(DUE_AT)
    staff = StaffFactory(role="finance")
    failed_payout = batch.payouts.get(settlement=failing)
    # when: the bank refuses one; finance confirms the rest
    with time_machine.travel(DUE_AT + dt.timedelta(hours=2), tick=False):
        payout_fail(payout_id=failed_payout.pk, actor=staff, reason="account closed")
        payout_batch_confirm(batch_id=batch.pk, actor=staff)
    # then: its money is back in the student's payable; the other is paid
    failing.refresh_from_db()
    fine.refresh_from_db()
    assert (failing.status, fine.status) == (SettlementStatus.FUNDED, SettlementStatus.PAID)
    assert failing.is_waiting_for_payout_details
    assert account_balance(student_payable(failing.student_id)) == 7500
    assert Notification.objects.filter(recipient=failing.student, subject__contains="check your payout").exists()
    assert build(DUE_AT + dt.timedelta(days=1)) is None  # not again before the details are fixed
    client = Client()
    client.force_login(failing.student)
    assert "Payout failed — fix your payout details" in client.get(reverse("settlements:student_home")).content.decode()
    # when: the student adds and picks a new card, and the next batch runs
    method = PayoutMethodFactory(student=failing.student, is_default=False)
    with time_machine.travel(DUE_AT + dt.timedelta(days=2), tick=False):
        payout_method_set_default(student=failing.student, method_id=method.pk)
    later = build(DUE_AT + dt.timedelta(days=2, minutes=1))
    payout_batch_confirm(batch_id=later.pk, actor=staff)
    # then: paid once, to the new card
    failing.refresh_from_db()
    assert failing.status == SettlementStatus.PAID
    assert list(failing.payouts.order_by("attempt").values_list("status", "method_id")) == [
        (Payout.Status.FAILED, failed_payout.method_id), (Payout.Status.PAID, method.pk)]
    assert account_balance(student_payable(failing.student_id)) == 0
    assert ledger_integrity_check() == []


# ------------------------------------------------------------------ pages
def test_s4_2_my_pay_shows_funded_due_date_then_paid(client):
    # given
    settlement = paid_student_settlement()
    client.force_login(settlement.student)
    # when/then: funded, due 11 Oct
    html = client.get(reverse("settlements:student_home")).content.decode()
    assert "Funded, paid by 2025-10-11" in html
    # when/then: paid
    batch = build(DUE_AT)
    with time_machine.travel(DUE_AT + dt.timedelta(hours=2), tick=False):
        payout_batch_confirm(batch_id=batch.pk, actor=StaffFactory(role="finance"))
    html = client.get(reverse("settlements:student_home")).content.decode()
    assert "Paid on 2025-10-11" in html


def test_f3_2_finance_downloads_and_confirms_in_the_admin(admin_client_for):
    # given
    settlement = paid_student_settlement()
    batch = build(DUE_AT)
    client = admin_client_for("finance")
    # when: the change page, then the bank file, then confirm
    page = client.get(reverse("admin:settlements_payoutbatch_change", args=[batch.pk]))
    download = client.post(reverse("admin:settlements_payoutbatch_download_bank", args=[batch.pk]))
    step = client.get(reverse("admin:settlements_payoutbatch_confirm", args=[batch.pk]))  # issue 23
    assert "This marks 1 payout as paid, ¥75.00 in total." in step.content.decode()
    confirm = client.post(reverse("admin:settlements_payoutbatch_confirm", args=[batch.pk]),
                          {"expected": step.context["expected"]})
    # then
    assert page.status_code == 200 and "Confirm batch as paid" in page.content.decode()
    assert download.status_code == 200 and download["Content-Type"].endswith("spreadsheetml.sheet")
    assert read_xlsx(download.content)[1][4] == "75.00"
    assert confirm.status_code == 302
    settlement.refresh_from_db()
    batch.refresh_from_db()
    assert (batch.status, settlement.status) == (PayoutBatch.Status.CONFIRMED, SettlementStatus.PAID)


def test_f3_2_other_staff_cannot_execute_a_batch(admin_client_for):
    paid_student_settlement()
    batch = build(DUE_AT)
    client = admin_client_for("customer_service")
    response = client.post(reverse("admin:settlements_payoutbatch_confirm", args=[batch.pk]))
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.OPEN


def test_f3_2_finance_marks_a_line_failed_with_a_reason_in_the_admin(admin_client_for):
    settlement = paid_student_settlement()
    payout = build(DUE_AT).payouts.get()
    client = admin_client_for("finance")
    url = reverse("admin:settlements_payout_fail", args=[payout.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "name does not match"})
    assert response.status_code == 302
    payout.refresh_from_db()
    settlement.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (Payout.Status.FAILED, "name does not match")
    assert settlement.status == SettlementStatus.FUNDED


# ------------------------------------------------------------------ the lifecycle, stateful
KEYS = itertools.count(1)  # examples share the test's database: ledger keys must differ across them


class PayoutLifecycle(RuleBasedStateMachine):
    """Fund, build batches, confirm, fail lines, fix details, withdraw unused escrow in
    any order: the ledger stays consistent and no settlement is ever paid twice."""

    def __init__(self):
        super().__init__()
        self.staff = StaffFactory(role="finance")
        self.later = timezone.now() + dt.timedelta(days=60)  # every funded settlement is due by then

    settlements = Bundle("settlements")

    @rule(target=settlements, with_method=st.booleans())
    def statement_ready(self, with_method):
        settlement = ready_settlement()
        if with_method:
            PayoutMethodFactory(student=settlement.student)
        return settlement.pk

    @rule(settlement_id=settlements, amount=st.sampled_from([3000, 8250, 20_000]))
    def employer_pays_in(self, settlement_id, amount):
        escrow_in(Settlement.objects.get(pk=settlement_id).employer_id, amount, key=f"in-{next(KEYS)}")

    @rule(settlement_id=settlements)
    def employer_withdraws_unused_escrow(self, settlement_id):
        employer_id = Settlement.objects.get(pk=settlement_id).employer_id
        balance = account_balance(employer_escrow(employer_id))
        if balance:
            transaction_post(key=f"refund-{next(KEYS)}", kind="escrow_refund", memo="refund", lines=[
                (employer_escrow(employer_id), balance), (platform_account(AccountKind.BANK_CLEARING), -balance)])

    @rule(settlement_id=settlements)
    def fund(self, settlement_id):
        settlement_fund(settlement_id=settlement_id)

    @rule()
    def sweep(self):
        settlements_fund_ready()

    @rule()
    def build_batch(self):
        payout_batch_build(now=self.later)

    @rule(twice=st.booleans())
    def confirm_a_batch(self, twice):
        batch = PayoutBatch.objects.exclude(status=PayoutBatch.Status.CONFIRMED).order_by("pk").first()
        if batch is None:
            return
        payout_batch_confirm(batch_id=batch.pk, actor=self.staff)
        if twice:
            with pytest.raises(BatchAlreadyConfirmed):
                payout_batch_confirm(batch_id=batch.pk, actor=self.staff)

    @rule()
    def a_line_fails(self):
        payout = Payout.objects.filter(status__in=[Payout.Status.QUEUED, Payout.Status.SENT]).order_by("pk").first()
        if payout is not None:
            payout_fail(payout_id=payout.pk, actor=self.staff, reason="refused by the bank")

    @rule(settlement_id=settlements)
    def student_fixes_details(self, settlement_id):
        student = Settlement.objects.get(pk=settlement_id).student
        method = PayoutMethodFactory(student=student, is_default=False)
        payout_method_set_default(student=student, method_id=method.pk)

    @invariant()
    def the_books_balance(self):
        assert ledger_integrity_check() == []

    @invariant()
    def nobody_is_paid_twice(self):
        paid = Counter(Payout.objects.filter(status=Payout.Status.PAID).values_list("settlement_id", flat=True))
        assert all(n == 1 for n in paid.values()), paid
        assert set(paid) == set(Settlement.objects.filter(status=SettlementStatus.PAID, student_total_fen__gt=0)
                                .values_list("pk", flat=True))

    @invariant()
    def money_in_transit_is_the_outstanding_payouts(self):
        outstanding = Payout.objects.filter(status__in=[Payout.Status.QUEUED, Payout.Status.SENT])
        assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == sum(
            outstanding.values_list("amount_fen", flat=True))
        live = Counter(outstanding.values_list("settlement_id", flat=True))
        assert set(live) == set(Settlement.objects.filter(status=SettlementStatus.PAYING).values_list("pk", flat=True))

    @invariant()
    def what_students_are_owed_is_their_funded_settlements(self):
        for student_id in Settlement.objects.values_list("student_id", flat=True).distinct():
            owed = sum(Settlement.objects.filter(student_id=student_id, status=SettlementStatus.FUNDED)
                       .values_list("student_total_fen", flat=True))
            assert account_balance(student_payable(student_id)) == owed


def test_f3_2_the_payout_lifecycle_keeps_the_books_and_pays_once(db):
    run_state_machine_as_test(PayoutLifecycle, settings=settings(
        max_examples=10, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
