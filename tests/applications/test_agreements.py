"""The service agreement of every engagement (劳务协议, issue 19; docs/agreements.md).

E3.1: accepting an offer makes the engagement, and with it the platform's written
terms — both parties by their verified names, the work, place, each shift with its
pay, settlement and payment dates, withholding, insurance, cancellation, disputes
and the platform's role — as a PDF with an embedded CJK font, stored privately with
its SHA-256. 电子签名法 art. 13/14: each side's acceptance is recorded with who,
when, from where and the hash of what they accepted. J1.3: a change of time or place
every party consented to makes a new version and keeps the old one."""

import datetime as dt
import hashlib
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Agreement, AgreementAcceptance, AgreementParty
from applications.services import (
    agreement_accept,
    application_apply,
    application_hire,
    offer_accept,
    schedule_change_answer,
    schedule_change_propose,
)
from core.errors import InvalidTransition, NotPermitted
from employers.models import EmployerVerification
from jobs.models import JobInsurance
from tests.factories.applications import approved_student
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 9, 25, 10, 0, tzinfo=SHANGHAI)  # Thursday before National Day 2025
SATURDAY, MONDAY = dt.date(2025, 9, 27), dt.date(2025, 9, 29)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def owner(job):
    return job.employer.members.first().user


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def hired(clock):
    """A verified employer's hourly job (¥30/h, meal ¥10 a shift) with two shifts; a
    student with a verified real name accepts the offer from 203.0.113.7."""
    job = JobFactory(published=True, shifts=[(SATURDAY, "09:00", "12:00"), (MONDAY, "18:00", "21:30")],
                     base_rate_fen=3000, meal_allowance_fen=1000, payment_days=3, title="图书馆整理",
                     employer__name="上海书香文化有限公司", employer__verification_level=1)
    EmployerVerification.objects.create(employer=job.employer, legal_rep_name="李建国", legal_rep_id_hash="x",
                                        status=EmployerVerification.Status.APPROVED)
    student = approved_student(real_name="王小明", verification_level=1)
    application = application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner(job))
    engagement = offer_accept(application_id=application.pk, student=student, ip="203.0.113.7")
    return job, engagement


# ------------------------------------------------------------------ generated on accepting the offer
def test_e3_1_accepting_the_offer_issues_version_1_as_a_pdf_with_its_sha256(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    data = agreement.file.read()
    assert agreement.version == 1 and agreement.reason == Agreement.Reason.HIRED
    assert data.startswith(b"%PDF-")
    assert agreement.sha256 == hashlib.sha256(data).hexdigest()
    assert agreement.file.name.startswith("agreements/")


def test_e3_1_the_agreement_names_both_verified_parties_the_work_place_and_each_shift(hired):
    job, engagement = hired
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read())
    for expected in ("劳务协议", "上海书香文化有限公司", job.employer.uscc, "李建国", "王小明", "已通过平台实名认证",
                     "图书馆整理", job.address, "2025-09-27", "09:00–12:00", "2025-09-29", "18:00–21:30"):
        assert expected in text, expected


def test_e3_1_the_agreement_itemises_pay_per_shift_with_the_platform_arithmetic(hired):
    # ¥30/h: 180 min → ¥90.00 + meal ¥10.00 = ¥100.00; 210 min → ¥105.00 + ¥10.00 = ¥115.00; total ¥215.00
    job, engagement = hired
    assert job.scheduled_pay_fen(180) == 9000 and job.scheduled_pay_fen(210) == 10500
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read())
    for expected in ("¥90.00", "¥100.00", "¥105.00", "¥115.00", "¥215.00", "¥30.00"):
        assert expected in text, expected


def test_e5_1_s4_2_the_agreement_states_the_payment_dates_from_the_deadline_helpers(hired):
    # Last shift ends Mon 29 Sep 21:30; hours final 48 h later (Wed 1 Oct 21:30); the employer pays within
    # 3 days (Sat 4 Oct 21:30); the platform pays within P1 = 3 working days: National Day runs 1–8 Oct,
    # so 9, 10 and 11 Oct (a 调休 working Saturday).
    job, engagement = hired
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read())
    assert "2025-10-01 21:30" in text and "2025-10-04 21:30" in text and "2025-10-11 21:30" in text


def test_issue_19_the_agreement_states_withholding_insurance_cancellation_disputes_and_the_platform(hired):
    job, engagement = hired
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read()).replace("\n", "")
    assert "国家税务总局公告2025年第16号" in text and "累计预扣法" in text
    assert "未在平台申报本岗位的工伤保险或意外伤害保险" in text
    assert "24 小时" in text and "50%" in text  # cancellation notice and the employer's compensation
    assert "人民法院" in text and "不是本协议的一方" in text


def _hire_for(job, **student):
    student = approved_student(**student)
    application = application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner(job))
    return offer_accept(application_id=application.pk, student=student, ip="203.0.113.8")


def test_issue_19_the_agreement_states_the_jobs_insurance_insurer_policy_period_and_kind(clock):
    # docs/insurance.md: a sorting job must be insured; the agreement repeats the declared cover.
    job = JobFactory(published=True, category="logistics", title="快递分拣", shifts=[(SATURDAY, "09:00", "12:00")])
    JobInsurance.objects.create(job=job, kind="accident", insurer="中国平安财产保险股份有限公司",
                                policy_number="PA-2025-0042", covers_from=dt.date(2025, 9, 1),
                                covers_until=dt.date(2026, 8, 31))
    engagement = _hire_for(job, real_name="赵一")
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read()).replace("\n", "")
    for expected in ("意外伤害保险", "由中国平安财产保险股份有限公司承保", "PA-2025-0042", "2025-09-01 至 2026-08-31",
                     "平台暂停本岗位的新录用"):
        assert expected in text, expected
    assert "未在平台申报" not in text


def test_issue_19_the_agreement_states_the_jobs_insurance_is_not_declared_when_none_is(hired):
    job, engagement = hired
    text = pdf_text(Agreement.objects.get(engagement=engagement).file.read()).replace("\n", "")
    assert "甲方未在平台申报本岗位的工伤保险或意外伤害保险" in text and "承保" not in text


def test_issue_19_the_pdf_embeds_only_the_noto_cjk_sc_font(hired):
    job, engagement = hired
    reader = PdfReader(io.BytesIO(Agreement.objects.get(engagement=engagement).file.read()))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and set(fonts) <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}, fonts
    assert all(fonts.values()), "every font is embedded"


def test_issue_19_the_same_terms_and_time_render_the_same_bytes(hired):
    from applications.agreement import agreement_pdf, agreement_terms
    from applications.services.agreements import _engagement_shifts

    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    terms = agreement_terms(engagement=engagement, version=1, issued_at=agreement.created_at,
                            shifts=_engagement_shifts(engagement))
    assert hashlib.sha256(agreement_pdf(terms, issued_at=agreement.created_at)).hexdigest() == agreement.sha256


# ------------------------------------------------------------------ acceptances (电子签名法 art. 13, 14)
def test_e3_1_the_student_accepts_with_the_offer_from_their_address_and_the_documents_hash(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    acceptance = AgreementAcceptance.objects.get(agreement=agreement)
    assert (acceptance.party, acceptance.user, acceptance.ip, acceptance.sha256) == (
        AgreementParty.STUDENT, engagement.student, "203.0.113.7", agreement.sha256)
    assert acceptance.accepted_at == NOW


def test_issue_19_the_employer_accepts_once_and_a_stranger_cannot(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    with pytest.raises(NotPermitted):
        agreement_accept(agreement_id=agreement.pk, user=approved_student(), ip="198.51.100.1")
    acceptance = agreement_accept(agreement_id=agreement.pk, user=owner(job), ip="198.51.100.2")
    assert (acceptance.party, acceptance.sha256) == (AgreementParty.EMPLOYER, agreement.sha256)
    with pytest.raises(InvalidTransition):
        agreement_accept(agreement_id=agreement.pk, user=owner(job), ip="198.51.100.2")


def test_issue_19_a_tampered_file_cannot_be_accepted(hired):
    from applications.services import AgreementChanged

    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    with open(agreement.file.path, "ab") as handle:
        handle.write(b"%tampered")
    with pytest.raises(AgreementChanged):
        agreement_accept(agreement_id=agreement.pk, user=owner(job), ip=None)
    assert not AgreementAcceptance.objects.filter(party=AgreementParty.EMPLOYER).exists()


def test_issue_19_an_issued_version_and_an_acceptance_are_never_edited(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    with pytest.raises(ValueError):
        agreement.save()
    with pytest.raises(ValueError):
        agreement.delete()
    with pytest.raises(ValueError):
        AgreementAcceptance.objects.get().save()
    with pytest.raises(ValueError):
        Agreement.objects.filter(pk=agreement.pk).update(sha256="0" * 64)
    with pytest.raises(ValueError):
        AgreementAcceptance.objects.all().delete()


# ------------------------------------------------------------------ a consented change makes a new version (J1.3)
def test_j1_3_a_consented_change_of_time_makes_version_2_and_keeps_version_1(hired, clock):
    job, engagement = hired
    v1 = Agreement.objects.get(engagement=engagement)
    v1_bytes = v1.file.read()
    shift = job.shifts.get(date=SATURDAY)
    change = schedule_change_propose(job_id=job.pk, actor=owner(job), reason="场地调整", shift_id=shift.pk,
                                     new_date=SATURDAY, new_start=dt.time(13, 0), new_end=dt.time(17, 0))
    schedule_change_answer(change_id=change.pk, student=engagement.student, accept=True)
    versions = list(Agreement.objects.filter(engagement=engagement).order_by("version"))
    assert [a.version for a in versions] == [1, 2]
    v1_again, v2 = versions
    assert v1_again.sha256 == v1.sha256 and v1_again.file.read() == v1_bytes
    assert v2.reason == Agreement.Reason.SCHEDULE_CHANGE and v2.schedule_change == change
    assert v2.sha256 != v1.sha256
    assert "13:00–17:00" in pdf_text(v2.file.read()) and "13:00–17:00" not in pdf_text(v1_bytes)
    # version 1 can no longer be accepted; version 2 waits for both sides
    with pytest.raises(InvalidTransition):
        agreement_accept(agreement_id=v1.pk, user=owner(job), ip=None)
    assert not v2.acceptances.exists()
    agreement_accept(agreement_id=v2.pk, user=engagement.student, ip="203.0.113.7")
    agreement_accept(agreement_id=v2.pk, user=owner(job), ip="198.51.100.2")
    assert set(v2.acceptances.values_list("party", flat=True)) == {"student", "employer"}


def test_j1_3_a_change_not_yet_consented_makes_no_new_version(hired, clock):
    job, engagement = hired
    schedule_change_propose(job_id=job.pk, actor=owner(job), reason="搬到新馆", new_address="徐汇区新馆 1 号")
    assert Agreement.objects.filter(engagement=engagement).count() == 1


# ------------------------------------------------------------------ both sides download it; nobody else can
def _client(user, **extra) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client


def _download(client, name, agreement) -> bytes:
    response = client.get(reverse(f"applications:{name}", args=[agreement.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    return b"".join(response.streaming_content)


def test_issue_19_both_sides_download_the_same_bytes_whose_hash_was_recorded(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    student_copy = _download(_client(engagement.student), "student_agreement", agreement)
    employer_copy = _download(_client(owner(job)), "employer_agreement", agreement)
    assert student_copy == employer_copy
    assert hashlib.sha256(student_copy).hexdigest() == agreement.sha256 == (
        AgreementAcceptance.objects.get(agreement=agreement).sha256)


def test_issue_19_strangers_cannot_download_or_accept(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    other_employer = JobFactory(published=True).employer.members.first().user
    for user, names in ((approved_student(), ("student_agreement", "student_agreement_accept")),
                        (other_employer, ("employer_agreement", "employer_agreement_accept")),
                        (engagement.student, ("employer_agreement", "employer_agreement_accept")),
                        (owner(job), ("student_agreement", "student_agreement_accept"))):
        client = _client(user)
        for name in names:
            url = reverse(f"applications:{name}", args=[agreement.pk])
            assert client.get(url).status_code in (403, 404), (user, name)
            assert client.post(url).status_code in (403, 404), (user, name)
    assert AgreementAcceptance.objects.count() == 1


def test_issue_19_the_employer_accepts_on_the_engagement_page_from_its_address(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    client = _client(owner(job), REMOTE_ADDR="198.51.100.9")
    page = client.get(reverse("applications:employer_engagement", args=[engagement.pk]))
    assert agreement.sha256 in page.content.decode()
    assert reverse("applications:employer_agreement_accept", args=[agreement.pk]) in page.content.decode()
    response = client.post(reverse("applications:employer_agreement_accept", args=[agreement.pk]))
    assert response.status_code == 302
    acceptance = AgreementAcceptance.objects.get(party=AgreementParty.EMPLOYER)
    assert (acceptance.user, acceptance.ip, acceptance.sha256) == (owner(job), "198.51.100.9", agreement.sha256)
    page = client.get(reverse("applications:employer_engagement", args=[engagement.pk])).content.decode()
    assert reverse("applications:employer_agreement_accept", args=[agreement.pk]) not in page


def test_issue_19_the_student_sees_the_agreement_accepted_on_their_engagement_page(hired):
    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    page = _client(engagement.student).get(reverse("applications:student_engagement", args=[engagement.pk]))
    html = page.content.decode()
    assert agreement.sha256 in html
    assert reverse("applications:student_agreement", args=[agreement.pk]) in html
    assert reverse("applications:student_agreement_accept", args=[agreement.pk]) not in html  # accepted with the offer


def test_e3_1_accepting_the_offer_on_the_site_records_the_students_address(clock):
    job = JobFactory(published=True, shifts=[(SATURDAY, "09:00", "12:00")])
    student = approved_student()
    application = application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                    commits_to_work=True)
    application_hire(application_id=application.pk, actor=owner(job))
    response = _client(student, REMOTE_ADDR="203.0.113.44").post(
        reverse("applications:offer_accept", args=[application.pk]), {"confirmed": "1"})
    assert response.status_code == 302
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.party, acceptance.user, acceptance.ip) == (AgreementParty.STUDENT, student, "203.0.113.44")


# ------------------------------------------------------------------ staff read it on the cases (S3.2, S3.3, S4.3)
def test_s3_3_s3_2_e4_staff_open_the_agreement_from_a_report_a_loss_claim_and_hours_and_others_cannot(hired):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.services import demand_report_file, loss_claim_file
    from tests.conftest import login_with_mfa
    from tests.factories.accounts import StaffFactory
    from tests.support.files import jpeg_bytes

    job, engagement = hired
    agreement = Agreement.objects.get(engagement=engagement)
    report = demand_report_file(engagement_id=engagement.pk, student=engagement.student, kind="money_demanded",
                                description="要求交押金", evidence=None)
    claim = loss_claim_file(engagement_id=engagement.pk, actor=owner(job), amount_fen=5000, description="打碎花瓶",
                            evidence=SimpleUploadedFile("e.jpg", jpeg_bytes(), content_type="image/jpeg"))
    download = reverse("admin:applications_agreement_download", args=[agreement.pk])
    moderator = login_with_mfa(Client(), StaffFactory(role="moderator"))
    for page in (reverse("admin:applications_demandreport_change", args=[report.pk]),
                 reverse("admin:applications_lossclaim_change", args=[claim.pk]),
                 reverse("admin:applications_engagement_change", args=[engagement.pk]),
                 reverse("admin:applications_attendance_change", args=[engagement.attendances.first().pk])):
        assert reverse("admin:applications_agreement_change", args=[agreement.pk]) in moderator.get(page).content.decode()
    assert download in moderator.get(reverse("admin:applications_agreement_change", args=[agreement.pk])).content.decode()
    response = moderator.get(download)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == agreement.sha256
    operations = login_with_mfa(Client(), StaffFactory(role="operations"))
    assert operations.get(download).status_code == 403
