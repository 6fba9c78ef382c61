"""The user's customer-service pages (P2.2, S5.2, E6.2): my requests, a new
request with FAQ suggestions, one request's conversation (never internal
notes), reopen / close / rate, and the public FAQ in both languages."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from support.models import Ticket, TicketMessage
from support.services import ticket_note, ticket_reply, ticket_resolve
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.employers import EmployerFactory
from tests.factories.support import FAQEntryFactory, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return StaffFactory(role="customer_service")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ticket_url(ticket) -> str:
    return reverse("support:ticket", args=[ticket.pk])


# ---------------------------------------------------------------- filing a request
def test_s5_2_a_student_files_a_complaint_with_their_demand(student, student_client):
    # when
    response = student_client.post(reverse("support:ticket_new"), {
        "category": "complaint", "subject": "岗位内容与描述不符", "body": "说好发传单，实际搬货四小时。",
        "demand": "请核实并提醒雇主。"})
    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == _ticket_url(ticket)
    assert (ticket.user, ticket.category, ticket.channel, ticket.demand) == (
        student, "complaint", "site", "请核实并提醒雇主。")
    assert ticket.status == Ticket.Status.OPEN and ticket.first_response_due_at is not None


def test_e6_2_an_employer_files_a_question_and_lists_it():
    member = EmployerFactory(approved=True).members.get().user
    client = _client(member)
    client.post(reverse("support:ticket_new"), {"category": "question", "subject": "如何开发票", "body": "需要增值税发票"})
    # when
    page = client.get(reverse("support:tickets")).content.decode()
    # then
    assert "如何开发票" in page and "within 4 office hours" in page


def test_p2_2_users_cannot_choose_the_case_categories(student_client):
    response = student_client.post(reverse("support:ticket_new"), {
        "category": "no_show_contest", "subject": "s", "body": "b"})
    assert response.status_code == 200 and "category" in response.context["form"].errors
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("data", [
    {}, {"category": "question", "subject": "   ", "body": "   "},
    {"category": "question", "subject": "x" * 201, "body": "b"},
    {"category": "question", "subject": "s", "body": "b" * 5001},
    {"category": ["question", "x"], "subject": "\x00", "body": "b\x00"},
])
def test_p2_2_garbage_on_the_new_request_form_is_a_form_error_not_a_500(student_client, data):
    response = student_client.post(reverse("support:ticket_new"), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not Ticket.objects.exists()


def test_p2_2_the_new_request_page_suggests_the_faq_while_typing(student_client):
    FAQEntryFactory(question_zh="什么时候能收到工资？", question_en="When do I get paid?", keywords="工资 salary")
    FAQEntryFactory(question_zh="怎么取消工作？", question_en="How do I cancel?")
    # the page loads the script and points it at the suggestion endpoint
    page = student_client.get(reverse("support:ticket_new")).content.decode()
    assert "js/support-faq.js" in page and reverse("support:faq_suggest") in page
    assert reverse("support:faq") in page  # without JavaScript: the link to the FAQ
    # when: the script asks what matches "工资"
    fragment = Client().get(reverse("support:faq_suggest"), {"q": "工资"}).content.decode()
    # then: the matching entry only, in the reader's language (English in tests)
    assert "When do I get paid?" in fragment and "How do I cancel?" not in fragment


def test_p2_2_suggestions_need_two_characters(client):
    FAQEntryFactory(question_en="Pay day", keywords="p")
    assert client.get(reverse("support:faq_suggest"), {"q": "p"}).content.decode().strip() == ""
    assert "Pay day" in client.get(reverse("support:faq_suggest"), {"q": "pay"}).content.decode()


# ---------------------------------------------------------------- the conversation
def test_p2_2_the_user_sees_replies_but_never_internal_notes(agent):
    ticket = open_ticket()
    ticket_reply(pk=ticket.pk, actor=agent, body="我们正在联系雇主。")
    ticket_note(pk=ticket.pk, actor=agent, body="雇主电话打不通，明天再试。")
    # when
    page = _client(ticket.user).get(_ticket_url(ticket)).content.decode()
    # then
    assert "我们正在联系雇主。" in page and "电话打不通" not in page
    assert "请尽快付款。" in page  # the user's demand


def test_p2_2_another_users_ticket_is_a_404():
    ticket = open_ticket()
    stranger = _client(UserFactory(kind="student"))
    assert stranger.get(_ticket_url(ticket)).status_code == 404
    assert stranger.post(_ticket_url(ticket), {"action": "message", "body": "hi"}).status_code == 404
    assert _client(StaffFactory(role="customer_service")).get(_ticket_url(ticket)).status_code == 404
    assert not ticket.messages.exists()


def test_p2_2_the_users_answer_puts_a_waiting_ticket_back_to_work(agent):
    ticket = open_ticket()
    ticket_reply(pk=ticket.pk, actor=agent, body="请告诉我们日期。", ask_user=True)
    client = _client(ticket.user)
    assert "We need something from you" in client.get(reverse("support:tickets")).content.decode()
    # when
    response = client.post(_ticket_url(ticket), {"action": "message", "body": "11 月 20 日"})
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert ticket.messages.filter(kind=TicketMessage.Kind.USER, body="11 月 20 日").exists()


@pytest.mark.parametrize("data", [
    {}, {"action": "nonsense"}, {"action": "message"}, {"action": "message", "body": " " * 10},
    {"action": "message", "body": "x" * 6000}, {"action": "rate", "satisfaction": "9"},
    {"action": "rate", "satisfaction": "five"}, {"action": "reopen", "reason": ""}, {"action": "close"},
    {"action": "reopen", "reason": "not solved"}, {"action": "rate", "satisfaction": "5"},
])
def test_p2_2_no_post_on_the_ticket_page_causes_a_500(data):
    ticket = open_ticket()
    client = _client(ticket.user)
    response = client.post(_ticket_url(ticket), data)
    assert response.status_code in (200, 302)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.satisfaction is None and not ticket.messages.exists()


def test_p2_2_the_user_rates_a_resolved_ticket_once_on_its_page(agent):
    ticket = open_ticket()
    ticket_resolve(pk=ticket.pk, actor=agent, reason="已补发工资。")
    client = _client(ticket.user)
    page = client.get(_ticket_url(ticket)).content.decode()
    assert "已补发工资。" in page and 'id="rating-form"' in page and 'id="reopen-form"' in page
    # when
    client.post(_ticket_url(ticket), {"action": "rate", "satisfaction": "5", "comment": "谢谢"})
    response = client.post(_ticket_url(ticket), {"action": "rate", "satisfaction": "1"}, follow=True)
    # then: the first rating stands; the form is gone
    ticket.refresh_from_db()
    assert ticket.satisfaction == 5
    page = client.get(_ticket_url(ticket)).content.decode()
    assert 'id="rating-form"' not in page and 'id="rated"' in page
    assert response.status_code == 200  # the second one shows the error on the page
    assert "already rated" in response.content.decode()


def test_p2_2_reopen_is_offered_within_the_window_only(agent):
    ticket = open_ticket()
    ticket_resolve(pk=ticket.pk, actor=agent, reason="已处理")
    ticket.refresh_from_db()
    client = _client(ticket.user)
    with time_machine.travel(ticket.resolved_at + dt.timedelta(days=8), tick=False):
        page = client.get(_ticket_url(ticket)).content.decode()
        response = client.post(_ticket_url(ticket), {"action": "reopen", "reason": "还是没到账"})
    assert 'id="reopen-form"' not in page and response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    # within the window it works
    client.post(_ticket_url(ticket), {"action": "reopen", "reason": "还是没到账"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_p2_2_the_user_closes_a_resolved_ticket(agent):
    ticket = open_ticket()
    ticket_resolve(pk=ticket.pk, actor=agent, reason="已处理")
    _client(ticket.user).post(_ticket_url(ticket), {"action": "close"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_p2_2_the_ticket_pages_need_a_sign_in(client):
    ticket = open_ticket()
    for url in (reverse("support:tickets"), reverse("support:ticket_new"), _ticket_url(ticket)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_p2_2_my_requests_page_has_a_fixed_number_of_queries(django_assert_max_num_queries):
    student = UserFactory(kind="student")
    for _ in range(5):
        open_ticket(user=student)
    client = _client(student)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("support:tickets"))
    assert len(response.context["tickets"]) == 5


# ---------------------------------------------------------------- the FAQ
def test_p2_2_the_faq_is_public_grouped_and_in_the_readers_language(client):
    FAQEntryFactory(category="question", question_zh="信用分怎么算？", answer_zh="按记录计算。",
                    question_en="How is the credit score calculated?", answer_en="From your record.")
    FAQEntryFactory(category="report", question_zh="要求交押金怎么办？", question_en="Asked for a deposit?")
    FAQEntryFactory(question_en="Hidden draft", published=False)
    # English
    page = client.get(reverse("support:faq")).content.decode()
    assert "How is the credit score calculated?" in page and "信用分怎么算" not in page
    assert "Hidden draft" not in page
    assert page.index("Question") < page.index("How is the credit") < page.index("Report") < page.index("deposit")
    # Chinese
    with translation.override("zh-hans"):
        page = client.get(reverse("support:faq"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "信用分怎么算？" in page and "按记录计算。" in page


@pytest.mark.parametrize(("query", "found"), [
    ("押金", "Asked for a deposit?"), ("deposit", "Asked for a deposit?"), ("scam", "Asked for a deposit?"),
    ("CREDIT", "How is the credit score calculated?"), ("信用", "How is the credit score calculated?")])
def test_p2_2_the_faq_search_covers_both_languages_and_the_search_words(client, query, found):
    FAQEntryFactory(question_zh="信用分怎么算？", question_en="How is the credit score calculated?")
    FAQEntryFactory(question_zh="要求交押金怎么办？", question_en="Asked for a deposit?", keywords="诈骗 scam")
    page = client.get(reverse("support:faq"), {"q": query}).content.decode()
    other = {"Asked for a deposit?", "How is the credit score calculated?"} - {found}
    assert found in page and other.pop() not in page


def test_p2_2_the_faq_search_returns_at_most_ten_and_survives_garbage(client):
    for _ in range(12):
        FAQEntryFactory(keywords="工资")
    response = client.get(reverse("support:faq"), {"q": "工资"})
    assert sum(len(entries) for _label, entries in response.context["groups"]) == 10
    for query in ("%", "_", "'; drop table", "x" * 5000, "\x00"):
        assert client.get(reverse("support:faq"), {"q": query}).status_code == 200
        assert client.get(reverse("support:faq_suggest"), {"q": query}).status_code == 200


def test_p2_2_chinese_typed_without_spaces_still_finds_the_faq_entry(client):
    # given: Chinese has no spaces between words
    FAQEntryFactory(question_zh="工资没有按时到账怎么办？", question_en="My pay is late")
    FAQEntryFactory(question_zh="怎么取消工作？", question_en="How do I cancel?")
    # when: the student types a whole phrase
    fragment = client.get(reverse("support:faq_suggest"), {"q": "工资没到账"}).content.decode()
    # then: the pay entry, matched on its words (工资, 到账), not the other
    assert "My pay is late" in fragment and "How do I cancel?" not in fragment
