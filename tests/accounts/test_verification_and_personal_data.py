"""Real-name verification (S1.3) and protected personal data (J3, PIPL)."""

import datetime as dt
import json
import time

import pytest
from django.test import Client
from django.urls import reverse
from stdnum.cn import ric

from accounts import services
from accounts.models import (
    Consent,
    PersonalDataAccess,
    StudentProfile,
    StudentVerification,
    VerificationLevel,
)
from core.errors import NotPermitted
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, StudentProfileFactory, UserFactory
from tests.support.files import jpeg_upload, pdf_upload, upload

pytestmark = pytest.mark.django_db

BIRTH = dt.date(2004, 3, 7)


def id_number_for(birth: dt.date, serial: str = "123", region: str = "310101") -> str:
    body = f"{region}{birth:%Y%m%d}{serial}"
    return body + ric.calc_check_digit(body + "0")


def verification_post(**overrides):
    data = {"id_number": id_number_for(BIRTH), "id_card_front": jpeg_upload("front.jpg"),
            "id_card_back": jpeg_upload("back.jpg"), "student_proof_kind": "chsi_code", "chsi_code": "A1B2C3D4E5F6",
            "sensitive_consent": "on"}
    data.update(overrides)
    return data


@pytest.fixture
def profile_client(student):
    profile = StudentProfileFactory(user=student, date_of_birth=BIRTH, approved=True)
    client = Client()
    client.force_login(student)
    return profile, client


def test_s1_3_student_submits_id_and_documents_encrypted_and_masked(profile_client):
    profile, client = profile_client
    # when
    response = client.post(reverse("accounts:verification"), verification_post())
    # then
    assert response.status_code == 302
    profile.refresh_from_db()
    number = id_number_for(BIRTH)
    assert profile.id_number == number
    raw = StudentProfile.objects.filter(pk=profile.pk).values_list("id_number", flat=True)
    with __import__("django.db").db.connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_studentprofile WHERE id = %s", [profile.pk])
        stored = cursor.fetchone()[0]
    assert number not in stored and stored.startswith("gAAAA"), "ID number must be encrypted at rest"
    assert list(raw) == [number]
    assert profile.id_number_masked == "*" * 14 + number[-4:]  # the tail only (J3.1)
    verification = StudentVerification.objects.get(profile=profile)
    assert verification.status == StudentVerification.Status.PENDING
    assert Consent.objects.filter(user=profile.user, kind=Consent.Kind.SENSITIVE_DATA).exists()
    page = client.get(reverse("accounts:verification")).content.decode()
    assert number not in page and profile.id_number_masked in page


@pytest.mark.parametrize("overrides,message", [
    ({"id_number": id_number_for(BIRTH)[:-1] + ("0" if id_number_for(BIRTH)[-1] != "0" else "1")},
     "check digit is wrong"),
    ({"id_number": id_number_for(dt.date(2003, 3, 7))}, "does not match your date of birth"),
    ({"id_number": "12345"}, "18"),
    ({"id_number": id_number_for(BIRTH, region="990101")}, "impossible birth date or region"),
    ({"sensitive_consent": ""}, "separate consent"),
    ({"id_card_front": upload("front.jpg", b"<html>not an image</html>", "image/jpeg")}, "Only JPEG"),
    ({"id_card_back": pdf_upload()}, "Only JPEG"),
    ({"student_proof_kind": "student_card", "chsi_code": ""}, "Upload your student card"),
])
def test_s1_3_bad_verification_input_gets_a_field_error_and_saves_nothing(profile_client, overrides, message):
    profile, client = profile_client
    response = client.post(reverse("accounts:verification"), verification_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StudentVerification.objects.exists()
    profile.refresh_from_db()
    assert profile.id_number == "" and profile.id_number_hash is None
    assert not Consent.objects.filter(kind=Consent.Kind.SENSITIVE_DATA).exists()


def test_s1_3_one_account_per_id_number(profile_client):
    # given: someone else already verified with this number
    other = StudentProfileFactory(date_of_birth=BIRTH)
    services.consent_record(user=other.user, kind=Consent.Kind.SENSITIVE_DATA)
    services.student_verification_request(user=other.user, id_number=id_number_for(BIRTH),
                                          id_card_front=jpeg_upload(), id_card_back=jpeg_upload())
    _profile, client = profile_client
    # when
    response = client.post(reverse("accounts:verification"), verification_post())
    # then
    assert "already registered to another account" in response.content.decode()
    assert StudentVerification.objects.count() == 1


def test_s1_3_moderator_grants_real_name_and_student_status(profile_client, staff_client):
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    _c, moderator = staff_client("moderator")
    verification = StudentVerification.objects.get()
    # when
    services.student_verification_approve(pk=verification.pk, actor=moderator,
                                          level=VerificationLevel.REAL_NAME_AND_STUDENT)
    # then
    profile.refresh_from_db()
    assert profile.verification_level == VerificationLevel.REAL_NAME_AND_STUDENT
    assert "Real-name and student status verified" in client.get(reverse("accounts:dashboard")).content.decode()


def test_s1_3_student_status_needs_proof(profile_client, staff_client):
    _profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post(student_proof_kind="", chsi_code=""))
    _c, moderator = staff_client("moderator")
    with pytest.raises(Exception, match="No proof of student status"):
        services.student_verification_approve(pk=StudentVerification.objects.get().pk, actor=moderator,
                                              level=VerificationLevel.REAL_NAME_AND_STUDENT)


def test_s1_3_rejected_verification_releases_the_id_number(profile_client, staff_client):
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    _c, moderator = staff_client("moderator")
    services.student_verification_reject(pk=StudentVerification.objects.get().pk, actor=moderator,
                                         reason="身份证照片模糊")
    profile.refresh_from_db()
    assert profile.id_number_hash is None and profile.verification_level == VerificationLevel.NONE


# ------------------------------------------------------------------ documents
def test_j3_1_student_can_open_own_document_with_safe_headers(profile_client):
    _profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    verification = StudentVerification.objects.get()
    response = client.get(reverse("accounts:own_document", args=[verification.pk, "id_card_front"]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "inline" in response["Content-Disposition"]
    assert response["Content-Type"] == "image/jpeg"


def test_j3_2_a_student_cannot_see_another_students_documents(profile_client):
    _profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    verification = StudentVerification.objects.get()
    intruder = Client()
    intruder.force_login(UserFactory(kind="student"))
    assert intruder.get(reverse("accounts:own_document", args=[verification.pk, "id_card_front"])).status_code == 404


def test_j3_1_documents_have_no_public_url(profile_client, settings):
    _profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    name = StudentVerification.objects.get().id_card_front.name
    assert Client().get(f"/media/{name}").status_code == 404
    assert Client().get(f"/{name}").status_code == 404


# ------------------------------------------------------------------ staff access
def _submitted(profile_client):
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    profile.refresh_from_db()
    return profile, StudentVerification.objects.get()


def test_j3_2_moderator_reveals_id_number_with_a_reason_and_one_log_row(profile_client, staff_client):
    profile, _v = _submitted(profile_client)
    client, moderator = staff_client("moderator")
    url = reverse("admin:accounts_studentprofile_reveal", args=[profile.pk])
    # when: GET asks for a reason, shows nothing
    page = client.get(url).content.decode()
    assert profile.id_number not in page and not PersonalDataAccess.objects.exists()
    # when: a reason is given
    response = client.post(url, {"reason": "核对实名信息与学生证"})
    # then
    assert profile.id_number in response.content.decode()
    log = PersonalDataAccess.objects.get()
    assert (log.staff, log.subject, log.item, log.reason) == (
        moderator, profile.user, PersonalDataAccess.Item.ID_NUMBER, "核对实名信息与学生证")


def test_j3_2_change_page_shows_the_id_number_masked(profile_client, staff_client):
    profile, _v = _submitted(profile_client)
    client, _m = staff_client("moderator")
    page = client.get(reverse("admin:accounts_studentprofile_change", args=[profile.pk])).content.decode()
    assert profile.id_number not in page and profile.id_number_masked in page


def test_j3_2_moderator_opens_an_id_card_only_after_logging_why(profile_client, staff_client):
    _profile, verification = _submitted(profile_client)
    client, _m = staff_client("moderator")
    url = reverse("admin:accounts_studentverification_document", args=[verification.pk, "id_card_front"])
    assert client.get(url)["Content-Type"].startswith("text/html")
    response = client.post(url, {"reason": "审核身份证照片"})
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    assert PersonalDataAccess.objects.get().item == PersonalDataAccess.Item.ID_DOCUMENT


@pytest.mark.parametrize("role", ["customer_service", "operations", "finance"])
def test_j3_2_other_staff_roles_cannot_reveal_id_numbers(profile_client, staff_client, role):
    profile, verification = _submitted(profile_client)
    client, staff = staff_client(role)
    reveal = reverse("admin:accounts_studentprofile_reveal", args=[profile.pk])
    document = reverse("admin:accounts_studentverification_document", args=[verification.pk, "id_card_front"])
    for url in (reveal, document):
        response = client.post(url, {"reason": "just curious"})
        assert response.status_code in (302, 403, 404)
        assert profile.id_number not in response.content.decode(errors="ignore")
    with pytest.raises(NotPermitted):
        services.student_id_number_reveal(staff=staff, profile_id=profile.pk, reason="just curious")
    assert not PersonalDataAccess.objects.exists()


def test_j3_2_the_access_log_cannot_be_edited_or_deleted_by_anyone(staff_client):
    client, manager = staff_client("manager")
    entry = PersonalDataAccess.objects.create(staff=manager, subject_label="x", item="id_number", reason="r")
    superuser = StaffFactory(is_superuser=True)
    super_client = login_with_mfa(Client(), superuser)
    for c in (client, super_client):
        assert c.get(reverse("admin:accounts_personaldataaccess_changelist")).status_code == 200
        c.post(reverse("admin:accounts_personaldataaccess_delete", args=[entry.pk]), {"post": "yes"})
        c.post(reverse("admin:accounts_personaldataaccess_change", args=[entry.pk]), {"reason": "changed"})
    entry.refresh_from_db()
    assert entry.reason == "r"


# ------------------------------------------------------------------ admin needs MFA
def test_p1_staff_without_mfa_cannot_use_the_admin():
    staff = StaffFactory(role="moderator")
    client = Client()
    client.force_login(staff)  # password only, no second factor
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert client.get(reverse("admin:accounts_studentprofile_changelist")).status_code == 302


def test_p1_staff_without_an_authenticator_is_sent_to_enrol_totp():
    client = Client()
    client.force_login(StaffFactory(role="moderator"))
    response = client.get(reverse("admin:login"))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_p1_non_staff_never_reach_the_admin():
    student = UserFactory(kind="student")
    client = login_with_mfa(Client(), student)
    assert client.get(reverse("admin:index")).status_code == 302


def test_p1_staff_roles_exist_as_groups():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "moderator", "customer_service", "operations", "finance", "auditor", "manager"}


# ------------------------------------------------------------------ PIPL rights
def reauthenticated(client: Client, user) -> Client:
    """As if the user just typed their password again at allauth's reauthenticate page."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def test_pipl_45_user_downloads_all_their_data(profile_client):
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    response = reauthenticated(client, profile.user).get(reverse("accounts:data_export"))
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert data["account"]["email"] == profile.user.email
    assert data["student_profile"]["real_name"] == profile.real_name
    assert data["student_profile"]["id_number"] == id_number_for(BIRTH)
    assert {c["kind"] for c in data["consents"]} >= {"sensitive_data"}


def test_pipl_47_deletion_anonymises_and_removes_documents(profile_client):
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    verification = StudentVerification.objects.get()
    front = verification.id_card_front
    assert front.storage.exists(front.name)
    # when
    response = client.post(reverse("accounts:account_delete"),
                           {"password": "correct-horse-battery", "confirm": "on", "reason": ""})
    # then
    assert response.status_code == 302
    user = profile.user
    user.refresh_from_db()
    profile.refresh_from_db()
    assert not user.is_active and user.email.endswith("@deleted.invalid") and not user.has_usable_password()
    assert profile.real_name != "" and profile.id_number == "" and profile.id_number_hash is None
    assert str(profile.mobile) == ""
    assert not front.storage.exists(front.name)
    assert not Client().login(username=user.email, password="correct-horse-battery")


def test_pipl_47_deletion_needs_the_password(profile_client):
    profile, client = profile_client
    response = client.post(reverse("accounts:account_delete"), {"password": "wrong", "confirm": "on"})
    assert "The password is not correct." in response.content.decode()
    profile.user.refresh_from_db()
    assert profile.user.is_active


def test_j3_2_pipl_45_the_export_needs_a_fresh_password_and_is_logged(profile_client):
    # given: a student with an ID number on file, signed in by session only
    profile, client = profile_client
    client.post(reverse("accounts:verification"), verification_post())
    url = reverse("accounts:data_export")
    # when: they (or whoever holds the session) ask for the export
    response = client.get(url)
    # then: allauth's reauthentication page, no file, nothing logged
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert id_number_for(BIRTH) not in response.content.decode()
    assert not PersonalDataAccess.objects.filter(subject=profile.user).exists()
    # when: the password is typed again on that page
    page = client.post(response["Location"], {"password": "correct-horse-battery"})
    assert page.status_code == 302
    # then: the export comes, and the access log has one row for the data subject's own export
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert json.loads(response.content)["student_profile"]["id_number"] == id_number_for(BIRTH)
    row = PersonalDataAccess.objects.get(subject=profile.user)
    assert (row.staff, row.item) == (profile.user, PersonalDataAccess.Item.DATA_EXPORT)


def test_j3_2_an_old_reauthentication_does_not_open_the_export(profile_client, settings):
    profile, client = profile_client
    reauthenticated(client, profile.user)
    session = client.session
    session["account_authentication_methods"][0]["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
    session.save()
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 302 and not PersonalDataAccess.objects.exists()
