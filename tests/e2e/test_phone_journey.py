"""The mobile-number journey in a real browser at 375 px (issue 20): a student signs up with
a mainland mobile number only and the code sent to it by SMS (the "Request new code"
button counts down the cool-down), finds a job near their campus sorted by distance, applies to it, gets the offer by SMS, accepts it,
gets the 24-hour reminder by SMS when the reminder sweep runs a day before the shift, and
downloads the shift's .ics file from the engagement page.

The SMS backend of the test settings keeps the messages in core.sms.outbox (the live
server runs in this process); the live server's clock cannot move, so the sweeps are
called with a moved `now`, as beat would call them at that time."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from accounts.models import User
from applications.models import Application, Attendance, Engagement
from applications.sweeps import shift_reminders_send
from config.settings.base import ACCOUNT_RATE_LIMITS
from core import sms
from core.models import SmsMessage
from jobs.geo import campuses
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, latest_sms, sign_in, submit

pytestmark = pytest.mark.browser


def test_i20_a_student_signs_up_with_a_number_applies_gets_the_offer_and_reminder_by_sms_and_adds_the_shift(
        make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.ACCOUNT_RATE_LIMITS = ACCOUNT_RATE_LIMITS  # the real limits, so the button counts down
    sms.outbox.clear()
    number = f"+86137{os.getpid() % 100000:05d}{timezone.now().second:03d}"
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    employer = EmployerFactory(approved=True, name="上海青禾餐饮管理有限公司", contact_name="王经理")
    campus = campuses()["sjtu-xuhui"]
    JobFactory(employer=employer, published=True, title="闵行校区图书整理", latitude=31.0252, longitude=121.4337)
    job = JobFactory(employer=employer, published=True, title="奶茶店周末店员",
                     latitude=campus.lat + 0.004, longitude=campus.lng,  # about 450 m north of the campus
                     shifts=[(starts.date(), starts.time(), (starts + dt.timedelta(hours=4)).time())],
                     application_deadline=timezone.now() + dt.timedelta(days=1))
    shift = job.shifts.get()

    # when: on a phone, the student signs up with the number only (no e-mail, no password)
    phone = make_page(viewport=PHONE, locale="zh-CN")
    phone.goto(reverse("account_signup"))
    assert_no_horizontal_scroll(phone)
    phone.fill("#id_phone", number.removeprefix("+86"))
    phone.check("#id_accept_terms")
    submit(phone)
    phone.wait_for_url(f"**{reverse('account_verify_phone')}")

    # then: the code page's "Request new code" waits out the one-a-minute cool-down, counting down
    resend = phone.locator("#resend-code")
    expect(resend).to_be_disabled()
    expect(resend).to_have_attribute("data-cooldown-active", re.compile(r"^\d+$"))
    assert 0 < int(resend.get_attribute("data-cooldown-active")) <= 60
    expect(resend).to_contain_text("秒后可重新发送")
    assert_no_horizontal_scroll(phone)

    # when: they type the code the SMS brought
    phone.fill("#id_code", latest_sms(to=number)["params"]["code"])
    submit(phone)
    phone.wait_for_url(f"**{reverse('accounts:dashboard')}")

    # then: the account is theirs, with no e-mail address
    student = User.objects.get(phone=number)
    assert student.phone_verified and student.email is None and not student.has_usable_password()

    # given: their registration was approved (the vetting journey covers those steps)
    StudentProfileFactory(user=student, approved=True, real_name="陈小曼")

    # when: they look for work near their campus, nearest first
    phone.goto(reverse("jobs:list") + "?campus=sjtu-xuhui&sort=distance")
    cards = phone.locator(".job-card")
    expect(cards.nth(0)).to_contain_text("奶茶店周末店员")
    expect(cards.nth(0).locator(".distance")).to_have_text("0.4 公里")
    expect(cards.nth(1)).to_contain_text("闵行校区图书整理")
    assert_no_horizontal_scroll(phone)
    cards.nth(0).locator("a").first.click()
    phone.wait_for_url(f"**{reverse('jobs:detail', args=[job.pk])}")

    # and: they apply for the job
    phone.locator("#job-apply a.button").click()
    phone.wait_for_url(f"**{reverse('applications:apply', args=[job.pk])}")
    phone.check("#id_confirms_requirements")
    phone.check("#id_commits_to_work")
    phone.locator("#apply-form [type=submit]").click()
    phone.wait_for_url("**/work/mine/applications/*/")
    application = Application.objects.get(job=job, student=student)

    # and: the employer, at a desk, hires them
    desk = make_page(viewport=DESKTOP, locale="zh-CN")
    sign_in(desk, employer.members.get().user.email)
    desk.goto(reverse("applications:employer_application", args=[application.pk]))
    desk.locator("#hire-form [type=submit]").click()
    desk.locator("#confirm-form [type=submit]").click()
    expect(desk.locator(".message-success")).to_be_visible()

    # then: the offer comes by SMS — at once by day; at night it waits for 08:00 (quiet hours) and the
    # release sweep sends it then
    offer = SmsMessage.objects.filter(recipient=student, template=sms.SmsTemplate.ALERT).latest("pk")
    if offer.send_after is not None:
        sms.sms_release_held(now=offer.send_after)
    text = latest_sms(to=number, template=sms.SmsTemplate.ALERT)["text"]
    assert "奶茶店周末店员" in text and reverse("applications:student_application", args=[application.pk]) in text

    # when: the student accepts the offer on their phone
    phone.goto(reverse("applications:student_home"))
    phone.locator("#offers .work-card", has_text="奶茶店周末店员").locator("form [type=submit]").click()
    phone.locator("#confirm-form [type=submit]").click()
    phone.wait_for_url("**/work/mine/engagements/*/")
    engagement = Engagement.objects.get(application=application)
    attendance = Attendance.objects.get(engagement=engagement, shift=shift)
    assert_no_horizontal_scroll(phone)

    # and: a day before the shift, the reminder sweep runs
    sms.outbox.clear()
    assert shift_reminders_send(now=shift.starts_at - dt.timedelta(hours=23)) == 1

    # then: the 24-hour reminder reaches the phone, linking to the engagement
    reminder = latest_sms(to=number, template=sms.SmsTemplate.ALERT)["text"]
    assert reverse("applications:student_engagement", args=[engagement.pk]) in reminder

    # when: the student taps "Add to calendar" on the shift
    link = phone.locator(f"#attendance-{attendance.pk} a.add-to-calendar")
    expect(link).to_be_visible()
    with phone.expect_download() as download_info:
        link.click()
    download = download_info.value

    # then: the file holds the shift with the UID the calendar feed uses
    assert download.suggested_filename == f"jianzhi-shift-{attendance.pk}.ics"
    (event,) = Calendar.from_ical(Path(download.path()).read_bytes()).walk("VEVENT")
    assert str(event["uid"]) == f"attendance-{attendance.pk}@jianzhi"
    assert event.decoded("dtstart") == shift.starts_at and int(event["sequence"]) == 0
    assert "奶茶店周末店员" in str(event["summary"])
