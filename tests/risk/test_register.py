"""K1, K2, K4: the risk register page with its heat map, who may see it, the
weekly reminder of overdue reviews, and the admin screens (legal opinion
documents checked on upload, downloaded only with view permission)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import HistoryEntry, Notification
from risk.models import LegalOpinion, RiskItem
from risk.register import heat_map, risk_review_reminders_send
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.risk_register import RiskItemFactory
from tests.support.files import pdf_bytes

pytestmark = pytest.mark.django_db
URL = "/credit/risk-register/"
PDF_BYTES = pdf_bytes()  # a well-formed PDF: uploads are parsed (J3.1)


def _cell(content: str, likelihood: int, impact: int) -> str:
    match = re.search(rf'data-likelihood="{likelihood}" data-impact="{impact}" data-count="(\d+)"', content)
    assert match, (likelihood, impact)
    return match.group(1)


def test_k1_the_register_url():
    assert reverse("risk:register") == URL


def test_k1_heat_map_counts_open_risks_by_likelihood_and_impact():
    # given two risks at (4, 5), one at (1, 1) and a closed one at (4, 5)
    RiskItemFactory(likelihood=4, impact=5)
    RiskItemFactory(likelihood=4, impact=5)
    RiskItemFactory(likelihood=1, impact=1)
    RiskItemFactory(likelihood=4, impact=5, status=RiskItem.Status.CLOSED)

    # when the heat map is built
    grid = heat_map()

    # then rows run impact 5 → 1, columns likelihood 1 → 5, closed risks not counted
    assert [row[0]["impact"] for row in grid] == [5, 4, 3, 2, 1]
    assert grid[0][3] == {"likelihood": 4, "impact": 5, "rating": 20, "band": "critical", "count": 2}
    assert grid[4][0]["count"] == 1 and grid[4][0]["band"] == "low"
    assert sum(cell["count"] for row in grid for cell in row) == 3


@pytest.mark.parametrize("role", ["manager", "finance", "auditor"])
def test_k1_managers_finance_and_auditors_read_the_register(role, django_assert_max_num_queries):
    # given several risks, one whose review date has passed
    overdue = RiskItemFactory(title="Payment provider outage", likelihood=2, impact=5,
                              review_on=timezone.localdate() - dt.timedelta(days=3))
    for _ in range(5):
        RiskItemFactory(likelihood=3, impact=2)
    client = login_with_mfa(Client(), StaffFactory(role=role))

    # when they open the page (a bounded number of queries whatever the number of risks)
    with django_assert_max_num_queries(14):
        response = client.get(URL)

    # then the heat map counts and the list show, the overdue review marked
    content = response.content.decode()
    assert response.status_code == 200
    assert _cell(content, 2, 5) == "1" and _cell(content, 3, 2) == "5" and _cell(content, 5, 5) == "0"
    article = content[content.index(f'id="risk-{overdue.pk}"'):]
    article = article[:article.index("</article>")]
    assert "Payment provider outage" in article and "Review overdue" in article
    assert content.count("Review overdue") == 1


def test_k1_a_heat_map_cell_lists_its_risks():
    RiskItemFactory(title="Data centre fire", likelihood=1, impact=5)
    RiskItemFactory(title="Late employers", likelihood=4, impact=3)
    client = login_with_mfa(Client(), StaffFactory(role="manager"))

    content = client.get(URL, {"likelihood": 1, "impact": 5}).content.decode()

    assert "Data centre fire" in content and "Late employers" not in content


def test_k1_bad_cell_parameters_show_everything_not_a_500():
    RiskItemFactory(title="Late employers")
    client = login_with_mfa(Client(), StaffFactory(role="manager"))

    response = client.get(URL, {"likelihood": "x'; drop", "impact": "99"})

    assert response.status_code == 200 and "Late employers" in response.content.decode()


@pytest.mark.parametrize("role", ["moderator", "customer_service", "operations"])
def test_k1_other_staff_may_not_see_the_register(role):
    client = login_with_mfa(Client(), StaffFactory(role=role))
    assert client.get(URL).status_code == 403


def test_k1_students_may_not_see_the_register_and_visitors_sign_in():
    student = Client()
    student.force_login(StudentProfileFactory(approved=True).user)
    assert student.get(URL).status_code == 403
    assert Client().get(URL).status_code == 302


def test_k1_owners_are_reminded_once_per_review_date():
    # given one risk past its review date and one not yet due
    today = timezone.localdate()
    overdue = RiskItemFactory(title="Fraudulent employers", review_on=today - dt.timedelta(days=1))
    RiskItemFactory(review_on=today + dt.timedelta(days=30))

    # when the weekly reminder runs twice
    first, second = risk_review_reminders_send(today=today), risk_review_reminders_send(today=today)

    # then the owner was told once
    assert (first, second) == (1, 0)
    reminders = Notification.objects.filter(subject__contains="Risk review overdue")
    assert list(reminders.values_list("recipient", flat=True)) == [overdue.owner_id]

    # and once more after a new review date that passes too
    RiskItem.objects.filter(pk=overdue.pk).update(review_on=today + dt.timedelta(days=7))
    assert risk_review_reminders_send(today=today + dt.timedelta(days=14)) == 1
    assert HistoryEntry.objects.filter(transition="review_reminded", object_id=str(overdue.pk)).count() == 2


def test_k1_a_manager_adds_a_risk_in_the_admin_with_history():
    manager = StaffFactory(role="manager")
    client = login_with_mfa(Client(), manager)

    response = client.post(reverse("admin:risk_riskitem_add"), {
        "title": "Bank outage on payday", "category": "technical", "description": "d", "likelihood": "2",
        "impact": "5", "owner": manager.pk, "response_plan": "Switch to the backup channel.",
        "review_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(), "status": "open"})

    assert response.status_code == 302
    risk = RiskItem.objects.get(title="Bank outage on payday")
    assert risk.rating == 10
    assert HistoryEntry.objects.filter(object_id=str(risk.pk), transition="create", actor=manager).exists()


def test_k1_finance_may_not_change_the_register():
    risk = RiskItemFactory()
    client = login_with_mfa(Client(), StaffFactory(role="finance"))

    response = client.post(reverse("admin:risk_riskitem_change", args=[risk.pk]), {"title": "x"})

    assert response.status_code == 403


def test_k2_legal_opinion_documents_are_checked_and_downloaded_with_view_permission_only():
    # given a manager records a legal opinion with a PDF, and tries a disguised file
    manager = StaffFactory(role="manager")
    client = login_with_mfa(Client(), manager)
    form = {"subject": "contract", "title": "Employer agreement v3", "summary": "Fine.", "counsel": "Counsel Li",
            "outcome": "approved", "given_on": timezone.localdate().isoformat()}
    bad = client.post(reverse("admin:risk_legalopinion_add"),
                      {**form, "document": SimpleUploadedFile("contract.pdf", b"MZ\x90\x00 not a pdf")})
    good = client.post(reverse("admin:risk_legalopinion_add"),
                       {**form, "document": SimpleUploadedFile("contract.pdf", PDF_BYTES)})

    # then only the real PDF is stored, under a random name, recorded by the manager
    assert bad.status_code == 200 and "Only PDF files are accepted." in bad.content.decode()
    review = LegalOpinion.objects.get()
    assert good.status_code == 302 and review.recorded_by == manager
    assert review.document.name.startswith("legal-opinions/") and "contract" not in review.document.name

    # and an auditor downloads it, operations may not
    url = reverse("admin:risk_legalopinion_document", args=[review.pk])
    auditor = login_with_mfa(Client(), StaffFactory(role="auditor")).get(url)
    assert auditor.status_code == 200 and b"".join(auditor.streaming_content) == PDF_BYTES
    assert login_with_mfa(Client(), StaffFactory(role="operations")).get(url).status_code == 403


def test_k5_backup_records_are_read_only_for_operations():
    from core.models import BackupRecord

    record = BackupRecord.objects.create(kind="backup", ok=True, started_at=timezone.now(), file_name="f.enc")
    client = login_with_mfa(Client(), StaffFactory(role="operations"))

    assert client.get(reverse("admin:core_backuprecord_change", args=[record.pk])).status_code == 200
    assert client.post(reverse("admin:core_backuprecord_change", args=[record.pk]), {"ok": ""}).status_code == 403
    assert client.get(reverse("admin:core_backuprecord_add")).status_code == 403


def test_k1_demo_register_seeds_once():
    from risk.demo_register import seed_register

    manager = StaffFactory(role="manager")
    seed_register(manager=manager)
    seed_register(manager=manager)

    assert RiskItem.objects.count() == 5
    assert sum(cell["count"] for row in heat_map() for cell in row) == 5
