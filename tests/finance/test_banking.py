"""Money in (E5.1): bank statements (CSV, GB18030 CSV, XLSX) are imported, lines
quoting a funding reference credit that employer's escrow (settling posting
fees owed first), the rest wait for finance staff to match or ignore them;
importing twice posts nothing twice, a malformed file saves nothing."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.errors import DomainError, NotPermitted
from core.history import history_for
from finance.banking import (
    StatementInvalid,
    bank_line_ignore,
    bank_line_match,
    funding_code,
    funding_code_in,
    funding_reference_for,
    statement_import,
)
from finance.fees import posting_fee_charge
from finance.ledger import (
    account_balance,
    employer_escrow,
    employer_receivable,
    ledger_integrity_check,
    platform_account,
)
from finance.models import AccountKind, BankStatementImport, BankStatementLine, LedgerTransaction
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory
from tests.support.files import billion_laughs, shared_strings_bomb, xlsx_bytes, xlsx_with_part

pytestmark = pytest.mark.django_db

HEADER = ["交易日期", "金额", "付款人", "附言", "流水号"]


def csv_file(rows, *, header=HEADER, encoding="utf-8", name="statement.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(f'"{c}"' for c in row) for row in [header, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def escrow(employer) -> int:
    return account_balance(employer_escrow(employer.pk))


@pytest.fixture
def finance():
    return StaffFactory(role="finance")


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


# ------------------------------------------------------------------ the funding reference
def test_e5_1_funding_reference_is_created_once_and_its_check_letter_catches_typos(employer):
    # when
    reference = funding_reference_for(employer.pk)
    # then: the same reference every time, JZ + 8 digits + a check letter
    assert funding_reference_for(employer.pk) == reference
    assert reference.code == funding_code(employer.pk)
    assert reference.code.startswith(f"JZ{employer.pk:08d}") and len(reference.code) == 11
    # a reference typed loosely in the remark still matches; one wrong digit does not
    assert funding_code_in(f"工资 {reference.code.lower()[:6]}-{reference.code.lower()[6:]}") == reference.code
    digits = list(reference.code[2:10])
    digits[-1] = str((int(digits[-1]) + 1) % 10)
    assert funding_code_in("JZ" + "".join(digits) + reference.code[-1]) is None


# ------------------------------------------------------------------ importing
def test_e5_1_csv_statement_credits_the_escrow_of_the_employer_named_in_the_reference(finance, employer):
    # given: a UTF-8 CSV with BOM, as Excel saves it
    code = funding_reference_for(employer.pk).code
    upload = csv_file([["2026-11-20", "1,234.50", "示例公司", f"{code} 11月工资", "T0001"]], encoding="utf-8-sig")
    # when
    statement = statement_import(uploaded_file=upload, actor=finance)
    # then
    line = BankStatementLine.objects.get()
    assert (line.status, line.matched_employer, line.amount_fen) == (BankStatementLine.Status.MATCHED, employer,
                                                                     123450)
    assert escrow(employer) == 123450
    assert account_balance(platform_account(AccountKind.BANK_CLEARING)) == 123450
    assert LedgerTransaction.objects.get().key == "bank-line:T0001"
    assert LedgerTransaction.objects.get().source == line  # the statement line it is for (F3.3)
    assert (statement.created_count, statement.matched_count) == (1, 1)
    assert statement.status == BankStatementImport.Status.COMPLETE
    assert ledger_integrity_check() == []


def test_e5_1_gb18030_csv_from_a_chinese_bank_is_read(finance, employer):
    # given: online banking's export, GB18030 with English headers
    code = funding_reference_for(employer.pk).code
    upload = csv_file([["2026/11/20", "¥800", "上海示例餐饮管理有限公司", f"货款 {code}", "GB-1"]],
                      header=["booked_on", "Amount", "payer", "reference", "transaction_id"], encoding="gb18030")
    # when
    statement_import(uploaded_file=upload, actor=finance)
    # then
    line = BankStatementLine.objects.get()
    assert line.payer_name == "上海示例餐饮管理有限公司" and line.reference_text == f"货款 {code}"
    assert escrow(employer) == 80000
    assert ledger_integrity_check() == []


def test_e5_1_xlsx_statement_with_title_rows_and_number_cells_is_read(finance, employer):
    # given: a workbook with the account above the header, a date cell, number cells
    import datetime as dt

    code = funding_reference_for(employer.pk).code
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["账户明细", "6222 0000 0000"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append([dt.date(2026, 11, 20), 1234.5, "示例公司", code, 20261120000123])
    sheet.append([dt.datetime(2026, 11, 21, 9, 30), 66, "李四", "no reference", "X-2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("statement.xlsx", buffer.getvalue())
    # when
    statement = statement_import(uploaded_file=upload, actor=finance)
    # then
    matched = BankStatementLine.objects.get(transaction_id="20261120000123")
    assert (matched.amount_fen, matched.booked_on, matched.line_number) == (123450, dt.date(2026, 11, 20), 4)
    assert BankStatementLine.objects.get(transaction_id="X-2").amount_fen == 6600
    assert escrow(employer) == 123450
    assert statement.status == BankStatementImport.Status.NEEDS_MATCHING
    assert ledger_integrity_check() == []


def test_e5_1_a_payment_in_settles_the_posting_fees_owed_first(finance, employer):
    # given: the employer owes ¥30 of posting fees
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=3000, memo="fee")
    code = funding_reference_for(employer.pk).code
    # when: it pays ¥100
    statement_import(uploaded_file=csv_file([["2026-11-20", "100.00", "p", code, "T1"]]), actor=finance)
    # then: ¥30 settle the fees, ¥70 stay in escrow
    assert account_balance(employer_receivable(employer.pk)) == 0
    assert escrow(employer) == 7000
    line = BankStatementLine.objects.get()
    assert LedgerTransaction.objects.filter(key=f"receivable-settle:{line.pk}").exists()
    assert ledger_integrity_check() == []


def test_e5_1_a_payment_smaller_than_the_fees_owed_settles_what_it_can(finance, employer):
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=3000, memo="fee")
    code = funding_reference_for(employer.pk).code
    # when: it pays ¥10
    statement_import(uploaded_file=csv_file([["2026-11-20", "10", "p", code, "T1"]]), actor=finance)
    # then
    assert account_balance(employer_receivable(employer.pk)) == 2000
    assert escrow(employer) == 0
    assert ledger_integrity_check() == []


def test_e5_1_importing_the_same_statement_twice_posts_nothing_twice(finance, employer):
    # given
    code = funding_reference_for(employer.pk).code
    rows = [["2026-11-20", "500.00", "p", code, "T1"], ["2026-11-20", "20.00", "q", "?", "T2"]]
    statement_import(uploaded_file=csv_file(rows), actor=finance)
    # when: imported again, and an overlapping statement with one new line
    again = statement_import(uploaded_file=csv_file(rows), actor=finance)
    overlap = statement_import(uploaded_file=csv_file([*rows, ["2026-11-21", "1.00", "p", code, "T3"]]),
                               actor=finance)
    # then
    assert (again.created_count, again.duplicate_count, again.matched_count) == (0, 2, 0)
    assert (overlap.created_count, overlap.duplicate_count) == (1, 2)
    assert BankStatementLine.objects.count() == 3
    assert escrow(employer) == 50100
    assert ledger_integrity_check() == []


def test_e5_1_a_line_without_a_known_reference_waits_for_manual_matching(finance, employer):
    # given: a reference with a wrong check letter, and none at all
    wrong = funding_code(employer.pk)[:-1] + ("A" if funding_code(employer.pk)[-1] != "A" else "B")
    rows = [["2026-11-20", "300.00", "p", wrong, "T1"], ["2026-11-20", "20.00", "q", "", "T2"]]
    # when
    statement = statement_import(uploaded_file=csv_file(rows), actor=finance)
    # then
    assert set(BankStatementLine.objects.values_list("status", flat=True)) == {BankStatementLine.Status.UNMATCHED}
    assert statement.status == BankStatementImport.Status.NEEDS_MATCHING
    assert LedgerTransaction.objects.count() == 0


def test_e5_1_finance_matches_a_waiting_line_by_hand_and_it_posts_like_an_automatic_match(finance, employer):
    # given: a waiting line, and ¥5 of posting fees owed
    posting_fee_charge(employer_id=employer.pk, job_id=1, amount_fen=500, memo="fee")
    statement = statement_import(uploaded_file=csv_file([["2026-11-20", "300.00", "公司", "工资", "T1"]]),
                                 actor=finance)
    line = BankStatementLine.objects.get()
    # when
    bank_line_match(line_id=line.pk, employer_id=employer.pk, actor=finance)
    # then
    line.refresh_from_db()
    assert (line.status, line.matched_employer, line.decided_by) == (BankStatementLine.Status.MANUAL, employer,
                                                                     finance)
    assert escrow(employer) == 29500 and account_balance(employer_receivable(employer.pk)) == 0
    assert [h.transition for h in history_for(line)] == ["match"]
    statement.refresh_from_db()
    assert statement.status == BankStatementImport.Status.COMPLETE
    # and matching it again is refused, moving nothing
    with pytest.raises(DomainError):
        bank_line_match(line_id=line.pk, employer_id=employer.pk, actor=finance)
    assert escrow(employer) == 29500
    assert ledger_integrity_check() == []


def test_e5_1_finance_ignores_a_waiting_line_only_with_a_reason(finance):
    statement_import(uploaded_file=csv_file([["2026-11-20", "3.21", "银行", "利息", "T1"]]), actor=finance)
    line = BankStatementLine.objects.get()
    # when: no reason
    with pytest.raises(DomainError):
        bank_line_ignore(line_id=line.pk, actor=finance, reason=" ")
    # when: a reason
    bank_line_ignore(line_id=line.pk, actor=finance, reason="存款利息")
    # then
    line.refresh_from_db()
    assert (line.status, line.ignore_reason) == (BankStatementLine.Status.IGNORED, "存款利息")
    assert history_for(line).get().reason == "存款利息"
    assert LedgerTransaction.objects.count() == 0


def test_e5_1_only_finance_may_import_or_match(finance, employer):
    statement_import(uploaded_file=csv_file([["2026-11-20", "3.00", "p", "r", "T1"]]), actor=finance)
    service_agent = StaffFactory(role="customer_service")
    with pytest.raises(NotPermitted):
        statement_import(uploaded_file=csv_file([["2026-11-20", "3.00", "p", "r", "T2"]]), actor=service_agent)
    with pytest.raises(NotPermitted):
        bank_line_match(line_id=BankStatementLine.objects.get().pk, employer_id=employer.pk, actor=service_agent)


def test_e5_1_a_malformed_statement_is_refused_with_row_numbers_and_nothing_is_saved(finance, employer):
    # given: a good line, then a bad date, a float-ish amount and a missing id
    code = funding_reference_for(employer.pk).code
    rows = [["2026-11-20", "100.00", "p", code, "T1"], ["20/11/2026", "1.00", "p", "r", "T2"],
            ["2026-11-20", "1.005", "p", "r", "T3"], ["2026-11-20", "1.00", "p", "r", ""]]
    # when
    with pytest.raises(StatementInvalid) as caught:
        statement_import(uploaded_file=csv_file(rows), actor=finance)
    # then
    assert [e.split(":")[0] for e in caught.value.errors] == ["Row 3", "Row 4", "Row 5"]
    assert "1.005" in caught.value.errors[1]
    assert not BankStatementImport.objects.exists() and not BankStatementLine.objects.exists()
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize("content", [
    b"\x00\x01binary garbage\xff\xfe",
    "日期,钱\n2026-11-20,1\n".encode(),  # the columns are not there
    b"PK\x03\x04 not really a workbook",
])
def test_e5_1_a_file_that_is_not_a_statement_is_refused_clearly(finance, content):
    with pytest.raises(StatementInvalid) as caught:
        statement_import(uploaded_file=SimpleUploadedFile("x.csv", content), actor=finance)
    assert caught.value.errors
    assert not BankStatementImport.objects.exists()


def test_e5_1_a_statement_with_too_many_rows_is_refused_before_it_is_read_whole(finance, monkeypatch):
    # given: a limit of 5 rows in the file
    monkeypatch.setattr("finance.banking.MAX_FILE_ROWS", 5)
    rows = [["2026-11-20", "1.00", "p", "r", f"T{n}"] for n in range(10)]
    # when / then
    with pytest.raises(StatementInvalid, match="more than"):
        statement_import(uploaded_file=csv_file(rows), actor=finance)
    assert not BankStatementLine.objects.exists()


def test_e5_1_outgoing_lines_are_ignored(finance, employer):
    code = funding_reference_for(employer.pk).code
    rows = [["2026-11-20", "-35.00", "银行", f"手续费 {code}", "T1"], ["2026-11-20", "10.00", "p", code, "T2"]]
    # when
    statement = statement_import(uploaded_file=csv_file(rows), actor=finance)
    # then
    assert statement.outgoing_count == 1
    assert list(BankStatementLine.objects.values_list("transaction_id", flat=True)) == ["T2"]
    assert escrow(employer) == 1000


def test_e5_1_the_sample_statement_in_the_docs_imports(finance):
    # given: employers 1 and 42 may not exist here: the sample's lines simply wait
    data = (Path(settings.BASE_DIR) / "docs" / "samples" / "bank-statement-sample.csv").read_bytes()
    # when
    statement = statement_import(uploaded_file=SimpleUploadedFile("sample.csv", data), actor=finance)
    # then
    assert (statement.row_count, statement.created_count, statement.outgoing_count) == (4, 3, 1)


# ------------------------------------------------------------------ the admin
def test_e5_1_finance_imports_a_statement_and_works_the_queue_in_the_admin(admin_client_for, employer):
    client = admin_client_for("finance")
    code = funding_reference_for(employer.pk).code
    rows = [["2026-11-20", "100.00", "p", code, "T1"], ["2026-11-20", "40.00", "公司", "工资", "T2"]]
    # when: the upload form
    response = client.post(reverse("admin:finance_bankstatementimport_add"), {"file": csv_file(rows)})
    # then
    assert response.status_code == 302
    assert escrow(employer) == 10000
    waiting = BankStatementLine.objects.get(status=BankStatementLine.Status.UNMATCHED)
    queue = client.get(reverse("admin:finance_bankstatementline_changelist") + "?status__exact=unmatched")
    assert "T2" in queue.content.decode()
    # when: matched by funding reference on the match page
    page = client.get(reverse("admin:finance_bankstatementline_match", args=[waiting.pk]))
    assert page.status_code == 200
    response = client.post(reverse("admin:finance_bankstatementline_match", args=[waiting.pk]),
                           {"employer": code.lower()})
    # then
    assert response.status_code == 302
    assert escrow(employer) == 14000
    assert ledger_integrity_check() == []


def test_e5_1_a_malformed_upload_shows_the_errors_in_the_admin(admin_client_for):
    client = admin_client_for("finance")
    response = client.post(reverse("admin:finance_bankstatementimport_add"),
                           {"file": csv_file([["2026-11-20", "abc", "p", "r", "T1"]])})
    assert response.status_code == 200
    assert "Row 2: the amount “abc”" in response.content.decode()
    assert not BankStatementLine.objects.exists()


def test_e5_1_customer_service_cannot_import_or_match(admin_client_for, finance):
    statement_import(uploaded_file=csv_file([["2026-11-20", "3.00", "p", "r", "T1"]]), actor=finance)
    line = BankStatementLine.objects.get()
    client = admin_client_for("customer_service")
    assert client.get(reverse("admin:finance_bankstatementimport_add")).status_code == 403
    assert client.post(reverse("admin:finance_bankstatementline_match", args=[line.pk]),
                       {"employer": "1"}).status_code == 403
    assert client.post(reverse("admin:finance_bankstatementline_ignore", args=[line.pk]),
                       {"reason": "x"}).status_code == 403
    line.refresh_from_db()
    assert line.status == BankStatementLine.Status.UNMATCHED


# ------------------------------------------------------------------ hostile workbooks (J3.1)
SST = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
       b"<si><t>LAUGH</t></si></sst>")
SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         b'<row r="1"><c r="A1" t="inlineStr"><is><t>LAUGH</t></is></c></row></sheetData></worksheet>')


def _statement_xlsx() -> bytes:
    return xlsx_bytes([HEADER, ["2026-11-20", "10.00", "p", "r", "T1"]])


def _refused_statement(data: bytes, finance) -> str:
    with pytest.raises(StatementInvalid) as caught:
        statement_import(uploaded_file=SimpleUploadedFile("statement.xlsx", data), actor=finance)
    assert not BankStatementImport.objects.exists() and not BankStatementLine.objects.exists()
    assert LedgerTransaction.objects.count() == 0
    return " ".join(caught.value.errors)


def test_j3_1_an_xlsx_bomb_is_refused_quickly_and_nothing_is_saved(finance):
    # given: the reported shape: shared strings of 136 MB in a workbook of a few hundred KB
    import time

    bomb = xlsx_with_part(_statement_xlsx(), *shared_strings_bomb(136 * 1024 * 1024))
    assert len(bomb) < 400 * 1024
    # when
    started = time.monotonic()
    message = _refused_statement(bomb, finance)
    # then: refused from the archive's directory, before any XML is parsed
    assert time.monotonic() - started < 2
    assert f"more than {settings.XLSX_MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB when unpacked" in message


def test_j3_1_an_xlsx_compressed_like_a_bomb_is_refused_even_under_the_size_cap(finance):
    # given: 10 MB of shared strings compressed about a thousand times
    bomb = xlsx_with_part(_statement_xlsx(), *shared_strings_bomb(10 * 1024 * 1024))
    # then
    assert f"compressed more than {settings.XLSX_MAX_COMPRESSION_RATIO} times" in _refused_statement(bomb, finance)


def test_j3_1_an_xlsx_with_too_many_parts_is_refused(finance):
    crowded = xlsx_with_part(_statement_xlsx(), "xl/extra.xml", [b"<x/>"], extra_parts=settings.XLSX_MAX_MEMBERS)
    assert f"more than {settings.XLSX_MAX_MEMBERS} parts" in _refused_statement(crowded, finance)


@pytest.mark.parametrize(("part", "root"), [("xl/sharedStrings.xml", SST), ("xl/worksheets/sheet1.xml", SHEET)],
                         ids=["shared-strings", "sheet-read-lazily"])
def test_j3_1_xml_entity_bombs_in_a_workbook_are_refused(finance, part, root):
    # given: a billion-laughs part; openpyxl parses through defusedxml, which refuses entities
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
    bomb = xlsx_with_part(_statement_xlsx(), *billion_laughs(part, root))
    # then: a clear refusal, not a 500 and not gigabytes of laughter
    assert "not a readable XLSX workbook" in _refused_statement(bomb, finance)


def test_j3_1_the_workbook_refusal_is_translated(finance):
    from django.utils import translation

    bomb = xlsx_with_part(_statement_xlsx(), *shared_strings_bomb(40 * 1024 * 1024))
    with translation.override("zh-hans"):
        message = _refused_statement(bomb, finance)
    assert "MB" in message and "when unpacked" not in message
