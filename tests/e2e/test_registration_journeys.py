"""Registration journeys in a real browser: a student (S1.1, S1.2) and an
employer (E1.1, E1.2) sign up, confirm their e-mail, register, and see the
moderator's approval; plus the under-16 refusal as the student sees it."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import StudentProfile
from core.vetting import VettingStatus
from employers.models import Employer
from tests.factories.accounts import UserFactory
from tests.factories.employers import uscc_for
from tests.support.files import pdf_bytes

from .helpers import (
    DESKTOP,
    PHONE,
    approve_in_admin,
    assert_no_horizontal_scroll,
    in_language,
    open_nav_link,
    sign_in,
    sign_in_staff,
    sign_up_and_confirm,
    submit,
)

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - dt.timedelta(days=days)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_s1_1_s1_2_student_signs_up_registers_and_is_approved(page, make_page, live_server, settings, viewport):
    phone = viewport == PHONE
    if phone:
        # Chinese is the site's language; the phone's browser asks for it too.
        settings.LANGUAGE_CODE = "zh-hans"
    language = "zh-hans" if phone else "en"
    email = "xiaoming@student.example"

    # given: a student signs up and confirms the e-mail address
    sign_up_and_confirm(page, live_server, signup_path="/accounts/signup/", email=email)
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    heading = page.locator("main h1")
    expect(heading).to_have_text(in_language(language, "My dashboard"))
    if phone:
        expect(heading).to_have_text(CHINESE)  # the catalogue is compiled and used
        assert_no_horizontal_scroll(page)

    # when: they fill in the registration in Chinese
    open_nav_link(page, "/me/registration/")
    if phone:
        assert_no_horizontal_scroll(page)
    page.fill("#id_real_name", "李小明")
    page.select_option("#id_gender", StudentProfile.Gender.MALE)
    page.fill("#id_date_of_birth", "2004-03-07")
    page.fill("#id_school", "复旦大学")
    page.fill("#id_major", "计算机科学与技术")
    page.fill("#id_enrolment_year", "2023")
    page.fill("#id_mobile", "13800138000")
    submit(page)
    page.wait_for_url(f"{live_server.url}/me/")

    # then: the registration waits for vetting
    status = page.locator("#registration-status")
    expect(status.locator(".status-submitted")).to_have_text(in_language(language, "Waiting for vetting"))
    expect(status).to_contain_text("李小明")
    expect(status).to_contain_text("复旦大学")
    profile = StudentProfile.objects.get(user__email=email)
    assert (profile.real_name, profile.major, str(profile.mobile)) == ("李小明", "计算机科学与技术", "+8613800138000")

    # when: a moderator approves it in the back office (with TOTP)
    moderator_page = make_page(viewport=DESKTOP)
    sign_in_staff(moderator_page, live_server, "moderator")
    approve_in_admin(moderator_page, live_server.url + reverse("admin:accounts_studentprofile_change",
                                                               args=[profile.pk]))

    # then: the student sees the approval on the dashboard
    page.reload()
    approved = status.locator(".status-approved")
    expect(approved).to_have_text(in_language(language, "Approved"))
    if phone:
        expect(approved).to_have_text(CHINESE)
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.APPROVED
    if phone:
        assert_no_horizontal_scroll(page)


def test_e1_1_e1_2_employer_signs_up_registers_and_is_approved(page, make_page, live_server):
    email = "hr@fudan-canteen.example"

    # given: an employer signs up and confirms the e-mail address
    sign_up_and_confirm(page, live_server, signup_path="/employer/signup/", email=email)
    expect(page).to_have_url(f"{live_server.url}/employer/")

    # when: they register the organisation with its business licence
    page.goto("/employer/organisation/")
    page.fill("#id_name", "上海复旦餐饮管理有限公司")
    page.fill("#id_uscc", uscc_for(424242))
    page.fill("#id_address", "邯郸路 220 号")
    page.fill("#id_city", "上海市")
    page.fill("#id_district", "杨浦区")
    page.fill("#id_business_scope", "餐饮服务；食品销售")
    page.fill("#id_contact_name", "王经理")
    page.fill("#id_contact_mobile", "13912345678")
    page.set_input_files("#id_business_licence", {
        "name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(),
    })
    submit(page)
    page.wait_for_url(f"{live_server.url}/employer/")

    # then: it waits for vetting
    expect(page.locator("#registration-status .status-submitted")).to_be_visible()
    employer = Employer.objects.get(members__user__email=email)
    assert employer.uscc == uscc_for(424242)
    assert employer.business_licence

    # when: a moderator approves it
    moderator_page = make_page()
    sign_in_staff(moderator_page, live_server, "moderator")
    approve_in_admin(moderator_page, live_server.url + reverse("admin:employers_employer_change",
                                                               args=[employer.pk]))

    # then: the employer sees the approval
    page.reload()
    expect(page.locator("#registration-status .status-approved")).to_be_visible()
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.APPROVED


def test_s1_1_under_16_sees_the_age_error_next_to_the_field_and_nothing_is_saved(make_page, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    student = UserFactory(kind="student")
    page = make_page(locale="zh-CN")
    sign_in(page, student.email)

    # when: a 15-year-old submits the registration
    page.goto("/me/registration/")
    page.fill("#id_real_name", "李小明")
    page.select_option("#id_gender", StudentProfile.Gender.MALE)
    page.fill("#id_date_of_birth", years_ago(15, days=100).isoformat())
    page.fill("#id_school", "复旦大学")
    page.fill("#id_major", "计算机科学与技术")
    page.fill("#id_enrolment_year", "2023")
    page.fill("#id_mobile", "13800138000")
    submit(page)

    # then: the form comes back with the translated error on the date of birth only
    field = page.locator(".field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator("#id_date_of_birth")).to_be_visible()
    expect(field.locator(".error")).to_have_text(in_language(
        "zh-hans", "You must be at least 16 years old to work through Jianzhi (Labour Law art. 15)."))
    expect(page).to_have_url(re.compile(r"/me/registration/$"))
    expect(page.locator("#id_real_name")).to_have_value("李小明")
    assert not StudentProfile.objects.filter(user=student).exists()
