"""The service agreement in a real browser (issue 19; docs/agreements.md): the student
accepts the offer on a phone, which accepts version 1 of the agreement; the employer
accepts it at a desk; both download the PDF and get the same bytes, whose SHA-256 is
the one the page shows and both acceptances recorded."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Agreement, AgreementAcceptance, Engagement
from applications.services import application_apply, application_hire
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def _download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def test_issue_19_both_sides_accept_the_agreement_and_download_the_same_pdf(make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    # given: an offer for a job with a shift next week
    employer = EmployerFactory(approved=True, name="上海书香文化有限公司")
    owner = employer.members.get().user
    day = timezone.localdate() + dt.timedelta(days=7)
    job = JobFactory(employer=employer, published=True, title="图书馆整理", shifts=[(day, "09:00", "12:00")],
                     application_deadline=timezone.now() + dt.timedelta(days=3))
    student = StudentProfileFactory(approved=True, real_name="王小明").user
    application = application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner)

    # when: the student accepts the offer on a phone
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    phone.goto(reverse("applications:student_home"))
    phone.locator("#offers .work-card", has_text="图书馆整理").locator("form [type=submit]").click()
    phone.locator("#confirm-form [type=submit]").click()  # the confirmation step: what the student commits to
    phone.wait_for_url("**/work/mine/engagements/*/")

    # then: version 1 is issued, accepted by the student, and shown with its fingerprint
    engagement = Engagement.objects.get(application=application)
    agreement = Agreement.objects.get(engagement=engagement)
    section = phone.locator("#agreement")
    expect(section.locator(".sha256")).to_have_text(agreement.sha256)
    expect(section.locator("form")).to_have_count(0)  # already accepted with the offer
    assert_no_horizontal_scroll(phone)
    student_copy = _download(phone, section.get_by_role("link", name="下载（PDF）"))

    # when: the employer opens the engagement at a desk and accepts
    desk = make_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(desk, owner.email)
    desk.goto(reverse("applications:employer_engagement", args=[engagement.pk]))
    desk.locator("#agreement form [type=submit]").click()
    expect(desk.locator(".message-success")).to_be_visible()
    expect(desk.locator("#agreement form")).to_have_count(0)
    employer_copy = _download(desk, desk.locator("#agreement").get_by_role("link", name="下载（PDF）"))

    # then: the same bytes for both, with the recorded hash, and two acceptances of that hash
    assert student_copy == employer_copy and student_copy.startswith(b"%PDF-")
    assert hashlib.sha256(student_copy).hexdigest() == agreement.sha256
    assert sorted(AgreementAcceptance.objects.filter(agreement=agreement).values_list("party", "sha256")) == [
        ("employer", agreement.sha256), ("student", agreement.sha256)]
