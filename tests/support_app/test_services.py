"""Customer-service rules (P2.2, S5.2, E6.2): service levels stored from the
policy, the conversation (replies, asking the user, internal notes), assignment,
escalation, reopening within the window, the satisfaction rating, and beat's
sweeps (closing resolved tickets, the daily classification summary)."""

import datetime as dt

import pytest
import time_machine

from core.errors import NotPermitted, ReasonRequired
from core.history import history_for
from core.models import HistoryEntry, Notification
from core.policy import get_policy
from support.models import Ticket, TicketMessage
from support.services import (
    TicketNotAllowed,
    ticket_assign,
    ticket_close,
    ticket_escalate,
    ticket_note,
    ticket_open,
    ticket_rate,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_user_message,
)
from support.sweeps import ticket_daily_summary_build, tickets_close_resolved
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.support import open_ticket

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def agent():
    return StaffFactory(role="customer_service")


def _resolved(agent, **fields) -> Ticket:
    ticket = open_ticket(**fields)
    return ticket_resolve(pk=ticket.pk, actor=agent, reason="已为您处理完毕。")


# ---------------------------------------------------------------- service levels
def test_p2_2_a_complaint_is_due_by_the_policy_targets_across_national_day():
    # given: the policy's 4 office hours for a first answer and 5 working days to resolve a complaint
    policy = get_policy()
    assert (policy.ticket_first_response_working_hours, policy.ticket_resolve_days_complaint) == (4, 5)
    # when: a complaint comes in on Tuesday 30 Sep 2025 at 16:00, the eve of National Day (1–8 Oct)
    with time_machine.travel(dt.datetime(2025, 9, 30, 16, 0, tzinfo=SHANGHAI), tick=False):
        ticket = open_ticket(category=Ticket.Category.COMPLAINT)
    # then: first answer Thursday 9 Oct 12:00; 5 working days → 9, 10, 11 (调休 Saturday), 13, 14 Oct
    assert ticket.first_response_due_at == dt.datetime(2025, 10, 9, 12, 0, tzinfo=SHANGHAI)
    assert ticket.resolution_due_at == dt.datetime(2025, 10, 14, 16, 0, tzinfo=SHANGHAI)


def test_p2_2_each_category_has_its_own_resolution_target():
    opened_at = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)  # a Monday
    with time_machine.travel(opened_at, tick=False):
        dispute = open_ticket(category=Ticket.Category.DISPUTE)
        report = open_ticket(category=Ticket.Category.REPORT)
    # then: a dispute 10 working days, a report 3
    assert dispute.resolution_due_at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    assert report.resolution_due_at == dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("fields", [
    {"category": "nonsense"}, {"subject": "  "}, {"body": ""}, {"priority": 99}, {"channel": "pigeon"}])
def test_p2_2_a_ticket_needs_a_known_category_a_subject_and_a_message(fields):
    with pytest.raises((TicketNotAllowed, ReasonRequired)):
        open_ticket(**fields)
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------- the conversation
def test_p2_2_the_first_reply_counts_as_the_first_answer_and_tells_the_user(agent):
    ticket = open_ticket()
    # when
    with time_machine.travel(ticket.created_at + dt.timedelta(minutes=20), tick=False):
        ticket_reply(pk=ticket.pk, actor=agent, body="您好，我们正在查询。")
    # then
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS and ticket.assigned_to == agent
    assert ticket.first_responded_at == ticket.created_at + dt.timedelta(minutes=20)
    assert not ticket.is_overdue
    assert Notification.objects.filter(recipient=ticket.user, body="您好，我们正在查询。").exists()


def test_p2_2_asking_the_user_waits_and_their_answer_puts_it_back_in_progress(agent):
    ticket = open_ticket()
    # when: the agent needs the date; the user answers on the ticket
    ticket_reply(pk=ticket.pk, actor=agent, body="请告诉我们具体日期。", ask_user=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_FOR_USER and ticket.waiting_since is not None
    ticket_user_message(pk=ticket.pk, user=ticket.user, body="11 月 20 日。")
    # then: back to work, and the agent is told
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS and ticket.waiting_since is None
    assert Notification.objects.filter(recipient=agent, body="11 月 20 日。").exists()


def test_p2_2_asking_twice_keeps_the_ticket_waiting(agent):
    ticket = open_ticket()
    ticket_reply(pk=ticket.pk, actor=agent, body="请发照片。", ask_user=True)
    # when
    ticket_reply(pk=ticket.pk, actor=agent, body="还需要门店地址。", ask_user=True)
    # then
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_FOR_USER
    assert ticket.messages.filter(kind=TicketMessage.Kind.REPLY).count() == 2


def test_p2_2_a_phone_answer_logged_by_the_agent_puts_a_waiting_ticket_back_to_work(agent):
    ticket = open_ticket()
    ticket_reply(pk=ticket.pk, actor=agent, body="请来电说明。", ask_user=True)
    # when
    message = ticket_note(pk=ticket.pk, actor=agent, body="用户来电：是 20 日的工作。", channel=Ticket.Channel.PHONE)
    # then: the user's words, public, and the ticket is worked on again
    ticket.refresh_from_db()
    assert (message.kind, message.channel, message.is_public) == (TicketMessage.Kind.USER, "phone", True)
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_p2_2_internal_notes_never_reach_the_user(agent):
    ticket = open_ticket()
    notified_before = Notification.objects.filter(recipient=ticket.user).count()
    # when
    note = ticket_note(pk=ticket.pk, actor=agent, body="该雇主本月第三次被投诉。")
    # then
    assert note.kind == TicketMessage.Kind.NOTE and not note.is_public
    assert Notification.objects.filter(recipient=ticket.user).count() == notified_before
    assert not Notification.objects.filter(body__contains="第三次").exists()


def test_p2_2_only_customer_service_replies_and_writes_notes():
    ticket = open_ticket()
    for actor in (StaffFactory(role="moderator"), StaffFactory(role="finance"), ticket.user, UserFactory()):
        with pytest.raises(NotPermitted):
            ticket_reply(pk=ticket.pk, actor=actor, body="x")
        with pytest.raises(NotPermitted):
            ticket_note(pk=ticket.pk, actor=actor, body="x")
    assert not TicketMessage.objects.exists()


def test_p2_2_only_the_user_who_raised_it_writes_on_the_ticket():
    ticket = open_ticket()
    with pytest.raises(NotPermitted):
        ticket_user_message(pk=ticket.pk, user=UserFactory(), body="我也有问题")
    assert not ticket.messages.exists()


def test_p2_2_a_resolved_ticket_takes_no_more_replies(agent):
    ticket = _resolved(agent)
    with pytest.raises(TicketNotAllowed):
        ticket_reply(pk=ticket.pk, actor=agent, body="补充")
    with pytest.raises(TicketNotAllowed):
        ticket_user_message(pk=ticket.pk, user=ticket.user, body="还有问题")


def test_p2_2_an_empty_reply_is_refused(agent):
    ticket = open_ticket()
    with pytest.raises(ReasonRequired):
        ticket_reply(pk=ticket.pk, actor=agent, body="   ")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.first_responded_at is None


# ---------------------------------------------------------------- assignment and escalation
def test_p2_2_tickets_are_assigned_only_to_customer_service_agents(agent):
    ticket = open_ticket()
    colleague = StaffFactory(role="customer_service")
    # when
    ticket_assign(pk=ticket.pk, actor=agent, assignee=colleague)
    # then
    ticket.refresh_from_db()
    assert ticket.assigned_to == colleague
    assert Notification.objects.filter(recipient=colleague, link__contains=f"/support/ticket/{ticket.pk}/").exists()
    for other in (StaffFactory(role="finance"), StaffFactory(role="moderator"), ticket.user):
        with pytest.raises(TicketNotAllowed):
            ticket_assign(pk=ticket.pk, actor=agent, assignee=other)
    ticket.refresh_from_db()
    assert ticket.assigned_to == colleague


@pytest.mark.parametrize(("to", "role"), [("moderation", "moderator"), ("finance", "finance")])
def test_p2_2_escalation_notifies_the_role_with_a_link_to_the_ticket(agent, to, role):
    ticket = open_ticket()
    member, outsider = StaffFactory(role=role), StaffFactory(role="operations")
    # when
    ticket_escalate(pk=ticket.pk, actor=agent, to=to, reason="请核实雇主的付款记录。")
    # then
    ticket.refresh_from_db()
    assert ticket.escalated_to == to and ticket.escalated_at is not None
    link = f"/admin/support/ticket/{ticket.pk}/change/"
    assert Notification.objects.filter(recipient=member, link=link).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()
    # the reason is an internal note the user never reads
    assert ticket.messages.get().kind == TicketMessage.Kind.NOTE
    assert not Notification.objects.filter(recipient=ticket.user, body__contains="付款记录").exists()


def test_p2_2_escalation_needs_a_known_team_and_a_reason(agent):
    ticket = open_ticket()
    with pytest.raises(TicketNotAllowed):
        ticket_escalate(pk=ticket.pk, actor=agent, to="marketing", reason="x")
    with pytest.raises(ReasonRequired):
        ticket_escalate(pk=ticket.pk, actor=agent, to="finance", reason=" ")
    ticket.refresh_from_db()
    assert ticket.escalated_to == ""


def test_p2_2_a_phone_call_logged_by_an_agent_opens_a_ticket_and_tells_the_user(agent):
    student = UserFactory(kind="student")
    # when
    ticket = ticket_open(user=student, category=Ticket.Category.COMPLAINT, subject="电话投诉：雇主迟到",
                         body="雇主迟到一小时才开门。", channel=Ticket.Channel.PHONE, logged_by=agent,
                         priority=Ticket.Priority.HIGH, demand="希望补偿等待时间。")
    # then
    assert (ticket.user, ticket.logged_by, ticket.channel, ticket.priority) == (student, agent, "phone", 3)
    assert ticket.demand == "希望补偿等待时间。"
    notice = Notification.objects.get(recipient=student)
    assert notice.link == f"/support/{ticket.pk}/" and "电话投诉" in notice.subject
    assert history_for(ticket)[0].actor == agent


def test_p2_2_only_an_agent_can_log_a_call_for_a_user():
    with pytest.raises(NotPermitted):
        open_ticket(logged_by=StaffFactory(role="finance"))
    assert not Ticket.objects.exists()


# ---------------------------------------------------------------- reopen, close, rate
def test_p2_2_the_user_reopens_a_resolved_ticket_within_the_window(agent):
    ticket = _resolved(agent)
    # when: six days later (the window is 7)
    with time_machine.travel(ticket.resolved_at + dt.timedelta(days=6), tick=False):
        ticket_reopen(pk=ticket.pk, user=ticket.user, reason="钱还是没到。")
    # then
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count, ticket.resolved_at) == (Ticket.Status.IN_PROGRESS, 1, None)
    assert ticket.messages.get().body == "钱还是没到。"


def test_p2_2_reopening_is_refused_after_the_window_and_for_other_users(agent):
    ticket = _resolved(agent)
    with pytest.raises(NotPermitted):
        ticket_reopen(pk=ticket.pk, user=UserFactory(), reason="x")
    with time_machine.travel(ticket.resolved_at + dt.timedelta(days=7, minutes=1), tick=False), \
            pytest.raises(TicketNotAllowed):
        ticket_reopen(pk=ticket.pk, user=ticket.user, reason="还是不行。")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED


def test_p2_2_the_user_may_close_a_resolved_ticket_a_stranger_may_not(agent):
    ticket = _resolved(agent)
    with pytest.raises(NotPermitted):
        ticket_close(pk=ticket.pk, actor=UserFactory())
    ticket_close(pk=ticket.pk, actor=ticket.user)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at is not None


def test_p2_2_the_owner_rates_a_resolved_ticket_once(agent):
    ticket = _resolved(agent)
    # when
    ticket_rate(pk=ticket.pk, user=ticket.user, satisfaction=5, comment="很快就解决了")
    # then
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment) == (5, "很快就解决了")
    with pytest.raises(TicketNotAllowed):
        ticket_rate(pk=ticket.pk, user=ticket.user, satisfaction=1)
    ticket.refresh_from_db()
    assert ticket.satisfaction == 5


def test_p2_2_rating_needs_the_owner_a_resolved_ticket_and_one_to_five_stars(agent):
    open_one = open_ticket()
    with pytest.raises(TicketNotAllowed):
        ticket_rate(pk=open_one.pk, user=open_one.user, satisfaction=4)
    ticket = _resolved(agent)
    with pytest.raises(NotPermitted):
        ticket_rate(pk=ticket.pk, user=UserFactory(), satisfaction=4)
    for stars in (0, 6, "5"):
        with pytest.raises(TicketNotAllowed):
            ticket_rate(pk=ticket.pk, user=ticket.user, satisfaction=stars)
    assert not Ticket.objects.filter(satisfaction__isnull=False).exists()


# ---------------------------------------------------------------- beat: closing resolved tickets
def test_p2_2_the_sweep_closes_resolved_tickets_after_the_reopen_window_once(agent):
    old, recent = _resolved(agent), _resolved(agent)
    reopened = _resolved(agent)
    ticket_reopen(pk=reopened.pk, user=reopened.user, reason="钱还是没到。")
    Ticket.objects.filter(pk=old.pk).update(resolved_at=old.resolved_at - dt.timedelta(days=8))
    # when: twice
    first, second = tickets_close_resolved(), tickets_close_resolved()
    # then: only the old one, once, with its history row
    assert (first, second) == (1, 0)
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "closed", recent.pk: "resolved", reopened.pk: "in_progress"}
    assert HistoryEntry.objects.filter(object_id=str(old.pk), transition="close").count() == 1


def test_p2_2_the_sweep_is_set_based(agent, django_assert_max_num_queries):
    tickets = [_resolved(agent) for _ in range(5)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        resolved_at=tickets[0].resolved_at - dt.timedelta(days=30))
    # when: content type, policy, then per batch select, update, history insert (+ savepoints) and an empty batch
    with django_assert_max_num_queries(10):
        closed = tickets_close_resolved()
    assert closed == 5


# ---------------------------------------------------------------- beat: the daily classification
def test_p2_2_the_daily_summary_counts_each_category(agent):
    day = dt.date(2026, 11, 24)  # a Tuesday
    morning = dt.datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False):
        carried = open_ticket(category=Ticket.Category.COMPLAINT)  # opened the day before, still open
    with time_machine.travel(morning, tick=False):
        late = open_ticket(category=Ticket.Category.QUESTION)  # never answered: due 13:30
        answered = open_ticket(category=Ticket.Category.QUESTION)
        ticket_reply(pk=answered.pk, actor=agent, body="好的")
    with time_machine.travel(morning + dt.timedelta(hours=5), tick=False):
        ticket_resolve(pk=answered.pk, actor=agent, reason="已解决")
        ticket_rate(pk=answered.pk, user=answered.user, satisfaction=4)
    with time_machine.travel(dt.datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI), tick=False):
        next_day = open_ticket(category=Ticket.Category.QUESTION)
        # when: beat builds yesterday's summary
        summary = ticket_daily_summary_build(day=day)
    # then
    assert summary.counts["question"] == {"opened": 2, "resolved": 1, "unresolved": 1, "first_answer_late": 1,
                                          "resolution_late": 0, "satisfaction": 4.0}
    assert summary.counts["complaint"]["opened"] == 0 and summary.counts["complaint"]["unresolved"] == 1
    assert late.pk and carried.pk and next_day.pk
    # and rebuilding the day later, once the complaint was resolved, still counts it unresolved that day
    ticket_resolve(pk=carried.pk, actor=agent, reason="已处理")
    rebuilt = ticket_daily_summary_build(day=day)
    assert rebuilt.pk == summary.pk and rebuilt.counts["complaint"]["unresolved"] == 1


def test_p2_2_the_daily_summary_task_builds_yesterday_in_shanghai():
    from support.models import TicketDailySummary
    from support.tasks import ticket_daily_summary_task

    with time_machine.travel(dt.datetime(2026, 11, 25, 0, 30, tzinfo=SHANGHAI), tick=False):
        ticket_daily_summary_task()
    assert list(TicketDailySummary.objects.values_list("date", flat=True)) == [dt.date(2026, 11, 24)]


def test_p2_2_beat_runs_both_sweeps(agent):
    from config.celery import app
    from support.tasks import tickets_close_resolved_task

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"support.tasks.tickets_close_resolved_task", "support.tasks.ticket_daily_summary_task"} <= schedule
    ticket = _resolved(agent)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=ticket.resolved_at - dt.timedelta(days=8))
    assert tickets_close_resolved_task() == 1
