"""The expense claim journey in a real browser (F2): a customer-service
agent, on a phone, submits a ¥6,000 claim with a receipt; a manager approves as
department head, another manager as second approver (¥6,000 is above the ¥5,000
threshold), finance approves and books it; the claim shows "Booked" and the
ledger has the posting. Nothing scrolls sideways at 375 px."""

import datetime as dt
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from backoffice.models import ExpenseClaim
from finance.ledger import ledger_integrity_check
from finance.models import AccountKind, LedgerTransaction

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, sign_in_staff

pytestmark = pytest.mark.browser


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _approve(page, live_server, claim_pk: int) -> None:
    page.goto(f"{live_server.url}/finance/expenses/")
    page.locator(f'#waiting-{claim_pk} a').click()
    page.wait_for_url(f"**/finance/expenses/{claim_pk}/")
    page.locator("#approve-button").click()
    page.wait_for_url(f"**/finance/expenses/{claim_pk}/")


def test_f2_agent_claims_two_managers_and_finance_approve_and_it_is_booked(make_page, live_server):
    # given: a customer-service agent signed in with TOTP on a phone
    phone = make_page(viewport=PHONE)
    agent = sign_in_staff(phone, live_server, "customer_service")
    # when: they submit ¥6,000 of promotion spending with a receipt
    phone.goto(f"{live_server.url}/finance/expenses/new/")
    assert_no_horizontal_scroll(phone)
    phone.select_option("#id_category", "promotion")
    phone.fill("#id_spent_on", (dt.date.today() - dt.timedelta(days=2)).isoformat())
    phone.fill("#id_amount", "6,000.00")
    phone.fill("#id_description", "Campus recruitment posters")
    phone.set_input_files("#id_receipts", files=[{"name": "receipt.png", "mimeType": "image/png",
                                                   "buffer": _png()}])
    phone.locator("#claim-form [type=submit]").click()
    phone.wait_for_url(lambda url: "/new/" not in url)
    claim = ExpenseClaim.objects.get(claimant=agent)
    assert (claim.amount_fen, claim.needs_second_approval) == (600_000, True)
    expect(phone.locator("#claim-status")).to_contain_text("department head")
    assert_no_horizontal_scroll(phone)

    # when: a manager approves as department head, another as second approver
    head_page = make_page(viewport=DESKTOP)
    sign_in_staff(head_page, live_server, "manager")
    _approve(head_page, live_server, claim.pk)
    expect(head_page.locator("#claim-status")).to_contain_text("second approver")
    second_page = make_page(viewport=DESKTOP)
    sign_in_staff(second_page, live_server, "manager")
    _approve(second_page, live_server, claim.pk)
    expect(second_page.locator("#claim-status")).to_contain_text("finance")

    # when: finance approves and books it
    finance_page = make_page(viewport=DESKTOP)
    sign_in_staff(finance_page, live_server, "finance")
    _approve(finance_page, live_server, claim.pk)

    # then: the claim shows Booked, to the agent too, and the ledger has the posting
    expect(finance_page.locator("#claim-status")).to_contain_text("Booked")
    phone.reload()
    expect(phone.locator("#claim-status")).to_contain_text("Booked")
    txn = LedgerTransaction.objects.get(key=f"expense_claim:{claim.pk}:booked")
    assert {e.account.kind: e.amount_fen for e in txn.entries.select_related("account")} == {
        AccountKind.EXPENSE_PROMOTION: 600_000, AccountKind.REIMBURSEMENTS_PAYABLE: -600_000}
    assert ledger_integrity_check() == []
