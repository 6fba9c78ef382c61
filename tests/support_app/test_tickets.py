"""Customer-service tickets (P2.2): a contested no-show or disputed hours opens
one ticket linked to the attendance; customer service works it through to a
resolution the user is told about. Deciding the case itself stays with the
applications admin (tests/applications/test_staff_admin.py)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse

from applications.models import Attendance
from applications.services import (
    attendance_mark_no_show,
    hours_confirm,
    hours_dispute,
    no_show_contest,
    no_show_contest_decide,
)
from core.errors import NotPermitted, ReasonRequired
from core.history import history_for
from core.models import Notification
from support.models import Ticket
from support.services import ticket_open, ticket_resolve, ticket_start
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHIFT_DAY = dt.date(2025, 9, 30)  # the Tuesday before National Day 2025 (1–8 Oct off, Sat 11 Oct worked)


def _attendance():
    job = JobFactory(published=True, title="国庆前夕促销", shifts=[(SHIFT_DAY, "09:00", "12:00")])
    engagement = EngagementFactory(application__job=job)
    return engagement.attendances.get(), job.employer.members.get().user


def _contest(attendance, owner, text="我按时到了，有打卡照片。"):
    with time_machine.travel(attendance.shift.starts_at + dt.timedelta(minutes=30), tick=False):
        attendance_mark_no_show(attendance_id=attendance.pk, actor=owner)
        no_show_contest(attendance_id=attendance.pk, student=attendance.engagement.student, text=text)


@pytest.fixture
def contest_ticket():
    attendance, owner = _attendance()
    _contest(attendance, owner)
    return Ticket.objects.get()


def transition_url(ticket, name: str) -> str:
    return reverse("admin:support_ticket_transition", kwargs={"object_id": ticket.pk, "transition_name": name})


# ---------------------------------------------------------------- cases become tickets
def test_p2_2_deciding_the_contest_resolves_its_ticket_with_the_same_words(contest_ticket):
    # given: a moderator (may decide cases, has no ticket permissions)
    moderator = StaffFactory(role="moderator")
    # when
    no_show_contest_decide(attendance_id=contest_ticket.linked_object.pk, actor=moderator, overturn=True,
                           reason="门店监控显示学生按时到岗。")
    # then: the ticket follows the case; the student was told once, by the decision
    contest_ticket.refresh_from_db()
    assert contest_ticket.status == Ticket.Status.RESOLVED
    assert contest_ticket.resolution == "门店监控显示学生按时到岗。"
    student = contest_ticket.user
    assert Notification.objects.filter(recipient=student, body__contains="门店监控").count() == 1


def test_p2_2_contesting_a_no_show_opens_exactly_one_ticket_linked_to_the_attendance():
    attendance, owner = _attendance()
    # when
    _contest(attendance, owner)
    # then
    ticket = Ticket.objects.get()
    assert (ticket.user, ticket.category, ticket.status) == (
        attendance.engagement.student, Ticket.Category.NO_SHOW_CONTEST, Ticket.Status.OPEN)
    assert ticket.linked_object == attendance
    assert ticket.body == "我按时到了，有打卡照片。" and "国庆前夕促销" in ticket.subject
    assert [h.transition for h in history_for(ticket)] == ["open"]


def test_p2_2_the_first_answer_is_due_within_office_hours_across_national_day():
    # given: the policy's 4 office hours (09:00–17:00 on working days)
    student = UserFactory(kind="student")
    # when: a question comes in on Tuesday 30 Sep 2025 at 16:00, the eve of National Day
    opened_at = dt.datetime(2025, 9, 30, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(opened_at, tick=False):
        ticket = ticket_open(user=student, category=Ticket.Category.QUESTION, subject="s", body="b")
    # then: one hour that day, 1–8 October are holidays, three hours on Thursday 9 October → 12:00;
    # a question is resolved within 2 working days → Friday 10 October, 16:00
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert ticket.first_response_due_at == dt.datetime(2025, 10, 9, 12, 0, tzinfo=shanghai)
    assert ticket.resolution_due_at == dt.datetime(2025, 10, 10, 16, 0, tzinfo=shanghai)


def test_p2_2_disputed_hours_open_their_own_ticket():
    attendance, owner = _attendance()
    with time_machine.travel(attendance.shift.ends_at + dt.timedelta(hours=1), tick=False):
        hours_confirm(attendance_id=attendance.pk, actor=owner, minutes=150)
        # when
        hours_dispute(attendance_id=attendance.pk, student=attendance.engagement.student, text="少算了半小时。")
    # then
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.linked_object) == (Ticket.Category.HOURS_DISPUTE, attendance)


def test_p2_2_a_case_opened_twice_keeps_one_ticket():
    attendance, _owner = _attendance()
    student = attendance.engagement.student
    key = f"no_show_contest:applications.attendance:{attendance.pk}"
    # when
    first = ticket_open(user=student, category="no_show_contest", subject="s", body="b", linked=attendance,
                        source_key=key)
    second = ticket_open(user=student, category="no_show_contest", subject="s", body="b", linked=attendance,
                         source_key=key)
    # then
    assert first == second and Ticket.objects.count() == 1


def test_p2_2_a_contest_that_rolls_back_leaves_no_ticket():
    attendance, owner = _attendance()
    # when: the contest's transaction fails after the case was opened
    with pytest.raises(RuntimeError), transaction.atomic():
        _contest(attendance, owner)
        raise RuntimeError
    # then
    assert not Ticket.objects.exists()
    assert Attendance.objects.get(pk=attendance.pk).contest_status == ""


# ---------------------------------------------------------------- customer service works the ticket
def test_p2_2_customer_service_starts_and_resolves_a_ticket_and_the_user_is_told(contest_ticket, staff_client):
    client, agent = staff_client("customer_service")
    # when
    client.post(transition_url(contest_ticket, "start"), {"reason": ""})
    response = client.post(transition_url(contest_ticket, "resolve"), {"reason": "已撤销缺勤记录，请查看工作页面。"})
    # then
    assert response.status_code == 302
    contest_ticket.refresh_from_db()
    assert (contest_ticket.status, contest_ticket.assigned_to) == (Ticket.Status.RESOLVED, agent)
    assert contest_ticket.first_responded_at is not None
    assert [h.transition for h in history_for(contest_ticket)] == ["resolve", "start", "open"]
    assert Notification.objects.filter(recipient=contest_ticket.user, body="已撤销缺勤记录，请查看工作页面。").exists()


def test_p2_2_resolving_needs_an_answer_and_the_permission(contest_ticket):
    with pytest.raises(ReasonRequired):
        ticket_resolve(pk=contest_ticket.pk, actor=StaffFactory(role="customer_service"), reason=" ")
    for actor in (StaffFactory(role="moderator"), StaffFactory(role="manager"), UserFactory(),
                  contest_ticket.user):
        with pytest.raises(NotPermitted):
            ticket_start(pk=contest_ticket.pk, actor=actor)
    contest_ticket.refresh_from_db()
    assert contest_ticket.status == Ticket.Status.OPEN


@pytest.mark.parametrize("role", ["moderator", "manager"])
def test_p2_2_other_roles_read_tickets_but_get_403_on_transitions(contest_ticket, staff_client, role):
    client, _user = staff_client(role)
    assert client.get(reverse("admin:support_ticket_change", args=[contest_ticket.pk])).status_code == 200
    for name in ("start", "resolve"):
        assert client.post(transition_url(contest_ticket, name), {"reason": "x"}).status_code == 403
    contest_ticket.refresh_from_db()
    assert contest_ticket.status == Ticket.Status.OPEN


def test_p2_2_students_cannot_open_the_ticket_admin(contest_ticket, client):
    client.force_login(contest_ticket.user)
    response = client.get(reverse("admin:support_ticket_changelist"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_p2_2_the_queue_links_each_ticket_to_its_attendance(staff_client, django_assert_num_queries):
    client, _agent = staff_client("customer_service")
    for _ in range(3):
        attendance, owner = _attendance()
        _contest(attendance, owner)
    done = Ticket.objects.first()
    ticket_resolve(pk=done.pk, actor=StaffFactory(role="customer_service"), reason="已处理。")
    # when: session, user, permissions (2), the filtered count, the rows (user, agent and content type
    # joined), the sidebar's policy check, the inbox badge
    with django_assert_num_queries(8):
        response = client.get(reverse("admin:support_ticket_changelist"))
    # then: open tickets only, each linking to its attendance's admin page
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 2 and done not in rows
    html = response.content.decode()
    for ticket in rows:
        assert reverse("admin:applications_attendance_change", args=[ticket.object_id]) in html


def test_p2_2_the_attendance_page_links_to_its_tickets(contest_ticket, staff_client):
    client, _agent = staff_client("customer_service")
    attendance = contest_ticket.linked_object
    page = client.get(reverse("admin:applications_attendance_change", args=[attendance.pk])).content.decode()
    tickets_url = reverse("admin:support_ticket_changelist") + "?status=all&amp;content_type__id__exact=" + str(
        ContentType.objects.get_for_model(Attendance).pk)
    assert tickets_url in page
    # and following it lists the ticket
    response = client.get(reverse("admin:support_ticket_changelist"), {
        "status": "all", "content_type__id__exact": ContentType.objects.get_for_model(Attendance).pk,
        "object_id": attendance.pk})
    assert [t.pk for t in response.context["cl"].result_list] == [contest_ticket.pk]
