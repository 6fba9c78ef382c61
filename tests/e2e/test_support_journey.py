"""The customer-service journey in a real browser (P2.2, S5.2): a student
on a phone files a complaint and is offered a matching FAQ entry while typing;
a customer-service agent, signed in with TOTP, answers in the admin; the student
reads the answer on the phone; the agent resolves the ticket; the student rates
the help five stars. Nothing scrolls sideways at 375 px."""

import pytest
from playwright.sync_api import expect

from support.models import Ticket
from tests.factories.accounts import StudentProfileFactory
from tests.factories.support import FAQEntryFactory

from .helpers import DESKTOP, PHONE, assert_no_horizontal_scroll, open_nav_link, sign_in, sign_in_staff

pytestmark = pytest.mark.browser


def test_p2_2_s5_2_student_complains_on_a_phone_agent_answers_student_rates(make_page, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    # given: an approved student and an FAQ entry about unpaid wages
    student = StudentProfileFactory(approved=True, real_name="李小雨").user
    FAQEntryFactory(question_zh="工资没有按时到账怎么办？", answer_zh="请先查看结算单的状态。",
                    question_en="My pay is late. What can I do?", answer_en="Check the statement first.",
                    keywords="工资 到账 pay")

    # when: the student, on a phone, opens Help from the menu and writes a complaint
    phone = make_page(viewport=PHONE, locale="zh-CN")
    sign_in(phone, student.email)
    open_nav_link(phone, "/support/")
    assert_no_horizontal_scroll(phone)
    phone.click("#new-ticket")
    phone.wait_for_url("**/support/new/")
    phone.select_option("#id_category", "complaint")
    phone.fill("#id_subject", "工资没到账")
    # then: a matching FAQ entry is suggested while typing
    expect(phone.locator("#faq-suggestions .faq-suggestion")).to_contain_text("工资没有按时到账怎么办？")
    assert_no_horizontal_scroll(phone)
    phone.fill("#id_body", "11 月 20 日在咖啡店工作了 4 小时，结算单已确认，但一直没有收到工资。")
    phone.fill("#id_demand", "请尽快把工资打给我。")
    phone.locator("#ticket-form [type=submit]").click()
    phone.wait_for_url(lambda url: "/support/new/" not in url)
    ticket = Ticket.objects.get(user=student)
    assert (ticket.category, ticket.status) == ("complaint", Ticket.Status.OPEN)
    assert_no_horizontal_scroll(phone)

    # when: a customer-service agent answers in the admin
    desk = make_page(viewport=DESKTOP, locale="zh-CN")
    agent = sign_in_staff(desk, live_server, "customer_service")
    desk.goto(f"{live_server.url}/admin/support/ticket/")
    desk.locator(f'#result_list a[href*="/support/ticket/{ticket.pk}/"]').first.click()
    desk.wait_for_url(f"**/admin/support/ticket/{ticket.pk}/change/")
    reply = desk.locator(f'form[action$="/support/ticket/{ticket.pk}/reply/"]')
    reply.locator("textarea[name=body]").fill("您好，雇主的预付款今天到账，工资将在明天打到您的银行卡。")
    reply.locator("[type=submit]").click()
    desk.wait_for_url(f"**/admin/support/ticket/{ticket.pk}/change/")
    expect(desk.locator(".messagelist .success")).to_be_visible()

    # then: the student sees the answer on the phone
    phone.goto(f"/support/{ticket.pk}/")
    expect(phone.locator(".ticket-message.from-staff")).to_contain_text("工资将在明天打到您的银行卡")
    assert_no_horizontal_scroll(phone)

    # when: the agent resolves the ticket
    final = desk.locator("#ticket-final-form")
    final.locator("textarea[name=reason]").fill("工资已于今天发放，请查收。")
    final.locator("[type=submit]").click()
    desk.wait_for_url(f"**/admin/support/ticket/{ticket.pk}/change/")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (Ticket.Status.RESOLVED, agent)

    # then: the student reads the resolution and rates the help five stars
    phone.goto(f"/support/{ticket.pk}/")
    expect(phone.locator("#resolution")).to_contain_text("工资已于今天发放")
    assert_no_horizontal_scroll(phone)
    phone.locator('#rating-form input[name=satisfaction][value="5"]').check()
    phone.locator("#rating-form [type=submit]").click()
    expect(phone.locator("#rated")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    ticket.refresh_from_db()
    assert ticket.satisfaction == 5
