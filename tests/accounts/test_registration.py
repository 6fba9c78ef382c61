"""Student registration (S1.1) and its vetting by staff (资质审核, S1.2)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import StudentProfile
from core.errors import InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_for
from core.vetting import VettingStatus
from tests.factories.accounts import StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def profile_data(**overrides):
    data = {"real_name": "李小明", "gender": "male", "date_of_birth": "2004-03-07", "school": "复旦大学",
            "major": "计算机科学与技术", "enrolment_year": "2023", "mobile": "13800138000", "contact_note": ""}
    data.update(overrides)
    return data


@time_machine.travel(TODAY, tick=False)
def test_s1_1_student_submits_registration_in_chinese(student_client, student):
    # when
    response = student_client.post(reverse("accounts:profile_edit"), profile_data())
    # then
    assert response.status_code == 302
    profile = StudentProfile.objects.get(user=student)
    assert profile.vetting_status == VettingStatus.SUBMITTED
    assert (profile.real_name, profile.school, str(profile.mobile)) == ("李小明", "复旦大学", "+8613800138000")
    assert not profile.is_minor_worker
    assert [h.transition for h in history_for(profile)] == ["submit"]


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("field,value,message", [
    ("date_of_birth", "2011-01-01", "at least 16 years old"),
    ("date_of_birth", "2030-01-01", "real date of birth"),
    ("mobile", "02161234567", "mainland China mobile"),
    ("mobile", "12345", "mainland China mobile"),
    ("mobile", "+14155550100", "mainland China mobile"),
    ("real_name", " ", "This field is required"),
    ("enrolment_year", "1800", "year you started"),
    ("gender", "robot", "Select a valid choice"),
])
def test_s1_1_bad_registration_input_gets_a_field_error_and_saves_nothing(student_client, field, value, message):
    response = student_client.post(reverse("accounts:profile_edit"), profile_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StudentProfile.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_labour_law_15_under_16_is_refused_by_the_service_too(student):
    with pytest.raises(Exception, match="at least 16"):
        services.student_profile_submit(user=student, data={
            "real_name": "王", "gender": "male", "date_of_birth": dt.date(2010, 11, 28), "school": "x", "major": "y",
            "enrolment_year": 2025, "mobile": "+8613800138000", "contact_note": ""})
    assert not StudentProfile.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_labour_law_58_sixteen_and_seventeen_year_olds_are_minor_workers(student_client, student):
    # given: born 28 Nov 2009 → 16 on 27 Nov 2026
    student_client.post(reverse("accounts:profile_edit"), profile_data(date_of_birth="2009-11-28"))
    # then
    assert StudentProfile.objects.get(user=student).is_minor_worker


def test_s1_1_employer_accounts_cannot_open_the_student_registration(client):
    client.force_login(UserFactory(kind="employer"))
    assert client.get(reverse("accounts:profile_edit")).status_code == 403


def test_s1_2_submitted_registration_cannot_be_edited(student_client, student):
    StudentProfileFactory(user=student, vetting_status=VettingStatus.SUBMITTED, real_name="原名")
    response = student_client.post(reverse("accounts:profile_edit"), profile_data(real_name="新名字"))
    assert response.status_code == 302
    assert StudentProfile.objects.get(user=student).real_name == "原名"


def test_s1_2_moderator_approves_and_the_student_is_told(staff_client, django_capture_on_commit_callbacks):
    # given
    _client, moderator = staff_client("moderator")
    profile = StudentProfileFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.student_profile_approve(pk=profile.pk, actor=moderator)
    # then
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.APPROVED and profile.can_apply
    assert profile.vetted_by == moderator
    entry = history_for(profile).first()
    assert (entry.transition, entry.from_state, entry.to_state, entry.actor) == (
        "approve", "submitted", "approved", moderator)
    assert profile.user.notifications.filter(subject__contains="approved").exists()
    assert [m.to for m in mail.outbox] == [[profile.user.email]]


@pytest.mark.parametrize("service", [services.student_profile_reject, services.student_profile_request_info])
def test_s1_2_rejection_and_information_requests_need_a_reason(staff_client, service):
    _client, moderator = staff_client("moderator")
    profile = StudentProfileFactory()
    with pytest.raises(ReasonRequired):
        service(pk=profile.pk, actor=moderator, reason="   ")
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.SUBMITTED


def test_s1_2_student_sees_the_rejection_reason_and_can_resubmit(staff_client, student_client, student):
    # given
    _client, moderator = staff_client("moderator")
    profile = StudentProfileFactory(user=student)
    services.student_profile_reject(pk=profile.pk, actor=moderator, reason="学校名称与学生证不一致")
    # when
    dashboard = student_client.get(reverse("accounts:dashboard")).content.decode()
    with time_machine.travel(TODAY, tick=False):
        student_client.post(reverse("accounts:profile_edit"), profile_data(school="同济大学"))
    # then
    assert "学校名称与学生证不一致" in dashboard
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.SUBMITTED and profile.school == "同济大学"


@pytest.mark.parametrize("role", ["customer_service", "operations", "finance", "auditor", "manager"])
def test_s1_2_only_moderators_vet_registrations(staff_client, role):
    _client, staff = staff_client(role)
    profile = StudentProfileFactory()
    with pytest.raises(NotPermitted):
        services.student_profile_approve(pk=profile.pk, actor=staff)
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.SUBMITTED


def test_s1_2_an_approved_registration_cannot_be_approved_twice(staff_client):
    _client, moderator = staff_client("moderator")
    profile = StudentProfileFactory(approved=True)
    with pytest.raises(InvalidTransition):
        services.student_profile_approve(pk=profile.pk, actor=moderator)


def test_s1_2_only_approved_students_can_apply():
    assert not StudentProfileFactory(vetting_status=VettingStatus.SUBMITTED).can_apply
    assert not StudentProfileFactory(vetting_status=VettingStatus.REJECTED).can_apply
    assert StudentProfileFactory(approved=True).can_apply


def test_s1_2_moderator_rejects_in_the_admin_with_a_reason(staff_client):
    # given
    client, moderator = staff_client("moderator")
    profile = StudentProfileFactory()
    url = reverse("admin:accounts_studentprofile_transition", args=[profile.pk, "reject"])
    # when: no reason → the form refuses
    assert client.post(url, {"reason": ""}).status_code == 200
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.SUBMITTED
    # when: with a reason
    response = client.post(url, {"reason": "照片不清晰"})
    # then
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.vetting_status == VettingStatus.REJECTED and profile.vetting_reason == "照片不清晰"
    assert history_for(profile).first().actor == moderator
