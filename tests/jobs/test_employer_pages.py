"""The employer's job pages (E2.1, J1, J2.2): posting with shifts or a weekly
pattern, pay typed in yuan and kept in fen, every bad input as a field error,
the live compliance screen (J1.4), submitting and the employer's actions,
revisions of live jobs, and who may see what."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.policy import get_policy
from jobs import services
from jobs.compliance import BLOCK, Finding
from jobs.forms_employer import JobPosting
from jobs.models import MAX_SHIFTS_PER_JOB, Job, JobFlag, JobRevision, JobStatus
from jobs.schedule import ShiftSpec
from tests.factories.accounts import StaffFactory
from tests.factories.employers import EmployerFactory, EmployerUserFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

# A Monday in the platform's time zone; every test runs at 09:00 on it.
TODAY = dt.date(2026, 3, 2)
NOW = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(9)))
NEXT_MONDAY = TODAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def owner(employer):
    return employer.members.get().user


@pytest.fixture
def client(owner):
    client = Client()
    client.force_login(owner)
    return client


def posting(*, shifts=((NEXT_MONDAY, "18:00", "21:00"),), blank_rows=2, **overrides) -> dict:
    """The job form as a browser posts it: a lawful Shanghai tutoring job by default."""
    data = {
        "title": "初中数学家教", "category": "tutoring", "description": "辅导初二学生数学作业。",
        "requirements_skills": "数学基础扎实", "requirements_certificates": "", "headcount": "2",
        "city": "上海市", "district": "徐汇区", "address": "漕溪北路 88 号",
        "schedule_kind": "shifts", "application_deadline": f"{TODAY + dt.timedelta(days=4):%Y-%m-%d}T12:00",
        "pay_unit": "hour", "base_rate": "60", "pieces_per_hour": "", "overtime_rate": "",
        "bonus_rules": "", "meal_allowance": "", "transport_allowance": "",
        "settlement_cycle": "weekly", "payment_days": "3",
    }
    rows = list(shifts) + [("", "", "")] * blank_rows
    data.update({"shifts-TOTAL_FORMS": str(len(rows)), "shifts-INITIAL_FORMS": "0",
                 "shifts-MIN_NUM_FORMS": "0", "shifts-MAX_NUM_FORMS": "1000"})
    for i, (day, start, end) in enumerate(rows):
        data.update({f"shifts-{i}-date": f"{day:%Y-%m-%d}" if day else "", f"shifts-{i}-start": start,
                     f"shifts-{i}-end": end})
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def weekly(**overrides) -> dict:
    data = posting(shifts=(), blank_rows=3, schedule_kind="weekly", weekly_start="18:00", weekly_end="21:00",
                   weekly_from=f"{NEXT_MONDAY:%Y-%m-%d}",
                   weekly_until=f"{NEXT_MONDAY + dt.timedelta(days=13):%Y-%m-%d}",
                   application_deadline=f"{NEXT_MONDAY:%Y-%m-%d}T12:00")
    data["weekly_days"] = ["1", "3", "5"]
    data.update(overrides)
    return data


def errors_of(response, field: str) -> list[str]:
    if field == "shifts":
        return [str(e) for e in response.context["shifts"].non_form_errors()]
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def published_job(employer, **kwargs) -> Job:
    return JobFactory(employer=employer, published=True, **kwargs)


# ------------------------------------------------------------------ posting (E2.1)
def test_e2_1_employer_posts_a_job_with_shifts(client, employer, owner):
    # given: two shifts, the second overnight
    data = posting(shifts=[(NEXT_MONDAY, "18:00", "21:00"), (NEXT_MONDAY + dt.timedelta(days=2), "22:00", "01:00")],
                   application_deadline=f"{TODAY + dt.timedelta(days=4):%Y-%m-%d}T12:00")
    # when
    response = client.post(reverse("jobs:employer_job_new"), data)
    # then: a draft with everything the employer typed
    job = Job.objects.get(employer=employer)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:employer_job", args=[job.pk])
    assert job.status == JobStatus.DRAFT and job.created_by == owner
    assert (job.title, job.headcount, job.city, job.address) == ("初中数学家教", 2, "上海市", "漕溪北路 88 号")
    assert [(s.date, s.start_time, s.end_time) for s in job.shifts.all()] == [
        (NEXT_MONDAY, dt.time(18), dt.time(21)), (NEXT_MONDAY + dt.timedelta(days=2), dt.time(22), dt.time(1))]
    assert job.total_minutes == 6 * 60 and job.has_night_work
    # and the job page reads the overnight shift as such
    page = client.get(response["Location"]).content.decode()
    assert "22:00–01:00" in page and "ends the next day" in page


def test_e2_1_employer_posts_a_job_with_a_weekly_pattern(client, employer):
    # given: Mon/Wed/Fri for two weeks
    # when
    response = client.post(reverse("jobs:employer_job_new"), weekly())
    # then: the pattern is kept and expanded into six shifts
    job = Job.objects.get(employer=employer)
    assert response.status_code == 302
    assert job.schedule_kind == "weekly" and job.weekly_days == "1,3,5"
    assert (job.weekly_start, job.weekly_end) == (dt.time(18), dt.time(21))
    assert job.shifts.count() == 6 and job.first_shift_date == NEXT_MONDAY


def test_e2_1_the_new_job_form_renders_with_blank_shift_rows_and_the_script(client, employer):
    # when
    response = client.get(reverse("jobs:employer_job_new"))
    # then: works without JavaScript (blank rows), with it (row template, screen URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="shifts-2-date"' in html and "shifts-__prefix__-date" in html
    assert reverse("jobs:employer_job_screen") in html and "js/job-form.js" in html
    assert response.context["form"]["city"].value() == employer.city


def test_e2_1_editing_a_draft_saves_it_in_place(client, employer):
    # given
    client.post(reverse("jobs:employer_job_new"), posting())
    job = Job.objects.get(employer=employer)
    # when
    response = client.post(reverse("jobs:employer_job_edit", args=[job.pk]), posting(title="高中物理家教"))
    # then
    job.refresh_from_db()
    assert response.status_code == 302 and job.title == "高中物理家教" and job.status == JobStatus.DRAFT
    assert Job.objects.count() == 1


def test_e2_1_the_edit_form_starts_from_the_saved_job_in_yuan(client, employer):
    # given
    job = JobFactory(employer=employer, base_rate_fen=6050, meal_allowance_fen=1500)
    # when
    response = client.get(reverse("jobs:employer_job_edit", args=[job.pk]))
    # then
    form = response.context["form"]
    assert form["base_rate"].value() == "60.50" and form["meal_allowance"].value() == "15"
    assert response.context["shifts"].initial_form_count() == 1


# ------------------------------------------------------------------ money (J1.2)
def test_j1_2_money_is_entered_in_yuan_and_stored_in_fen(client, employer):
    # given: yuan as employers type them
    data = posting(base_rate="25.50", overtime_rate="¥1,234.5", meal_allowance="0.1", transport_allowance="0.2")
    # when
    client.post(reverse("jobs:employer_job_new"), data)
    # then: exact integer fen
    job = Job.objects.get(employer=employer)
    assert (job.base_rate_fen, job.overtime_rate_fen) == (2550, 123450)
    assert (job.meal_allowance_fen, job.transport_allowance_fen) == (10, 20)
    assert job.hourly_pay_fen == 2550


@pytest.mark.parametrize("field,value,message", [
    ("base_rate", "-5", "cannot be negative"),
    ("base_rate", "12.345", "at most two decimal places"),
    ("base_rate", "abc", "Enter an amount in yuan"),
    ("base_rate", "1e3", "Enter an amount in yuan"),
    ("base_rate", "NaN", "Enter an amount in yuan"),
    ("base_rate", "", "required"),
    ("base_rate", "0", "more than zero"),
    ("overtime_rate", "9999999", "too large"),
    ("meal_allowance", "-0.01", "cannot be negative"),
    ("transport_allowance", "3.001", "at most two decimal places"),
])
def test_j1_2_bad_money_is_a_field_error_and_nothing_is_saved(client, employer, field, value, message):
    # when
    response = client.post(reverse("jobs:employer_job_new"), posting(**{field: value}))
    # then
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response, field)), errors_of(response, field)
    assert not Job.objects.exists()


def test_j1_2_a_piece_rate_needs_pieces_per_hour(client):
    # when
    response = client.post(reverse("jobs:employer_job_new"), posting(pay_unit="piece", base_rate="2"))
    # then
    assert errors_of(response, "pieces_per_hour") and not Job.objects.exists()


def test_j1_2_the_job_page_shows_what_the_student_earns_and_when(client):
    # given: one 3-hour shift at ¥60 an hour with a ¥15 meal allowance, paid weekly within 3 days
    # when
    response = client.post(reverse("jobs:employer_job_new"), posting(meal_allowance="15"), follow=True)
    # then
    page = response.content.decode()
    assert "¥60.00" in page and "¥195.00" in page  # 3 h × ¥60 + ¥15
    assert "Paid within 3 days after each week of work." in page
    assert f"pays the student within {get_policy().payout_working_days} working days" in page
    assert f"{NEXT_MONDAY + dt.timedelta(days=9):%Y-%m-%d}" in page  # the week ends Sunday, + 3 days


# ------------------------------------------------------------------ time and place (J1.3)
def test_j1_3_an_end_before_the_start_is_read_as_an_overnight_shift(client, employer):
    # when
    client.post(reverse("jobs:employer_job_new"), posting(shifts=[(NEXT_MONDAY, "20:00", "00:30")]))
    # then
    shift = Job.objects.get(employer=employer).shifts.get()
    assert shift.minutes == 4 * 60 + 30


@pytest.mark.parametrize("start,end", [("18:00", "18:00"), ("18:00", "09:00")])
def test_j1_3_an_end_before_the_start_that_cannot_be_an_overnight_shift_is_refused(client, start, end):
    # when: no length at all, or a 15-hour "overnight" shift (a typo)
    response = client.post(reverse("jobs:employer_job_new"), posting(shifts=[(NEXT_MONDAY, start, end)]))
    # then
    assert response.context["shifts"].forms[0].errors["end"] and not Job.objects.exists()


def test_j1_3_a_shift_in_the_past_is_refused(client):
    # when: this morning at 08:00, an hour ago
    response = client.post(reverse("jobs:employer_job_new"), posting(shifts=[(TODAY, "08:00", "10:00")]))
    # then
    assert "This shift is in the past." in response.context["shifts"].forms[0].errors["date"]
    assert not Job.objects.exists()


def test_j1_3_a_shift_row_missing_its_end_is_refused(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(shifts=[(NEXT_MONDAY, "18:00", "")]))
    assert response.context["shifts"].forms[0].errors["end"] and not Job.objects.exists()


def test_j1_3_overlapping_shifts_are_refused(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(
        shifts=[(NEXT_MONDAY, "18:00", "21:00"), (NEXT_MONDAY, "20:00", "22:00")]))
    assert any("overlap" in e for e in errors_of(response, "shifts")) and not Job.objects.exists()


def test_j1_3_a_job_needs_at_least_one_shift(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(shifts=[]))
    assert "Add at least one shift." in errors_of(response, "shifts") and not Job.objects.exists()


def test_j1_3_a_removed_row_is_ignored(client, employer):
    # given: the second row ticked "remove"
    data = posting(shifts=[(NEXT_MONDAY, "18:00", "21:00"), (NEXT_MONDAY + dt.timedelta(days=1), "18:00", "21:00")])
    data["shifts-1-DELETE"] = "on"
    # when
    client.post(reverse("jobs:employer_job_new"), data)
    # then
    assert Job.objects.get(employer=employer).shifts.count() == 1


def test_j1_3_too_many_shifts_are_refused(client):
    # given: one more shift than a job may have, one a day
    rows = [(NEXT_MONDAY + dt.timedelta(days=i), "18:00", "20:00") for i in range(MAX_SHIFTS_PER_JOB + 1)]
    data = posting(shifts=rows, blank_rows=0,
                   application_deadline=f"{TODAY + dt.timedelta(days=4):%Y-%m-%d}T12:00")
    # when
    response = client.post(reverse("jobs:employer_job_new"), data)
    # then
    assert any(f"at most {MAX_SHIFTS_PER_JOB} shifts" in e for e in errors_of(response, "shifts"))
    assert not Job.objects.exists()


def test_j1_3_a_weekly_pattern_with_too_many_shifts_is_refused(client):
    # given: every day for half a year
    data = weekly(weekly_days=[str(d) for d in range(1, 8)],
                  weekly_until=f"{NEXT_MONDAY + dt.timedelta(days=180):%Y-%m-%d}")
    # when
    response = client.post(reverse("jobs:employer_job_new"), data)
    # then
    assert any(f"more than {MAX_SHIFTS_PER_JOB} shifts" in e for e in errors_of(response, "weekly_until"))
    assert not Job.objects.exists()


@pytest.mark.parametrize("overrides,field", [
    ({"weekly_days": []}, "weekly_days"),
    ({"weekly_start": ""}, "weekly_start"),
    ({"weekly_until": f"{NEXT_MONDAY - dt.timedelta(days=1):%Y-%m-%d}"}, "weekly_until"),
    ({"weekly_from": f"{TODAY - dt.timedelta(days=7):%Y-%m-%d}"}, "weekly_from"),
    ({"weekly_days": ["6"], "weekly_until": f"{NEXT_MONDAY + dt.timedelta(days=4):%Y-%m-%d}"}, "weekly_days"),
])
def test_j1_3_an_incomplete_or_impossible_weekly_pattern_is_refused(client, overrides, field):
    response = client.post(reverse("jobs:employer_job_new"), weekly(**overrides))
    assert errors_of(response, field) and not Job.objects.exists()


@pytest.mark.parametrize("deadline,message", [
    (f"{NEXT_MONDAY:%Y-%m-%d}T19:00", "before the last shift starts"),
    (f"{TODAY:%Y-%m-%d}T08:00", "in the past"),
])
def test_j1_3_the_application_deadline_lies_between_now_and_the_last_shift(client, deadline, message):
    response = client.post(reverse("jobs:employer_job_new"), posting(application_deadline=deadline))
    assert any(message in e for e in errors_of(response, "application_deadline")) and not Job.objects.exists()


@pytest.mark.parametrize("headcount,message", [("0", "at least one"), ("501", "At most 500")])
def test_e2_1_headcount_is_between_one_and_five_hundred(client, headcount, message):
    response = client.post(reverse("jobs:employer_job_new"), posting(headcount=headcount))
    assert any(message in e for e in errors_of(response, "headcount")) and not Job.objects.exists()


def test_j1_3_a_remote_job_has_no_address(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(is_remote="on"))
    assert errors_of(response, "address") and not Job.objects.exists()


def test_j1_3_a_remote_job_without_an_address_is_accepted(client, employer):
    client.post(reverse("jobs:employer_job_new"), posting(is_remote="on", address="", district=""))
    assert Job.objects.get(employer=employer).is_remote


def test_j1_3_a_job_on_site_needs_a_city(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(city=""))
    assert errors_of(response, "city") and not Job.objects.exists()


def test_e2_1_over_long_text_is_a_field_error_not_a_500(client):
    response = client.post(reverse("jobs:employer_job_new"), posting(title="长" * 81, category="nonsense"))
    assert response.status_code == 200
    assert errors_of(response, "title") and errors_of(response, "category") and not Job.objects.exists()


def test_e2_1_garbage_management_data_is_not_a_500(client):
    data = posting()
    data["shifts-TOTAL_FORMS"] = "many"
    response = client.post(reverse("jobs:employer_job_new"), data)
    assert response.status_code == 200 and not Job.objects.exists()


# ------------------------------------------------------------------ the live screen (J1.4)
def test_j1_4_live_screen_highlights_a_deposit_demand(client):
    # given: the employer is typing a fee demand
    data = posting(description="入职需交押金200元，工作轻松。")
    # when
    response = client.post(reverse("jobs:employer_job_screen"), data)
    # then: a fragment (no page layout) with the matched text marked, blocking first
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    # (the deposit word and the demand around it overlap: one finding, one highlight)
    assert "<mark>需交押金200元</mark>" in html and "Must be fixed" in html
    assert html.index("Must be fixed") < html.index("<mark>需交押金200元</mark>")
    assert "Fee from students: employers may not take money or deposits from students" in html


def test_j1_4_live_screen_escapes_what_the_employer_typed(client):
    response = client.post(reverse("jobs:employer_job_screen"),
                           posting(description="<script>alert(1)</script> 需交押金"))
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "<mark>需交押金</mark>" in html


def test_j1_4_live_screen_works_on_an_incomplete_form_and_shows_the_pay(client):
    # given: only a title with a gender limit and an hourly rate below Shanghai's minimum
    data = {"title": "促销员 限男", "pay_unit": "hour", "base_rate": "20", "settlement_cycle": "daily",
            "payment_days": "1", "city": "上海市", "shifts-TOTAL_FORMS": "1", "shifts-INITIAL_FORMS": "0",
            "shifts-0-date": f"{NEXT_MONDAY:%Y-%m-%d}", "shifts-0-start": "10:00", "shifts-0-end": "14:00"}
    # when
    html = client.post(reverse("jobs:employer_job_screen"), data).content.decode()
    # then
    assert "<mark>限男</mark>" in html and "minimum hourly wage" in html
    assert "Paid within 1 day after each working day." in html and "¥80.00" in html


def test_j1_4_live_screen_reports_a_clean_posting(client):
    html = client.post(reverse("jobs:employer_job_screen"), posting()).content.decode()
    assert "No problems found so far." in html


def test_j1_4_live_screen_is_csrf_protected(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("jobs:employer_job_screen"), posting()).status_code == 403


def test_j1_4_live_screen_is_only_for_employers(student_client):
    assert student_client.post(reverse("jobs:employer_job_screen"), posting()).status_code == 403
    response = Client().post(reverse("jobs:employer_job_screen"), posting())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get(reverse("jobs:employer_job_screen")).status_code in (302, 405)


def test_j1_4_the_form_shows_the_screen_again_without_javascript(client):
    # when: saved with a problem elsewhere in the form
    response = client.post(reverse("jobs:employer_job_new"), posting(description="需交押金", headcount="0"))
    # then
    assert "<mark>需交押金</mark>" in response.content.decode()


# ------------------------------------------------------------------ submitting (E2.2)
def test_e2_2_the_job_page_shows_the_posting_fee_before_submitting(client, employer):
    job = JobFactory(employer=employer)
    html = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    fee = get_policy().job_posting_fee_fen
    assert f"¥{fee // 100}.{fee % 100:02d}" in html and reverse("jobs:employer_job_submit", args=[job.pk]) in html


def test_e2_2_submitting_a_lawful_job_sends_it_to_review(client, employer):
    # given
    job = JobFactory(employer=employer)
    # when
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]), follow=True)
    # then
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW
    assert "Your job is submitted" in response.content.decode()


def test_e2_2_a_compliance_block_on_submit_leaves_the_job_in_draft_with_the_findings_shown(client, employer):
    # given: a draft demanding a deposit and paying below the minimum wage
    job = JobFactory(employer=employer, description="入职需交押金200元", base_rate_fen=1000)
    # when
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]))
    # then: still a draft; the form comes back with errors on the fields, quoting the text
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and response.status_code == 200
    assert any("“需交押金200元”" in e for e in errors_of(response, "description"))
    assert any("minimum hourly wage" in e for e in errors_of(response, "base_rate"))
    assert response.context["action"] == reverse("jobs:employer_job_edit", args=[job.pk])
    assert "cannot be submitted yet" in response.content.decode()


def test_e2_2_the_draft_page_lists_what_blocks_submission(client, employer):
    job = JobFactory(employer=employer, requirements_skills="女生优先，需交押金")
    html = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    assert "<mark>需交押金</mark>" in html and "<mark>女生优先</mark>" in html and "Must be fixed" in html


def test_e1_2_an_employer_not_yet_approved_cannot_submit(client):
    # given: a draft of an employer still under review
    other = EmployerFactory()
    member = other.members.get().user
    job = JobFactory(employer=other)
    client = Client()
    client.force_login(member)
    # when
    page = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    response = client.post(reverse("jobs:employer_job_submit", args=[job.pk]), follow=True)
    # then
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    assert "Only employers approved by the platform may submit jobs" in response.content.decode()
    assert 'id="submit-form"' not in page


def test_e2_2_the_job_page_shows_the_reviewers_reason_and_open_flags(client, employer):
    # given: submitted with a flag, then sent back with a reason
    job = JobFactory(employer=employer, requirements_skills="形象气质佳")
    services.job_submit(job_id=job.pk, actor=employer.members.get().user)
    moderator = StaffFactory(role="moderator")
    JobFlag.objects.create(job=job, code="appearance", severity="flag", field="requirements_skills",
                           matched_text="形象气质佳", message="Requirements may not restrict appearance")
    # when
    html = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    # then: the open flag with the text highlighted
    assert "<mark>形象气质佳</mark>" in html and "Waiting for review" in html
    # and after the moderator's decision, the reason
    services.job_request_changes(pk=job.pk, actor=moderator, reason="请删除外貌要求")
    html = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    assert "请删除外貌要求" in html and "Changes requested" in html


def test_e2_2_the_job_page_shows_the_history(client, employer):
    job = JobFactory(employer=employer)
    client.post(reverse("jobs:employer_job_submit", args=[job.pk]))
    html = client.get(reverse("jobs:employer_job", args=[job.pk])).content.decode()
    assert "Submitted for review" in html


# ------------------------------------------------------------------ live jobs (J2.2)
def test_j2_2_editing_a_published_job_creates_a_revision_students_do_not_see_yet(client, employer):
    # given
    job = published_job(employer)
    data = posting(base_rate="65", shifts=[(s.date, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}")
                                           for s in job.shifts.all()])
    # when
    response = client.post(reverse("jobs:employer_job_edit", args=[job.pk]), data, follow=True)
    # then: the revision waits; the job students see is unchanged
    revision = JobRevision.objects.get(job=job)
    job.refresh_from_db()
    assert revision.status == JobRevision.Status.PENDING and revision.data["fields"]["base_rate_fen"] == 6500
    assert job.base_rate_fen == 6000 and job.status == JobStatus.PUBLISHED
    html = response.content.decode()
    assert "Your changes wait for review; students see the current version" in html
    assert "Changes waiting for review" in html and "¥60.00" in html and "¥65.00" in html


def test_j2_2_the_edit_form_of_a_live_job_starts_from_its_pending_revision(client, employer, owner):
    # given
    job = published_job(employer)
    services.job_revise(job_id=job.pk, actor=owner, data={"base_rate_fen": 7000},
                        shifts=[ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()])
    # when
    response = client.get(reverse("jobs:employer_job_edit", args=[job.pk]))
    # then
    assert response.context["form"]["base_rate"].value() == "70" and response.context["is_live"]


def test_j2_2_headcount_on_a_live_job_changes_at_once(client, employer):
    job = published_job(employer)
    data = posting(headcount="5", shifts=[(s.date, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}")
                                          for s in job.shifts.all()],
                   title=job.title, description=job.description, requirements_skills=job.requirements_skills)
    client.post(reverse("jobs:employer_job_edit", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.headcount == 5 and not JobRevision.objects.exists()


def test_j2_2_a_live_job_may_keep_shifts_that_have_begun(client, employer):
    # given: a published job whose first shift was this morning
    job = published_job(employer, shifts=[(TODAY, "08:00", "10:00"), (NEXT_MONDAY, "18:00", "21:00")],
                        application_deadline=NOW + dt.timedelta(days=2))
    data = posting(base_rate="70", shifts=[(TODAY, "08:00", "10:00"), (NEXT_MONDAY, "18:00", "21:00")])
    # when
    client.post(reverse("jobs:employer_job_edit", args=[job.pk]), data)
    # then
    assert JobRevision.objects.filter(job=job).exists()


def test_j2_2_a_revision_demanding_a_fee_is_refused_with_the_matched_text(client, employer):
    # given
    job = published_job(employer)
    data = posting(description="需交培训费100元", shifts=[
        (s.date, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}") for s in job.shifts.all()])
    # when
    response = client.post(reverse("jobs:employer_job_edit", args=[job.pk]), data)
    # then
    assert response.status_code == 200 and any("“需交培训费100元”" in e for e in errors_of(response, "description"))
    assert not JobRevision.objects.exists()


def test_j2_2_a_closed_job_cannot_be_edited(client, employer):
    job = JobFactory(employer=employer, status=JobStatus.CLOSED)
    response = client.get(reverse("jobs:employer_job_edit", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("jobs:employer_job", args=[job.pk])


@pytest.mark.parametrize("action,before,after", [
    ("pause", JobStatus.PUBLISHED, JobStatus.PAUSED),
    ("resume", JobStatus.PAUSED, JobStatus.PUBLISHED),
    ("close", JobStatus.PUBLISHED, JobStatus.CLOSED),
])
def test_e2_1_the_employer_pauses_resumes_and_closes_a_live_job(client, employer, action, before, after):
    job = JobFactory(employer=employer, status=before)
    response = client.post(reverse(f"jobs:employer_job_{action}", args=[job.pk]))
    job.refresh_from_db()
    assert response.status_code == 302 and job.status == after


def test_j2_3_the_employer_confirms_a_stale_job_is_still_accurate(client, employer):
    job = published_job(employer, stale_notified_at=NOW - dt.timedelta(days=1),
                        content_updated_at=NOW - dt.timedelta(days=30))
    client.post(reverse("jobs:employer_job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.stale_notified_at is None and job.content_updated_at == NOW


def test_e2_1_an_action_the_state_does_not_allow_is_a_message_not_a_500(client, employer):
    job = JobFactory(employer=employer)  # a draft cannot be paused
    response = client.post(reverse("jobs:employer_job_pause", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert response.status_code == 200 and job.status == JobStatus.DRAFT
    assert "This job is now “Draft”, so this can no longer be done. Reload the page" in response.content.decode()


def test_e2_1_actions_are_post_only(client, employer):
    job = published_job(employer)
    assert client.get(reverse("jobs:employer_job_pause", args=[job.pk])).status_code == 405


# ------------------------------------------------------------------ the list
def test_e2_1_the_list_shows_every_state_with_counts(client, employer):
    # given
    JobFactory(employer=employer, title="草稿岗位")
    published_job(employer, title="已发布岗位")
    JobFactory(employer=employer, status=JobStatus.REJECTED, title="被拒岗位")
    JobFactory(title="别人的岗位")
    # when
    response = client.get(reverse("jobs:employer_jobs"))
    # then
    html = response.content.decode()
    assert "草稿岗位" in html and "已发布岗位" in html and "被拒岗位" in html and "别人的岗位" not in html
    assert {t["status"]: t["count"] for t in response.context["tabs"]} == {
        "draft": 1, "published": 1, "rejected": 1}
    assert reverse("jobs:employer_job_new") in html
    # and filtered by status
    filtered = client.get(reverse("jobs:employer_jobs"), {"status": "rejected"}).content.decode()
    assert "被拒岗位" in filtered and "草稿岗位" not in filtered


def test_e1_2_the_list_explains_why_an_unapproved_employer_cannot_post():
    employer = EmployerFactory()
    client = Client()
    client.force_login(employer.members.get().user)
    html = client.get(reverse("jobs:employer_jobs")).content.decode()
    assert 'id="cannot-post"' in html and reverse("jobs:employer_job_new") not in html


def test_e2_1_an_employer_account_without_an_organisation_is_sent_to_register():
    client = Client()
    client.force_login(EmployerUserFactory())
    response = client.get(reverse("jobs:employer_jobs"))
    assert response.status_code == 302 and response["Location"] == reverse("employers:organisation")


def test_e2_1_the_list_takes_a_constant_number_of_queries(client, employer, django_assert_max_num_queries):
    # given: jobs in several states, some with pending revisions
    for status in (JobStatus.DRAFT, JobStatus.PUBLISHED, JobStatus.PAUSED, JobStatus.REJECTED):
        for _ in range(6):
            job = JobFactory(employer=employer, status=status)
            if status == JobStatus.PUBLISHED:
                JobRevision.objects.create(job=job, data={"fields": {}, "shifts": []})
    # when / then: session, user, unread notifications (context processor), membership with
    # employer, counts per status, the page count, the page itself: 7, whatever the jobs
    with django_assert_max_num_queries(7):
        response = client.get(reverse("jobs:employer_jobs"))
    assert response.status_code == 200 and len(response.context["jobs"]) == 24


# ------------------------------------------------------------------ who may see what
def test_e2_1_another_employers_job_is_a_404_on_every_route(client):
    # given: a job of another employer
    job = published_job(EmployerFactory(approved=True))
    # when / then
    assert client.get(reverse("jobs:employer_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:employer_job_edit", args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:employer_job_edit", args=[job.pk]), posting()).status_code == 404
    for action in ("submit", "pause", "resume", "close", "confirm"):
        assert client.post(reverse(f"jobs:employer_job_{action}", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.PUBLISHED and not JobRevision.objects.exists()


def test_e2_1_students_and_staff_are_refused(student_client, staff_client, employer):
    job = JobFactory(employer=employer)
    staff, _moderator = staff_client("moderator")
    for client in (student_client, staff):
        assert client.get(reverse("jobs:employer_jobs")).status_code == 403
        assert client.get(reverse("jobs:employer_job", args=[job.pk])).status_code == 403
        assert client.get(reverse("jobs:employer_job_new")).status_code == 403
        assert client.post(reverse("jobs:employer_job_submit", args=[job.pk])).status_code == 403


def test_e2_1_anonymous_visitors_are_sent_to_sign_in(employer):
    job = JobFactory(employer=employer)
    response = Client().get(reverse("jobs:employer_job", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ------------------------------------------------------------------ errors from the services
def test_e2_1_a_service_error_about_the_shifts_lands_on_the_shift_table(client, monkeypatch):
    # given: the service refuses the shifts (e.g. more than a job may have)
    def refuse(**kwargs):
        raise DomainError("A job can have at most 120 shifts; split it into several jobs.", field="shifts")

    monkeypatch.setattr(services, "job_save_draft", refuse)
    # when
    response = client.post(reverse("jobs:employer_job_new"), posting())
    # then
    assert response.status_code == 200
    assert errors_of(response, "shifts") == ["A job can have at most 120 shifts; split it into several jobs."]


def test_e2_1_a_service_error_about_a_field_lands_on_that_field(client, monkeypatch):
    def refuse(**kwargs):
        raise DomainError("Give the weekdays.", field="weekly_days")

    monkeypatch.setattr(services, "job_save_draft", refuse)
    response = client.post(reverse("jobs:employer_job_new"), weekly())
    assert errors_of(response, "weekly_days") == ["Give the weekdays."]


def test_j1_4_blocking_findings_on_money_and_shifts_map_onto_the_form():
    # given
    data = posting()
    form = JobPosting(data)
    assert form.is_valid()
    # when
    form.add_findings([Finding("min_wage", BLOCK, "Below the minimum wage.", field="base_rate_fen"),
                       Finding("part_time_weekly", BLOCK, "Too many hours.", field="shifts")])
    # then
    assert form.form.errors["base_rate"] == ["Below the minimum wage."]
    assert list(form.shifts.non_form_errors()) == ["Too many hours."]


def test_j1_4_live_screen_reads_a_weekly_pattern(client):
    # given: a night pattern
    html = client.post(reverse("jobs:employer_job_screen"),
                       weekly(weekly_start="22:00", weekly_end="02:00")).content.decode()
    # then
    assert "between 22:00 and 06:00" in html and "Paid within 3 days after each week of work." in html


@pytest.mark.parametrize("payload", ["<script>alert('xss')</script>", '"><img src=x onerror=alert(1)>'])
def test_g3_what_the_employer_typed_is_escaped_on_every_page(client, employer, owner, payload):
    # given: the payload in every free-text field of a live job and of its pending revision
    job = published_job(employer, title=payload, description=payload, requirements_skills=payload,
                        bonus_rules=payload, district=payload)
    services.job_revise(job_id=job.pk, actor=owner, data={"description": payload + "（新）"},
                        shifts=[ShiftSpec(s.date, s.start_time, s.end_time) for s in job.shifts.all()])
    JobFlag.objects.create(job=job, code="fee", severity="flag", field="description", matched_text=payload,
                           message="m")
    # when / then
    for url in (reverse("jobs:employer_jobs"), reverse("jobs:employer_job", args=[job.pk]),
                reverse("jobs:employer_job_edit", args=[job.pk])):
        html = client.get(url).content.decode()
        assert payload not in html and "<script>alert" not in html and "<img src=x" not in html, url


def test_e2_1_the_pages_render_in_chinese(client, employer):
    job = published_job(employer)
    for url in (reverse("jobs:employer_jobs"), reverse("jobs:employer_job", args=[job.pk]),
                reverse("jobs:employer_job_edit", args=[job.pk]), reverse("jobs:employer_job_new")):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200, url
    assert client.post(reverse("jobs:employer_job_screen"), posting(description="押金"),
                       HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
