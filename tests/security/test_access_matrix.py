"""The access-control matrix (issue 3): every route is declared public or
protected, and every protected route that takes an object id refuses every
principal other than those entitled to it, with GET and POST, changing nothing.

Principals: anonymous, two students, two employers (owners), and one staff
member per role (signed in with MFA). Entitlement on admin routes follows the
Django permissions of the role; on site routes, ownership.

Every staff route (the admin's and routes.STAFF) is also probed by staff who
passed only the password stage and by staff with no authenticator (J3)."""

import hashlib
import itertools
import time
from dataclasses import dataclass, field

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Consent, GuardianNotice, MinorsDataAudit, PersonalDataAccess, StudentVerification
from accounts.roles import STAFF_ROLES
from core.history import history_record
from core.models import CalendarOverride, CalendarYearConfirmation, Notification
from core.policy import get_policy
from tests.conftest import login_with_mfa
from tests.factories.accounts import GuardianConsentFactory, StaffFactory, StudentProfileFactory
from tests.factories.employers import EmployerFactory, EmployerInvitationFactory, EmployerVerificationFactory
from tests.security import routes as registry
from tests.support.files import jpeg_bytes

from . import probe_stats


# ---------------------------------------------------------------- the URLconf
@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...] = field(default=())
    callback: object = field(default=None, compare=False, repr=False)


def _params(pattern) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*getattr(pattern, "converters", {}), *pattern.regex.groupindex]))


def iter_routes(patterns=None, prefix="", namespace=None, params=()):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace and (f"{namespace}:{entry.namespace}" if namespace else entry.namespace)
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern), ns or namespace,
                                   params + _params(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(name=name, pattern=prefix + str(entry.pattern), params=params + _params(entry.pattern),
                        callback=entry.callback)


ALL_ROUTES = list(iter_routes())


def is_admin(route: Route) -> bool:
    """Named admin routes, and the admin's unnamed redirects (object URL → change page, catch-all)."""
    return route.name.startswith(registry.ADMIN_PREFIX) or (not route.name and route.pattern.startswith("admin/"))


OBJECT_ROUTES = [r for r in ALL_ROUTES
                 if r.params and (r.name.startswith(registry.ADMIN_PREFIX) or r.name in registry.PROTECTED)
                 and r.name not in registry.SIGNED_IN_ANY]


def test_every_route_is_declared_public_or_protected():
    declared = registry.PUBLIC | registry.CAPABILITY | registry.PROTECTED
    undeclared = [f"{r.name or '<unnamed>'} ({r.pattern})" for r in ALL_ROUTES
                  if not (r.name in declared or is_admin(r))]
    assert not undeclared, "Declare these routes in tests/security/routes.py:\n" + "\n".join(undeclared)


def test_the_registry_names_no_route_that_does_not_exist():
    names = {r.name for r in ALL_ROUTES}
    stale = (registry.PUBLIC | registry.CAPABILITY | registry.PROTECTED) - names
    assert not stale, f"Remove stale names from tests/security/routes.py: {sorted(stale)}"
    assert not (registry.PUBLIC & registry.PROTECTED) and not (registry.CAPABILITY & registry.PROTECTED)


# ---------------------------------------------------------------- the world
PRINCIPALS = ["anonymous", "student_a", "student_b", "employer_a", "employer_b", *STAFF_ROLES]


@dataclass
class World:
    users: dict
    objects: dict  # model class → the instance probed for its admin routes
    files: dict    # route name → kwargs for site object routes (owner, kwargs)

    def client_for(self, principal: str) -> Client:
        client = Client()
        user = self.users.get(principal)
        if user is None:
            return client
        if user.is_staff:
            return login_with_mfa(client, user)
        client.force_login(user)
        return client


def _verification_with_documents(profile) -> StudentVerification:
    verification = StudentVerification(profile=profile, student_proof_kind="student_card")
    verification.id_card_front.save("f.jpg", ContentFile(jpeg_bytes()), save=False)
    verification.id_card_back.save("b.jpg", ContentFile(jpeg_bytes()), save=False)
    verification.student_card.save("s.jpg", ContentFile(jpeg_bytes()), save=False)
    verification.save()
    return verification


def build_world() -> World:
    profile_a = StudentProfileFactory(approved=True, id_number="110101199003070027")
    profile_b = StudentProfileFactory(approved=True)
    verification_a = _verification_with_documents(profile_a)
    _verification_with_documents(profile_b)
    employer_a, employer_b = EmployerFactory(approved=True), EmployerFactory(approved=True)
    employer_verification = EmployerVerificationFactory(employer=employer_a)
    invitation = EmployerInvitationFactory(employer=employer_a)
    staff = {role: StaffFactory(role=role) for role in STAFF_ROLES}
    Authenticator.objects.create(user=staff["moderator"], type=Authenticator.Type.TOTP, data={"secret": "x"})
    history_record(subject=profile_a, transition="approve", from_state="submitted", to_state="approved")
    Notification.objects.create(recipient=profile_a.user, subject="s", body="b")
    Consent.objects.create(user=profile_a.user, kind="privacy_policy", version="1")
    # issue 19: a minor's guardian's consent and a notice to the guardian (docs/minors.md)
    guardian_consent = GuardianConsentFactory()
    GuardianNotice.objects.create(consent=guardian_consent, student=guardian_consent.student,
                                  guardian_mobile=guardian_consent.guardian_mobile, text="t", source="engagement:1")
    MinorsDataAudit.objects.create(year=2025, figures={"minors": {}})
    PersonalDataAccess.objects.create(staff=staff["moderator"], subject=profile_a.user, subject_label="a",
                                      item="id_number", reason="r")
    CalendarOverride.objects.create(date="2026-12-01", is_working_day=False)
    CalendarYearConfirmation.objects.create(year=2027, notice="2027 notice", confirmed_by=staff["operations"])
    get_policy()
    from core.policy import policy_update

    policy_update(actor=staff["manager"], changes={"payout_working_days": 3, "dispute_working_days": 4})
    from accounts.models import DeletionRequest

    DeletionRequest.objects.create(email_hash="x")
    member_a = employer_a.members.get()
    from tests.factories.jobs import JobFactory

    job_a = JobFactory(employer=employer_a, published=True)
    # Moderation records (issue 4), so their admin object routes are probed.
    from django.contrib.contenttypes.models import ContentType

    from jobs.models import JobFlag, JobRevision, PatrolRun
    from moderation.models import Report, VerificationStep

    JobRevision.objects.create(job=job_a, data={"fields": {}, "shifts": []})
    JobFlag.objects.create(job=job_a, code="gender", severity="flag", field="description", matched_text="女生优先",
                           message="m")
    PatrolRun.objects.create()
    Report.objects.create(job=job_a, reporter=profile_a.user, category="scam")
    VerificationStep.objects.create(content_type=ContentType.objects.get_for_model(job_a), object_id=job_a.pk,
                                    kind="phone_callback", outcome="confirmed", staff=staff["moderator"])
    # Applications, engagements and their cases (issue 5), so the staff queues' object routes are
    # probed: a contested no-show with its ticket, a report with evidence, a contested loss claim.
    import datetime as dt

    import time_machine
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.services import (
        attendance_mark_no_show,
        demand_report_file,
        loss_claim_answer,
        loss_claim_file,
        no_show_contest,
    )
    from tests.factories.applications import EngagementFactory

    engagement = EngagementFactory(application__job=job_a, application__student=profile_a.user)
    attendance = engagement.attendances.get()
    with time_machine.travel(attendance.shift.starts_at + dt.timedelta(minutes=30), tick=False):
        # The no-show records a core.CreditEvent (probed by its admin); the contest opens a support ticket.
        attendance_mark_no_show(attendance_id=attendance.pk, actor=member_a.user)
        no_show_contest(attendance_id=attendance.pk, student=profile_a.user, text="我到了。")
    demand_report_file(engagement_id=engagement.pk, student=profile_a.user, kind="harassment", description="d",
                       evidence=SimpleUploadedFile("e.jpg", jpeg_bytes(), content_type="image/jpeg"))
    claim = loss_claim_file(engagement_id=engagement.pk, actor=member_a.user, amount_fen=100, description="d",
                            evidence=SimpleUploadedFile("l.jpg", jpeg_bytes(), content_type="image/jpeg"))
    loss_claim_answer(claim_id=claim.pk, student=profile_a.user, agree=False, answer="a")
    from django.utils import timezone

    from applications.models import ScheduleChange, ScheduleChangeAnswer
    from applications.services import checkin_token

    change = ScheduleChange.objects.create(job=job_a, new_address="新地址 1 号", reason="r",
                                           respond_by=timezone.now() + dt.timedelta(hours=24))
    ScheduleChangeAnswer.objects.create(change=change, engagement=engagement)
    application, shift = engagement.application, attendance.shift
    # The service agreement (issue 19): version 1 of the engagement's, accepted by the student.
    from applications.models import Agreement
    from applications.services import agreement_accept, agreement_issue

    agreement = agreement_issue(engagement=engagement, reason=Agreement.Reason.HIRED)
    agreement_accept(agreement_id=agreement.pk, user=profile_a.user, ip="203.0.113.1")
    # Settlements (issue 6): student_a's statement of the engagement (a draft: its hours are
    # contested) and a payout method, so the site pages and the admin object routes are probed.
    from settlements.services import payout_method_add, settlement_prepare
    from tests.factories.settlements import card_number

    settlement = settlement_prepare(engagement_id=engagement.pk)
    payout_method = payout_method_add(student=profile_a.user, kind="bank_card", account_number=card_number(),
                                      account_holder=profile_a.real_name, bank_name="中国银行", consents=True)
    # Payouts (issue 6, F3.2): a batch with one queued line, for the admin's object routes
    # (download, confirm, mark failed). Written directly: the world's settlement is still a draft.
    from settlements.models import Payout, PayoutBatch

    payout_batch = PayoutBatch.objects.create()
    Payout.objects.create(settlement=settlement, batch=payout_batch, student=profile_a.user, amount_fen=100,
                          method=payout_method, method_kind=payout_method.kind, account_masked="****",
                          account_number=payout_method.account_number, account_holder=profile_a.real_name,
                          ledger_key="world-payout")
    # Payment disputes (issue 6, S4.3): student_a's dispute of the statement, with evidence, and
    # an adjustment. Written directly: the world's settlement is a draft nobody can dispute yet.
    from settlements.models import PaymentDispute, SettlementAdjustment

    payment_dispute = PaymentDispute(settlement=settlement, student=profile_a.user, employer=employer_a,
                                     kind="amount", description="d", employer_response_due_at=timezone.now())
    payment_dispute.evidence.save("e.jpg", ContentFile(jpeg_bytes()), save=False)
    payment_dispute.save()
    SettlementAdjustment.objects.create(settlement=settlement, dispute=payment_dispute, student=profile_a.user,
                                        employer=employer_a, amount_fen=100)
    # The ledger (issue 6): one posted transaction and an integrity run, for their admin routes.
    from finance.ledger import employer_escrow, platform_account, transaction_post
    from finance.models import AccountKind
    from finance.services import integrity_run

    transaction_post(key="world-funding", kind="escrow_funding", memo="m", lines=[
        (platform_account(AccountKind.BANK_CLEARING), 100), (employer_escrow(employer_a.pk), -100)])
    integrity_run()
    # Income tax (issue 18): a withholding row and a month's remittance, for their admin routes
    # (after the integrity run: the rows stand alone, without the postings the check follows).
    from settlements.models import TaxRemittance, TaxWithholding

    TaxWithholding.objects.create(
        student=profile_a.user, settlement=settlement, year=2026, month=1, gross_fen=100, available_fen=100,
        consecutive_months=1, cumulative_income_fen=100, cumulative_expenses_fen=20,
        cumulative_basic_deduction_fen=500_000, taxable_fen=0, rate_percent=3, quick_deduction_fen=0,
        cumulative_tax_fen=0, withheld_before_fen=0, tax_fen=0, reason="below_deduction")
    TaxRemittance.objects.create(year=2025, month=12, amount_fen=100, ledger_key="world-tax-remit",
                                 recorded_by=profile_a.user)
    # The quarterly tax information report (国务院令第810号 art. 4), for its admin routes (download, submit).
    from settlements.models import TaxInfoReport

    TaxInfoReport.objects.create(year=2025, quarter=4, student_rows=0, employer_rows=0, income_fen=0,
                                 sha256="0" * 64, content="")
    # What an employer withholds when it is the withholding agent (docs/tax.md, method 2), for its admin routes.
    from settlements.models import EmployerWithholding

    EmployerWithholding.objects.create(
        student=profile_a.user, employer=employer_a, job=settlement.engagement.job, settlement=settlement, year=2026,
        month=1, gross_fen=100, income_fen=100, expenses_fen=80_000, flat_expenses=True, taxable_fen=0,
        rate_percent=20, quick_deduction_fen=0, total_tax_fen=0, withheld_before_fen=0, tax_fen=0)
    # Four eyes on who withholds income tax (docs/tax.md): finance's pending request, for its admin routes.
    from core.models import PolicyChangeRequest

    PolicyChangeRequest.objects.create(field="tax_withholding_agent", old_value="platform", new_value="employer",
                                       reason="r", requested_by=staff["finance"])
    # Money in (issue 6, E5.1): a funding reference, an imported statement whose one line
    # waits for manual matching, for the admin's object routes (match / ignore).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from finance.banking import funding_reference_for, statement_import

    funding_reference_for(employer_a.pk)
    statement_import(uploaded_file=SimpleUploadedFile("s.csv", "交易日期,金额,付款人,附言,流水号\n"
                                                      "2026-11-20,1.00,p,r,WORLD-1\n".encode()),
                     actor=staff["finance"])
    # Refunds of unused prefunding (issue 6, E5.1): one request of employer_a, for the admin's
    # object routes (reject / mark failed).
    from finance.models import EscrowRefund

    EscrowRefund.objects.create(employer=employer_a, amount_fen=100, account_holder=employer_a.name,
                                bank_name="招商银行", account_number="6222021234567890", requested_by=member_a.user)
    # Reviews (issue 7, S5.1): employer_a's published review of student_a (student_a may answer it),
    # its window and a report by student_b. Written directly: the world's engagement is still active.
    from reviews.models import Review, ReviewWindow

    ReviewWindow.objects.create(engagement=engagement, student=profile_a.user, employer=employer_a,
                                opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=7))
    review = Review.objects.create(engagement=engagement, direction="employer_reviews_student",
                                   author=member_a.user, student=profile_a.user, employer=employer_a,
                                   work_performance=4, communication=5, overall=4, comment="c",
                                   submitted_at=timezone.now(), published_at=timezone.now())
    Report.objects.create(review=review, reporter=profile_b.user, category="abuse", details="r")
    # Credit (issue 7, K3.1, K3.3, H1): student_a's score, and an import of third-party flags.
    from risk.models import CreditScore, ExternalFlagImport

    CreditScore.objects.create(subject_kind="student", subject_id=profile_a.user.pk, score=60, tier=2,
                               parts={"base": 60}, computed_at=timezone.now())
    ExternalFlagImport.objects.create(provider="world", file_name="flags.csv", imported_by=staff["moderator"])
    # Sanctions (issue 7, E4.2, H2): a warning to student_a imposed by the moderator, and
    # student_a's appeal against it, for the appeal page and the admin's object routes (decide).
    from risk.sanctions import appeal_file as sanction_appeal_file
    from risk.sanctions import violation_record

    sanction = violation_record(subject_kind="student", subject_id=profile_a.user.pk, category="other",
                                reason="r", actor=staff["moderator"])
    sanction_appeal_file(sanction_id=sanction.pk, user=profile_a.user, text="t")
    # issue 8 support (P2.2): student_a's ticket (the contest above opened it), an FAQ entry and a
    # daily summary, for the site's ticket page and the admin's object routes.
    from support.models import FAQEntry, Ticket
    from support.sweeps import ticket_daily_summary_build

    support_ticket = Ticket.objects.get(user=profile_a.user)
    FAQEntry.objects.create(question_zh="问", answer_zh="答", question_en="Q", answer_en="A")
    ticket_daily_summary_build(day=timezone.localdate())
    # issue 8 staff (P3, P2.3): the manager's appraisal of the moderator with a reward, a customer-service
    # agent's suggestion, and the moderator's decision check of a manager's decision, for the admin's object
    # routes. Written directly: the services are tested in tests/operations and tests/moderation.
    from moderation.decision_checks import DecisionCheck
    from operations.models import RewardOrPenalty, StaffAppraisal, Suggestion

    staff_appraisal = StaffAppraisal.objects.create(
        staff=staff["moderator"], appraiser=staff["manager"], period_start="2026-10-01", period_end="2026-10-31",
        results=4, attitude=4, teamwork=4)
    RewardOrPenalty.objects.create(staff=staff["moderator"], kind="reward", reason="r", appraisal=staff_appraisal,
                                   recorded_by=staff["manager"])
    Suggestion.objects.create(author=staff["customer_service"], title="t", body="b")
    DecisionCheck.objects.create(
        decision=history_record(subject=profile_b, transition="approve", from_state="submitted",
                                to_state="approved", actor=staff["manager"]),
        decider=staff["manager"], checker=staff["moderator"], week="2026-11-16")
    # issue 8 operations (P2.1): a signed-off daily check, a failed task, a weekly report and a campaign
    # with a visit and a sign-up, for the staff pages' and the admin's object routes.
    from operations.models import Campaign, CampaignSignup, CampaignVisit, DailyCheck, TaskFailure
    from operations.reports import weekly_report_build

    DailyCheck.objects.create(date=timezone.localdate(), outcome="ok", checked_at=timezone.now(),
                              signed_off_by=staff["operations"], signed_off_at=timezone.now(), notes="n")
    TaskFailure.objects.create(task_name="t", error_class="e")
    ops_report = weekly_report_build(week_start=dt.date(2026, 11, 16))
    ops_campaign = Campaign.objects.create(name="c", code="c", channel="c", starts_on=timezone.localdate(),
                                           ends_on=timezone.localdate(), created_by=staff["operations"])
    CampaignVisit.objects.create(campaign=ops_campaign, date=timezone.localdate(), count=1)
    CampaignSignup.objects.create(campaign=ops_campaign, user=profile_b.user)
    # --- issue 9 audits (F4, H11): an engagement with one open finding owned by finance, for the admin's
    # object routes (change, history, the pack download, rectify / evidence / close).
    from backoffice.models import AuditEngagement, AuditFinding

    audit_engagement = AuditEngagement.objects.create(title="a", kind="internal", period_start="2026-10-01",
                                                      period_end="2026-10-31", scope="s")
    AuditFinding.objects.create(engagement=audit_engagement, title="f", description="d", severity="low",
                                owner=staff["finance"], due_on="2026-12-31")
    # --- end issue 9 audits
    # --- issue 9 expenses (F1, F2, F3.1, H10): a customer-service agent's claim with a receipt, a budget, an
    # adjusting transaction requested by finance and a prepared reconciliation, for the staff pages' and the
    # admin's object routes. Written directly: the services are tested in tests/finance/test_expenses*.py etc.
    from backoffice.expenses import claim_submit
    from backoffice.models import AdjustmentRequest, Budget, MonthlyReconciliation
    from tests.factories.backoffice import receipt_png

    expense_claim = claim_submit(claimant=staff["customer_service"], category="office",
                                 spent_on=timezone.localdate(), amount_fen=100, description="d",
                                 receipts=[receipt_png()])
    Budget.objects.create(category="office", period_start="2026-11-01", period_end="2026-11-30", amount_fen=1,
                          created_by=staff["finance"])
    AdjustmentRequest.objects.create(memo="m", lines=[["platform:operating_bank", 1], ["platform:expense_office", -1]],
                                     requested_by=staff["finance"])
    MonthlyReconciliation.objects.create(month="2026-10-01", figures={"settlement_account": 0},
                                         prepared_at=timezone.now())
    # --- end issue 9 expenses
    # --- issue 9 risk register (K1, K2, K4, K5; H12): one risk, a reading of a seeded indicator, a legal opinion
    # with its document, a contingency plan and a backup with its restore check, for the admin's object routes.
    from core.models import BackupRecord
    from risk.models import ContingencyPlan, KeyRiskIndicator, KRIReading, LegalOpinion, RiskItem

    RiskItem.objects.create(title="r", category="technical", description="d", likelihood=2, impact=3,
                            owner=staff["manager"], response_plan="p", review_on=timezone.localdate())
    KRIReading.objects.create(indicator=KeyRiskIndicator.objects.order_by("pk").first(), value=1, level="ok",
                              measured_at=timezone.now())
    LegalOpinion.objects.create(subject="contract", title="t", summary="s", counsel="counsel",
                                recorded_by=staff["manager"],
                                document=ContentFile(b"%PDF-1.4\n%%EOF\n", name="legal-opinions/t.pdf"))
    ContingencyPlan.objects.create(title="p", category="technical", trigger="t", steps="s", owner=staff["manager"])
    risk_backup = BackupRecord.objects.create(kind="backup", ok=True, started_at=timezone.now(), file_name="b")
    BackupRecord.objects.create(kind="restore_check", ok=True, started_at=timezone.now(), backup=risk_backup)
    # --- end issue 9 risk register
    # --- issue 20: a text message's delivery record, for the admin's object routes
    from core.models import SmsMessage

    SmsMessage.objects.create(template="verification_code", phone="+8613800138000", phone_masked="+86138****8000")
    # --- end issue 20
    # --- issue 15 one gate (G2): a change held by the screen for the moderator
    from django.contrib.contenttypes.models import ContentType as HeldTargetType

    from core.models import HeldText

    held_text = HeldText.objects.create(
        door="applications.schedule_change", content_type=HeldTargetType.objects.get_for_model(change),
        object_id=str(change.pk), values={"new_address": "仅限女生"}, author=member_a.user,
        findings=[{"code": "gender", "severity": "flag", "message": "m", "field": "new_address",
                   "matched_text": "仅限女", "start": 0, "end": 3}])
    # --- end issue 15
    # --- issue 18 invoices (F1, E5): employer_a's invoice request covering its posting fee, for the employer's
    # list of fees and the admin's object routes (record the invoice, refuse). Written directly: the services
    # are tested in tests/backoffice/test_invoices.py.
    from backoffice.models import InvoiceLine, InvoiceRequest
    from finance.fees import posting_fee_charge

    fee = posting_fee_charge(employer_id=employer_a.pk, job_id=job_a.pk, amount_fen=100, memo="fee")
    invoice_request = InvoiceRequest.objects.create(
        employer=employer_a, period_start=timezone.localdate(), period_end=timezone.localdate(),
        title=employer_a.name, tax_number=employer_a.uscc, amount_fen=100, requested_by=member_a.user)
    InvoiceLine.objects.create(invoice=invoice_request, entry=fee.entries.get(amount_fen=-100), amount_fen=100)
    # --- end issue 18
    users = {"student_a": profile_a.user, "student_b": profile_b.user, "employer_a": member_a.user,
             "employer_b": employer_b.members.get().user, **staff}
    objects = {
        type(profile_a): profile_a, type(verification_a): verification_a, type(profile_a.user): profile_a.user,
        type(employer_a): employer_a, type(employer_verification): employer_verification,
        type(member_a): member_a, type(invitation): invitation,
        type(held_text): held_text,
    }
    files = {
        "accounts:own_document": ("student_a", {"verification_id": verification_a.pk, "field": "id_card_front"}),
        "employers:document": ("employer_a", {"employer_id": employer_a.pk, "field": "business_licence"}),
        "moderation:report_job": (None, {"job_id": job_a.pk}),  # SIGNED_IN_ANY: no owner
        # --- H3 (issue 7, G3): false-information reports; student_a applied to (and works for) employer_a
        "moderation:report_employer": (None, {"employer_id": employer_a.pk}),  # SIGNED_IN_ANY
        "moderation:report_student": ("employer_a", {"profile_id": profile_a.pk}),
        "moderation:report_review": (None, {"review_id": review.pk}),  # SIGNED_IN_ANY
        # --- end H3
        **{f"jobs:employer_job{suffix}": ("employer_a", {"pk": job_a.pk}) for suffix in (
            "", "_edit", "_submit", "_pause", "_resume", "_close", "_confirm", "_delete", "_insurance")},
        # Applications and engagements (issue 5): student_a's own, and employer_a's.
        "applications:apply": (None, {"job_id": job_a.pk}),  # SIGNED_IN_ANY
        "applications:checkin": (None, {"token": checkin_token(shift_id=shift.pk)}),  # SIGNED_IN_ANY
        **{f"applications:{name}": ("student_a", {"pk": application.pk}) for name in (
            "student_application", "application_withdraw", "offer_accept", "offer_decline")},
        **{f"applications:{name}": ("student_a", {"pk": engagement.pk}) for name in (
            "student_engagement", "student_cancel", "demand_report")},
        **{f"applications:{name}": ("student_a", {"pk": attendance.pk}) for name in (
            "no_show_contest", "hours_dispute", "shift_ics")},
        "applications:change_answer": ("student_a", {"pk": change.pk}),
        "applications:loss_claim_answer": ("student_a", {"pk": claim.pk}),
        **{f"applications:{name}": ("employer_a", {"job_id": job_a.pk}) for name in (
            "employer_applicants", "employer_candidates", "employer_engagements", "change_propose")},
        "applications:invite": ("employer_a", {"job_id": job_a.pk, "student_id": profile_b.user.pk}),
        **{f"applications:{name}": ("employer_a", {"pk": application.pk}) for name in (
            "employer_application", "application_hire", "application_reject")},
        **{f"applications:{name}": ("employer_a", {"job_id": job_a.pk, "shift_id": shift.pk}) for name in (
            "employer_shift", "shift_qr")},
        **{f"applications:{name}": ("employer_a", {"pk": attendance.pk}) for name in (
            "attendance_mark", "hours_confirm")},
        **{f"applications:{name}": ("employer_a", {"pk": engagement.pk}) for name in (
            "employer_engagement", "employer_cancel", "loss_claim_new", "minor_checks")},
        "applications:change_withdraw": ("employer_a", {"pk": change.pk}),
        # issue 19: the service agreement, downloaded and accepted by each side from its own routes
        **{f"applications:{name}": ("student_a", {"pk": agreement.pk}) for name in (
            "student_agreement", "student_agreement_accept")},
        **{f"applications:{name}": ("employer_a", {"pk": agreement.pk}) for name in (
            "employer_agreement", "employer_agreement_accept")},
        "settlements:student_statement": ("student_a", {"pk": settlement.pk}),
        "settlements:student_tax_statement": ("student_a", {"year": 2026}),  # issue 18: own data only
        "settlements:employer_statement": ("employer_a", {"pk": settlement.pk}),
        **{f"settlements:{name}": ("student_a", {"pk": payout_method.pk}) for name in (
            "payout_method_default", "payout_method_remove")},
        "settlements:student_dispute_open": ("student_a", {"pk": settlement.pk}),
        **{f"settlements:{name}": ("student_a", {"pk": payment_dispute.pk}) for name in (
            "student_dispute_withdraw", "student_dispute_evidence")},
        **{f"settlements:{name}": ("employer_a", {"pk": payment_dispute.pk}) for name in (
            "employer_dispute", "employer_dispute_evidence")},
        "reviews:student_write": ("student_a", {"pk": engagement.pk}),
        "reviews:employer_write": ("employer_a", {"pk": engagement.pk}),
        "reviews:reply": ("student_a", {"pk": review.pk}),
        "risk:appeal_file": ("student_a", {"pk": sanction.pk}),  # H2
        "support:ticket": ("student_a", {"pk": support_ticket.pk}),  # issue 8 support
        "operations:staff_appraise": ("manager", {"pk": staff["moderator"].pk}),  # issue 8 staff
        # issue 8 operations: staff pages of operations and managers
        **{f"operations:{name}": (("operations", "manager"), {"week": ops_report.week_start.isoformat()})
           for name in ("report", "report_xlsx")},
        "operations:campaign": (("operations", "manager"), {"pk": ops_campaign.pk}),
        # --- issue 9 expenses (H10): the claim and its receipt for the claimant and those who may see claims;
        # deciding for approvers (managers, finance); paying for finance.
        **{f"backoffice:{name}": (("customer_service", "finance", "auditor", "manager"), {"pk": expense_claim.pk})
           for name in ("expense_claim",)},
        "backoffice:expense_receipt": (("customer_service", "finance", "auditor", "manager"),
                                    {"pk": expense_claim.pk, "receipt_id": expense_claim.receipts.get().pk}),
        **{f"backoffice:{name}": (("manager", "finance"), {"pk": expense_claim.pk})
           for name in ("expense_approve", "expense_reject")},
        "backoffice:expense_pay": (("finance",), {"pk": expense_claim.pk}),
        # --- end issue 9 expenses
        "backoffice:employer_invoice_statement": ("employer_a", {"pk": invoice_request.pk}),  # issue 18 invoices
    }
    return World(users=users, objects=objects, files=files)


@pytest.fixture
def world(db) -> World:
    return build_world()


# ---------------------------------------------------------------- probing
def database_fingerprint() -> str:
    """A hash of every row of every table (sessions aside): any write changes it."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            if table in ("django_session",):
                continue
            cursor.execute(f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) FROM "{table}" t')
            digest.update(f"{table}:{cursor.fetchone()[0]}".encode())
    return digest.hexdigest()


LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS)


def _admin_model_for(route: Route):
    """The registered model whose admin URL names prefix this route, longest first."""
    suffix = route.name[len(registry.ADMIN_PREFIX):]
    candidates = [(m, a) for m, a in admin.site._registry.items()
                  if suffix.startswith(f"{m._meta.app_label}_{m._meta.model_name}_")]
    return max(candidates, key=lambda c: len(c[0]._meta.model_name), default=(None, None))


def _instance(world: World, model):
    instance = world.objects.get(model) or model._default_manager.order_by("pk").first()
    if instance is None:
        pytest.fail(f"The access-matrix world has no {model._meta.label}: add one to the world fixture")
    return instance


def admin_probes(world: World, route: Route):
    """Yield (kwargs, entitled(user, method)) for an admin object route."""
    if route.name == "admin:app_list":
        for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
            yield {"app_label": app_label}, lambda user, method, a=app_label: user.has_module_perms(a)
        return
    if route.name == "admin:view_on_site":
        from django.contrib.contenttypes.models import ContentType

        profile = world.objects[next(m for m in world.objects if m._meta.model_name == "studentprofile")]
        ct = ContentType.objects.get_for_model(profile)
        yield {"content_type_id": ct.pk, "object_id": profile.pk}, lambda user, method: False
        return
    if route.name == "admin:auth_user_password_change":  # Django's UserAdmin hard-codes this name
        from django.contrib.auth import get_user_model

        model = get_user_model()
        model_admin = admin.site._registry[model]
    else:
        model, model_admin = _admin_model_for(route)
    assert model is not None, f"cannot tell which model {route.name} serves"
    obj = _instance(world, model)
    opts = model._meta
    action = route.name.rsplit("_", 1)[-1]

    def perm(codename):
        return f"{opts.app_label}.{codename}_{opts.model_name}"

    base = {p: obj.pk for p in route.params if p in ("object_id", "pk", "id")}
    declared = getattr(model_admin, "object_route_permissions", {}).get(route.name[len(registry.ADMIN_PREFIX):])
    if declared:  # a custom object view whose admin names the permission it requires
        yield base, lambda user, method: user.has_perm(declared)
        return
    if "transition_name" in route.params:
        for field_name in getattr(model_admin, "fsm_fields", []):
            for transition in getattr(obj, f"get_all_{field_name}_transitions")():
                yield ({**base, "transition_name": transition.name},
                       lambda user, method, t=transition: bool(t.has_perm(obj, user)))
        return
    if "field" in route.params:
        for f in opts.concrete_fields:
            if f.get_internal_type() == "FileField" and getattr(obj, f.name):
                yield {**base, "field": f.name}, lambda user, method: user.has_perm("accounts.reveal_personal_data")
        return
    if action in ("reveal",):
        yield base, lambda user, method: user.has_perm("accounts.reveal_personal_data")
    elif action == "delete":
        yield base, lambda user, method: user.has_perm(perm("delete"))
    elif action == "password":
        yield base, lambda user, method: user.has_perm(perm("change"))
    elif action == "history":  # read-only whatever the method
        yield base, lambda user, method: user.has_perm(perm("change")) or user.has_perm(perm("view"))
    elif action == "change":
        yield base, lambda user, method: (
            user.has_perm(perm("change")) or (method == "GET" and user.has_perm(perm("view"))))
    else:
        # An object route of a kind this matrix does not know: refuse to guess.
        pytest.fail(f"{route.name}: unknown admin object route; teach admin_probes about it")


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_object_routes_refuse_every_other_principal(world, route):
    if route.name.startswith(registry.ADMIN_PREFIX):
        probes = list(admin_probes(world, route))
    else:
        assert route.name in world.files, f"add an owned object for {route.name} to the world fixture"
        owner, kwargs = world.files[route.name]
        # One owner, or (issue 8 operations) a tuple of the staff roles a staff page serves.
        owners = [world.users[o] for o in (owner if isinstance(owner, tuple) else (owner,))]
        probes = [(kwargs, lambda user, method, o=owners: user in o)]
    assert probes, f"no probe for {route.name}"
    clients = {principal: world.client_for(principal) for principal in PRINCIPALS}  # sign-ins write last_login
    before = database_fingerprint()
    count = 0
    for kwargs, entitled in probes:
        url = reverse(route.name, kwargs=kwargs)
        for principal in PRINCIPALS:
            user = world.users.get(principal)
            client = clients[principal]
            for method in ("GET", "POST"):
                if user is not None and entitled(user, method):
                    continue
                response = client.get(url) if method == "GET" else client.post(url, {})
                count += 1
                assert refused(response), (
                    f"{principal} {method} {url} → {response.status_code} {response.get('Location', '')}")
    probe_stats.add(count)
    assert database_fingerprint() == before, f"probing {route.name} changed the database"


@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if r.name in registry.SIGNED_IN_ANY],
                         ids=lambda r: r.name)
def test_signed_in_any_routes_send_anonymous_visitors_to_sign_in(world, route):
    """Routes any signed-in user may use on any (public) object: no owner to probe,
    but an anonymous visitor is sent to sign in and changes nothing."""
    assert route.name in world.files, f"add an object for {route.name} to the world fixture"
    _owner, kwargs = world.files[route.name]
    url = reverse(route.name, kwargs=kwargs)
    before = database_fingerprint()
    for method in ("GET", "POST"):
        response = Client().get(url) if method == "GET" else Client().post(url, {})
        assert response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS), (
            f"anonymous {method} {url} → {response.status_code}")
        probe_stats.add(1)
    assert database_fingerprint() == before


@pytest.mark.parametrize("route", [r for r in ALL_ROUTES if not r.params and (
    r.name in registry.PROTECTED or r.name.startswith(registry.ADMIN_PREFIX))
    and r.name not in ("admin:login", "admin:logout")],
    ids=lambda r: r.name)
def test_protected_routes_send_anonymous_visitors_to_sign_in(db, route):
    client = Client()
    for method in ("GET", "POST"):
        response = client.get(reverse(route.name)) if method == "GET" else client.post(reverse(route.name), {})
        assert refused(response) or response.status_code == 405, (
            f"anonymous {method} {route.pattern} → {response.status_code}")
        probe_stats.add(1)


# ---------------------------------------------------------------- staff without the second factor (J3)
def _staff_page_mark(route: Route):
    return getattr(route.callback, "staff_page", None)


def test_J3_every_staff_page_uses_the_one_staff_guard():
    """routes.STAFF are exactly the site routes guarded by core.access.staff_page: a staff page with a
    guard of its own (login_required + has_perm, a copy of the check) fails here."""
    marked = {r.name for r in ALL_ROUTES if not is_admin(r) and _staff_page_mark(r) is not None}
    assert registry.STAFF <= registry.PROTECTED
    assert not registry.STAFF - marked, f"declared staff, not guarded by staff_page: {sorted(registry.STAFF - marked)}"
    assert not marked - registry.STAFF, f"guarded by staff_page, not declared STAFF: {sorted(marked - registry.STAFF)}"


STAFF_ROUTES = [r for r in ALL_ROUTES if (is_admin(r) or r.name in registry.STAFF)
                and r.name not in ("admin:login", "admin:logout")]
ROLES = list(STAFF_ROLES)


def _session_without_second_factor(user) -> Client:
    """Signed in with the password only: allauth's record of this session has no "mfa" entry."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "email": user.email}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def _admin_list_entitled(route: Route):
    """For an admin route without an object: whether a role's user may use it, from the ModelAdmin."""
    model, model_admin = _admin_model_for(route)
    if model_admin is None:
        return None
    action = route.name.rsplit("_", 1)[-1]

    def entitled(user, method):
        request = RequestFactory().get("/")
        request.user = user
        if action == "changelist":
            return model_admin.has_view_or_change_permission(request)
        if action == "add":
            return model_admin.has_add_permission(request)
        return model_admin.has_module_permission(request)

    return entitled


def _unnamed_admin_url(route: Route) -> str:
    return "/" + route.pattern.replace("<path:object_id>", "1").replace("(?P<url>.*)$", "no-such-page/")


def staff_route_probes(world: World, route: Route):
    """Yield (url, entitled(user, method) or None) for a staff route: its real objects where it takes any."""
    if not route.name:  # the admin's unnamed redirects (object URL → change page, catch-all)
        yield _unnamed_admin_url(route), None
    elif route.name.startswith(registry.ADMIN_PREFIX):
        if route.params:
            for kwargs, entitled in admin_probes(world, route):
                yield reverse(route.name, kwargs=kwargs), entitled
        else:
            yield reverse(route.name), _admin_list_entitled(route)
    else:
        mark = _staff_page_mark(route)
        owners, kwargs = world.files.get(route.name, (None, {}))
        if owners:
            roles = owners if isinstance(owners, tuple) else (owners,)
            yield reverse(route.name, kwargs=kwargs), lambda user, method, r=roles: any(
                user == world.users[role] for role in r)
        elif mark is None:  # not guarded by staff_page: test_J3_every_staff_page_uses_the_one_staff_guard fails
            yield reverse(route.name, kwargs=kwargs), None
        else:
            yield reverse(route.name, kwargs=kwargs), lambda user, method: (
                (mark["permission"] is None or user.has_perm(mark["permission"]))
                and (mark["allowed"] is None or mark["allowed"](user)))


def test_J3_staff_routes_refuse_staff_without_the_second_factor(world):
    """Every staff route refuses, with GET and POST and changing nothing, a staff member who passed only
    the password stage and one with no authenticator enrolled. The refusal is role-agnostic (the guard
    runs before any permission), so each route is probed by the two principals of one role: one the route
    serves when they have passed the second factor, so only the second factor is missing — or, where no
    role is served, the roles in turn."""
    password_only, no_authenticator = {}, {}
    for role in ROLES:
        enrolled = StaffFactory(role=role)
        Authenticator.objects.create(user=enrolled, type=Authenticator.Type.TOTP, data={"secret": "x"})
        password_only[role] = _session_without_second_factor(enrolled)
        no_authenticator[role] = _session_without_second_factor(StaffFactory(role=role))
    before = database_fingerprint()
    turn = itertools.cycle(ROLES)
    failures, count, entitled_routes = [], 0, 0
    for route in STAFF_ROUTES:
        for url, entitled in staff_route_probes(world, route):
            role = next((r for r in ROLES if entitled is not None and entitled(world.users[r], "GET")), None)
            entitled_routes += role is not None
            role = role or next(turn)
            for principal, client in ((f"{role} (password only)", password_only[role]),
                                      (f"{role} (no authenticator)", no_authenticator[role])):
                for method in ("GET", "POST"):
                    response = client.get(url) if method == "GET" else client.post(url, {})
                    count += 1
                    if not refused(response):
                        failures.append(f"{principal} {method} {url} → {response.status_code} "
                                        f"{response.get('Location', '')}")
    probe_stats.add(count)
    assert not failures, "\n".join(failures)
    assert database_fingerprint() == before, "probing staff routes without the second factor changed the database"
    # Most probes are by a role the route serves, so they test the second factor and nothing else.
    assert entitled_routes > len(STAFF_ROUTES) // 2, (entitled_routes, len(STAFF_ROUTES))
