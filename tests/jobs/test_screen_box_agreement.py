"""What the employer sees (J1.4): the live compliance box and the errors on submit
always agree. For the same input, every blocking finding the box shows is an error
on the same field when the employer submits (and when a live job is revised), the
submit succeeds exactly when the box shows nothing blocking, and the box never
says "nothing blocks" while the form would be refused."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jobs.forms_employer import FORM_FIELD_FOR
from jobs.models import Job, JobRevision, JobStatus
from tests.factories.employers import EmployerFactory
from tests.jobs.test_employer_pages import NOW, errors_of, posting, published_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def client(employer):
    client = Client()
    client.force_login(employer.members.get().user)
    return client

CASES = {
    "clean": {},
    "deposit split by a dot": {"description": "入职需交押.金200元，工作轻松。"},
    "euphemism only (a flag)": {"requirements_skills": "小仙女优先，有耐心"},
    "pay field below the minimum": {"base_rate": "20"},
    "settlement over 15 days": {"payment_days": "10"},
    "pay in the text below the minimum": {"description": "辅导作业，时薪15元。"},
    "scam wording in the title": {"title": "网店兼职 先垫资拍单"},
    "fee in the address": {"address": "西湖区文三路1号 入职先交押金200元 仅限女生 身高165以上"},
    "contact word in the district (a flag)": {"district": "徐汇区 加VX jz888"},
    "everything at once": {"title": "高薪兼职", "description": "需交培训費１５０元，幺八八 八八八八 八八八八",
                           "requirements_skills": "限 男，90后优先", "base_rate": "20", "payment_days": "10"},
}


def box_blocks(client, data) -> tuple[set[tuple[str, str, str]], str]:
    response = client.post(reverse("jobs:employer_job_screen"), data)
    assert response.status_code == 200
    blocks = {(row["finding"].code, FORM_FIELD_FOR.get(row["finding"].field, row["finding"].field),
               row["finding"].message) for row in response.context["findings"] if row["finding"].blocks}
    return blocks, response.content.decode()


def form_errors(response) -> dict[str, list[str]]:
    errors = {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}
    errors["shifts"] = errors_of(response, "shifts")
    return errors


def assert_agree(blocks, box_html, response, *, refused: bool):
    nothing_blocks = "Nothing blocks submission" in box_html or "No problems found so far." in box_html
    assert refused == bool(blocks)
    assert nothing_blocks == (not blocks)  # the box never says nothing blocks while the submit is refused
    if not refused:
        return
    errors = form_errors(response)
    for _code, field, message in blocks:  # every blocking finding is an error at its field
        assert any(message in error for error in errors.get(field, [])), (field, message, errors)
    # and no finding is an error the box did not show as blocking
    messages = {message for _code, _field, message in blocks}
    finding_errors = [e for field_errors in errors.values() for e in field_errors if "”: " in e]
    assert all(any(e.endswith(message) for message in messages) for e in finding_errors), finding_errors


@pytest.mark.parametrize("case", CASES)
def test_j1_4_the_box_and_the_submit_errors_agree_on_every_blocking_finding(client, employer, case):
    data = posting(**CASES[case])
    blocks, box_html = box_blocks(client, data)
    # when: the employer saves the draft and submits it
    assert client.post(reverse("jobs:employer_job_new"), data).status_code == 302
    job = Job.objects.get()
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]))
    job.refresh_from_db()
    refused = job.status == JobStatus.DRAFT
    assert response.status_code == (200 if refused else 302)
    assert_agree(blocks, box_html, response, refused=refused)


@pytest.mark.parametrize("case", [c for c in CASES if c not in ("clean", "contact word in the district (a flag)",
                                                                "euphemism only (a flag)")])
def test_j2_2_the_box_and_a_refused_revision_of_a_live_job_agree(client, employer, case):
    job = published_job(employer)
    data = posting(**CASES[case], shifts=[(s.date, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}")
                                          for s in job.shifts.all()])
    blocks, box_html = box_blocks(client, data)
    response = client.post(reverse("jobs:employer_job_edit", args=[job.pk]), data)
    assert not JobRevision.objects.exists()
    assert_agree(blocks, box_html, response, refused=True)


def test_j1_4_the_box_does_not_say_nothing_blocks_on_a_form_that_would_be_refused(client):
    # given: a lawful text but no headcount (the form refuses it)
    data = posting(headcount="0")
    html = client.post(reverse("jobs:employer_job_screen"), data).content.decode()
    assert "Nothing blocks submission" not in html and "No problems found so far." not in html
    assert "the form still has fields to complete or correct" in html


def test_j1_4_overlapping_matches_are_one_finding_with_one_highlight(client):
    html = client.post(reverse("jobs:employer_job_screen"),
                       posting(description="入职先交押金200元，先交押金才能上岗")).content.decode()
    assert html.count("<mark>") == 2  # two separate demands, each one highlight
    assert "<mark>先交押金200元</mark>" in html
    assert "1 problem must be fixed" in html or "2 problems must be fixed" in html
