"""The minors declaration on a job (docs/minors.md): the art. 3 items of the Provisions on
the Special Protection of Juvenile Workers (劳部发〔1994〕498号, 1994-12-09) and the venue
types closed to minors (Minors Protection Law art. 58), typed by the employer, kept on
the job, shown to the moderator; the screen (J1.4) flags text that names such work or
venues while the declaration says none."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jobs.compliance import FLAG, screen
from jobs.models import Job, MinorRestrictedWork
from jobs.schedule import ShiftSpec
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.jobs.test_employer_pages import NEXT_MONDAY, NOW, posting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def screen_codes(description: str, **declaration) -> set[str]:
    data = {"title": "兼职服务员", "description": description, "requirements_skills": "",
            "requirements_certificates": "", "bonus_rules": "", "address": "漕溪北路 88 号", "city": "上海市",
            "is_remote": False, "pay_unit": "hour", "base_rate_fen": 3000, "pieces_per_hour": None,
            "settlement_cycle": "weekly", "payment_days": 3, "minor_restricted_work": [],
            "minor_restricted_venue": "", **declaration}
    shifts = [ShiftSpec(NEXT_MONDAY, dt.time(18), dt.time(21))]
    return {f.code for f in screen(data, shifts) if f.severity == FLAG}


def test_minor_art3_lists_all_seventeen_items_of_the_article():
    # art. 3 (一) to (十七)
    assert len(MinorRestrictedWork.choices) == 17
    assert all(f"art. 3({n})" in str(label) for n, (_value, label) in enumerate(MinorRestrictedWork.choices, 1))


# ------------------------------------------------------------------ the screen
@pytest.mark.parametrize("text, code", [
    ("周末在KTV做包厢服务员", "minor_venue"),
    ("酒吧吧台协助调酒", "minor_venue"),
    ("网吧前台收银", "minor_venue"),
    ("夜店气氛组", "minor_venue"),
    ("外墙高空作业，需系安全绳", "hazard"),
    ("煤矿井下辅助", "hazard"),
])
def test_minor_art3_the_screen_flags_text_naming_such_work_while_the_declaration_says_none(text, code):
    # given / when: the declaration says none
    codes = screen_codes(text)
    # then
    assert code in codes and "closed_to_minors" not in codes


def test_minor_art3_a_declared_job_carries_one_flag_and_no_text_contradiction():
    # given: the text names a KTV and the declaration says so
    codes = screen_codes("周末在KTV做包厢服务员", minor_restricted_venue="ktv")
    # then: the moderator sees the declaration, not a contradiction
    assert "closed_to_minors" in codes and "minor_venue" not in codes


def test_minor_art3_an_ordinary_library_job_is_not_flagged():
    assert not {"minor_venue", "hazard", "closed_to_minors"} & screen_codes("在学校图书馆整理书架、借还登记")


# ------------------------------------------------------------------ the employer's form
def test_minor_art3_the_employer_declares_items_and_a_venue_on_the_form():
    # given
    employer = EmployerFactory(approved=True)
    client = Client()
    client.force_login(employer.members.get().user)
    data = posting(minor_restricted_work=["height", "heavy_loads"], minor_restricted_venue="bar")
    # when
    response = client.post(reverse("jobs:employer_job_new"), data)
    # then: kept as declared, and the job is closed to minors
    job = Job.objects.get(employer=employer)
    assert response.status_code == 302
    assert job.minor_restricted_work == ["height", "heavy_loads"] and job.minor_restricted_venue == "bar"
    assert job.closed_to_minors and job.excludes_minors
    # and an undeclared job is open to them
    client.post(reverse("jobs:employer_job_new"), posting(title="图书馆助理"))
    assert not Job.objects.get(title="图书馆助理").closed_to_minors


def test_minor_art3_an_unknown_item_is_a_field_error_and_nothing_is_saved():
    employer = EmployerFactory(approved=True)
    client = Client()
    client.force_login(employer.members.get().user)
    response = client.post(reverse("jobs:employer_job_new"), posting(minor_restricted_work=["karaoke"]))
    assert response.status_code == 200 and response.context["form"].errors.get("minor_restricted_work")
    assert not Job.objects.exists()


def test_minor_art3_the_student_job_page_says_the_job_is_closed_to_minors():
    job = JobFactory(published=True, minor_restricted_work=["height"])
    page = Client().get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "not offered to students aged 16–17" in page and "Work at height" in page


# ------------------------------------------------------------------ the moderator
def test_minor_art3_the_moderator_sees_the_declaration(staff_client):
    # given: a job waiting for review, declared as an internet café with boiler firing
    job = JobFactory(status="pending_review", submitted_at=timezone.now(), minor_restricted_work=["boiler"],
                     minor_restricted_venue="internet_cafe")
    client, _moderator = staff_client("moderator")
    # when
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk])).content.decode()
    # then
    assert "Closed to students aged 16–17" in page
    assert "Boiler firing" in page and "Internet café" in page
