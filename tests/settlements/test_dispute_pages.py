"""The payment dispute pages (S4.3): the student's form on the statement while
the window is open and the explanation after it, the employer's list and
answer, evidence only for those concerned, and staff deciding in the admin."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess
from settlements.models import PaymentDispute, SettlementAdjustment
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.settlements.test_disputes import DURING, WINDOW_ENDS, member_of, open_dispute, paid_settlement
from tests.support.files import jpeg_bytes

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def statement_url(settlement) -> str:
    return reverse("settlements:student_statement", args=[settlement.pk])


# ------------------------------------------------------------------ the student
def test_s4_3_student_sees_the_form_then_the_closed_explanation():
    # given
    settlement = paid_settlement()
    client = signed_in(settlement.student)
    # when: during the window
    with time_machine.travel(DURING, tick=False):
        html = client.get(statement_url(settlement)).content.decode()
    # then: the form, with the window's end
    assert "Dispute this payment" in html and 'enctype="multipart/form-data"' in html
    assert 'id="dispute-closed"' not in html
    # when: after it
    with time_machine.travel(WINDOW_ENDS + dt.timedelta(minutes=1), tick=False):
        response = client.get(statement_url(settlement))
    # then: no form, the reason and the date
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dispute this payment" not in html
    assert 'id="dispute-closed"' in html and "Oct. 14, 2025" in html and "S4.3" in html


def test_s4_3_student_disputes_through_the_page_with_yuan_and_evidence():
    # given
    settlement = paid_settlement()
    client = signed_in(settlement.student)
    url = reverse("settlements:student_dispute_open", args=[settlement.pk])
    # when
    with time_machine.travel(DURING, tick=False):
        response = client.post(url, {"kind": "hours", "description": "少算了一小时", "claimed_fen": "¥1,012.5",
                                     "evidence": SimpleUploadedFile("h.jpg", jpeg_bytes())})
    # then
    assert response.status_code == 302 and response["Location"] == statement_url(settlement)
    dispute = PaymentDispute.objects.get()
    assert (dispute.kind, dispute.claimed_fen) == ("hours", 101250)
    with time_machine.travel(DURING, tick=False):
        html = client.get(statement_url(settlement)).content.decode()
    assert "少算了一小时" in html and "Waiting for the employer" in html and "Withdraw this dispute" in html
    evidence = client.get(reverse("settlements:student_dispute_evidence", args=[dispute.pk]))
    assert evidence.status_code == 200 and evidence["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("amount", "error"), [
    ("12.345", "at most two decimal places"), ("abc", "Enter an amount in yuan"), ("-5", "cannot be negative"),
    ("NaN", "Enter an amount in yuan"), ("1e30", "Enter an amount in yuan"), ("9" * 30, "too large"),
    ("1000000.01", "too large"),
])
def test_s4_3_bad_amounts_are_form_errors_never_500(amount, error):
    settlement = paid_settlement()
    client = signed_in(settlement.student)
    with time_machine.travel(DURING, tick=False):
        response = client.post(reverse("settlements:student_dispute_open", args=[settlement.pk]),
                               {"kind": "amount", "description": "x", "claimed_fen": amount})
    assert response.status_code == 200 and error in response.content.decode()
    assert not PaymentDispute.objects.exists()


def test_s4_3_bad_evidence_and_a_closed_window_are_form_errors():
    settlement = paid_settlement()
    client = signed_in(settlement.student)
    url = reverse("settlements:student_dispute_open", args=[settlement.pk])
    with time_machine.travel(DURING, tick=False):
        response = client.post(url, {"kind": "amount", "description": "x",
                                     "evidence": SimpleUploadedFile("x.jpg", b"not an image")})
    assert response.status_code == 200 and "files are accepted" in response.content.decode()
    with time_machine.travel(WINDOW_ENDS + dt.timedelta(days=1), tick=False):
        response = client.post(url, {"kind": "amount", "description": "x"})
    assert response.status_code == 200 and "closed on Oct. 14, 2025" in response.content.decode()
    assert not PaymentDispute.objects.exists()


def test_s4_3_another_student_cannot_see_or_dispute_the_statement():
    settlement = paid_settlement()
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("h.jpg", jpeg_bytes()))
    client = signed_in(StudentProfileFactory(approved=True).user)
    with time_machine.travel(DURING, tick=False):
        assert client.post(reverse("settlements:student_dispute_open", args=[settlement.pk]),
                           {"kind": "amount", "description": "x"}).status_code == 404
    assert client.get(reverse("settlements:student_dispute_evidence", args=[dispute.pk])).status_code == 404
    assert client.post(reverse("settlements:student_dispute_withdraw", args=[dispute.pk])).status_code == 404
    assert PaymentDispute.objects.get().status == PaymentDispute.Status.OPEN


# ------------------------------------------------------------------ the employer
def test_s4_3_employer_answers_through_the_page():
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("h.jpg", jpeg_bytes()))
    client = signed_in(member_of(settlement))
    url = reverse("settlements:employer_dispute", args=[dispute.pk])
    # when: the list, then the page after the due time
    listing = client.get(reverse("settlements:employer_disputes")).content.decode()
    with time_machine.travel(dispute.employer_response_due_at + dt.timedelta(hours=1), tick=False):
        page = client.get(url).content.decode()
        empty = client.post(url, {"text": ""})
        response = client.post(url, {"text": "打卡记录只有 3 小时"})
    # then
    assert url in listing and "Oct. 15, 2025" in listing
    assert "Overdue" in page and "Answer the student" in page
    assert reverse("settlements:employer_dispute_evidence", args=[dispute.pk]) in page
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert response.status_code == 302
    dispute = PaymentDispute.objects.get(pk=dispute.pk)
    assert dispute.status == PaymentDispute.Status.ANSWERED and dispute.employer_response == "打卡记录只有 3 小时"
    assert "Answer the student" not in client.get(url).content.decode()
    assert client.get(reverse("settlements:employer_dispute_evidence", args=[dispute.pk])).status_code == 200


def test_s4_3_another_employer_gets_404():
    settlement = paid_settlement()
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("h.jpg", jpeg_bytes()))
    client = signed_in(EmployerFactory(approved=True).members.get().user)
    for name in ("employer_dispute", "employer_dispute_evidence"):
        assert client.get(reverse(f"settlements:{name}", args=[dispute.pk])).status_code == 404
    assert client.post(reverse("settlements:employer_dispute", args=[dispute.pk]), {"text": "x"}).status_code == 404
    assert dispute.pk not in [d.pk for d in client.get(reverse("settlements:employer_disputes")).context["page"]]
    assert PaymentDispute.objects.get().status == PaymentDispute.Status.OPEN


# ------------------------------------------------------------------ staff
def test_s4_3_finance_decides_in_the_admin_and_the_student_sees_the_adjustment(admin_client_for):
    # given
    settlement = paid_settlement()
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("h.jpg", jpeg_bytes()))
    client = admin_client_for("finance")
    # when: the queue, an invalid amount, then a decision of ¥25 extra pay
    queue = client.get(reverse("admin:settlements_paymentdispute_changelist"))
    decide_url = reverse("admin:settlements_paymentdispute_decide", args=[dispute.pk])
    bad = client.post(decide_url, {"outcome": "adjusted", "decision": "d", "adjustment_fen": "1.234"})
    response = client.post(decide_url, {"outcome": "adjusted", "decision": "查实少算", "adjustment_fen": "25"})
    # then
    assert queue.status_code == 200 and str(settlement) in queue.content.decode()
    assert bad.status_code == 200 and "at most two decimal places" in bad.content.decode()
    assert response.status_code == 302
    adjustment = SettlementAdjustment.objects.get(dispute=dispute)
    assert (adjustment.amount_fen, adjustment.commission_fen) == (2500, 250)
    html = signed_in(settlement.student).get(statement_url(settlement)).content.decode()
    assert "查实少算" in html and "¥25.00" in html and "Waiting for the employer&#x27;s payment" in html


def test_s4_3_staff_open_evidence_with_a_reason_and_the_access_is_logged(admin_client_for):
    settlement = paid_settlement()
    dispute = open_dispute(settlement, evidence=SimpleUploadedFile("h.jpg", jpeg_bytes()))
    url = reverse("admin:settlements_paymentdispute_evidence", args=[dispute.pk])
    assert admin_client_for("moderator").get(url).status_code == 403
    client = admin_client_for("customer_service")
    assert client.get(url).status_code == 200 and not PersonalDataAccess.objects.exists()
    response = client.post(url, {"reason": "核对工时"})
    assert response.status_code == 200 and response["Content-Security-Policy"].startswith("default-src 'none'")
    access = PersonalDataAccess.objects.get()
    assert (access.subject, access.item, access.reason) == (settlement.student, "case_evidence", "核对工时")


def test_s4_3_issue_19_staff_deciding_a_payment_dispute_see_the_engagements_agreement(admin_client_for):
    from applications.models import Agreement
    from applications.services import agreement_issue

    # given: a disputed payment of an engagement whose service agreement was issued
    settlement = paid_settlement()
    dispute = open_dispute(settlement)
    agreement = agreement_issue(engagement=settlement.engagement, reason=Agreement.Reason.HIRED)
    # when: finance opens the dispute
    html = admin_client_for("finance").get(
        reverse("admin:settlements_paymentdispute_change", args=[dispute.pk])).content.decode()
    # then: a link to the agreement, which finance may download
    assert reverse("admin:applications_agreement_change", args=[agreement.pk]) in html
    download = admin_client_for("finance").get(reverse("admin:applications_agreement_download", args=[agreement.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
