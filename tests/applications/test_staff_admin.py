"""Staff decide the cases raised from engagements in the admin (S3.2, S3.3, E4):
contested no-shows, disputed hours, reports of unlawful demands and contested
loss claims. Every decision runs a service; applications and engagements are
read-only; only roles with `applications.decide_case` may decide."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import PersonalDataAccess
from applications.models import (
    Attendance,
    AttendanceStatus,
    ContestStatus,
    DemandReport,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    LossClaim,
)
from applications.services import (
    attendance_mark_no_show,
    demand_report_file,
    hours_confirm,
    hours_dispute,
    loss_claim_answer,
    loss_claim_file,
    no_show_contest,
)
from core.history import history_for
from core.models import CreditEvent, Notification
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory
from tests.support.files import jpeg_bytes

pytestmark = pytest.mark.django_db

SHIFT_DAY = dt.date(2025, 9, 25)  # the Thursday before National Day 2025


def _engagement():
    job = JobFactory(published=True, title="周末家教", shifts=[(SHIFT_DAY, "18:00", "21:00")])
    engagement = EngagementFactory(application__job=job)
    return engagement, engagement.attendances.get(), job.employer.members.get().user


@pytest.fixture
def contested():
    """A no-show marked 30 minutes into the shift and contested by the student."""
    engagement, attendance, owner = _engagement()
    with time_machine.travel(attendance.shift.starts_at + dt.timedelta(minutes=30), tick=False):
        attendance_mark_no_show(attendance_id=attendance.pk, actor=owner)
        no_show_contest(attendance_id=attendance.pk, student=engagement.student, text="我到了，门卫没让进。")
    return Attendance.objects.get(pk=attendance.pk)


@pytest.fixture
def disputed():
    """Hours confirmed short by the employer after the shift and disputed by the student."""
    engagement, attendance, owner = _engagement()
    with time_machine.travel(attendance.shift.ends_at + dt.timedelta(hours=1), tick=False):
        hours_confirm(attendance_id=attendance.pk, actor=owner, minutes=120)
        hours_dispute(attendance_id=attendance.pk, student=engagement.student, text="我工作了整整三个小时。")
    return Attendance.objects.get(pk=attendance.pk)


def _evidence():
    return SimpleUploadedFile("evidence.jpg", jpeg_bytes(), content_type="image/jpeg")


@pytest.fixture
def contested_claim():
    engagement, _attendance, owner = _engagement()
    claim = loss_claim_file(engagement_id=engagement.pk, actor=owner, amount_fen=20000,
                            description="打碎了一个花瓶。", evidence=_evidence())
    loss_claim_answer(claim_id=claim.pk, student=engagement.student, agree=False, answer="花瓶本来就有裂缝。")
    return LossClaim.objects.get(pk=claim.pk)


def decide_contest_url(attendance) -> str:
    return reverse("admin:applications_attendance_decide_contest", args=[attendance.pk])


def resolve_hours_url(attendance) -> str:
    return reverse("admin:applications_attendance_resolve_hours", args=[attendance.pk])


def loss_decide_url(claim) -> str:
    return reverse("admin:applications_lossclaim_decide", args=[claim.pk])


def demand_transition_url(report, name: str) -> str:
    return reverse("admin:applications_demandreport_transition",
                   kwargs={"object_id": report.pk, "transition_name": name})


# ---------------------------------------------------------------- contested no-shows (E4, S3.1)
def test_e4_customer_service_overturns_a_contested_no_show_and_the_credit_event_is_reversed(
        contested, staff_client):
    client, agent = staff_client("customer_service")
    original = CreditEvent.objects.get(key=f"attendance:{contested.pk}:no_show")
    # when
    response = client.post(decide_contest_url(contested), {"decision": "overturn", "reason": "门卫记录显示已到岗。"})
    # then: the student attended, the no-show fact is cancelled by a reversing fact, the student is told
    assert response.status_code == 302
    contested.refresh_from_db()
    assert (contested.status, contested.contest_status) == (AttendanceStatus.ATTENDED, ContestStatus.OVERTURNED)
    assert contested.hours_status == HoursStatus.PENDING  # the employer confirms the hours again
    reversal = CreditEvent.objects.get(reverses=original)
    assert reversal.reason == "门卫记录显示已到岗。"
    assert history_for(contested).first().actor == agent
    assert Notification.objects.filter(recipient=contested.engagement.student,
                                       body__contains="门卫记录显示已到岗").exists()


def test_e4_an_upheld_no_show_keeps_its_credit_event(contested, staff_client):
    client, _moderator = staff_client("moderator")
    # when
    client.post(decide_contest_url(contested), {"decision": "uphold", "reason": "单位提供了监控截图。"})
    # then
    contested.refresh_from_db()
    assert (contested.status, contested.contest_status) == (AttendanceStatus.NO_SHOW, ContestStatus.UPHELD)
    assert not CreditEvent.objects.filter(reverses__isnull=False).exists()


def test_e4_a_contest_decision_needs_a_reason(contested, staff_client):
    client, _agent = staff_client("customer_service")
    # when
    response = client.post(decide_contest_url(contested), {"decision": "overturn", "reason": "  "})
    # then: the form again, with the error; nothing changed
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    contested.refresh_from_db()
    assert contested.contest_status == ContestStatus.OPEN


def test_e4_the_decision_page_shows_what_the_student_said(contested, staff_client):
    client, _agent = staff_client("customer_service")
    response = client.get(decide_contest_url(contested))
    assert response.status_code == 200
    assert "我到了，门卫没让进。" in response.content.decode()


# ---------------------------------------------------------------- disputed hours (E4)
def test_e4_staff_settle_disputed_hours_and_the_minutes_are_final(disputed, staff_client):
    client, _agent = staff_client("customer_service")
    # when
    response = client.post(resolve_hours_url(disputed), {"minutes": "180", "overtime_minutes": "15",
                                                         "reason": "双方确认工作满三小时并加班一刻钟。"})
    # then
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert (disputed.hours_status, disputed.confirmed_minutes, disputed.overtime_minutes) == (
        HoursStatus.RESOLVED, 180, 15)
    assert disputed.paid_minutes == 180


def test_e4_settled_minutes_beyond_the_schedule_are_refused_on_the_form(disputed, staff_client):
    client, _agent = staff_client("customer_service")
    # when: 200 minutes on a 180-minute shift (extra time is overtime)
    response = client.post(resolve_hours_url(disputed), {"minutes": "200", "overtime_minutes": "0",
                                                         "reason": "按学生说法。"})
    # then
    assert response.status_code == 200 and response.context["form"].errors["minutes"]
    disputed.refresh_from_db()
    assert disputed.hours_status == HoursStatus.DISPUTED


# ---------------------------------------------------------------- unlawful demands (S3.3)
@pytest.fixture
def refusing_report():
    engagement, _attendance, _owner = _engagement()
    return demand_report_file(engagement_id=engagement.pk, student=engagement.student, kind="money_demanded",
                              description="要求我先交 200 元押金。", refuses_and_leaves=True)


def test_s3_3_a_moderator_confirms_a_report_and_the_refusing_student_is_released_without_penalty(
        refusing_report, staff_client):
    client, moderator = staff_client("moderator")
    engagement = refusing_report.engagement
    # when
    response = client.post(demand_transition_url(refusing_report, "accept"), {"reason": "电话核实单位收取押金。"})
    # then: confirmed, the student released (not cancelled: no penalty), a credit fact against the employer
    assert response.status_code == 302
    refusing_report.refresh_from_db(), engagement.refresh_from_db()
    assert (refusing_report.status, refusing_report.decided_by) == (DemandReport.Status.ACCEPTED, moderator)
    assert engagement.status == EngagementStatus.RELEASED and not engagement.late_cancellation
    event = CreditEvent.objects.get(key=f"demand_report:{refusing_report.pk}:confirmed")
    assert (event.subject_kind, event.subject_id, event.kind) == ("employer", engagement.employer_id,
                                                                  "violation_money_demanded")
    assert not CreditEvent.objects.filter(subject_kind="student", subject_id=engagement.student_id).exists()


def test_s3_3_dismissing_a_report_needs_a_reason(refusing_report, staff_client):
    client, _moderator = staff_client("moderator")
    # when
    response = client.post(demand_transition_url(refusing_report, "dismiss"), {"reason": ""})
    # then
    assert response.status_code == 200
    refusing_report.refresh_from_db()
    assert refusing_report.status == DemandReport.Status.OPEN


def test_s3_3_the_report_queue_is_ordered_by_deadline_and_flags_overdue_reports(staff_client,
                                                                              django_assert_num_queries):
    client, _moderator = staff_client("moderator")
    with time_machine.travel(dt.datetime(2025, 9, 25, 9, tzinfo=dt.UTC), tick=False):
        engagements = [_engagement()[0] for _ in range(3)]
        older = demand_report_file(engagement_id=engagements[0].pk, student=engagements[0].student,
                                   kind="unpaid_overtime", description="加班两小时没有工资。")
    with time_machine.travel(dt.datetime(2025, 9, 26, 9, tzinfo=dt.UTC), tick=False):
        newer = demand_report_file(engagement_id=engagements[1].pk, student=engagements[1].student,
                                   kind="unsafe_work", description="让我爬高处擦窗户，没有安全绳。")
        decided = demand_report_file(engagement_id=engagements[2].pk, student=engagements[2].student,
                                     kind="harassment", description="言语骚扰。")
    # Decided some other way: only its absence from the queue matters here.
    DemandReport.objects.filter(pk=decided.pk).update(status=DemandReport.Status.DISMISSED)
    # when: one day after the newer report was due (the policy gives 24 hours)
    with time_machine.travel(dt.datetime(2025, 9, 27, 12, tzinfo=dt.UTC), tick=False):
        # session, user, permissions (2), the filtered count, the rows (engagement, job, employer and
        # student joined), the sidebar's policy check, the inbox badge
        with django_assert_num_queries(8):
            response = client.get(reverse("admin:applications_demandreport_changelist"))
    # then: open reports only, the one due first on top, both marked overdue
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [older.pk, newer.pk]
    assert response.content.decode().count("overdue") == 2


def test_s3_3_evidence_opens_only_with_a_reason_and_the_access_is_logged(staff_client):
    engagement, _attendance, _owner = _engagement()
    report = demand_report_file(engagement_id=engagement.pk, student=engagement.student, kind="harassment",
                                description="聊天记录截图。", evidence=_evidence())
    url = reverse("admin:applications_demandreport_evidence", args=[report.pk])
    agent, _ = staff_client("customer_service")
    moderator_client, moderator = staff_client("moderator")
    # when / then: customer service cannot open it; the moderator must say why
    assert agent.get(url).status_code == 403
    assert moderator_client.get(url).status_code == 200 and not PersonalDataAccess.objects.exists()
    response = moderator_client.post(url, {"reason": "核实骚扰举报的证据。"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    access = PersonalDataAccess.objects.get()
    assert (access.staff, access.subject, access.reason) == (moderator, engagement.student, "核实骚扰举报的证据。")


# ---------------------------------------------------------------- loss claims (S3.2)
def test_s3_2_upholding_more_than_the_claim_is_refused(contested_claim, staff_client):
    client, _moderator = staff_client("moderator")
    # when: ¥250 on a ¥200 claim
    response = client.post(loss_decide_url(contested_claim), {"decision": "uphold", "amount": "250",
                                                              "reason": "花瓶价值有发票。"})
    # then
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    contested_claim.refresh_from_db()
    assert contested_claim.status == LossClaim.Status.CONTESTED
    assert not EngagementItem.objects.exists()


def test_s3_2_an_upheld_claim_becomes_a_separate_item_never_a_deduction(contested_claim, staff_client):
    client, _moderator = staff_client("moderator")
    # when
    response = client.post(loss_decide_url(contested_claim), {"decision": "uphold", "amount": "150",
                                                              "reason": "裂缝不影响责任，酌情减少。"})
    # then
    assert response.status_code == 302
    contested_claim.refresh_from_db()
    assert (contested_claim.status, contested_claim.decided_amount_fen) == (LossClaim.Status.UPHELD, 15000)
    item = EngagementItem.objects.get(engagement=contested_claim.engagement)
    assert (item.kind, item.amount_fen) == (EngagementItem.Kind.LOSS, -15000)


def test_s3_2_a_dismissed_claim_costs_the_student_nothing(contested_claim, staff_client):
    client, _agent = staff_client("customer_service")
    # when
    client.post(loss_decide_url(contested_claim), {"decision": "dismiss", "amount": "", "reason": "证据不足。"})
    # then
    contested_claim.refresh_from_db()
    assert contested_claim.status == LossClaim.Status.DISMISSED
    assert not EngagementItem.objects.exists() and not CreditEvent.objects.filter(kind="loss_caused").exists()


# ---------------------------------------------------------------- who may see and decide
def test_students_and_employers_cannot_open_the_admin(contested):
    owner = contested.engagement.employer.members.get().user
    for user in (contested.engagement.student, owner):
        client = Client()
        client.force_login(user)
        for url in (reverse("admin:applications_attendance_changelist"), decide_contest_url(contested)):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ["manager", "operations", "auditor", "finance"])
def test_roles_without_decide_case_get_403_on_every_decision(role, contested, disputed, contested_claim,
                                                            refusing_report, staff_client):
    client, _user = staff_client(role)
    posts = [
        (decide_contest_url(contested), {"decision": "overturn", "reason": "x"}),
        (resolve_hours_url(disputed), {"minutes": "180", "overtime_minutes": "0", "reason": "x"}),
        (loss_decide_url(contested_claim), {"decision": "dismiss", "reason": "x"}),
        (demand_transition_url(refusing_report, "accept"), {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    contested.refresh_from_db(), disputed.refresh_from_db(), contested_claim.refresh_from_db()
    refusing_report.refresh_from_db()
    assert (contested.contest_status, disputed.hours_status, contested_claim.status, refusing_report.status) == (
        ContestStatus.OPEN, HoursStatus.DISPUTED, LossClaim.Status.CONTESTED, DemandReport.Status.OPEN)


def test_the_manager_reads_the_case_but_sees_no_decision_buttons(contested, staff_client):
    client, _manager = staff_client("manager")
    response = client.get(reverse("admin:applications_attendance_change", args=[contested.pk]))
    assert response.status_code == 200
    assert decide_contest_url(contested) not in response.content.decode()


def test_staff_read_applications_and_engagements_but_cannot_change_them(contested, staff_client):
    client, _moderator = staff_client("moderator")
    engagement, application = contested.engagement, contested.engagement.application
    # when / then: found by job title and by the student's e-mail; the pages show the history
    for model, term in (("application", "周末家教"), ("engagement", engagement.student.email)):
        response = client.get(reverse(f"admin:applications_{model}_changelist"), {"q": term})
        assert response.status_code == 200 and len(response.context["cl"].result_list) == 1
    response = client.get(reverse("admin:applications_engagement_change", args=[engagement.pk]))
    assert response.status_code == 200 and "No-show" in response.content.decode()
    assert client.post(reverse("admin:applications_engagement_change", args=[engagement.pk]), {}).status_code == 403
    assert client.post(reverse("admin:applications_application_change", args=[application.pk]),
                       {}).status_code == 403
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    assert client.post(reverse("admin:applications_engagement_delete", args=[engagement.pk]),
                       {"post": "yes"}).status_code == 403
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE


def test_e4_the_attendance_queue_lists_open_contests_and_disputed_hours_only(contested, disputed, staff_client,
                                                                              django_assert_num_queries):
    client, _agent = staff_client("customer_service")
    _engagement()  # an attendance with nothing to decide
    # when: session, user, permissions (2), the filtered count, the rows (engagement, job, student and
    # shift joined), the sidebar's policy check, the inbox badge
    with django_assert_num_queries(8):
        response = client.get(reverse("admin:applications_attendance_changelist"))
    # then
    assert [a.pk for a in response.context["cl"].result_list] == [contested.pk, disputed.pk]
