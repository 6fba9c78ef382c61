"""Customer service's back office (P2.2): the queue with service-level badges and
filters, the ticket page's action forms (reply, note, logged call, assign,
escalate, resolve, close), logging a phone call as a new ticket, the FAQ admin,
the daily summary; and who may see what (customer service no finance data,
operations the aggregates only)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from core.models import Notification
from support.models import FAQEntry, Ticket, TicketDailySummary, TicketMessage
from support.services import ticket_reply, ticket_resolve
from support.sweeps import ticket_daily_summary_build
from tests.factories.accounts import StaffFactory, StudentProfileFactory, UserFactory
from tests.factories.support import open_ticket

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CHANGELIST = "admin:support_ticket_changelist"


def _action(ticket, name: str) -> str:
    return reverse(f"admin:support_ticket_{name}", args=[ticket.pk])


def _change(ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


# ---------------------------------------------------------------- the queue
def test_p2_2_the_queue_shows_work_in_progress_by_priority_then_first_answer_due(staff_client):
    client, agent = staff_client("customer_service")
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False):
        early = open_ticket()
    with time_machine.travel(dt.datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI), tick=False):
        later = open_ticket()
        urgent = open_ticket(priority=Ticket.Priority.URGENT)
        waiting = open_ticket(priority=Ticket.Priority.LOW)
        ticket_reply(pk=waiting.pk, actor=agent, body="请补充", ask_user=True)
        done = open_ticket()
        ticket_resolve(pk=done.pk, actor=agent, reason="ok")
    # when
    response = client.get(reverse(CHANGELIST))
    # then: resolved tickets are not in the queue; waiting ones are
    assert [t.pk for t in response.context["cl"].result_list] == [urgent.pk, early.pk, later.pk, waiting.pk]


def test_p2_2_the_queue_marks_missed_and_imminent_targets(staff_client):
    client, _agent = staff_client("customer_service")
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), tick=False):
        late = open_ticket(subject="已超时")  # first answer due 13:00
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI), tick=False):
        soon = open_ticket(subject="快到期")  # due 16:00
    # when: at 15:30 the first is overdue, the second due within the hour
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 30, tzinfo=SHANGHAI), tick=False):
        html = client.get(reverse(CHANGELIST)).content.decode()
        breached = client.get(reverse(CHANGELIST), {"sla": "breached"}).context["cl"].result_list
        imminent = client.get(reverse(CHANGELIST), {"sla": "soon"}).context["cl"].result_list
    # then
    assert html.count('class="sla-late"') == 1 and html.count('class="sla-soon"') == 1
    assert [t.pk for t in breached] == [late.pk] and [t.pk for t in imminent] == [soon.pk]


def test_p2_2_the_queue_filters_mine_unassigned_escalated_and_by_category(staff_client):
    client, agent = staff_client("customer_service")
    mine = open_ticket(category=Ticket.Category.COMPLAINT)
    ticket_reply(pk=mine.pk, actor=agent, body="处理中")
    unassigned = open_ticket()
    escalated = open_ticket(category=Ticket.Category.DISPUTE)
    client.post(_action(escalated, "escalate"), {"to": "finance", "reason": "核实付款"})

    def pks(**params):
        return [t.pk for t in client.get(reverse(CHANGELIST), params).context["cl"].result_list]

    assert pks(assigned="me") == [mine.pk]
    assert set(pks(assigned="none")) == {unassigned.pk, escalated.pk}
    assert pks(escalated_to__exact="finance") == [escalated.pk]
    assert pks(category__exact="complaint") == [mine.pk]
    assert pks(status="bogus") == []


def test_p2_2_the_queue_has_a_fixed_number_of_queries(staff_client, django_assert_max_num_queries):
    client, agent = staff_client("customer_service")
    for index in range(6):
        ticket = open_ticket()
        if index % 2:
            ticket_reply(pk=ticket.pk, actor=agent, body="在处理")
    with django_assert_max_num_queries(9):
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 6


# ---------------------------------------------------------------- the ticket page
def test_p2_2_the_ticket_page_shows_notes_history_and_the_action_forms(staff_client):
    client, agent = staff_client("customer_service")
    ticket = open_ticket()
    client.post(_action(ticket, "note"), {"body": "内部备注：先查银行流水。"})
    # when
    page = client.get(_change(ticket)).content.decode()
    # then
    assert "内部备注：先查银行流水。" in page and "请尽快付款。" in page
    for name in ("reply", "note", "log_message", "assign", "escalate"):
        assert _action(ticket, name) in page
    assert reverse("admin:support_ticket_transition", kwargs={"object_id": ticket.pk,
                                                               "transition_name": "resolve"}) in page
    assert "note" in page and "open" in page  # the history table


def test_p2_2_an_agent_replies_asking_the_user_from_the_ticket_page(staff_client):
    client, agent = staff_client("customer_service")
    ticket = open_ticket()
    # when
    response = client.post(_action(ticket, "reply"), {"body": "请提供打卡截图。", "ask_user": "on"})
    # then
    assert response.status_code == 302 and response["Location"] == _change(ticket)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assigned_to) == (Ticket.Status.WAITING_FOR_USER, agent)
    assert Notification.objects.filter(recipient=ticket.user, body="请提供打卡截图。").exists()


def test_p2_2_an_agent_logs_what_the_user_said_on_the_phone(staff_client):
    client, _agent = staff_client("customer_service")
    ticket = open_ticket()
    client.post(_action(ticket, "log_message"), {"channel": "phone", "body": "用户来电补充：是周六的班。"})
    message = ticket.messages.get()
    assert (message.kind, message.channel) == (TicketMessage.Kind.USER, "phone")


def test_p2_2_assign_offers_and_accepts_only_agents(staff_client):
    client, _agent = staff_client("customer_service")
    colleague, finance = StaffFactory(role="customer_service"), StaffFactory(role="finance")
    ticket = open_ticket()
    page = client.get(_change(ticket)).content.decode()
    assert colleague.email in page and finance.email not in page
    # when: a forged post names the finance member
    client.post(_action(ticket, "assign"), {"assignee": finance.pk})
    ticket.refresh_from_db()
    assert ticket.assigned_to is None
    client.post(_action(ticket, "assign"), {"assignee": colleague.pk})
    ticket.refresh_from_db()
    assert ticket.assigned_to == colleague


def test_p2_2_resolve_and_close_from_the_ticket_page(staff_client):
    client, _agent = staff_client("customer_service")
    ticket = open_ticket()
    resolve = reverse("admin:support_ticket_transition", kwargs={"object_id": ticket.pk, "transition_name": "resolve"})
    client.post(resolve, {"reason": "已联系雇主补发。"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    page = client.get(_change(ticket)).content.decode()
    close = reverse("admin:support_ticket_transition", kwargs={"object_id": ticket.pk, "transition_name": "close"})
    assert close in page and _action(ticket, "reply") not in page
    client.post(close, {"reason": ""})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


@pytest.mark.parametrize(("name", "data"), [
    ("reply", {}), ("reply", {"body": "   "}), ("reply", {"body": "x" * 6000}), ("note", {"body": ""}),
    ("log_message", {"channel": "pigeon", "body": "x"}), ("assign", {"assignee": "abc"}),
    ("assign", {"assignee": "999999"}), ("escalate", {"to": "marketing", "reason": "x"}),
    ("escalate", {"to": "finance", "reason": " "}),
])
def test_p2_2_garbage_on_the_ticket_page_never_causes_a_500(staff_client, name, data):
    client, _agent = staff_client("customer_service")
    ticket = open_ticket()
    response = client.post(_action(ticket, name), data)
    assert response.status_code in (200, 302)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and not ticket.messages.exists() and ticket.escalated_to == ""


def test_p2_2_a_domain_error_on_the_ticket_page_is_an_admin_message(staff_client):
    client, agent = staff_client("customer_service")
    ticket = open_ticket()
    ticket_resolve(pk=ticket.pk, actor=agent, reason="ok")
    response = client.post(_action(ticket, "reply"), {"body": "补充说明"}, follow=True)
    assert response.status_code == 200
    assert "reopen it before answering" in response.content.decode()


@pytest.mark.parametrize("role", ["moderator", "manager", "finance", "operations"])
def test_p2_2_other_roles_cannot_use_the_ticket_actions(staff_client, role):
    client, _user = staff_client(role)
    ticket = open_ticket()
    for name in ("reply", "note", "log_message", "assign", "escalate"):
        assert client.post(_action(ticket, name), {"body": "x", "to": "finance", "reason": "x"}).status_code == 403
    assert client.post(reverse("admin:support_ticket_log_contact"), {}).status_code == 403
    assert not ticket.messages.exists()


def test_p2_2_moderators_open_the_link_of_a_ticket_escalated_to_them(staff_client):
    client, agent = staff_client("customer_service")
    moderator_client, moderator = staff_client("moderator")
    ticket = open_ticket()
    client.post(_action(ticket, "escalate"), {"to": "moderation", "reason": "该岗位疑似收押金"})
    link = Notification.objects.get(recipient=moderator).link
    page = moderator_client.get(link)
    assert page.status_code == 200 and "该岗位疑似收押金" in page.content.decode()


# ---------------------------------------------------------------- logging a call as a new ticket
def test_p2_2_an_agent_logs_a_phone_call_for_a_student_found_by_mobile(staff_client):
    client, agent = staff_client("customer_service")
    profile = StudentProfileFactory(approved=True, mobile="+8613912345678")
    # when
    response = client.post(reverse("admin:support_ticket_log_contact"), {
        "contact": "139 1234 5678", "channel": "phone", "category": "complaint", "priority": "3",
        "subject": "电话投诉：工资少发", "body": "学生来电说少发了两小时工资。", "demand": "补发工资"})
    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == _change(ticket)
    assert (ticket.user, ticket.logged_by, ticket.channel, ticket.priority, ticket.demand) == (
        profile.user, agent, "phone", 3, "补发工资")
    assert Notification.objects.filter(recipient=profile.user, link=f"/support/{ticket.pk}/").exists()


def test_p2_2_logging_a_call_by_e_mail_and_unknown_contacts(staff_client):
    client, _agent = staff_client("customer_service")
    user = UserFactory(kind="student", email="li.lei@example.com")
    data = {"channel": "email", "category": "question", "priority": "2", "subject": "s", "body": "b"}
    response = client.post(reverse("admin:support_ticket_log_contact"), {**data, "contact": "nobody@example.com"})
    assert response.status_code == 200 and response.context["form"].errors["contact"]
    client.post(reverse("admin:support_ticket_log_contact"), {**data, "contact": "LI.LEI@example.com"})
    assert Ticket.objects.get().user == user
    for garbage in ({}, {"contact": "x" * 500}, {**data, "contact": "li.lei@example.com", "priority": "99"}):
        assert client.post(reverse("admin:support_ticket_log_contact"), garbage).status_code == 200
    assert Ticket.objects.count() == 1


# ---------------------------------------------------------------- the FAQ admin
def test_p2_2_customer_service_keeps_the_faq_and_previews_both_languages(staff_client):
    client, agent = staff_client("customer_service")
    response = client.post(reverse("admin:support_faqentry_add"), {
        "category": "question", "question_zh": "如何修改收款方式？", "answer_zh": "在“我的收入”里修改。",
        "question_en": "How do I change my payout method?", "answer_en": "Under My pay.", "keywords": "",
        "published": "on", "position": "10"})
    assert response.status_code == 302
    entry = FAQEntry.objects.get()
    assert entry.updated_by == agent
    page = client.get(reverse("admin:support_faqentry_change", args=[entry.pk])).content.decode()
    assert "在“我的收入”里修改。" in page and "Under My pay." in page
    found = client.get(reverse("admin:support_faqentry_changelist"), {"q": "payout"}).context["cl"].result_list
    assert list(found) == [entry]


# ---------------------------------------------------------------- the daily summary
def test_p2_2_the_daily_summary_is_a_table_per_category_and_can_be_rebuilt(staff_client):
    client, agent = staff_client("operations")
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        open_ticket(category=Ticket.Category.COMPLAINT, subject="张三的私事")
        open_ticket(category=Ticket.Category.QUESTION)
    summary = ticket_daily_summary_build(day=dt.date(2026, 11, 24))
    # when
    page = client.get(reverse("admin:support_ticketdailysummary_change", args=[summary.pk])).content.decode()
    listing = client.get(reverse("admin:support_ticketdailysummary_changelist"))
    # then: aggregates only, no subject or user
    assert "Complaint" in page and "Question" in page and "张三" not in page
    assert listing.status_code == 200
    # and a day can be rebuilt
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = client.post(reverse("admin:support_ticketdailysummary_rebuild"), {"date": "2026-11-25"})
        bad = client.post(reverse("admin:support_ticketdailysummary_rebuild"), {"date": "9999-12-31"})
    assert response.status_code == 302 and bad.status_code == 200
    assert set(TicketDailySummary.objects.values_list("date", flat=True)) == {
        dt.date(2026, 11, 24), dt.date(2026, 11, 25)}


# ---------------------------------------------------------------- who sees what
FINANCE_URLS = ["admin:finance_ledgeraccount_changelist", "admin:finance_integrityrun_changelist",
                "admin:settlements_settlement_changelist", "admin:settlements_payoutbatch_changelist",
                "admin:finance_report_settlements", "admin:finance_report_reconciliation",
                "admin:finance_report_trial_balance"]


@pytest.mark.parametrize("name", FINANCE_URLS)
def test_p2_2_customer_service_cannot_see_finance_data(staff_client, name):
    client, _agent = staff_client("customer_service")
    assert client.get(reverse(name)).status_code == 403


def test_p2_2_operations_sees_the_daily_summary_but_not_tickets(staff_client):
    client, _user = staff_client("operations")
    ticket = open_ticket()
    ticket_daily_summary_build(day=dt.date.today())
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(_change(ticket)).status_code == 403
    assert client.get(reverse("admin:support_ticketdailysummary_changelist")).status_code == 200
