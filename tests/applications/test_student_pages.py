"""The student's pages (S2.2, S3, E3, E4, J1.3): applying with the two
confirmations, "My work", one application and one engagement with their
actions, the QR check-in, intentions and recommendations. Access: students
only (403 for other accounts), another student's objects are 404."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications import services
from applications.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    DemandReport,
    Engagement,
    EngagementStatus,
    HoursStatus,
    JobInvitation,
    ScheduleChangeAnswer,
    StudentIntention,
    availability_bit,
)
from core.policy import get_policy
from tests.factories.accounts import StudentProfileFactory, UserFactory
from tests.factories.applications import (
    ApplicationFactory,
    EngagementFactory,
    StudentIntentionFactory,
    approved_student,
)
from tests.factories.jobs import JobFactory, next_weekday


# ---------------------------------------------------------------- helpers
def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def owner_of(job) -> User:
    return job.employer.members.first().user


def page(response) -> str:
    return response.content.decode()


def apply_url(job) -> str:
    return reverse("applications:apply", args=[job.pk])


def engagement_url(engagement) -> str:
    return reverse("applications:student_engagement", args=[engagement.pk])


def application_url(application) -> str:
    return reverse("applications:student_application", args=[application.pk])


def shift_of(engagement):
    return engagement.job.shifts.get()


# ---------------------------------------------------------------- applying (S2.2)
def test_s2_2_apply_page_shows_the_confirmations_and_applying_records_them(db):
    # given
    student = approved_student()
    job = JobFactory(published=True, title="周末咖啡店店员")
    client = signed_in(student)
    # when: the page
    response = client.get(apply_url(job))
    # then: the job's key facts and both confirmations
    assert response.status_code == 200
    html = page(response)
    assert "周末咖啡店店员" in html and job.employer.name in html and "¥60.00" in html
    assert 'name="confirms_requirements"' in html and 'name="commits_to_work"' in html
    # when: the student confirms both and applies
    response = client.post(apply_url(job), {"confirms_requirements": "on", "commits_to_work": "on",
                                            "message": "周末都有空"}, follow=True)
    # then
    application = Application.objects.get(job=job, student=student)
    assert (application.confirms_requirements, application.commits_to_work) == (True, True)
    assert application.message == "周末都有空" and application.status == ApplicationStatus.APPLIED
    assert response.redirect_chain[-1][0] == application_url(application)
    assert "Your application was sent" in page(response)


@pytest.mark.parametrize("missing", ["confirms_requirements", "commits_to_work"])
def test_s2_2_a_missing_confirmation_is_shown_and_nothing_is_created(db, missing):
    # given
    student = approved_student()
    job = JobFactory(published=True)
    data = {"confirms_requirements": "on", "commits_to_work": "on"}
    del data[missing]
    # when
    response = signed_in(student).post(apply_url(job), data)
    # then
    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert "Confirm that you" in page(response)
    assert not Application.objects.exists()


def test_s1_2_a_student_not_yet_approved_sees_why_they_cannot_apply(db):
    # given: a registration still waiting for review
    student = StudentProfileFactory().user
    job = JobFactory(published=True)
    client = signed_in(student)
    reason = "Only students whose registration the platform has approved can apply."
    # when
    job_page = client.get(reverse("jobs:detail", args=[job.pk]))
    apply_page = client.get(apply_url(job))
    posted = client.post(apply_url(job), {"confirms_requirements": "on", "commits_to_work": "on"})
    # then
    assert reason in page(job_page) and reason in page(apply_page)
    assert 'id="apply-form"' not in page(apply_page)
    assert posted.status_code == 200 and not Application.objects.exists()


def test_s2_2_a_minor_sees_that_night_work_is_closed_to_them(db):
    # given: Labour Law art. 64 — no night work (22:00–06:00) under 18
    minor = StudentProfileFactory(approved=True, is_minor_worker=True).user
    job = JobFactory(published=True, shifts=[(next_weekday(), "20:00", "23:30")])
    client = signed_in(minor)
    # when
    job_page = client.get(reverse("jobs:detail", args=[job.pk]))
    posted = client.post(apply_url(job), {"confirms_requirements": "on", "commits_to_work": "on"})
    # then
    assert "cannot take this job: it includes night work" in page(job_page)
    assert "cannot take this job: it includes night work" in page(posted)
    assert not Application.objects.exists()


def test_s2_2_job_page_apply_area_fits_the_visitor(db):
    # given
    job = JobFactory(published=True)
    applied = ApplicationFactory(job=job)
    url = reverse("jobs:detail", args=[job.pk])
    # when / then: a visitor is asked to sign in and come back
    assert f"/accounts/login/?next={url}" in page(Client().get(url))
    # an employer is told that only students apply
    assert "Only student accounts can apply" in page(signed_in(owner_of(job)).get(url))
    # an approved student is offered the apply page
    assert apply_url(job) in page(signed_in(approved_student()).get(url))
    # a student who applied finds the way to their application
    response = signed_in(applied.student).get(url)
    assert "You have already applied" in page(response) and "See my application" in page(response)
    assert signed_in(applied.student).get(apply_url(job)).url == application_url(applied)


# ---------------------------------------------------------------- access
def test_another_students_application_and_engagement_are_404(db):
    # given
    application = ApplicationFactory()
    engagement = EngagementFactory()
    attendance = engagement.attendances.get()
    intruder = signed_in(approved_student())
    # when / then
    assert intruder.get(application_url(application)).status_code == 404
    assert intruder.post(reverse("applications:application_withdraw", args=[application.pk])).status_code == 404
    assert intruder.get(engagement_url(engagement)).status_code == 404
    assert intruder.post(reverse("applications:student_cancel", args=[engagement.pk]),
                         {"reason": "x"}).status_code == 404
    assert intruder.post(reverse("applications:hours_dispute", args=[attendance.pk]),
                         {"text": "x"}).status_code == 404
    assert intruder.get(reverse("applications:demand_report", args=[engagement.pk])).status_code == 404
    # the wrong method on another student's object is a 404 too: nothing is learnt about it
    assert intruder.post(application_url(application)).status_code == 404
    assert intruder.get(reverse("applications:offer_accept", args=[application.pk])).status_code == 404
    assert intruder.get(reverse("applications:no_show_contest", args=[attendance.pk])).status_code == 404
    # and nothing changed
    application.refresh_from_db()
    engagement.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED and engagement.status == EngagementStatus.ACTIVE


@pytest.mark.parametrize("name,args", [
    ("applications:student_home", []), ("applications:intentions", []), ("applications:recommended", []),
    ("applications:student_application", [1]), ("applications:student_engagement", [1]),
    ("applications:checkin", ["token"]),
])
def test_an_employer_gets_403_on_student_pages(db, name, args):
    # given
    job = JobFactory(published=True)
    # when
    response = signed_in(owner_of(job)).get(reverse(name, args=args))
    # then
    assert response.status_code == 403


def test_an_employer_cannot_apply(db):
    job = JobFactory(published=True)
    assert signed_in(owner_of(job)).get(apply_url(job)).status_code == 403


def test_a_visitor_scanning_the_code_is_sent_to_sign_in_and_back(db):
    url = reverse("applications:checkin", args=["some-token"])
    response = Client().get(url)
    assert response.status_code == 302 and response.url == f"/accounts/login/?next={url}"


# ---------------------------------------------------------------- my work
def _my_work(student: User, n: int) -> None:
    """n of everything the page lists: waiting, offered, working, past and invited."""
    for _ in range(n):
        ApplicationFactory(student=student)
        offered = ApplicationFactory(student=student)
        services.application_hire(application_id=offered.pk, actor=owner_of(offered.job))
        EngagementFactory(application__student=student)
        ApplicationFactory(student=student, status=ApplicationStatus.WITHDRAWN)
        invited_to = JobFactory(published=True)
        JobInvitation.objects.create(job=invited_to, student=student)


def test_e3_2_my_work_shows_the_answer_deadline_and_its_query_count_is_constant(
        db, django_assert_num_queries):
    # given: one of everything, then four of everything
    student = approved_student()
    client = signed_in(student)
    _my_work(student, 1)
    url = reverse("applications:student_home")
    # then: session 1 + user 1 + unread notifications 1 (context processor)
    #       + applications with job and employer 1 + engagements with job and employer 1
    #       + their open attendances with shifts 1 + invitations with job and employer 1 = 7
    with django_assert_num_queries(7):
        response = client.get(url)
    waiting = Application.objects.filter(student=student, status=ApplicationStatus.APPLIED).get()
    html = page(response)
    assert "Answer due in" in html and timezone.localtime(waiting.response_due_at).strftime("%Y-%m-%d %H:%M") in html
    assert "Accept within" in html and "Next shift:" in html and "invites you to apply" in html
    _my_work(student, 3)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["waiting"]) == 4 and len(response.context["active"]) == 4


# ---------------------------------------------------------------- one application
def test_s2_2_student_withdraws_before_the_decision(db):
    # given
    application = ApplicationFactory()
    client = signed_in(application.student)
    assert "Withdraw my application" in page(client.get(application_url(application)))
    # when
    response = client.post(reverse("applications:application_withdraw", args=[application.pk]), follow=True)
    # then
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert "You withdrew your application." in page(response)


def test_e3_1_accepting_the_offer_starts_the_engagement_and_shows_the_employer_contact(db):
    # given: the employer made an offer
    application = ApplicationFactory()
    services.application_hire(application_id=application.pk, actor=owner_of(application.job))
    client = signed_in(application.student)
    offer_page = page(client.get(application_url(application)))
    employer = application.job.employer
    # then: the offer's deadline, but no contact details before accepting
    assert "Accept within" in offer_page and employer.contact_name not in offer_page
    # when
    response = client.post(reverse("applications:offer_accept", args=[application.pk]), {"confirmed": "1"},
                           follow=True)
    # then
    engagement = Engagement.objects.get(application=application)
    assert response.redirect_chain[-1][0] == engagement_url(engagement)
    html = page(response)
    assert employer.contact_name in html and str(employer.contact_mobile) in html
    assert engagement.attendances.count() == 1


def test_e3_1_accepting_the_offer_asks_for_confirmation_first(db):
    # given (issue 23): an offer
    application = ApplicationFactory()
    services.application_hire(application_id=application.pk, actor=owner_of(application.job))
    client = signed_in(application.student)
    # when: the button's POST, without the confirmation
    step = client.post(reverse("applications:offer_accept", args=[application.pk]))
    # then: what the student commits to, nothing accepted yet
    assert step.status_code == 200 and 'id="confirm-form"' in step.content.decode()
    assert "You commit to working 1 shift" in step.content.decode()
    assert not Engagement.objects.filter(application=application).exists()
    # when: confirmed
    client.post(reverse("applications:offer_accept", args=[application.pk]), {"confirmed": "1"})
    assert Engagement.objects.filter(application=application).exists()


def test_e3_1_declining_the_offer(db):
    application = ApplicationFactory()
    services.application_hire(application_id=application.pk, actor=owner_of(application.job))
    signed_in(application.student).post(reverse("applications:offer_decline", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFER_DECLINED


def test_e3_2_the_student_sees_the_employers_rejection_reason(db):
    # given
    application = ApplicationFactory()
    services.application_reject(application_id=application.pk, actor=owner_of(application.job),
                                reason="本岗位需要有教师资格证")
    # when
    response = signed_in(application.student).get(application_url(application))
    # then
    html = page(response)
    assert "本岗位需要有教师资格证" in html and "Not selected" in html
    assert "The employer did not select you" in html  # the timeline


# ---------------------------------------------------------------- check-in (E4)
def test_e4_check_in_and_out_through_the_qr_code_url_within_the_shift_window(db):
    # given: a hired student at the workplace ten minutes before the shift
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    client = signed_in(engagement.student)
    with time_machine.travel(shift.starts_at - dt.timedelta(minutes=10), tick=False):
        url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk)])
        # when: the phone opens the URL in the code
        shown = client.get(url)
        # then: which job and shift, and one button; nothing recorded yet
        assert shown.status_code == 200 and engagement.job.title in page(shown) and "Check in" in page(shown)
        assert engagement.attendances.get().status == AttendanceStatus.EXPECTED
        # when: the student presses it
        done = client.post(url)
    # then
    attendance = engagement.attendances.get()
    assert done.status_code == 200 and "Checked in at" in page(done)
    assert attendance.status == AttendanceStatus.CHECKED_IN
    # and at the end of the shift, a fresh check-out code checks out
    with time_machine.travel(shift.ends_at - dt.timedelta(minutes=1), tick=False):
        url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk, action="out")])
        assert "Check out" in page(client.get(url))
        client.post(url)
    assert engagement.attendances.get().status == AttendanceStatus.ATTENDED


def test_e4_a_short_check_out_asks_for_a_reason_on_the_page(db):
    # given (issue 23): checked in one minute before the end of the shift
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    client = signed_in(engagement.student)
    with time_machine.travel(shift.ends_at - dt.timedelta(minutes=1), tick=False):
        client.post(reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk)]))
    with time_machine.travel(shift.ends_at + dt.timedelta(seconds=5), tick=False):
        url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk, action="out")])
        # when: the check-out code
        shown = page(client.get(url))
        # then: the page asks why
        assert 'id="checkout-reason"' in shown and 'name="reason"' in shown
        # when: pressed without a reason: asked again, nothing recorded, the code still good
        refused = client.post(url)
        assert refused.status_code == 400 and 'id="checkout-reason"' in page(refused)
        assert engagement.attendances.get().status == AttendanceStatus.CHECKED_IN
        done = client.post(url, {"reason": "地铁故障，迟到了"})
    assert done.status_code == 200 and "Checked out at" in page(done)
    assert engagement.attendances.get().status == AttendanceStatus.ATTENDED


def test_e4_the_wrong_code_for_the_state_is_refused_before_the_button(db):
    # given: a hired student at the start of the shift
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    client = signed_in(engagement.student)
    with time_machine.travel(shift.starts_at, tick=False):
        out_url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk, action="out")])
        # when / then: the check-out code before checking in
        response = client.get(out_url)
        assert response.status_code == 400 and "scan the check-in code first" in page(response)
        # and: after checking in, the check-in code again
        in_url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk)])
        client.post(in_url)
        again = client.get(reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk)]))
        assert again.status_code == 400 and "scan the check-out code when you leave" in page(again)
        # and: replaying the POST that checked in says so
        replay = client.post(in_url)
        assert replay.status_code == 400 and "already been used" in page(replay)
    assert engagement.attendances.get().status == AttendanceStatus.CHECKED_IN


def test_e4_a_forged_or_old_code_gives_a_clear_400_page(db):
    # given
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    client = signed_in(engagement.student)
    token = services.checkin_token(shift_id=shift.pk, now=shift.starts_at - dt.timedelta(minutes=20))
    # when: a forged code, and a photo of a code taken ten minutes ago
    forged = client.get(reverse("applications:checkin", args=[token[:-4] + "abcd"]))
    with time_machine.travel(shift.starts_at - dt.timedelta(minutes=10), tick=False):
        old = client.post(reverse("applications:checkin", args=[token]))
    # then
    for response in (forged, old):
        assert response.status_code == 400
        assert "This check-in code is not valid" in page(response)
    assert engagement.attendances.get().status == AttendanceStatus.EXPECTED


def test_e4_a_student_not_hired_for_the_shift_is_refused(db):
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    with time_machine.travel(shift.starts_at, tick=False):
        url = reverse("applications:checkin", args=[services.checkin_token(shift_id=shift.pk)])
        response = signed_in(approved_student()).get(url)
    assert response.status_code == 400 and "You are not hired for this shift." in page(response)


# ---------------------------------------------------------------- intentions and recommendations (E3.1)
def test_e3_1_intentions_form_saves_the_availability_grid_as_a_bitmask(db):
    # given
    student = approved_student()
    client = signed_in(student)
    assert client.get(reverse("applications:intentions")).status_code == 200
    # when: Monday evening, Saturday morning and afternoon; ¥35.50 an hour
    response = client.post(reverse("applications:intentions"), {
        "categories": ["tutoring", "catering"], "cities": "上海市、杭州市，苏州市", "districts": "徐汇区",
        "availability": ["0-2", "5-0", "5-1"], "expected_pay": "35.50", "accepts_remote": "on",
    })
    # then
    assert response.status_code == 302 and response.url == reverse("applications:recommended")
    intention = StudentIntention.objects.get(student=student)
    assert intention.availability == availability_bit(0, 2) | availability_bit(5, 0) | availability_bit(5, 1)
    assert intention.expected_hourly_fen == 3550
    assert sorted(intention.cities) == sorted(["上海市", "杭州市", "苏州市"])
    assert sorted(intention.categories) == ["catering", "tutoring"] and intention.accepts_remote
    # and the form shows them again
    html = page(client.get(reverse("applications:intentions")))
    assert 'value="0-2" id="id_availability_0_2" aria-label="Mon Evening" checked' in html
    assert 'value="35.50"' in html


def test_e3_1_recommendations_list_a_matching_job_in_constant_queries(db, django_assert_num_queries):
    # given: a student who wants tutoring in Shanghai; two matching jobs, one elsewhere
    intention = StudentIntentionFactory(categories=["tutoring"], cities=["上海市"])
    JobFactory(published=True, title="高中物理家教")
    JobFactory(published=True, title="成都家教", city="成都市")
    client = signed_in(intention.student)
    url = reverse("applications:recommended")
    # then: session 1 + user 1 + unread 1 + intention 1 + profile 1 + candidate jobs' facts 1
    #       + their shifts 1 + the shown jobs' cards with employers 1
    with django_assert_num_queries(8):
        response = client.get(url)
    html = page(response)
    assert "高中物理家教" in html and "成都家教" not in html and "Match " in html
    for _ in range(5):
        JobFactory(published=True)
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["recommendations"]) == 6


def test_e3_1_without_intentions_the_page_invites_filling_them(db):
    response = signed_in(approved_student()).get(reverse("applications:recommended"))
    assert "Fill in what I am looking for" in page(response)


# ---------------------------------------------------------------- one engagement (S3, E4, J1.3)
def test_s3_1_cancelling_needs_a_reason_and_is_without_penalty_with_notice(db):
    # given: the shift is a week away
    engagement = EngagementFactory()
    client = signed_in(engagement.student)
    cancel = reverse("applications:student_cancel", args=[engagement.pk])
    assert 'id="cancel-on-time"' in page(client.get(engagement_url(engagement)))
    # when: without a reason
    response = client.post(cancel, {"reason": "  "}, follow=True)
    # then
    assert "Please give a reason." in page(response)
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE
    # when: with one
    response = client.post(cancel, {"reason": "期末考试调整，时间冲突"}, follow=True)
    # then
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.CANCELLED_BY_STUDENT and not engagement.late_cancellation
    assert engagement.end_reason == "期末考试调整，时间冲突"
    assert "there is no penalty" in page(response)


def test_s3_1_the_page_warns_that_cancelling_now_would_be_late(db):
    engagement = EngagementFactory()
    shift = shift_of(engagement)
    hours = get_policy().cancel_notice_hours
    with time_machine.travel(shift.starts_at - dt.timedelta(hours=hours - 1), tick=False):
        html = page(signed_in(engagement.student).get(engagement_url(engagement)))
    assert 'id="cancel-late"' in html


def test_e4_the_student_contests_a_no_show_within_the_window(db):
    # given: marked a no-show after the grace period
    engagement = EngagementFactory()
    attendance = engagement.attendances.get()
    shift = shift_of(engagement)
    with time_machine.travel(shift.starts_at + dt.timedelta(minutes=30), tick=False):
        services.attendance_mark_no_show(attendance_id=attendance.pk, actor=owner_of(engagement.job))
    client = signed_in(engagement.student)
    with time_machine.travel(shift.starts_at + dt.timedelta(hours=2), tick=False):
        assert "Contest the no-show" in page(client.get(engagement_url(engagement)))
        # when
        response = client.post(reverse("applications:no_show_contest", args=[attendance.pk]),
                               {"text": "我 17:55 就到了，店长让我在后门等"}, follow=True)
    # then
    attendance.refresh_from_db()
    assert attendance.contest_status == ContestStatus.OPEN
    assert attendance.contest_text == "我 17:55 就到了，店长让我在后门等"
    assert "Your contest was sent" in page(response)


def test_e4_the_student_disputes_confirmed_hours(db):
    # given: the employer confirmed fewer minutes than scheduled
    engagement = EngagementFactory()
    attendance = engagement.attendances.get()
    shift = shift_of(engagement)
    with time_machine.travel(shift.ends_at + dt.timedelta(hours=1), tick=False):
        services.hours_confirm(attendance_id=attendance.pk, actor=owner_of(engagement.job), minutes=120)
    client = signed_in(engagement.student)
    with time_machine.travel(shift.ends_at + dt.timedelta(hours=3), tick=False):
        html = page(client.get(engagement_url(engagement)))
        assert "120 minutes" in html and "Dispute the hours" in html
        # when
        client.post(reverse("applications:hours_dispute", args=[attendance.pk]), {"text": "我做满了三个小时"})
    # then
    attendance.refresh_from_db()
    assert attendance.hours_status == HoursStatus.DISPUTED and attendance.dispute_text == "我做满了三个小时"


def test_j1_3_declining_a_change_of_place_releases_the_student_without_penalty(db):
    # given: the employer proposes a new workplace to its one hired student
    engagement = EngagementFactory()
    change = services.schedule_change_propose(job_id=engagement.job_id, actor=owner_of(engagement.job),
                                              reason="门店装修，改到新店", new_address="上海市闵行区七莘路 1 号")
    client = signed_in(engagement.student)
    html = page(client.get(engagement_url(engagement)))
    assert "上海市闵行区七莘路 1 号" in html and "released from this job without any penalty" in html
    # when
    response = client.post(reverse("applications:change_answer", args=[change.pk]), {"answer": "decline"},
                           follow=True)
    # then
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.RELEASED
    assert ScheduleChangeAnswer.objects.get(change=change).answer == ScheduleChangeAnswer.Answer.DECLINED
    assert "Released without penalty" in page(response)


def test_s3_3_the_student_reports_an_unlawful_demand(db):
    # given
    engagement = EngagementFactory()
    client = signed_in(engagement.student)
    url = reverse("applications:demand_report", args=[engagement.pk])
    assert url in page(client.get(engagement_url(engagement)))
    # when
    response = client.post(url, {"kind": DemandReport.Kind.MONEY_DEMANDED, "description": "店长要求先交 200 元押金",
                                 "refuses_and_leaves": "on"}, follow=True)
    # then
    report = DemandReport.objects.get(engagement=engagement)
    assert report.kind == DemandReport.Kind.MONEY_DEMANDED and report.refuses_and_leaves
    assert "Staff will verify your report" in page(response)


def test_s3_2_the_student_contests_a_loss_claim(db):
    # given
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support.files import jpeg_bytes

    engagement = EngagementFactory()
    claim = services.loss_claim_file(engagement_id=engagement.pk, actor=owner_of(engagement.job), amount_fen=5000,
                                     description="打碎两个杯子",
                                     evidence=SimpleUploadedFile("cup.jpg", jpeg_bytes(), "image/jpeg"))
    client = signed_in(engagement.student)
    assert "打碎两个杯子" in page(client.get(engagement_url(engagement)))
    # when
    client.post(reverse("applications:loss_claim_answer", args=[claim.pk]),
                {"answer": "contest", "text": "杯子本来就有裂缝"})
    # then
    claim.refresh_from_db()
    assert claim.status == claim.Status.CONTESTED and claim.student_answer == "杯子本来就有裂缝"
    assert not engagement.items.exists()  # nothing is charged without agreement or a decision


def test_pages_render_for_a_student_without_a_profile(db):
    # given: a student account that never registered (the nav links to "My work")
    client = signed_in(UserFactory(kind=User.Kind.STUDENT))
    # then
    for name in ("applications:student_home", "applications:intentions", "applications:recommended"):
        assert client.get(reverse(name)).status_code == 200
    assert Attendance.objects.count() == 0
