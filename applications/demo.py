"""Demo data for applications and engagements (used by `manage.py seed_demo`
after jobs): applications, offers and engagements in every state, made
through the services so history, notifications and credit facts are what real
use leaves behind.

The demo student (student@…) finds an offer to accept, an application waiting
for the employer, a rejection with its reason, an engagement with a shift
running today (the employer's shift page shows its QR code) and a completed
engagement with confirmed hours. Idempotent: nothing is added once the demo
employer has applications."""

import datetime as dt

from django.utils import timezone

from accounts.demo import DEMO_DOMAIN, STUDENT_LOGIN
from accounts.models import User
from employers.demo import EMPLOYER_LOGIN
from employers.models import EmployerMember
from jobs import services as job_services
from jobs.demo import declare_demo_cover
from jobs.models import Job, JobCategory, PayUnit, ScheduleKind, SettlementCycle, Shift
from jobs.schedule import ShiftSpec

from . import services, sweeps
from .models import Application, Attendance, DemandReport, StudentIntention, availability_bit

TODAY_JOB = "门店活动当日助理（今日班次，可扫码签到）"
PAST_JOB = "商场周年庆促销（已结束）"
UPCOMING_JOB = "周末图书市集摊位助理"


def _student(n: int) -> User | None:
    return User.objects.filter(email=f"student{n:02d}@{DEMO_DOMAIN}", student_profile__vetting_status="approved").first()


def _job(*, member: User, moderator: User, title: str, shifts: list[ShiftSpec], headcount: int,
         category=JobCategory.PROMOTION) -> Job:
    data = {
        "title": title, "category": category,
        "description": "在门店活动现场协助布置、引导顾客、发放资料，活动前有十分钟说明。工作内容与本页描述一致。",
        "requirements_skills": "守时，愿意与顾客交流。", "requirements_certificates": "", "headcount": headcount,
        "minor_restricted_work": [], "minor_restricted_venue": "", "is_remote": False, "city": "上海市", "district": "徐汇区",
        "address": "漕溪北路 88 号 一楼大厅", "application_deadline": timezone.now() + dt.timedelta(hours=2),
        "pay_unit": PayUnit.HOUR, "base_rate_fen": 3200, "pieces_per_hour": None, "overtime_rate_fen": 4800,
        "bonus_rules": "", "meal_allowance_fen": 1500, "transport_allowance_fen": 0,
        "settlement_cycle": SettlementCycle.DAILY, "payment_days": 2, "schedule_kind": ScheduleKind.SHIFTS,
        "weekly_days": "", "weekly_start": None, "weekly_end": None, "weekly_from": None, "weekly_until": None,
    }
    job = job_services.job_save_draft(employer_id=member.employer_membership.employer_id, actor=member,
                                      data=data, shifts=shifts)
    if job_services.insurance_required(job):  # docs/insurance.md: events jobs need cover first
        declare_demo_cover(job, member)
    job_services.job_submit(job_id=job.pk, actor=member)
    job = job_services.job_approve(pk=job.pk, actor=moderator)
    # Demo jobs went live a day ago: past the early-access window (K3.1), so every student may apply.
    job.published_at -= dt.timedelta(days=1)
    Job.objects.filter(pk=job.pk).update(published_at=job.published_at)
    return job


def _apply(job: Job, student: User, message: str = "") -> Application:
    return services.applying.application_apply(job_id=job.pk, student=student, confirms_requirements=True,
                                               commits_to_work=True, message=message)


def _hire(job: Job, student: User, member: User):
    application = _apply(job, student)
    services.offers.application_hire(application_id=application.pk, actor=member)
    return services.offers.offer_accept(application_id=application.pk, student=student)


def seed_applications(*, moderator: User) -> None:
    member = User.objects.filter(email=EMPLOYER_LOGIN).first()
    student = User.objects.filter(email=STUDENT_LOGIN).first()
    if member is None or student is None or not EmployerMember.objects.filter(user=member).exists():
        return
    if Application.objects.filter(job__employer__members__user=member).exists():
        return
    others = [s for s in (_student(n) for n in range(1, 13)) if s is not None]

    StudentIntention.objects.get_or_create(student=student, defaults={
        "categories": [JobCategory.CATERING, JobCategory.PROMOTION, JobCategory.EVENTS],
        "cities": ["上海市"], "districts": ["徐汇区"], "expected_hourly_fen": 2800, "accepts_remote": True,
        "availability": sum(availability_bit(day, part) for day in range(7) for part in (1, 2))
        | sum(availability_bit(day, part) for day in (5, 6) for part in range(3)),
    })

    now = timezone.localtime()
    today = now.date()
    start = (now - dt.timedelta(minutes=20)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=3)).time().replace(second=0, microsecond=0)
    today_job = _job(member=member, moderator=moderator, title=TODAY_JOB, headcount=3,
                     shifts=[ShiftSpec(today, start, end), ShiftSpec(today + dt.timedelta(days=7), dt.time(14),
                                                                     dt.time(17))])
    past_job = _job(member=member, moderator=moderator, title=PAST_JOB, headcount=4,
                    shifts=[ShiftSpec(today + dt.timedelta(days=1), dt.time(10), dt.time(13)),
                            ShiftSpec(today + dt.timedelta(days=2), dt.time(10), dt.time(13))])
    upcoming = _job(member=member, moderator=moderator, title=UPCOMING_JOB, headcount=3, category=JobCategory.EVENTS,
                    shifts=[ShiftSpec(today + dt.timedelta(days=9), dt.time(9), dt.time(12)),
                            ShiftSpec(today + dt.timedelta(days=10), dt.time(9), dt.time(12))])
    coffee = Job.objects.filter(title="周末咖啡店兼职店员", status="published").first()

    # --- the demo student: an active engagement today (QR check-in), an offer, a pending application
    _hire(today_job, student, member)
    offer = _apply(upcoming, student, "周末两天都可以全天到岗。")
    services.offers.application_hire(application_id=offer.pk, actor=member)
    if coffee is not None:
        _apply(coffee, student, "有一年奶茶店工作经验。")

    # --- other students: applications in every state
    if len(others) >= 6:
        a, b, c, d, e, f = others[:6]
        rejected = _apply(upcoming, a, "想试试活动类工作。")
        services.offers.application_reject(application_id=rejected.pk, actor=member,
                                           reason="本次需要周末两天都能到岗的同学，您只能来一天。")
        withdrawn = _apply(upcoming, b)
        services.applying.application_withdraw(application_id=withdrawn.pk, student=b)
        declined = _apply(today_job, c)
        services.offers.application_hire(application_id=declined.pk, actor=member)
        services.offers.offer_decline(application_id=declined.pk, student=c)
        # Unanswered past the P3 deadline: the sweep expires it and records the employer's credit fact.
        expired = _apply(upcoming, d)
        Application.objects.filter(pk=expired.pk).update(response_due_at=timezone.now() - dt.timedelta(minutes=1))
        sweeps.applications_expire_unanswered()
        lapsed = _apply(today_job, e)
        services.offers.application_hire(application_id=lapsed.pk, actor=member)
        Application.objects.filter(pk=lapsed.pk).update(offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
        sweeps.offers_lapse()
        _apply(upcoming, f, "我是本地学生，通勤方便。")

        # --- engagements that ended: cancelled by the student with notice, cancelled late by the employer
        cancelled = _hire(upcoming, e, member)
        services.engagements.engagement_cancel_by_student(engagement_id=cancelled.pk, student=e,
                                                          reason="学校临时安排期中考试。")
        # --- the past job: worked, hours confirmed, one no-show contested, one report of a demand
        workers = [_hire(past_job, s, member) for s in (student, c, d)]
        # Demo history: the past job's shifts already happened (a week ago), so its
        # attendance and hours can be shown confirmed.
        for shift in Shift.objects.filter(job=past_job):
            Shift.objects.filter(pk=shift.pk).update(date=shift.date - dt.timedelta(days=8))
        Job.objects.filter(pk=past_job.pk).update(
            first_shift_date=today - dt.timedelta(days=7), application_deadline=timezone.now() - dt.timedelta(days=8),
            last_shift_end=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=6), dt.time(13))))
        Attendance.objects.filter(engagement__job=past_job).update(hours_due_at=timezone.now() + dt.timedelta(hours=1))
        mine, second, third = workers
        for attendance in Attendance.objects.filter(engagement__in=[mine, second]).order_by("pk"):
            services.attendance.attendance_mark(attendance_id=attendance.pk, actor=member, checked_in=True)
            services.attendance.hours_confirm(attendance_id=attendance.pk, actor=member,
                                              minutes=attendance.scheduled_minutes,
                                              overtime_minutes=30 if attendance.engagement_id == mine.pk else 0)
        Attendance.objects.filter(engagement__in=[mine, second]).update(dispute_due_at=timezone.now())
        services.engagements.engagement_complete(type(mine).objects.select_related("job").get(pk=mine.pk))
        no_show = Attendance.objects.filter(engagement=third).order_by("pk").first()
        services.attendance.attendance_mark_no_show(attendance_id=no_show.pk, actor=member)
        services.attendance.no_show_contest(attendance_id=no_show.pk, student=d,
                                            text="我当天准时到了，签到二维码打不开，店长让我先上岗。")
        services.cases.demand_report_file(engagement_id=second.pk, student=c,
                                          kind=DemandReport.Kind.UNPAID_OVERTIME,
                                          description="活动结束后要求我们无偿多留一小时清场。")
        # An employer's late cancellation owes compensation (shown on the engagement).
        late = _hire(today_job, f, member)
        services.engagements.engagement_cancel_by_employer(engagement_id=late.pk, actor=member,
                                                           reason="活动规模缩小，人手够了。")
        # A change of workplace the hired student declines: it takes effect and releases them (J1.3).
        moved = _hire(upcoming, c, member)
        change = services.schedule_changes.schedule_change_propose(job_id=upcoming.pk, actor=member,
                                                                   reason="场地调整到隔壁展厅。",
                                                                   new_address="漕溪北路 90 号 二号展厅")
        services.schedule_changes.schedule_change_answer(change_id=change.pk, student=moved.student, accept=False)
