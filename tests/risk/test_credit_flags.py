"""Third-party credit flags imported from a CSV (K3.3): matched by the employer's
credit code or the student's ID number (through its keyed hash), all rows or
none, idempotent by the provider's reference, UTF-8, UTF-8-BOM and GB18030."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import CUSTOMER_SERVICE, MODERATOR
from core.crypto import keyed_hash
from core.errors import NotPermitted
from core.models import CreditEvent
from risk.credit_flags import FlagFileInvalid, external_flags_import
from risk.models import CreditScore, ExternalFlagImport
from tests.factories.accounts import StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory, make_resident_id

pytestmark = pytest.mark.django_db

HEADER = "subject,identifier,points,reason,reference,occurred_on\n"
ID_NUMBER = make_resident_id(birth="20040307", sequence=451)


@pytest.fixture
def people():
    student = StudentProfileFactory(approved=True, id_number=ID_NUMBER, id_number_hash=keyed_hash(ID_NUMBER))
    employer = EmployerFactory(approved=True)
    return student, employer


@pytest.fixture
def moderator():
    return StaffFactory(role=MODERATOR)


def upload(text: str, *, encoding="utf-8", name="flags.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def good_file(student, employer) -> str:
    return (HEADER
            + f"student,{ID_NUMBER},-12,逾期未还助学贷款,BH-0001,2026-10-01\n"
            + f"employer,{employer.uscc},-20,欠缴社保被行政处罚,BH-0002,2026-09-15\n"
            + f"employer,{employer.uscc.lower()},5,纳税信用A级,BH-0003,2026-08-01\n")


def test_k3_3_a_good_file_records_one_event_per_row_and_rescores(people, moderator,
                                                                 django_capture_on_commit_callbacks):
    student, employer = people
    # when
    with django_capture_on_commit_callbacks(execute=True):
        done = external_flags_import(uploaded_file=upload(good_file(student, employer)), provider="baihang",
                                     actor=moderator)
    # then
    assert (done.rows_recorded, done.rows_already_known, done.imported_by) == (3, 0, moderator)
    flag = CreditEvent.objects.get(key="external:baihang:BH-0001")
    assert (flag.subject_kind, flag.subject_id, flag.kind, flag.value) == ("student", student.user_id,
                                                                          "external_flag", -12)
    assert "逾期未还助学贷款" in flag.reason and flag.occurred_at.date().isoformat() == "2026-10-01"
    assert CreditScore.objects.get(subject_kind="student", subject_id=student.user_id).parts["external"] < 0
    assert CreditEvent.objects.filter(subject_kind="employer", subject_id=employer.pk).count() == 2


def test_k3_3_the_same_file_twice_adds_nothing(people, moderator):
    student, employer = people
    external_flags_import(uploaded_file=upload(good_file(student, employer)), provider="baihang", actor=moderator)
    # when
    again = external_flags_import(uploaded_file=upload(good_file(student, employer)), provider="baihang",
                                  actor=moderator)
    # then
    assert (again.rows_recorded, again.rows_already_known) == (0, 3)
    assert CreditEvent.objects.filter(kind="external_flag").count() == 3


def test_k3_3_one_bad_row_rejects_the_whole_file_with_row_numbers(people, moderator):
    student, employer = people
    text = (good_file(student, employer)
            + "teacher,123,5,x,BH-9,2026-01-01\n"
            + f"employer,{employer.uscc},-31,x,BH-10,2026-01-01\n"
            + f"student,{make_resident_id(sequence=999)},-5,x,BH-11,2026-01-01\n"
            + f"employer,{employer.uscc},-5,,BH-0001,2099-01-01\n")
    # when
    with pytest.raises(FlagFileInvalid) as raised:
        external_flags_import(uploaded_file=upload(text), provider="baihang", actor=moderator)
    # then: every problem named by its row, nothing saved
    errors = raised.value.errors
    assert any(e.startswith("Row 5:") and "subject" in e for e in errors)
    assert any(e.startswith("Row 6:") and "points" in e for e in errors)
    assert any(e.startswith("Row 7:") and "no student" in e for e in errors)
    assert any(e.startswith("Row 8:") and "reason" in e and "repeated from row 2" in e and "future" in e
               for e in errors)
    assert not CreditEvent.objects.exists() and not ExternalFlagImport.objects.exists()


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_k3_3_gb18030_and_utf8_bom_files_are_read(people, moderator, encoding):
    student, employer = people
    done = external_flags_import(uploaded_file=upload(good_file(student, employer), encoding=encoding),
                                 provider="pbccrc", actor=moderator)
    assert done.rows_recorded == 3
    assert CreditEvent.objects.get(key="external:pbccrc:BH-0002").reason.endswith("欠缴社保被行政处罚")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV text file"),
    (b"subject\xff\xff", "neither UTF-8 nor GB18030"),
    (b"name,amount\nx,1\n", "missing: subject"),
    (HEADER.encode(), "no rows under the header"),
])
def test_k3_3_files_that_are_not_flag_files_are_refused(moderator, content, message):
    with pytest.raises(FlagFileInvalid, match=message):
        external_flags_import(uploaded_file=SimpleUploadedFile("f.csv", content), provider="x", actor=moderator)


def test_k3_3_only_staff_with_the_permission_import(people):
    student, employer = people
    with pytest.raises(NotPermitted):
        external_flags_import(uploaded_file=upload(good_file(student, employer)), provider="baihang",
                              actor=StaffFactory(role=CUSTOMER_SERVICE))


def test_k3_3_the_admin_upload_form(people, admin_client_for):
    student, employer = people
    client = admin_client_for(MODERATOR)
    url = reverse("admin:risk_externalflagimport_add")
    # a bad file: the form shows the row's problem, nothing imported
    response = client.post(url, {"provider": "baihang", "file": upload(HEADER + "x,1,1,r,R1,2026-01-01\n")})
    assert response.status_code == 200 and "Row 2:" in response.content.decode()
    # a good one: imported, back to the list with a message
    response = client.post(url, {"provider": "baihang", "file": upload(good_file(student, employer))}, follow=True)
    assert "3 flags recorded, 0 already recorded" in response.content.decode()
    # an unusable provider name is a form error, not a 500
    response = client.post(url, {"provider": "百行 征信", "file": upload(good_file(student, employer))})
    assert response.status_code == 200 and "lower-case letters" in response.content.decode()
    # customer service may not import
    assert admin_client_for(CUSTOMER_SERVICE).get(url).status_code == 403


def test_k3_3_the_documented_sample_imports(moderator):
    # given: the people the sample file names
    from pathlib import Path

    from django.conf import settings

    number = "110105200403074514"
    StudentProfileFactory(approved=True, id_number=number, id_number_hash=keyed_hash(number))
    EmployerFactory(approved=True, uscc="91310115MA1K4AB120")
    sample = (Path(settings.BASE_DIR) / "docs" / "samples" / "credit-flags-sample.csv").read_bytes()
    # when
    done = external_flags_import(uploaded_file=SimpleUploadedFile("sample.csv", sample), provider="baihang",
                                 actor=moderator)
    # then
    assert done.rows_recorded == 3


def test_k3_1_staff_read_credit_scores_in_the_admin(admin_client_for):
    # given
    profile = StudentProfileFactory(approved=True)
    from risk.scoring import credit_score_refresh

    score = credit_score_refresh(subject_kind="student", subject_id=profile.user_id)
    client = admin_client_for(MODERATOR)
    changelist = reverse("admin:risk_creditscore_changelist")
    # then: searchable by subject id, filterable by tier, read-only
    assert str(profile.user_id) in client.get(changelist, {"q": profile.user_id}).content.decode()
    assert client.get(changelist, {"q": "not a number"}).status_code == 200
    assert client.get(changelist, {"tier__exact": 2}).status_code == 200
    detail = client.get(reverse("admin:risk_creditscore_change", args=[score.pk])).content.decode()
    assert "reliability" in detail
    assert client.post(reverse("admin:risk_creditscore_change", args=[score.pk]), {"score": 99}).status_code == 403
