"""Students aged 16–17 (docs/minors.md): a job whose declaration names an art. 3 item of
the Provisions on the Special Protection of Juvenile Workers (1994-12-09) or a workplace
closed to minors (Minors Protection Law art. 58) is refused to them at every door —
applying, being invited, being hired, taking the offer — with the reason, at the
service and through the URL; adults are not affected."""

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import GuardianNotice
from accounts.services import guardian_notice_record
from applications.models import (
    Application,
    ApplicationStatus,
    AttendanceStatus,
    Engagement,
    JobInvitation,
    MinorWorkerCheck,
)
from applications.services.applying import CannotApply, application_apply, job_invite_student
from applications.services.attendance import CHECK_IN, attendance_mark, checkin_scan, checkin_token
from applications.services.minors import MinorChecksMissing
from applications.services.offers import application_hire, offer_accept
from applications.services.shared import MinorRefused
from core import sms
from core.errors import DomainError
from core.models import Notification, SmsMessage
from tests.factories.accounts import GuardianConsentFactory
from tests.factories.applications import (
    ApplicationFactory,
    EngagementFactory,
    StudentIntentionFactory,
    approved_student,
)
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

# A Monday 09:00; the jobs' shift is next Monday 18:00–21:00 (no night work).
TODAY = dt.date(2026, 3, 2)
NOW = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(9)))
SHIFT_DAY = TODAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def minor_student(*, consent: bool = True, **profile):
    """A 17-year-old (born 2008-09-01, 17 on 2026-03-02), approved, with the guardian's consent."""
    student = approved_student(is_minor_worker=True, date_of_birth=dt.date(2008, 9, 1), **profile)
    if consent:
        GuardianConsentFactory(student=student)
    return student


def job_for(employer=None, *, day=SHIFT_DAY, **declaration):
    return JobFactory(employer=employer or EmployerFactory(approved=True), published=True, headcount=3,
                      shifts=[(day, "18:00", "21:00")], **declaration)


def ktv_job(employer=None):
    return job_for(employer, title="KTV 夜场服务员", minor_restricted_venue="ktv")


def height_job(employer=None):
    return job_for(employer, title="广告牌安装", minor_restricted_work=["height"])


def apply(job, student):
    return application_apply(job_id=job.pk, student=student, confirms_requirements=True, commits_to_work=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ------------------------------------------------------------------ applying
@pytest.mark.parametrize("make_job, named", [(ktv_job, "KTV"), (height_job, "Work at height")])
def test_minor_art3_a_minor_cannot_apply_for_a_declared_job_and_is_told_why(make_job, named):
    # given: a 17-year-old and a job declared as a KTV workplace / as work at height (art. 3(3))
    minor, job = minor_student(), make_job()
    # when / then: refused with the item named
    with pytest.raises(CannotApply) as refused:
        apply(job, minor)
    assert named in str(refused.value.message) and "16–17" in str(refused.value.message)
    assert not Application.objects.exists()


def test_minor_art3_the_apply_url_refuses_a_minor_and_the_job_page_says_why():
    # given
    minor, job = minor_student(), ktv_job()
    client = signed_in(minor)
    # when
    job_page = client.get(reverse("jobs:detail", args=[job.pk]))
    posted = client.post(reverse("applications:apply", args=[job.pk]),
                         {"confirms_requirements": "on", "commits_to_work": "on"})
    # then
    for response in (job_page, posted):
        assert response.status_code == 200
        assert "cannot take this job: it involves work or a workplace closed to minors" in \
            unescape(response.content.decode())
    assert not Application.objects.exists()


def test_minor_art3_an_adult_may_apply_for_the_same_job():
    # given / when
    application = apply(ktv_job(), approved_student())
    # then
    assert application.status == ApplicationStatus.APPLIED


def test_minor_art3_an_undeclared_day_job_stays_open_to_a_minor():
    # given: the library job of the journey
    job = job_for(title="图书馆整理书架", category="other")
    # when
    application = apply(job, minor_student())
    # then
    assert application.status == ApplicationStatus.APPLIED


# ------------------------------------------------------------------ being invited
def test_minor_art3_a_discoverable_minor_cannot_be_invited_to_a_declared_job():
    # given: a 17-year-old who chose to be discoverable, and an employer's KTV job
    minor = minor_student()
    StudentIntentionFactory(student=minor, discoverable=True)
    job = ktv_job()
    member = job.employer.members.get().user
    # when / then: the service refuses with the reason
    with pytest.raises(MinorRefused) as refused:
        job_invite_student(job_id=job.pk, student_id=minor.pk, actor=member)
    assert "KTV" in str(refused.value.message)
    # and the URL too, nothing saved
    response = signed_in(member).post(reverse("applications:invite", args=[job.pk, minor.pk]),
                                      {"message": ""}, follow=True)
    assert any("closed to minors" in m for m in messages_of(response))
    assert not JobInvitation.objects.exists()


def test_minor_art3_an_unreachable_minor_gets_the_neutral_refusal():
    # given: a minor the employer may not reach (not discoverable, not a candidate): G4 holds
    minor, job = minor_student(), ktv_job()
    member = job.employer.members.get().user
    # when / then
    with pytest.raises(DomainError) as refused:
        job_invite_student(job_id=job.pk, student_id=minor.pk, actor=member)
    assert not isinstance(refused.value, MinorRefused)


# ------------------------------------------------------------------ being hired
def _minor_applied_then_job_closed(make_declaration: dict):
    """A minor applied while the job was open to minors; an approved revision then declared it closed."""
    minor = minor_student()
    job = job_for()
    application = ApplicationFactory(job=job, student=minor)
    for name, value in make_declaration.items():
        setattr(job, name, value)
    job.closed_to_minors = True
    job.save()
    return application


def test_minor_art3_the_hire_service_and_url_refuse_a_minor_for_a_job_now_closed_to_minors():
    # given
    application = _minor_applied_then_job_closed({"minor_restricted_work": ["heavy_loads"]})
    member = application.job.employer.members.get().user
    # when / then: the service
    with pytest.raises(MinorRefused) as refused:
        application_hire(application_id=application.pk, actor=member)
    assert "Loads over 20 kg" in str(refused.value.message)
    # and the URL: a message, no offer
    response = signed_in(member).post(reverse("applications:application_hire", args=[application.pk]), {"confirmed": "1"},
                                      follow=True)
    assert any("closed to minors" in m for m in messages_of(response))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPLIED


def test_minor_art3_a_minor_cannot_take_an_offer_for_a_job_now_closed_to_minors():
    # given: the offer was made before the job was declared a bar
    application = _minor_applied_then_job_closed({})
    application.job.closed_to_minors = False
    application.job.save()
    member = application.job.employer.members.get().user
    application_hire(application_id=application.pk, actor=member)
    application.job.minor_restricted_venue = "bar"
    application.job.closed_to_minors = True
    application.job.save()
    # when / then
    with pytest.raises(DomainError) as refused:
        offer_accept(application_id=application.pk, student=application.student)
    assert "Bar" in str(refused.value.message)
    assert not Engagement.objects.exists()


# ------------------------------------------------------------------ the guardian (Civil Code art. 19)
def test_minor_civil_code_art19_no_application_without_the_guardians_consent():
    # given: a 17-year-old without a consent and a library job open to minors
    minor, job = minor_student(consent=False), job_for(title="图书馆整理书架")
    # when / then: the service refuses and says where to give it
    with pytest.raises(CannotApply) as refused:
        apply(job, minor)
    message = str(refused.value.message)
    assert "guardian's consent" in message and reverse("accounts:guardian_consent") in message
    # and the job page and the apply URL say the same, nothing saved
    client = signed_in(minor)
    posted = client.post(reverse("applications:apply", args=[job.pk]),
                         {"confirms_requirements": "on", "commits_to_work": "on"})
    assert "guardian's consent" in unescape(posted.content.decode())
    assert not Application.objects.exists()


def test_minor_civil_code_art19_an_adult_needs_no_guardian():
    assert apply(job_for(), approved_student()).status == ApplicationStatus.APPLIED


def test_minor_civil_code_art19_the_guardian_is_told_of_each_hire():
    # given: a minor with consent hired for two jobs
    minor = minor_student()
    first = job_for(title="图书馆整理书架")
    second = job_for(title="社区活动助理", day=SHIFT_DAY + dt.timedelta(days=1))
    for job in (first, second):
        application = apply(job, minor)
        application_hire(application_id=application.pk, actor=job.employer.members.get().user)
        # when
        offer_accept(application_id=application.pk, student=minor)
    # then: one notice per hire, in Chinese, to the consent's number; none for an adult
    notices = list(GuardianNotice.objects.filter(student=minor).order_by("created_at", "id"))
    consent = minor.guardian_consents.get()
    assert [n.source for n in notices] == [f"engagement:{e.pk}" for e in
                                          Engagement.objects.filter(student=minor).order_by("id")]
    assert all(n.guardian_mobile == consent.guardian_mobile for n in notices)
    assert "图书馆整理书架" in notices[0].text and "录用" in notices[0].text
    adult_application = apply(job_for(), approved_student())
    application_hire(application_id=adult_application.pk, actor=adult_application.job.employer.members.get().user)
    offer_accept(application_id=adult_application.pk, student=adult_application.student)
    assert GuardianNotice.objects.count() == 2


def test_minor_civil_code_art19_the_guardian_gets_a_chinese_sms_of_each_hire_once(django_capture_on_commit_callbacks):
    # given: a minor with consent, an offer for a library job (NOW is Monday 09:00, outside the quiet hours)
    sms.outbox.clear()
    minor = minor_student(real_name="李小雨")
    job = job_for(title="图书馆整理书架")
    application = apply(job, minor)
    application_hire(application_id=application.pk, actor=job.employer.members.get().user)
    sms.outbox.clear()  # the offer alert to the student is not the guardian's
    # when: the student takes the offer
    with django_capture_on_commit_callbacks(execute=True):
        engagement = offer_accept(application_id=application.pk, student=minor)
    # then: one text, in Chinese, to the consent's number, recorded on the notice and as a text message
    consent = minor.guardian_consents.get()
    texts = [m for m in sms.outbox if m["template"] == sms.SmsTemplate.GUARDIAN_HIRE]
    assert [m["phone"] for m in texts] == [str(consent.guardian_mobile)]
    assert texts[0]["text"] == (f"【兼职】您监护的李小雨已被{job.employer.name}录用：“图书馆整理书架”，"
                                f"首个班次 {SHIFT_DAY:%Y-%m-%d} 18:00。")
    notice = GuardianNotice.objects.get(student=minor)
    assert notice.source == f"engagement:{engagement.pk}" and notice.text == texts[0]["text"]
    assert notice.sent_at == NOW and notice.sms.status == SmsMessage.Status.SENT
    assert notice.sms.phone_masked != str(consent.guardian_mobile)  # the record keeps it masked
    # and: recording the same hire again sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        guardian_notice_record(student=minor, template=sms.SmsTemplate.GUARDIAN_HIRE, params=texts[0]["params"],
                               source=notice.source)
    assert len([m for m in sms.outbox if m["template"] == sms.SmsTemplate.GUARDIAN_HIRE]) == 1


def test_minor_civil_code_art19_a_hire_at_night_texts_the_guardian_at_eight(django_capture_on_commit_callbacks):
    minor = minor_student()
    job = job_for()
    application = apply(job, minor)
    application_hire(application_id=application.pk, actor=job.employer.members.get().user)
    sms.outbox.clear()
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 30))), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            offer_accept(application_id=application.pk, student=minor)
    notice = GuardianNotice.objects.get(student=minor)
    assert notice.sms.status == SmsMessage.Status.QUEUED and not [
        m for m in sms.outbox if m["template"] == sms.SmsTemplate.GUARDIAN_HIRE]
    assert timezone.localtime(notice.sms.send_after) == timezone.make_aware(
        dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(8)))


# ------------------------------------------------------------------ before the first shift (arts. 6 and 9)
def minor_engagement():
    minor = minor_student()
    return EngagementFactory(application__job=job_for(title="图书馆整理书架"), application__student=minor)


CHECKS = {"health_check_date": "2026-02-20", "health_check_place": "上海市徐汇区中心医院",
          "health_check_reference": "XH-2026-0218", "registration_date": "2026-02-25",
          "registration_place": "徐汇区人力资源和社会保障局", "registration_reference": "WCG-2026-031"}


def test_minor_art6_art9_check_in_to_a_minors_first_shift_waits_for_the_employers_confirmation():
    # given: a hired 17-year-old, the shift opens for check-in at 17:00 on its day
    engagement = minor_engagement()
    shift = engagement.job.shifts.get()
    attendance = engagement.attendances.get()
    member = engagement.job.employer.members.get().user
    with time_machine.travel(shift.starts_at - dt.timedelta(minutes=30), tick=False):
        # when / then: neither the QR code nor the employer's hand checks the student in
        token = checkin_token(shift_id=shift.pk, action=CHECK_IN)
        with pytest.raises(MinorChecksMissing):
            checkin_scan(token=token, student=engagement.student)
        with pytest.raises(MinorChecksMissing):
            attendance_mark(attendance_id=attendance.pk, actor=member, checked_in=True)
        attendance.refresh_from_db()
        assert attendance.status == AttendanceStatus.EXPECTED
        # when: the employer confirms both on the engagement page
        response = signed_in(member).post(reverse("applications:minor_checks", args=[engagement.pk]), CHECKS)
        # then: kept, and the student checks in
        assert response.status_code == 302
        check = MinorWorkerCheck.objects.get(engagement=engagement)
        assert (check.health_check_reference, check.registration_reference, check.confirmed_by) == (
            "XH-2026-0218", "WCG-2026-031", member)
        assert checkin_scan(token=checkin_token(shift_id=shift.pk, action=CHECK_IN),
                            student=engagement.student).status == AttendanceStatus.CHECKED_IN


def test_minor_art6_art9_an_adults_check_in_needs_no_confirmation():
    engagement = EngagementFactory(application__job=job_for())
    shift = engagement.job.shifts.get()
    with time_machine.travel(shift.starts_at - dt.timedelta(minutes=30), tick=False):
        attendance = checkin_scan(token=checkin_token(shift_id=shift.pk, action=CHECK_IN), student=engagement.student)
    assert attendance.status == AttendanceStatus.CHECKED_IN


def test_minor_art6_art9_a_date_in_the_future_or_a_missing_reference_is_a_field_error():
    engagement = minor_engagement()
    client = signed_in(engagement.job.employer.members.get().user)
    url = reverse("applications:minor_checks", args=[engagement.pk])
    future = client.post(url, {**CHECKS, "health_check_date": "2026-03-09"})
    missing = client.post(url, {**CHECKS, "registration_reference": ""})
    assert future.context["minor_form"].errors.get("health_check_date")
    assert missing.context["minor_form"].errors.get("registration_reference")
    assert not MinorWorkerCheck.objects.exists()


def test_minor_art6_art9_the_employer_is_asked_at_the_hire_and_the_page_shows_the_form():
    # given: a minor accepts an offer
    minor = minor_student()
    job = job_for(title="图书馆整理书架")
    member = job.employer.members.get().user
    application = apply(job, minor)
    application_hire(application_id=application.pk, actor=member)
    engagement = offer_accept(application_id=application.pk, student=minor)
    # then
    assert Notification.objects.filter(recipient=member, subject__contains="aged 16–17").exists()
    page = unescape(signed_in(member).get(reverse("applications:employer_engagement",
                                                  args=[engagement.pk])).content.decode())
    assert 'id="minor-checks-form"' in page
