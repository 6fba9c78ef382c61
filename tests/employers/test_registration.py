"""E1.1: employers register with their details and qualification documents."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Consent, User
from core.errors import NotPermitted
from core.models import HistoryEntry, Notification
from core.vetting import VettingStatus
from employers.models import Employer, EmployerMember
from employers.services import AlreadyMember, DuplicateUscc, employer_register, employer_update_and_resubmit
from tests.employers.conftest import client_for
from tests.factories.accounts import UserFactory
from tests.factories.employers import EmployerFactory, EmployerMemberFactory, make_uscc, uscc_for
from tests.support.files import jpeg_bytes, jpeg_upload, pdf_bytes, upload

REGISTER_URL = reverse("employers:organisation")


def _assert_nothing_saved(new_files):
    assert Employer.objects.count() == 0
    assert EmployerMember.objects.count() == 0
    assert new_files() == set()


def test_e1_1_employer_signup_creates_an_employer_account_with_consents(client, db):
    # given
    data = {"email": "Boss@Tea.example", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9",
            "accept_terms": "on"}
    # when
    response = client.post(reverse("employers:signup"), data)
    # then
    assert response.status_code == 302
    user = User.objects.get(email="boss@tea.example")
    assert user.kind == User.Kind.EMPLOYER
    assert set(user.consents.values_list("kind", flat=True)) == {
        Consent.Kind.USER_AGREEMENT, Consent.Kind.PRIVACY_POLICY}


def test_e1_1_employer_signup_page_is_public(client, db):
    response = client.get(reverse("employers:signup"))
    assert response.status_code == 200
    assert b'name="accept_terms"' in response.content


def test_e1_1_registration_happy_path(new_files, employer_client, employer_user, moderator, registration_post):
    # when
    response = employer_client.post(REGISTER_URL, registration_post(uscc=uscc_for(777).lower()))
    # then: submitted for vetting, the user is its owner, the licence is stored privately
    assert response.status_code == 302
    assert response["Location"] == reverse("employers:dashboard")
    employer = Employer.objects.get()
    assert employer.vetting_status == VettingStatus.SUBMITTED
    assert employer.submitted_at is not None
    assert employer.uscc == uscc_for(777)  # normalised to upper case
    assert employer.created_by == employer_user
    assert str(employer.contact_mobile) == "+8613800138000"
    assert not employer.can_post
    membership = EmployerMember.objects.get(user=employer_user)
    assert membership.employer == employer and membership.role == EmployerMember.Role.OWNER
    assert employer.business_licence.name.startswith("employer-documents/")
    assert employer.business_licence.name.endswith(".pdf")
    assert len(new_files()) == 1
    # and: a history row and an in-site note (no e-mail) for moderators
    entry = HistoryEntry.objects.get(transition="submit")
    assert (entry.from_state, entry.to_state, entry.actor) == ("draft", "submitted", employer_user)
    assert Notification.objects.filter(recipient=moderator, link__contains=f"/employer/{employer.pk}/").exists()


def test_e1_1_image_licence_is_reencoded_and_stored(employer_client, registration_post):
    # when
    response = employer_client.post(REGISTER_URL, registration_post(
        business_licence=jpeg_upload(gps=True), org_code_certificate=upload("cert.png", jpeg_bytes())))
    # then
    assert response.status_code == 302
    employer = Employer.objects.get()
    assert employer.business_licence.name.endswith(".jpg")
    assert employer.org_code_certificate.name.endswith(".jpg")
    assert b"PhoneMaker" not in employer.business_licence.read()


@pytest.mark.parametrize("body", ["A1310115000000001", "N2310115000000002", "Y1310115MA1H7G8L0"])
def test_e1_1_codes_from_a_n_y_authorities_are_accepted(employer_client, registration_post, body):
    # given: religious venues (A), rural collectives (N), other authorities (Y)
    code = make_uscc(body)
    # when
    response = employer_client.post(REGISTER_URL, registration_post(uscc=code))
    # then
    assert response.status_code == 302, response.context["form"].errors
    assert Employer.objects.get().uscc == code


def _wrong_check_char(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("uscc", {"uscc": _wrong_check_char(uscc_for(777))}),
        ("uscc", {"uscc": "91310115"}),
        ("uscc", {"uscc": "B1310115000000001"}),  # no such registration authority
        ("contact_mobile", {"contact_mobile": "021 5555 1234"}),  # a Shanghai landline
        ("contact_mobile", {"contact_mobile": "12345"}),
        ("business_licence", {"business_licence": upload("licence.pdf", b"just some text", "application/pdf")}),
        ("business_licence", {"business_licence": upload("licence.pdf", b"%PDF-1.4\n1 0 obj\n", "application/pdf")}),
        ("business_licence", {"business_licence": upload(
            "licence.pdf", pdf_bytes().replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</JS(x)>>"))}),
        ("business_licence", {"business_licence": upload("licence.jpg", b"\xff\xd8\xff\xe0" + b"junk" * 50,
                                                         "image/jpeg")}),
        ("business_licence", {"business_licence": upload("licence.exe", b"MZ\x90\x00" + b"\x00" * 64)}),
        ("business_licence", {"business_licence": None}),
        ("org_code_certificate", {"org_code_certificate": upload("cert.png", b"GIF89a not a png", "image/png")}),
        ("name", {"name": " "}),
        ("business_scope", {"business_scope": ""}),
    ],
)
def test_e1_1_bad_input_gives_a_field_error_and_saves_nothing(new_files, employer_client, registration_post, field, overrides):
    # when
    response = employer_client.post(REGISTER_URL, registration_post(**overrides))
    # then
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    _assert_nothing_saved(new_files)


def test_e1_1_oversized_upload_is_refused(new_files, employer_client, registration_post, settings):
    # given
    settings.UPLOAD_MAX_BYTES = 1024
    big_pdf = pdf_bytes().replace(b"trailer", b"%" + b"x" * 2000 + b"\ntrailer")
    # when
    response = employer_client.post(REGISTER_URL, registration_post(business_licence=upload("l.pdf", big_pdf)))
    # then
    assert "too large" in response.context["form"].errors["business_licence"][0]
    _assert_nothing_saved(new_files)


def test_e1_1_oversized_image_in_pixels_is_refused(new_files, employer_client, registration_post, settings):
    # given
    settings.UPLOAD_MAX_PIXELS = 100
    # when
    response = employer_client.post(REGISTER_URL, registration_post(business_licence=jpeg_upload()))
    # then
    assert response.context["form"].errors["business_licence"]
    _assert_nothing_saved(new_files)


def test_e1_1_duplicate_credit_code_is_a_field_error(new_files, employer_client, registration_post):
    # given
    existing = EmployerFactory(uscc=uscc_for(777))
    files_before = new_files()
    # when
    response = employer_client.post(REGISTER_URL, registration_post(uscc=uscc_for(777)))
    # then
    assert "already registered" in response.context["form"].errors["uscc"][0]
    assert list(Employer.objects.all()) == [existing]
    assert new_files() == files_before


def test_e1_1_service_refuses_duplicate_credit_code_even_without_the_form(new_files, employer_user):
    # given: a code taken after the form checked it (e.g. by a concurrent registration)
    EmployerFactory(uscc=uscc_for(5))
    files_before = new_files()
    data = {"name": "某公司", "uscc": uscc_for(5), "address": "a", "city": "b", "district": "", "business_scope": "c",
            "contact_name": "王五", "contact_mobile": "+8613800138000",
            "business_licence": ContentFile(pdf_bytes(), name="employer-documents/x.pdf")}
    # when / then
    with pytest.raises(DuplicateUscc) as error:
        employer_register(user=employer_user, data=data)
    assert error.value.field == "uscc"
    assert Employer.objects.count() == 1
    assert new_files() == files_before


def test_e1_1_student_cannot_register_an_employer(student_client, registration_post):
    # when
    response = student_client.post(REGISTER_URL, registration_post())
    # then
    assert response.status_code == 403
    assert Employer.objects.count() == 0


def test_e1_1_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(REGISTER_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_e1_1_a_user_registers_at_most_one_employer(employer):
    # given
    owner = employer.created_by
    # when / then
    with pytest.raises(AlreadyMember):
        employer_register(user=owner, data={"uscc": uscc_for(99)})
    assert Employer.objects.count() == 1


def test_e1_1_service_refuses_non_employer_accounts(db):
    with pytest.raises(NotPermitted):
        employer_register(user=UserFactory(kind="student"), data={})


def test_e1_1_submitted_registration_is_shown_read_only(owner_client, employer):
    # when
    response = owner_client.get(REGISTER_URL)
    post = owner_client.post(REGISTER_URL, {"name": "changed"})
    # then
    assert response.status_code == 200
    assert "form" not in response.context
    assert employer.uscc.encode() in response.content
    assert post.status_code == 403
    employer.refresh_from_db()
    assert employer.name != "changed"


def test_e1_2_owner_corrects_a_rejected_registration_and_resubmits(
    registration_post, moderator, django_capture_on_commit_callbacks
):
    # given
    employer = EmployerFactory(rejected=True)
    old_licence = employer.business_licence
    client = client_for(employer.created_by)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, registration_post(uscc=employer.uscc, name="改正后的名称"))
    # then
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.SUBMITTED
    assert employer.name == "改正后的名称"
    assert employer.business_licence.name != old_licence.name
    assert employer.business_licence.storage.exists(employer.business_licence.name)
    assert not old_licence.storage.exists(old_licence.name)  # the replaced document is gone
    assert HistoryEntry.objects.filter(transition="submit", from_state="rejected", to_state="submitted").exists()


def test_e1_2_resubmission_may_keep_the_licence_on_file(db, registration_post):
    # given
    employer = EmployerFactory(rejected=True)
    licence = employer.business_licence.name
    # when
    response = client_for(employer.created_by).post(
        REGISTER_URL, registration_post(uscc=employer.uscc, business_licence=None))
    # then
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.business_licence.name == licence
    assert employer.vetting_status == VettingStatus.SUBMITTED


def test_e1_2_only_the_owner_may_resubmit(db):
    # given
    employer = EmployerFactory(rejected=True)
    member = EmployerMemberFactory(employer=employer).user
    # when / then
    with pytest.raises(NotPermitted):
        employer_update_and_resubmit(employer_id=employer.pk, user=member, data={"name": "x"})
    assert client_for(member).post(REGISTER_URL, {"name": "x"}).status_code == 403


def test_e1_2_resubmission_cannot_take_another_employers_credit_code(db, registration_post):
    # given
    other = EmployerFactory()
    employer = EmployerFactory(rejected=True)
    # when
    response = client_for(employer.created_by).post(REGISTER_URL, registration_post(uscc=other.uscc))
    # then
    assert response.context["form"].errors["uscc"]
    employer.refresh_from_db()
    assert employer.vetting_status == VettingStatus.REJECTED


def test_e1_1_registration_form_uploads_files_and_uses_no_layout_tables(employer_client):
    response = employer_client.get(REGISTER_URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"<table" not in response.content
