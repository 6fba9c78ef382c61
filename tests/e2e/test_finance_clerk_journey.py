"""The finance clerk's journey in a real browser (issue 23, F3.2, F3.3): on a day beat
did not build a batch, finance builds it now from the admin after seeing what is due,
confirms it paid after the confirmation step with count and total, then downloads the
settlements report, whose date fields the browser accepts and whose amounts are numbers,
in openpyxl and in LibreOffice Calc as the clerk opens it."""

import io
import os
import subprocess

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from core.money import format_fen
from settlements.models import PayoutBatch, Settlement, SettlementStatus
from tests.factories.settlements import PayoutMethodFactory
from tests.settlements.test_funding import FUNDED_AT, funded_settlement

from .helpers import DESKTOP, sign_in_staff

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def libreoffice_rows(xlsx, workdir) -> list[list[tuple[str, str]]]:
    """The first sheet as LibreOffice Calc reads it: per row, (value type, value) per cell.
    Converted headless to flat OpenDocument, whose cells say whether Calc holds a number."""
    from defusedxml import ElementTree

    subprocess.run(["soffice", "--headless", "--convert-to", "fods", "--outdir", str(workdir), str(xlsx)],
                   check=True, timeout=180, capture_output=True, env={**os.environ, "HOME": str(workdir)})
    tree = ElementTree.parse(workdir / (xlsx.stem + ".fods"))
    sheet = tree.getroot().iter(f"{{{TABLE}}}table").__next__()
    rows = []
    for row in sheet.iter(f"{{{TABLE}}}table-row"):
        cells = []
        for cell in row.iter(f"{{{TABLE}}}table-cell"):
            repeat = min(int(cell.get(f"{{{TABLE}}}number-columns-repeated", "1")), 8)
            kind = cell.get(f"{{{OFFICE}}}value-type", "")
            value = cell.get(f"{{{OFFICE}}}value") or "".join(cell.itertext())
            cells += [(kind, value)] * repeat
        rows.append(cells)
    return rows

pytestmark = pytest.mark.browser


def test_f3_2_f3_3_finance_builds_the_batch_now_confirms_it_and_reads_numeric_report_amounts(
        make_page, live_server, tmp_path):
    # given: two funded statements long due (¥75.00 each), no batch built (a Sunday)
    with time_machine.travel(FUNDED_AT, tick=False):
        settlements = [funded_settlement() for _ in range(2)]
        for settlement in settlements:
            PayoutMethodFactory(student=settlement.student)
    admin = make_page(viewport=DESKTOP, locale="en-US")
    sign_in_staff(admin, live_server, "finance")

    # when: the clerk opens the payout batches and presses "Build the batch now"
    admin.goto(f"{live_server.url}{reverse('admin:settlements_payoutbatch_changelist')}")
    admin.locator("#build-batch-now").click()
    # then: what is due, before anything happens
    expect(admin.locator("#due-summary")).to_contain_text(f"2 payouts are due now, {format_fen(15_000)}")
    assert not PayoutBatch.objects.exists()
    # when: builds it
    admin.locator("#content form [type=submit]").click()
    batch = PayoutBatch.objects.get()
    admin.wait_for_url(f"**{reverse('admin:settlements_payoutbatch_change', args=[batch.pk])}")
    expect(admin.locator(".messagelist .success")).to_contain_text(f"Payout batch {batch.pk} built")
    assert (batch.payout_count, batch.total_fen) == (2, 15_000)

    # and: confirms it paid through the confirmation step, which shows count and total
    admin.locator("#confirm-batch").click()
    expect(admin.locator("#confirm-summary")).to_contain_text(f"2 payouts as paid, {format_fen(15_000)} in total")
    admin.locator("#content form [type=submit]").click()
    expect(admin.locator(".messagelist .success")).to_be_visible()
    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.PAID}

    # when: opens the settlements report: the date inputs hold ISO dates the browser accepts
    admin.goto(f"{live_server.url}{reverse('admin:finance_report_settlements')}")
    date_from = admin.locator("input[name=date_from]")
    assert date_from.input_value()  # an empty value would mean the browser rejected the format
    today = timezone.localdate()
    date_from.fill(f"{FUNDED_AT:%Y-%m-%d}")
    admin.locator("input[name=date_to]").fill(f"{today:%Y-%m-%d}")
    admin.locator(".report-form [type=submit]").click()
    # and: downloads the XLSX
    with admin.expect_download() as download_info:
        admin.get_by_text("Download XLSX").click()
    saved = tmp_path / "report.xlsx"
    download_info.value.save_as(saved)
    # then: the amount cells are numbers with two decimals, so 求和/SUM adds them up
    sheet = openpyxl.load_workbook(io.BytesIO(saved.read_bytes())).active
    amounts = [row[2] for row in sheet.iter_rows(min_row=3)]
    assert amounts and all(c.data_type == "n" and c.number_format == "0.00" for c in amounts)
    paid = next(row[2].value for row in sheet.iter_rows(min_row=3) if row[0].value.startswith("Settlements paid"))
    assert paid == 150
    # and: LibreOffice Calc (soffice --headless) reads every amount as a number, the same numbers
    calc = [row for row in libreoffice_rows(saved, tmp_path)[2:] if row and row[0][1]]
    assert len(calc) == len(amounts)
    assert all(row[2][0] == "float" for row in calc), calc
    assert [float(row[2][1]) for row in calc] == [float(c.value) for c in amounts]
