"""The jobs journey in a real browser (E2.1, E2.2, J1.4, S2.1): an approved employer posts a
job, the live compliance screen catches a discriminatory phrase as they type,
they fix it and submit; a moderator approves it in the admin; a student on a
phone finds it with a Chinese search and opens it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from core.vetting import VettingStatus
from jobs.models import Job, JobStatus
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import next_weekday

from .helpers import PHONE, assert_no_horizontal_scroll, sign_in, sign_in_staff, submit

pytestmark = pytest.mark.browser


def test_e2_1_e2_2_s2_1_employer_posts_moderator_approves_student_finds_it_by_chinese_search(
        page, make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    employer = EmployerFactory(approved=True, name="上海青禾教育科技有限公司")
    owner = employer.members.get().user
    shift_day = next_weekday(10)
    deadline = timezone.localtime() + dt.timedelta(days=3)

    # given: the employer opens "post a job"
    sign_in(page, owner.email)
    page.goto(reverse("jobs:employer_job_new"))
    page.fill("#id_title", "初中数学家教（周末）")
    page.select_option("#id_category", "tutoring")
    page.fill("#id_description", "辅导初二学生数学作业，讲解错题。")
    # when: they type a discriminatory requirement, the live screen flags it before any submit
    page.fill("#id_requirements_skills", "女生优先，数学基础好")
    page.fill("#id_headcount", "2")
    page.fill("#id_city", "上海市")
    page.fill("#id_district", "徐汇区")
    page.fill("#id_address", "漕溪北路 88 号")
    page.fill("#id_shifts-0-date", shift_day.isoformat())
    page.fill("#id_shifts-0-start", "18:00")
    page.fill("#id_shifts-0-end", "20:00")
    page.fill("#id_application_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_pay_unit", "hour")
    page.fill("#id_base_rate", "60")
    page.select_option("#id_settlement_cycle", "weekly")
    page.fill("#id_payment_days", "3")
    page.locator("#id_description").click()  # leave the field: the screen runs on change
    expect(page.locator("#screen-box mark", has_text="女生优先")).to_be_visible()

    # when: they remove it and save the draft
    page.fill("#id_requirements_skills", "数学基础好，有耐心")
    expect(page.locator("#screen-box mark", has_text="女生优先")).to_have_count(0)
    submit(page, "#job-form")
    page.wait_for_url("**/jobs/mine/*/")
    job = Job.objects.get(employer=employer)
    assert job.status == JobStatus.DRAFT and job.base_rate_fen == 6000

    # when: they submit it for review
    page.locator("#submit-form [type=submit]").click()
    page.wait_for_url(f"**/jobs/mine/{job.pk}/")
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_REVIEW

    # and: students cannot see it yet
    # A student of credit tier 3 ("very good"): sees a job as soon as it is published (K3.1);
    # others see it policy.early_access_hours later.
    student = StudentProfileFactory(vetting_status=VettingStatus.APPROVED, credit_tier=3).user
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("jobs:list") + "?q=数学家教")
    expect(phone.locator(".job-card")).to_have_count(0)

    # when: a moderator approves it in the admin
    moderator = make_page()
    sign_in_staff(moderator, live_server, "moderator")
    moderator.goto(live_server.url + reverse("admin:jobs_job_change", args=[job.pk]))
    moderator.locator('a[href$="/transition/approve/"]').click()
    moderator.check("input[name=flags_reviewed]")
    moderator.locator("#content form [type=submit]").click()
    moderator.wait_for_url(lambda url: "/transition/" not in url)
    job.refresh_from_db()
    assert job.status == JobStatus.PUBLISHED

    # then: the student finds it on the phone with a three-character Chinese search
    phone.goto(reverse("jobs:list"))
    assert_no_horizontal_scroll(phone)
    phone.locator("details summary").first.click()
    phone.fill("input[name=q]", "数学家")
    phone.locator("input[name=q]").press("Enter")
    card = phone.locator(".job-card", has_text="初中数学家教（周末）")
    expect(card).to_have_count(1)
    assert_no_horizontal_scroll(phone)
    card.locator("a").first.click()
    phone.wait_for_url(f"**/jobs/{job.pk}/")
    expect(phone.locator("h1")).to_contain_text("初中数学家教")
    expect(phone.locator("body")).to_contain_text("上海青禾教育科技有限公司")
    assert_no_horizontal_scroll(phone)
