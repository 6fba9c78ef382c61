"""The employer's pages of applications and engagements (E3, E4, J1.3, S3.2):
ranked applicants with the parts of their score and no personal attributes
(G4), decisions with reasons, invitations, the shift's QR code, attendance and
hours, cancellations, loss claims and changes of time or place — and who may
see what."""

import datetime as dt
import io
import re
from html import unescape
from urllib.parse import urlparse

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image

from applications import services
from applications.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    JobInvitation,
    LossClaim,
    ScheduleChange,
    ScheduleChangeAnswer,
)
from core.models import Notification, ReasonTemplate
from core.policy import get_policy
from tests.factories.accounts import StudentProfileFactory
from tests.factories.applications import (
    ApplicationFactory,
    EngagementFactory,
    StudentIntentionFactory,
    approved_student,
)
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

# A Monday 09:00 in the platform's time zone; the job's shift is next Monday 18:00–21:00.
TODAY = dt.date(2026, 3, 2)
NOW = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(9)))
SHIFT_DAY = TODAY + dt.timedelta(days=7)
SHIFT_START = timezone.make_aware(dt.datetime.combine(SHIFT_DAY, dt.time(18)))
SHIFT_END = timezone.make_aware(dt.datetime.combine(SHIFT_DAY, dt.time(21)))


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def employer():
    return EmployerFactory(approved=True)


@pytest.fixture
def owner(employer):
    return employer.members.get().user


@pytest.fixture
def client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def job(employer):
    # Monday evening: the "evening" slot of weekday 0.
    return JobFactory(employer=employer, published=True, headcount=3, shifts=[(SHIFT_DAY, "18:00", "21:00")])


def applicant(job, *, availability=(1 << 28) - 1, districts=("徐汇区",), verification_level=0, **profile):
    """An applicant whose intention drives the availability and place parts of the score."""
    student = approved_student(verification_level=verification_level, **profile)
    StudentIntentionFactory(student=student, availability=availability, districts=list(districts))
    return ApplicationFactory(job=job, student=student, message=f"我想做这份工作 {student.pk}")


def page(response) -> str:
    return unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def png_upload(name="damage.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (200, 40, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# ------------------------------------------------------------------ applicants (E3.1, G4)
def test_e3_1_applicants_are_ranked_by_score_with_parts_and_no_personal_attributes(client, job):
    # given: three applicants; the best is free on Monday evenings, wants this district and is verified
    weak = applicant(job, availability=0, districts=(), school="同济大学")
    best = applicant(job, districts=("徐汇区",), verification_level=2, school="复旦大学")
    middle = applicant(job, districts=(), school="上海交通大学")
    # when
    response = client.get(reverse("applications:employer_applicants", args=[job.pk]))
    # then: best match first, each with its total and its parts explained
    html = page(response)
    assert response.status_code == 200
    ids = [row.ranked.application.pk for row in response.context["rows"]]
    assert ids == [best.pk, middle.pk, weak.pk]
    totals = [row.ranked.score.total for row in response.context["rows"]]
    assert totals == sorted(totals, reverse=True) and totals[0] > totals[-1]
    for label in ("Availability", "Experience", "Place", "Verification", "Credit"):
        assert label in html
    assert "35/35" in html and "Free for 100% of the shift times" in html and "Free for 0% of the shift times" in html
    assert "Wants to work in this district" in html and "Verification level 2 (highest 2)" in html
    # school, major and verification level are allowed; the message and the countdown are shown
    assert "复旦大学" in html and "汉语言文学" in html and "Real-name and student status verified" in html
    assert best.message in html and "Answer within" in html
    # G4 / E3.1: no contact details before the hire, never gender, date of birth or age
    for application in (weak, best, middle):
        profile = application.student.student_profile
        assert str(profile.mobile) not in html and profile.mobile.as_national not in html
        assert application.student.email not in html
        assert profile.date_of_birth.isoformat() not in html and f"{profile.age()}岁" not in html
    lowered = html.lower()
    assert "female" not in lowered and "gender" not in lowered and "date of birth" not in lowered
    assert not re.search(r"\bage\b", lowered)


def test_e3_2_answer_countdown_is_emphasised_after_the_reminder_time(client, job):
    # given: an application whose half-time reminder has passed
    application = applicant(job)
    # when
    with time_machine.travel(application.reminder_due_at + dt.timedelta(minutes=1), tick=False):
        response = client.get(reverse("applications:employer_applicants", args=[job.pk]))
    # then
    assert response.context["rows"][0].countdown.state == "soon"
    assert "countdown-soon" in page(response)


def test_e3_1_the_applicant_list_takes_at_most_8_queries_whatever_the_number_of_applicants(
        client, job, django_assert_max_num_queries):
    # given: 30 applicants
    for _ in range(30):
        applicant(job)
    url = reverse("applications:employer_applicants", args=[job.pk])
    client.get(url)  # warm-up: content types, templates, translations
    # when / then: session, user, the job with the membership, its shifts, the applications with
    # student, profile and intention, the experience counts, the unread notifications: 7 (≤ 8)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["rows"]) == 30
    with CaptureQueriesContext(connection) as thirty:
        client.get(url)
    # and 30 more applicants (two pages) cost no more queries
    for _ in range(30):
        applicant(job)
    with CaptureQueriesContext(connection) as sixty:
        response = client.get(url)
    assert len(thirty) == len(sixty)
    assert len(response.context["rows"]) == 50 and response.context["page"].paginator.num_pages == 2


def test_e3_1_the_filter_shows_open_applications_or_all(client, job):
    # given: one waiting, one rejected
    waiting = applicant(job)
    rejected = applicant(job)
    services.application_reject(application_id=rejected.pk, actor=job.employer.members.get().user, reason="满员")
    url = reverse("applications:employer_applicants", args=[job.pk])
    # when
    open_rows = client.get(url).context["rows"]
    all_rows = client.get(url, {"status": "all"}).context["rows"]
    # then
    assert [r.ranked.application.pk for r in open_rows] == [waiting.pk]
    assert {r.ranked.application.pk for r in all_rows} == {waiting.pk, rejected.pk}


def test_e3_1_contact_details_are_shown_once_the_student_accepted(client, job):
    # given: a hired student
    engagement = EngagementFactory(application__job=job)
    profile = engagement.student.student_profile
    # when
    listed = page(client.get(reverse("applications:employer_applicants", args=[job.pk]), {"status": "all"}))
    detail = page(client.get(reverse("applications:employer_application", args=[engagement.application_id])))
    hired = page(client.get(reverse("applications:employer_engagements", args=[job.pk])))
    # then
    for html in (listed, detail, hired):
        assert str(profile.mobile) in html and engagement.student.email in html


# ------------------------------------------------------------------ decisions (E3.1, E3.2)
def test_e3_1_hire_makes_an_offer(client, job):
    # given
    application = applicant(job)
    # when
    response = client.post(reverse("applications:application_hire", args=[application.pk]), {"confirmed": "1"},
                           follow=True)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED and application.offer_expires_at
    assert any("Offer sent" in m for m in messages_of(response))
    assert Notification.objects.filter(recipient=application.student, subject__contains="offer").exists()


def test_e3_1_hire_asks_for_confirmation_first(client, job):
    # given (issue 23): the Hire button on the applicant's page
    application = applicant(job)
    # when: the button's POST, without the confirmation
    step = client.post(reverse("applications:application_hire", args=[application.pk]),
                       {"next": reverse("applications:employer_applicants", args=[job.pk])})
    # then: a confirmation page, nothing sent yet
    application.refresh_from_db()
    assert step.status_code == 200 and application.status == ApplicationStatus.APPLIED
    html = step.content.decode()
    assert 'id="confirm-form"' in html and 'name="confirmed" value="1"' in html and "1 shift" in html
    assert not Notification.objects.filter(recipient=application.student, subject__contains="offer").exists()
    # when: confirmed
    client.post(reverse("applications:application_hire", args=[application.pk]), {"confirmed": "1"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED


def test_e3_1_hire_when_all_places_are_taken_is_refused_and_changes_nothing(client, employer):
    # given: one place, already taken by a hired student
    job = JobFactory(employer=employer, published=True, headcount=1, shifts=[(SHIFT_DAY, "18:00", "21:00")])
    EngagementFactory(application__job=job)
    application = applicant(job)
    # when
    response = client.post(reverse("applications:application_hire", args=[application.pk]), {"confirmed": "1"},
                           follow=True)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED
    assert "All places of this job are taken." in messages_of(response)


def test_e3_2_a_rejection_without_a_reason_is_refused(client, job):
    # given
    application = applicant(job)
    # when
    response = client.post(reverse("applications:application_reject", args=[application.pk]),
                           {"template": "", "reason": "   "})
    # then: the page again, with the error on the reason; nothing changed
    application.refresh_from_db()
    assert response.status_code == 200 and application.status == ApplicationStatus.APPLIED
    assert response.context["reject_form"].errors["reason"]
    assert "Please give a reason" in page(response)


def test_e3_2_a_rejection_with_a_template_gives_the_student_its_text(client, job):
    # given: a reason template staff wrote for applications
    template = ReasonTemplate.objects.create(context=ReasonTemplate.Context.APPLICATION, title="时间不符",
                                             text="您的空闲时间与班次不符。")
    ReasonTemplate.objects.create(context=ReasonTemplate.Context.APPLICATION, title="停用", text="x", active=False)
    application = applicant(job)
    detail = page(client.get(reverse("applications:employer_application", args=[application.pk])))
    assert "时间不符" in detail and "停用" not in detail and 'data-text="您的空闲时间与班次不符。"' in detail
    # when: the template alone (no JavaScript filled the box)
    response = client.post(reverse("applications:application_reject", args=[application.pk]),
                           {"template": str(template.pk), "reason": ""}, follow=True)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "您的空闲时间与班次不符。"
    assert any("rejected" in m for m in messages_of(response))
    notice = Notification.objects.get(recipient=application.student, subject__contains="not successful")
    assert "您的空闲时间与班次不符。" in notice.body


def test_e3_2_a_rejection_with_free_text_wins_over_the_template(client, job):
    # given
    template = ReasonTemplate.objects.create(context=ReasonTemplate.Context.APPLICATION, title="t", text="模板")
    application = applicant(job)
    # when: the employer adapted the template's text
    client.post(reverse("applications:application_reject", args=[application.pk]),
                {"template": str(template.pk), "reason": "我们需要会说粤语的同学。"})
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "我们需要会说粤语的同学。"
    assert Notification.objects.filter(recipient=application.student, body__contains="粤语").exists()


def test_e3_1_the_application_page_shows_score_parts_message_and_history(client, job):
    # given
    application = applicant(job)
    # when
    response = client.get(reverse("applications:employer_application", args=[application.pk]))
    # then
    html = page(response)
    assert response.status_code == 200
    assert "Availability" in html and application.message in html and "Hire" in html
    assert "Contact details are exchanged once the student accepts your offer." in html
    assert str(application.student.student_profile.mobile) not in html


# ------------------------------------------------------------------ invitations (E3.1)
def test_e3_1_employer_invites_a_matching_student(client, job):
    # given: a student looking for tutoring in Shanghai who has not applied
    intention = StudentIntentionFactory(cities=["上海市"], categories=["tutoring"])
    # when
    listed = client.get(reverse("applications:employer_candidates", args=[job.pk]))
    response = client.post(reverse("applications:invite", args=[job.pk, intention.student_id]),
                           {"message": "欢迎申请"}, follow=True)
    # then
    assert intention.student_id in [row["student"].pk for row in listed.context["rows"]]
    assert "Availability" in page(listed)
    invitation = JobInvitation.objects.get(job=job, student=intention.student)
    assert invitation.message == "欢迎申请"
    assert any("Invitation sent" in m for m in messages_of(response))


# ------------------------------------------------------------------ shifts: QR code, attendance, hours (E4)
def test_e4_the_shift_qr_code_is_an_svg_of_an_absolute_check_in_url_for_the_shift(client, job):
    # given
    shift = job.shifts.get()
    # when
    page_response = client.get(reverse("applications:employer_shift", args=[job.pk, shift.pk]))
    qr = client.get(reverse("applications:shift_qr", args=[job.pk, shift.pk]))
    # then: an uncacheable SVG
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr["Cache-Control"] and b"<svg" in qr.content
    # and the page's check-in URL is absolute and carries a token for this shift
    html = page(page_response)
    url = re.search(r'data-checkin-url="([^"]+)"', html).group(1)
    assert url.startswith("http://testserver/work/checkin/")
    match = resolve(urlparse(url).path)
    assert match.view_name == "applications:checkin"
    assert services.checkin_shift_id(match.kwargs["token"]) == shift.pk
    assert qr["X-Checkin-Url"].startswith("http://testserver/work/checkin/")
    # and: separate codes to check in and to check out (E4), each new on every display
    checkout = re.search(r'data-checkout-url="([^"]+)"', html).group(1)
    code_in = services.checkin_code(match.kwargs["token"])
    code_out = services.checkin_code(resolve(urlparse(checkout).path).kwargs["token"])
    assert (code_in.action, code_out.action) == (services.CHECK_IN, services.CHECK_OUT)
    qr_out = client.get(reverse("applications:shift_qr", args=[job.pk, shift.pk]), {"action": "out"})
    token_out = resolve(urlparse(qr_out["X-Checkin-Url"]).path).kwargs["token"]
    assert services.checkin_code(token_out).action == services.CHECK_OUT
    assert services.checkin_code(token_out).nonce != code_out.nonce


def test_e4_a_no_show_is_refused_before_the_grace_period_and_recorded_after(client, job):
    # given: a hired student who has not checked in
    engagement = EngagementFactory(application__job=job)
    attendance = engagement.attendances.get()
    url = reverse("applications:attendance_mark", args=[attendance.pk])
    grace = get_policy().checkin_grace_minutes
    # when: five minutes into the shift
    with time_machine.travel(SHIFT_START + dt.timedelta(minutes=5), tick=False):
        early = client.post(url, {"action": "no_show"}, follow=True)
    # then: refused with the reason
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.EXPECTED
    assert any("grace period" in m for m in messages_of(early))
    assert early.redirect_chain[-1][0] == reverse("applications:employer_shift", args=[job.pk, attendance.shift_id])
    # when: after the grace period
    with time_machine.travel(SHIFT_START + dt.timedelta(minutes=grace + 1), tick=False):
        late = client.post(url, {"action": "no_show"}, follow=True)
    # then
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.NO_SHOW and attendance.hours_status == HoursStatus.NONE
    assert any("no-show" in m for m in messages_of(late))


def test_e4_employer_marks_a_student_in_and_out_by_hand(client, job):
    # given
    attendance = EngagementFactory(application__job=job).attendances.get()
    url = reverse("applications:attendance_mark", args=[attendance.pk])
    # when
    with time_machine.travel(SHIFT_START + dt.timedelta(minutes=2), tick=False):
        shift_page = page(client.get(reverse("applications:employer_shift", args=[job.pk, attendance.shift_id])))
        client.post(url, {"action": "in"})
    with time_machine.travel(SHIFT_END - dt.timedelta(minutes=1), tick=False):
        client.post(url, {"action": "out"})
    # then
    attendance.refresh_from_db()
    assert "Mark in" in shift_page
    assert attendance.status == AttendanceStatus.ATTENDED and attendance.marked_by_id


def test_e4_hours_are_confirmed_after_the_shift_ends_with_overtime(client, job):
    # given
    attendance = EngagementFactory(application__job=job).attendances.get()
    url = reverse("applications:hours_confirm", args=[attendance.pk])
    data = {"minutes": "170", "overtime_minutes": "30", "note": "加班半小时"}
    # when: before the end
    with time_machine.travel(SHIFT_END - dt.timedelta(minutes=10), tick=False):
        early = client.post(url, data, follow=True)
    attendance.refresh_from_db()
    assert attendance.hours_status == HoursStatus.PENDING
    assert any("once the shift has ended" in m for m in messages_of(early))
    # when: after it, the page offers the form with the scheduled minutes and the deadline
    with time_machine.travel(SHIFT_END + dt.timedelta(minutes=10), tick=False):
        shift_page = page(client.get(reverse("applications:employer_shift", args=[job.pk, attendance.shift_id])))
        response = client.post(url, data, follow=True)
    # then
    assert 'value="180"' in shift_page and "scheduled minutes count as confirmed" in shift_page
    attendance.refresh_from_db()
    assert attendance.hours_status == HoursStatus.CONFIRMED
    assert (attendance.confirmed_minutes, attendance.overtime_minutes, attendance.hours_note) == (170, 30, "加班半小时")
    assert any("Hours confirmed" in m for m in messages_of(response))


def test_e4_hours_out_of_range_are_refused_with_a_message(client, job):
    # given
    attendance = EngagementFactory(application__job=job).attendances.get()
    # when
    with time_machine.travel(SHIFT_END + dt.timedelta(minutes=10), tick=False):
        response = client.post(reverse("applications:hours_confirm", args=[attendance.pk]),
                               {"minutes": "500", "overtime_minutes": "0"}, follow=True)
    # then
    attendance.refresh_from_db()
    assert attendance.hours_status == HoursStatus.PENDING
    assert any("scheduled minutes" in m for m in messages_of(response))


# ------------------------------------------------------------------ cancellation (E4.1)
def test_e4_1_cancelling_needs_a_reason_and_warns_of_compensation(client, job):
    # given
    engagement = EngagementFactory(application__job=job)
    policy = get_policy()
    url = reverse("applications:employer_cancel", args=[engagement.pk])
    detail = page(client.get(reverse("applications:employer_engagement", args=[engagement.pk])))
    assert f"less than {policy.cancel_notice_hours} hours" in detail
    assert f"{policy.late_cancel_compensation_percent}%" in detail
    # when: without a reason
    refused = client.post(url, {"reason": "  "})
    engagement.refresh_from_db()
    assert refused.status_code == 200 and engagement.status == EngagementStatus.ACTIVE
    # when: with one, a week ahead (no compensation)
    client.post(url, {"reason": "活动取消"})
    # then
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CANCELLED_BY_EMPLOYER and not engagement.late_cancellation
    assert Notification.objects.filter(recipient=engagement.student, body__contains="活动取消").exists()


# ------------------------------------------------------------------ losses (S3.2)
def test_s3_2_a_loss_claim_needs_evidence_and_deducts_nothing(client, job):
    # given
    engagement = EngagementFactory(application__job=job)
    url = reverse("applications:loss_claim_new", args=[engagement.pk])
    # when: without evidence
    refused = client.post(url, {"amount": "12.50", "description": "打碎了一个杯子"})
    # then
    assert refused.status_code == 200 and refused.context["claim_form"].errors["evidence"]
    assert not LossClaim.objects.exists()
    # when: with a photo; the amount typed in yuan is kept in fen
    response = client.post(url, {"amount": "12.50", "description": "打碎了一个杯子", "evidence": png_upload()},
                           follow=True)
    # then: a claim waiting for the student's answer, and no money item
    claim = LossClaim.objects.get(engagement=engagement)
    assert claim.amount_fen == 1250 and claim.status == LossClaim.Status.FILED and claim.evidence
    assert not EngagementItem.objects.filter(engagement=engagement).exists()
    assert any("nothing is deducted" in m for m in messages_of(response))
    assert "¥12.50" in page(response)


def test_s3_2_a_loss_amount_must_be_positive_whole_fen(client, job):
    # given
    engagement = EngagementFactory(application__job=job)
    url = reverse("applications:loss_claim_new", args=[engagement.pk])
    # when
    responses = [client.post(url, {"amount": amount, "description": "x", "evidence": png_upload()})
                 for amount in ("0", "1.005", "abc")]
    # then
    assert all(r.context["claim_form"].errors.get("amount") for r in responses)
    assert not LossClaim.objects.exists()


# ------------------------------------------------------------------ changes of time or place (J1.3)
def test_j1_3_a_proposed_change_asks_every_hired_student(client, job):
    # given: two hired students
    first = EngagementFactory(application__job=job)
    second = EngagementFactory(application__job=job)
    shift = job.shifts.get()
    # when: the employer moves the shift by a day
    response = client.post(reverse("applications:change_propose", args=[job.pk]), {
        "kind": "time", "shift": str(shift.pk), "new_date": f"{SHIFT_DAY + dt.timedelta(days=1):%Y-%m-%d}",
        "new_start": "18:00", "new_end": "21:00", "new_address": "", "reason": "场地维修",
    }, follow=True)
    # then: nothing changes yet; each student has an answer to give
    change = ScheduleChange.objects.get(job=job)
    assert change.status == ScheduleChange.Status.PROPOSED
    assert set(change.answers.values_list("engagement_id", "answer")) == {
        (first.pk, ScheduleChangeAnswer.Answer.PENDING), (second.pk, ScheduleChangeAnswer.Answer.PENDING)}
    shift.refresh_from_db()
    assert shift.date == SHIFT_DAY
    html = page(response)
    assert "Waiting for the students" in html and "场地维修" in html and html.count("Not answered yet") == 2
    # when: the employer withdraws it
    client.post(reverse("applications:change_withdraw", args=[change.pk]))
    # then
    change.refresh_from_db()
    assert change.status == ScheduleChange.Status.WITHDRAWN


def test_j1_3_a_change_needs_a_reason_and_the_new_time(client, job):
    # given
    EngagementFactory(application__job=job)
    # when
    response = client.post(reverse("applications:change_propose", args=[job.pk]), {
        "kind": "time", "shift": "", "new_date": "", "new_start": "", "new_end": "", "reason": ""})
    # then
    errors = response.context["form"].errors
    assert response.status_code == 200 and {"shift", "new_date", "reason"} <= set(errors)
    assert not ScheduleChange.objects.exists()


def test_j1_3_a_change_of_workplace(client, job):
    # given
    EngagementFactory(application__job=job)
    # when
    client.post(reverse("applications:change_propose", args=[job.pk]),
                {"kind": "place", "new_address": "漕溪北路 100 号", "reason": "搬迁"})
    # then
    change = ScheduleChange.objects.get(job=job)
    assert change.shift is None and change.new_address == "漕溪北路 100 号" and change.answers.count() == 1


# ------------------------------------------------------------------ the job page links to the work
def test_e3_1_the_job_page_links_to_applicants_engagements_shifts_and_changes(client, job):
    # given
    applicant(job)
    applicant(job)
    shift = job.shifts.get()
    # when
    html = page(client.get(reverse("jobs:employer_job", args=[job.pk])))
    # then
    assert 'id="applicants-link"' in html
    for url in (reverse("applications:employer_applicants", args=[job.pk]),
                reverse("applications:employer_engagements", args=[job.pk]),
                reverse("applications:employer_shift", args=[job.pk, shift.pk]),
                reverse("applications:change_propose", args=[job.pk])):
        assert url in html


# ------------------------------------------------------------------ who may see what
def _routes(job, application, engagement, attendance, change, student_id):
    shift_id = attendance.shift_id
    return [
        ("get", reverse("applications:employer_applicants", args=[job.pk])),
        ("get", reverse("applications:employer_candidates", args=[job.pk])),
        ("post", reverse("applications:invite", args=[job.pk, student_id])),
        ("get", reverse("applications:employer_application", args=[application.pk])),
        ("post", reverse("applications:application_hire", args=[application.pk])),
        ("post", reverse("applications:application_reject", args=[application.pk])),
        ("get", reverse("applications:employer_engagements", args=[job.pk])),
        ("get", reverse("applications:employer_shift", args=[job.pk, shift_id])),
        ("get", reverse("applications:shift_qr", args=[job.pk, shift_id])),
        ("post", reverse("applications:attendance_mark", args=[attendance.pk])),
        ("post", reverse("applications:hours_confirm", args=[attendance.pk])),
        ("get", reverse("applications:employer_engagement", args=[engagement.pk])),
        ("post", reverse("applications:employer_cancel", args=[engagement.pk])),
        ("post", reverse("applications:loss_claim_new", args=[engagement.pk])),
        ("get", reverse("applications:change_propose", args=[job.pk])),
        ("post", reverse("applications:change_withdraw", args=[change.pk])),
    ]


@pytest.fixture
def other_employers_world():
    """A job of another employer with an applicant, a hired student and an open change."""
    other = EmployerFactory(approved=True)
    job = JobFactory(employer=other, published=True, headcount=3, shifts=[(SHIFT_DAY, "18:00", "21:00")])
    application = applicant(job)
    engagement = EngagementFactory(application__job=job)
    change = services.schedule_change_propose(job_id=job.pk, actor=other.members.get().user, reason="r",
                                              new_address="新地址 1 号")
    return job, application, engagement, engagement.attendances.get(), change, application.student_id


def test_e3_another_employers_job_application_engagement_and_change_are_404(client, other_employers_world):
    # given
    job, application, engagement, attendance, change, student_id = other_employers_world
    # when / then: with GET and POST alike, and nothing changes
    for _method, url in _routes(*other_employers_world):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
    application.refresh_from_db()
    engagement.refresh_from_db()
    change.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED and engagement.status == EngagementStatus.ACTIVE
    assert change.status == ScheduleChange.Status.PROPOSED
    assert Attendance.objects.get(pk=attendance.pk).status == AttendanceStatus.EXPECTED


def test_e3_a_student_account_gets_403_on_every_employer_route(other_employers_world):
    # given: a signed-in student
    student = Client()
    student.force_login(StudentProfileFactory(approved=True).user)
    # when / then
    for method, url in _routes(*other_employers_world):
        assert getattr(student, method)(url).status_code == 403, url


def test_e3_anonymous_visitors_are_sent_to_sign_in(other_employers_world):
    # given / when / then
    for method, url in _routes(*other_employers_world):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_e3_get_on_an_action_of_ones_own_is_405(client, job):
    # given
    application = applicant(job)
    # when / then
    assert client.get(reverse("applications:application_hire", args=[application.pk])).status_code == 405
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED


def test_e3_2_after_the_answer_deadline_the_page_offers_no_decision(client, job):
    # given: an application whose P3 deadline has passed (the sweep has not run yet)
    application = applicant(job)
    # when
    with time_machine.travel(application.response_due_at + dt.timedelta(minutes=1), tick=False):
        listed = page(client.get(reverse("applications:employer_applicants", args=[job.pk])))
        detail = page(client.get(reverse("applications:employer_application", args=[application.pk])))
    # then
    for html in (listed, detail):
        assert "expires without an answer" in html
        assert reverse("applications:application_hire", args=[application.pk]) not in html
