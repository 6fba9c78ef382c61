"""What the service agreement (劳务协议) of an engagement says (issue 19): read from
the job, the offer and the policy, with the platform's existing arithmetic, then
rendered as a PDF with an embedded CJK font (`core.pdf`). docs/agreements.md
cites the law.

- Parties: the employer's name, credit code, address and legal representative
  from its real-name verification (E1.3); the student's real name, school and
  verification level (S1.3). Never an ID number: the platform's records hold it.
- The work, the place and each shift still to come, each with its estimated pay
  from `Job.scheduled_pay_fen` (the prefunding estimate and the late-cancellation
  compensation use the same figure) plus the allowances per shift; the final pay
  is the statement computed from confirmed hours (settlements).
- Settlement and payment: the job's cycle; the employer pays within its payment
  days after the hours are final (`Job.payment_due_at`, at most 15 days,
  Labour Contract Law art. 72); the platform pays the student within P1
  working days of receiving the money (`core.working_days.working_days_after`).
- Withholding (国家税务总局公告2025年第16号, docs/tax.md), insurance, cancellation,
  disputes and the platform's role.
- The job's own labels (category, pay unit, settlement cycle) are its choices'
  zh-hans translations.

The text is Chinese whatever the reader's language: a contract has one text,
and one text has one hash. Everything the document shows is computed here, so
the template only lays it out."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import VerificationLevel
from accounts.selectors import student_profile_for
from core.money import format_fen
from core.pdf import CJK_FONT_FAMILY, render_pdf
from core.policy import get_policy
from core.working_days import working_days_after
from employers.models import EmployerVerification
from employers.selectors import employer_latest_verification
from jobs.models import MAX_SETTLEMENT_DAYS, Job, PayUnit
from jobs.services import insurance_of, insurance_required

from .models import Engagement

WEEKDAYS = "一二三四五六日"
# Labour Law art. 44(1): the overtime pay the statement uses when the job states no rate.
DEFAULT_OVERTIME_PERCENT = 150


@dataclass(frozen=True)
class ShiftTerms:
    number: int
    date: str
    time: str
    minutes: int
    wage_fen: int
    allowances_fen: int

    @property
    def total_fen(self) -> int:
        return self.wage_fen + self.allowances_fen

    @property
    def wage(self) -> str:
        return format_fen(self.wage_fen)

    @property
    def allowances(self) -> str:
        return format_fen(self.allowances_fen)

    @property
    def total(self) -> str:
        return format_fen(self.total_fen)


@dataclass(frozen=True)
class AgreementTerms:
    """Everything the document states, already formatted."""

    number: str
    version: int
    issued_at: str
    employer: dict
    student: dict
    job: dict
    shifts: tuple[ShiftTerms, ...]
    pay: dict
    payment: dict
    cancellation: dict
    disputes: dict
    insurance: str
    platform: str

    @property
    def total(self) -> str:
        return format_fen(sum(s.total_fen for s in self.shifts))


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _employer_terms(engagement: Engagement) -> dict:
    employer = engagement.employer
    verification = employer_latest_verification(employer=employer)
    verified = employer.is_verified and verification is not None and (
        verification.status == EmployerVerification.Status.APPROVED)
    return {"name": employer.name, "uscc": employer.uscc, "address": employer.address,
            "legal_rep": verification.legal_rep_name if verified else "",
            "verified": "已通过平台实名认证（营业执照与法定代表人）" if verified else "尚未通过平台实名认证"}


def _student_terms(engagement: Engagement) -> dict:
    profile = student_profile_for(engagement.student)
    level = profile.verification_level if profile else VerificationLevel.NONE
    verified = {VerificationLevel.REAL_NAME: "已通过平台实名认证",
                VerificationLevel.REAL_NAME_AND_STUDENT: "已通过平台实名认证及学籍认证"}.get(level, "尚未通过平台实名认证")
    return {"name": profile.real_name if profile else "", "school": profile.school if profile else "",
            "account": f"JZ-S{engagement.student_id}", "verified": verified,
            "minor": bool(profile and profile.is_minor_worker)}


def _job_terms(job: Job) -> dict:
    place = "远程工作（线上完成）" if job.is_remote else " ".join(p for p in (job.city, job.district, job.address) if p)
    return {"title": job.title, "category": str(job.get_category_display()),
            "description": job.description, "skills": job.requirements_skills,
            "certificates": job.requirements_certificates, "place": place}


def _shift_terms(job: Job, shifts) -> tuple[ShiftTerms, ...]:
    allowances = job.meal_allowance_fen + job.transport_allowance_fen
    return tuple(
        ShiftTerms(number=n, date=f"{s.date:%Y-%m-%d}（周{WEEKDAYS[s.date.weekday()]}）",
                   time=f"{s.start_time:%H:%M}–{s.end_time:%H:%M}" + ("（次日）" if s.end_time <= s.start_time else ""),
                   minutes=s.minutes, wage_fen=job.scheduled_pay_fen(s.minutes), allowances_fen=allowances)
        for n, s in enumerate(shifts, start=1))


def _pay_terms(job: Job, policy) -> dict:
    overtime = (f"{format_fen(job.overtime_rate_fen)}/小时" if job.overtime_rate_fen
                else f"折合时薪的{DEFAULT_OVERTIME_PERCENT}%（《劳动法》第四十四条第（一）项），即"
                     f"{format_fen(job.hourly_pay_fen * DEFAULT_OVERTIME_PERCENT // 100)}/小时")
    return {"unit": str(job.get_pay_unit_display()), "base": format_fen(job.base_rate_fen),
            "hourly": format_fen(job.hourly_pay_fen), "pieces_per_hour": job.pieces_per_hour,
            "is_piece": job.pay_unit == PayUnit.PIECE, "is_day": job.pay_unit == PayUnit.DAY,
            "is_job": job.pay_unit == PayUnit.JOB, "overtime": overtime,
            "meal": format_fen(job.meal_allowance_fen) if job.meal_allowance_fen else "",
            "transport": format_fen(job.transport_allowance_fen) if job.transport_allowance_fen else "",
            "bonus_rules": job.bonus_rules, "commission_percent": policy.commission_percent}


def _payment_terms(job: Job, shifts, policy) -> dict:
    """The dates the last shift's pay is due by, from the same helpers settlements uses."""
    terms = {"cycle": str(job.get_settlement_cycle_display()), "payment_days": job.payment_days,
             "max_days": MAX_SETTLEMENT_DAYS, "payout_days": policy.payout_working_days,
             "hours_confirm_hours": policy.hours_confirm_hours, "last_hours_final": "", "last_funding_due": "",
             "last_payout_by": ""}
    if shifts:
        hours_final = shifts[-1].ends_at + dt.timedelta(hours=policy.hours_confirm_hours)
        funding_due = job.payment_due_at(hours_final)
        terms.update(last_hours_final=_local(hours_final), last_funding_due=_local(funding_due),
                     last_payout_by=_local(working_days_after(funding_due, policy.payout_working_days)))
    return terms


def _insurance_terms(job: Job) -> str:
    """What the job declares about work-injury or accident insurance (docs/insurance.md): the
    kind, the insurer, the policy number and the period, as the student read it on the job
    page ("由…承保"); or, plainly, that none is declared."""
    cover = insurance_of(job)
    if cover is None:
        return "甲方未在平台申报本岗位的工伤保险或意外伤害保险。乙方在工作中受到伤害的，由甲方依法承担责任。"
    return (f"甲方已在平台申报本岗位的{cover.get_kind_display()}：由{cover.insurer}承保，保单号 {cover.policy_number}，"
            f"保险期间 {cover.covers_from:%Y-%m-%d} 至 {cover.covers_until:%Y-%m-%d}。乙方在工作中受到伤害的，"
            "依保险合同向保险人理赔；保险不足以弥补或不在保险期间的，由甲方依法承担责任。"
            + ("本岗位须有保险：保险期间届满而未续保的，平台暂停本岗位的新录用，已录用的乙方不受影响。"
               if insurance_required(job) else ""))


def agreement_terms(*, engagement: Engagement, version: int, issued_at: dt.datetime, shifts) -> AgreementTerms:
    """The content of version `version` of the engagement's agreement, for `shifts`
    (the engagement's shifts less cancelled ones, in order)."""
    policy, job = get_policy(), engagement.job
    shifts = list(shifts)
    with translation.override("zh-hans"):  # the job's labels (category, pay unit, cycle) in the contract's language
        return AgreementTerms(
            number=f"JZ-{engagement.pk:06d}-V{version}", version=version, issued_at=_local(issued_at),
            employer=_employer_terms(engagement), student=_student_terms(engagement), job=_job_terms(job),
            shifts=_shift_terms(job, shifts), pay=_pay_terms(job, policy), payment=_payment_terms(job, shifts, policy),
            cancellation={"notice_hours": policy.cancel_notice_hours,
                          "compensation_percent": policy.late_cancel_compensation_percent},
            disputes={"hours_dispute_hours": policy.hours_dispute_hours, "dispute_days": policy.dispute_working_days,
                      "demand_hours": policy.demand_report_hours},
            insurance=_insurance_terms(job), platform=settings.SITE_NAME)


def agreement_pdf(terms: AgreementTerms, *, issued_at: dt.datetime) -> bytes:
    """The PDF of the terms: the same terms and time give the same bytes."""
    with translation.override("zh-hans"):
        html = render_to_string("applications/agreement.html", {"a": terms, "font_family": CJK_FONT_FAMILY})
    return render_pdf(html, issued_at=issued_at, title=f"劳务协议 {terms.number}")


def agreement_download_name(agreement) -> str:
    """The file name both parties and staff download a version under (ASCII: every browser keeps it)."""
    return f"agreement-JZ-{agreement.engagement_id:06d}-v{agreement.version}"
