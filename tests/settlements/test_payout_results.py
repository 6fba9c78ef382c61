"""The bank's and Alipay's result file for a payout batch (F3.2): failed lines
back to the students' payables, successful ones paid, the batch confirmed once
nothing is outstanding; a wrong file applies nothing, the same file twice
changes nothing the second time."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import NotPermitted
from finance.ledger import account_balance, ledger_integrity_check, platform_account, student_payable
from finance.models import AccountKind, LedgerTransaction
from settlements.exports import ResultFileInvalid, result_file_parse
from settlements.models import Payout, PayoutBatch, SettlementStatus
from settlements.payouts import payout_batch_import_results
from tests.factories.accounts import StaffFactory
from tests.settlements.test_payouts import DUE_AT, build, paid_student_settlement

pytestmark = pytest.mark.django_db


def csv_file(rows: list[list[str]], *, encoding: str = "utf-8", name: str = "result.csv") -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def remark(payout: Payout) -> str:
    return f"兼职平台报酬，打款编号 {payout.pk}"  # as the batch file's 备注 column writes it


def three_line_batch():
    settlements = [paid_student_settlement() for _ in range(3)]
    batch = build(DUE_AT)
    return settlements, batch, [batch.payouts.get(settlement=s) for s in settlements]


def test_f3_2_a_result_file_pays_the_successes_fails_the_failures_and_confirms_the_batch():
    # given: a batch of three; the bank paid two and refused one
    settlements, batch, (ok1, bad, ok2) = three_line_batch()
    finance = StaffFactory(role="finance")
    upload = csv_file([["序号", "收款账号", "金额(元)", "备注", "状态", "失败原因"],
                       ["1", "x", "75.00", remark(ok1), "成功", ""],
                       ["2", "x", "75.00", remark(bad), "失败", "户名不符"],
                       ["3", "x", "75.00", remark(ok2), "成功", ""]], encoding="gb18030")
    # when
    summary = payout_batch_import_results(batch_id=batch.pk, file=upload, actor=finance)
    # then
    assert (summary.paid, summary.failed, summary.outstanding, summary.batch_confirmed) == (2, 1, 0, True)
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.CONFIRMED
    assert [Payout.objects.get(pk=p.pk).status for p in (ok1, bad, ok2)] == [
        Payout.Status.PAID, Payout.Status.FAILED, Payout.Status.PAID]
    assert Payout.objects.get(pk=bad.pk).failure_reason == "户名不符"
    assert [type(s).objects.get(pk=s.pk).status for s in settlements] == [
        SettlementStatus.PAID, SettlementStatus.FUNDED, SettlementStatus.PAID]
    assert [account_balance(student_payable(s.student_id)) for s in settlements] == [0, 7500, 0]
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 0
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1
    assert ledger_integrity_check() == []


def test_f3_2_the_same_result_file_imported_twice_changes_nothing_the_second_time():
    # given: a file already applied
    _settlements, batch, (ok1, bad, ok2) = three_line_batch()
    finance = StaffFactory(role="finance")
    rows = [["备注", "状态", "失败原因"], [str(ok1.pk), "success", ""], [bad.ledger_key, "failed", "card closed"],
            [remark(ok2), "成功", ""]]
    payout_batch_import_results(batch_id=batch.pk, file=csv_file(rows), actor=finance)
    transactions = LedgerTransaction.objects.count()
    # when
    again = payout_batch_import_results(batch_id=batch.pk, file=csv_file(rows), actor=finance)
    # then
    assert (again.paid, again.failed, again.unchanged, again.batch_confirmed) == (0, 0, 3, True)
    assert LedgerTransaction.objects.count() == transactions
    assert Payout.objects.filter(status=Payout.Status.FAILED).count() == 1
    assert ledger_integrity_check() == []


def test_f3_2_an_unknown_reference_or_another_batchs_payout_rejects_the_whole_file():
    # given: this batch, and a payout of an earlier batch
    settlement_other = paid_student_settlement()
    other_batch = build(DUE_AT)
    other = other_batch.payouts.get(settlement=settlement_other)
    _settlements, batch, (ok1, bad, _ok2) = three_line_batch()
    finance = StaffFactory(role="finance")
    upload = csv_file([["备注", "状态", "失败原因"], [remark(ok1), "成功", ""], [remark(bad), "失败", "closed"],
                       ["打款编号 999999", "成功", ""], [remark(other), "成功", ""]])
    # when
    with pytest.raises(ResultFileInvalid) as error:
        payout_batch_import_results(batch_id=batch.pk, file=upload, actor=finance)
    # then: both rows named, nothing applied
    assert any("999999" in e for e in error.value.errors)
    assert any(str(other_batch.pk) in e and str(other.pk) in e for e in error.value.errors)
    assert len(error.value.errors) == 2
    assert set(batch.payouts.values_list("status", flat=True)) == {Payout.Status.QUEUED}
    assert not LedgerTransaction.objects.filter(kind__in=["payout_paid", "payout_failed"]).exists()
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.OPEN
    assert ledger_integrity_check() == []


def test_f3_2_a_partial_file_pays_its_lines_and_leaves_the_batch_open():
    # given: the bank's file covers two of three lines (the third went to Alipay, or is pending)
    _settlements, batch, (ok1, pending, missing) = three_line_batch()
    finance = StaffFactory(role="finance")
    wb = openpyxl.Workbook()
    wb.active.append(["备注", "状态"])
    wb.active.append([remark(ok1), "成功"])
    wb.active.append([remark(pending), "处理中"])
    data = io.BytesIO()
    wb.save(data)
    upload = SimpleUploadedFile("result.xlsx", data.getvalue())
    # when
    summary = payout_batch_import_results(batch_id=batch.pk, file=upload, actor=finance)
    # then
    assert (summary.paid, summary.pending, summary.outstanding, summary.batch_confirmed) == (1, 1, 2, False)
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.OPEN
    assert Payout.objects.get(pk=missing.pk).status == Payout.Status.QUEUED
    assert account_balance(platform_account(AccountKind.PAYOUT_CLEARING)) == 2 * 7500
    assert ledger_integrity_check() == []


def test_f3_2_a_result_contradicting_what_was_recorded_is_refused():
    _settlements, batch, (ok1, _b, _c) = three_line_batch()
    finance = StaffFactory(role="finance")
    payout_batch_import_results(batch_id=batch.pk, file=csv_file([["备注", "状态"], [remark(ok1), "成功"]]),
                                actor=finance)
    with pytest.raises(ResultFileInvalid):
        payout_batch_import_results(batch_id=batch.pk, file=csv_file([["备注", "状态", "原因"],
                                                                      [remark(ok1), "失败", "x"]]), actor=finance)
    assert Payout.objects.get(pk=ok1.pk).status == Payout.Status.PAID


def test_f3_2_result_file_rows_are_validated_by_row():
    data = "\ufeff备注,状态\n打款编号 1,成功\nno reference,成功\n打款编号 2,maybe\n".encode()
    with pytest.raises(ResultFileInvalid) as error:
        result_file_parse(data=data, file_name="r.csv")
    assert len(error.value.errors) == 2
    lines = result_file_parse(data="备注,状态\npayout:7,failed\n12,SUCCESS\n".encode(), file_name="r.csv")
    assert [(ln.payout_id, ln.ledger_key, ln.status) for ln in lines] == [(None, "payout:7", "failed"),
                                                                           (12, "", "success")]


def test_f3_2_only_staff_who_execute_batches_import_result_files(admin_client_for):
    _settlements, batch, (ok1, _b, _c) = three_line_batch()
    with pytest.raises(NotPermitted):
        payout_batch_import_results(batch_id=batch.pk, file=csv_file([["备注", "状态"], [remark(ok1), "成功"]]),
                                    actor=StaffFactory(role="customer_service"))
    url = reverse("admin:settlements_payoutbatch_import_results", args=[batch.pk])
    assert admin_client_for("customer_service").post(url, {"file": csv_file([["备注", "状态"]])}).status_code == 403
    assert Payout.objects.get(pk=ok1.pk).status == Payout.Status.QUEUED


def test_f3_2_finance_imports_a_result_file_in_the_admin(admin_client_for):
    # given
    _settlements, batch, payouts = three_line_batch()
    client = admin_client_for("finance")
    url = reverse("admin:settlements_payoutbatch_import_results", args=[batch.pk])
    assert "Import result file" in client.get(reverse("admin:settlements_payoutbatch_change",
                                                      args=[batch.pk])).content.decode()
    assert client.get(url).status_code == 200
    # when: a wrong file, then the right one
    wrong = client.post(url, {"file": csv_file([["备注", "状态"], ["打款编号 999999", "成功"]])})
    right = client.post(url, {"file": csv_file([["备注", "状态"], *[[remark(p), "成功"] for p in payouts]])})
    # then
    assert wrong.status_code == 200 and "999999" in wrong.content.decode()
    assert right.status_code == 302
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.CONFIRMED
    assert ledger_integrity_check() == []


def test_f3_2_the_documented_sample_result_file_parses():
    from bench.environment import REPO_ROOT

    data = (REPO_ROOT / "docs" / "samples" / "payout-result-sample.csv").read_bytes()
    lines = result_file_parse(data=data, file_name="payout-result-sample.csv")
    assert [(ln.payout_id, ln.status, ln.reason, ln.amount_fen) for ln in lines] == [
        (101, "success", "", 7500), (102, "failed", "户名与账号不符", 12000), (103, "pending", "", 6000)]


def test_j3_1_an_xlsx_bomb_result_file_is_refused_quickly_and_changes_nothing():
    # given: a result workbook whose shared strings expand to 136 MB (the statement reader's bomb)
    import time

    from django.conf import settings

    from tests.support.files import shared_strings_bomb, xlsx_bytes, xlsx_with_part

    _settlements, batch, (ok1, _bad, _ok2) = three_line_batch()
    finance = StaffFactory(role="finance")
    bomb = xlsx_with_part(xlsx_bytes([["备注", "状态"], [remark(ok1), "成功"]]),
                          *shared_strings_bomb(136 * 1024 * 1024))
    # when
    started = time.monotonic()
    with pytest.raises(ResultFileInvalid) as caught:
        payout_batch_import_results(batch_id=batch.pk, file=SimpleUploadedFile("result.xlsx", bomb), actor=finance)
    # then
    assert time.monotonic() - started < 2
    assert f"{settings.XLSX_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB" in " ".join(caught.value.errors)
    assert Payout.objects.get(pk=ok1.pk).status == Payout.Status.QUEUED
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 0
