"""Minors and insurance in a real browser (docs/minors.md, docs/insurance.md, docs/agreements.md).

(a) A 17-year-old with the guardian's consent, on a phone, is refused a KTV night job
(《未成年工特殊保护规定》 art. 3 and the Minors Protection Law art. 58: the job page gives the
reason instead of the apply button) and applies for a library job; the employer hires; the
student accepts; the guardian is texted; the employer confirms the health check (art. 6) and the
registration with the labour administration (art. 9); both sides accept the service agreement
and download the same PDF (same SHA-256).

(b) An employer cannot submit a sorting job without insurance (a clear message) and can once it
has declared the cover; students then read "由…承保" on the job page."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import GuardianNotice
from applications.models import Agreement, AgreementAcceptance, Application, Engagement, MinorWorkerCheck
from core.alerts import quiet_hours_end
from jobs.models import Job, JobStatus
from jobs.services import job_approve
from tests.factories.accounts import GuardianConsentFactory, StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.support.files import pdf_bytes

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def _download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def _seventeen_today() -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - 17) - dt.timedelta(days=40)


def test_minors_art3_art6_art9_a_17_year_old_is_refused_ktv_night_work_hired_for_a_library_and_both_sign(
        make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    # given: an employer with a KTV night job and a library job next week
    employer = EmployerFactory(approved=True, name="上海书香文化有限公司")
    owner = employer.members.get().user
    day = timezone.localdate() + dt.timedelta(days=7)
    deadline = timezone.now() + dt.timedelta(days=3)
    ktv = JobFactory(employer=employer, published=True, title="KTV 夜场服务员", minor_restricted_venue="ktv",
                     shifts=[(day, "20:00", "23:30")], application_deadline=deadline)
    library = JobFactory(employer=employer, published=True, title="图书馆整理", shifts=[(day, "09:00", "12:00")],
                         application_deadline=deadline)
    # and: a 17-year-old student whose guardian consented
    student = StudentProfileFactory(approved=True, real_name="王小雨", is_minor_worker=True,
                                    date_of_birth=_seventeen_today()).user
    consent = GuardianConsentFactory(student=student)

    # when: the student opens the KTV job on a phone
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("jobs:detail", args=[ktv.pk]))
    # then: the reason instead of the apply button
    expect(phone.locator("#apply-refusal")).to_be_visible(timeout=30_000)
    expect(phone.locator("#job-apply a.button")).to_have_count(0)
    assert_no_horizontal_scroll(phone)
    # and: the apply URL refuses too
    phone.goto(reverse("applications:apply", args=[ktv.pk]))
    assert not Application.objects.filter(job=ktv).exists()

    # when: the student applies for the library job
    phone.goto(reverse("jobs:detail", args=[library.pk]))
    phone.locator("#job-apply a.button").click()
    phone.check("#id_confirms_requirements")
    phone.check("#id_commits_to_work")
    phone.locator("#apply-form [type=submit]").click()
    phone.wait_for_url("**/work/mine/applications/*/", timeout=30_000)
    application = Application.objects.get(job=library, student=student)

    # and: the employer hires at a desk
    desk = make_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(desk, owner.email)
    desk.goto(reverse("applications:employer_application", args=[application.pk]))
    desk.locator("#hire-form [type=submit]").click()
    desk.locator("#confirm-form [type=submit]").click()
    expect(desk.locator(".message-success")).to_be_visible(timeout=30_000)

    # and: the student accepts the offer
    phone.goto(reverse("applications:student_home"))
    phone.locator("#offers .work-card", has_text="图书馆整理").locator("form [type=submit]").click()
    # accepting renders the agreement PDF: slow on a loaded machine
    phone.locator("#confirm-form [type=submit]").click(timeout=60_000)
    phone.wait_for_url("**/work/mine/engagements/*/", timeout=60_000)
    engagement = Engagement.objects.get(application=application)

    # then: the guardian is texted in Chinese (held until 08:00 in the quiet hours)
    notice = GuardianNotice.objects.get(student=student, source=f"engagement:{engagement.pk}")
    assert notice.guardian_mobile == consent.guardian_mobile and "图书馆整理" in notice.text
    assert notice.sms is not None
    if quiet_hours_end(timezone.now()) is None:
        notice.sms.refresh_from_db()
        assert notice.sms.status == "sent"

    # when: the employer opens the engagement: the health check and the registration come first
    desk.goto(reverse("applications:employer_engagement", args=[engagement.pk]))
    form = desk.locator("#minor-checks-form")
    expect(form).to_be_visible(timeout=30_000)
    checked = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    form.locator("#id_health_check_date").fill(checked)
    form.locator("#id_health_check_place").fill("上海市第六人民医院")
    form.locator("#id_health_check_reference").fill("TJ-2026-0815")
    form.locator("#id_registration_date").fill(checked)
    form.locator("#id_registration_place").fill("上海市徐汇区人力资源和社会保障局")
    form.locator("#id_registration_reference").fill("WCNG-310104-0042")
    form.locator("[type=submit]").click()
    # then: confirmed, shown on the page
    expect(desk.locator("#minor-checks")).to_contain_text("TJ-2026-0815", timeout=30_000)
    check = MinorWorkerCheck.objects.get(engagement=engagement)
    assert check.registration_reference == "WCNG-310104-0042"

    # when: the employer accepts the agreement, and both download it
    desk.locator("#agreement form [type=submit]").click(timeout=60_000)
    expect(desk.locator("#agreement form")).to_have_count(0, timeout=60_000)
    employer_copy = _download(desk, desk.locator("#agreement").get_by_role("link", name="下载（PDF）"))
    phone.goto(reverse("applications:student_engagement", args=[engagement.pk]))
    student_copy = _download(phone, phone.locator("#agreement").get_by_role("link", name="下载（PDF）"))

    # then: the same bytes, with the recorded hash, accepted by both sides
    agreement = Agreement.objects.get(engagement=engagement)
    assert student_copy == employer_copy and student_copy.startswith(b"%PDF-")
    assert hashlib.sha256(student_copy).hexdigest() == agreement.sha256
    assert sorted(AgreementAcceptance.objects.filter(agreement=agreement).values_list("party", "sha256")) == [
        ("employer", agreement.sha256), ("student", agreement.sha256)]


def test_insurance_a_sorting_job_is_submitted_only_once_its_cover_is_declared(make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    # given: an approved employer's draft sorting job (logistics needs cover)
    employer = EmployerFactory(approved=True, name="上海迅达物流有限公司")
    owner = employer.members.get().user
    day = timezone.localdate() + dt.timedelta(days=7)
    job = JobFactory(employer=employer, category="logistics", title="快递分拣员", shifts=[(day, "09:00", "12:00")],
                     application_deadline=timezone.now() + dt.timedelta(days=3))
    page = make_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(page, owner.email)
    page.goto(reverse("jobs:employer_job", args=[job.pk]))

    # when: they submit it without insurance
    page.locator("#submit-form [type=submit]").click()
    # then: a clear message, and the job stays a draft
    expect(page.locator(".message-error")).to_contain_text("保险", timeout=30_000)
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT

    # when: they declare the cover with its certificate, then submit again
    cover = page.locator("#insurance-form")
    cover.locator("#id_kind").select_option("accident")
    cover.locator("#id_insurer").fill("中国平安财产保险股份有限公司")
    cover.locator("#id_policy_number").fill("PA-2026-0042")
    cover.locator("#id_covers_from").fill(timezone.localdate().isoformat())
    cover.locator("#id_covers_until").fill((timezone.localdate() + dt.timedelta(days=365)).isoformat())
    cover.locator("#id_certificate").set_input_files(
        files=[{"name": "policy.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    cover.locator("[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible(timeout=30_000)
    page.locator("#submit-form [type=submit]").click()

    # then: it is waiting for review
    expect(page.locator(".message-success")).to_be_visible(timeout=30_000)
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING_REVIEW

    # and: once published, students read who insures it
    job_approve(pk=job.pk, actor=StaffFactory(role="moderator"))
    phone = make_page(viewport=PHONE, locale="zh-CN")
    phone.goto(reverse("jobs:detail", args=[job.pk]))
    expect(phone.locator("#job-insurance")).to_contain_text("由中国平安财产保险股份有限公司承保", timeout=30_000)
