"""Demo data for jobs (used by `manage.py seed_demo` after employers): postings
of the approved demo employers in every state of the moderation machine, each
created through the services (draft → submit → moderator's decision → …) so the
history, flags and notifications are what real use would leave.

Idempotent: an employer that already has jobs is left alone."""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from employers.models import Employer, EmployerMember

from . import services
from .models import InsuranceKind, Job, JobCategory, PayUnit, ScheduleKind, SettlementCycle
from .schedule import ShiftSpec

# (employer name, [posting, …]); a posting's "state" says how far it goes.
POSTINGS = {
    "上海青禾餐饮管理有限公司": [
        dict(state="published", title="周末咖啡店兼职店员", category=JobCategory.CATERING, city="上海市",
             district="徐汇区", address="漕溪北路 88 号 青禾咖啡", latitude=31.193, longitude=121.437,
             description="负责点单收银、制作简单饮品和整理店面。上岗前有半天带薪培训，提供工作餐。",
             requirements_skills="做事细心，愿意与顾客交流；有餐饮经验者可更快上手。",
             requirements_certificates="健康证（可入职后一周内办理，费用由公司承担）",
             pay_unit=PayUnit.HOUR, base_rate_fen=3000, overtime_rate_fen=4500, meal_allowance_fen=1500,
             settlement_cycle=SettlementCycle.WEEKLY, payment_days=3, headcount=4,
             shifts=[(5, "10:00", "14:00"), (6, "10:00", "14:00"), (12, "10:00", "14:00"), (13, "10:00", "14:00")]),
        dict(state="published", title="北京门店午市帮厨", category=JobCategory.CATERING, city="北京市",
             district="海淀区", address="中关村大街 27 号 青禾轻食", latitude=39.983, longitude=116.316,
             description="协助厨师备菜、摆盘和清洁后厨，午市高峰时段工作。",
             requirements_skills="能按食品安全要求操作，守时。",
             pay_unit=PayUnit.HOUR, base_rate_fen=3200, meal_allowance_fen=2000,
             settlement_cycle=SettlementCycle.DAILY, payment_days=2, headcount=2,
             shifts=[(3, "11:00", "14:00"), (4, "11:00", "14:00"), (10, "11:00", "14:00")]),
        dict(state="pending_review", title="餐厅迎宾兼职", category=JobCategory.CATERING, city="上海市",
             district="静安区", address="南京西路 1266 号", latitude=31.229, longitude=121.452,
             description="在餐厅门口迎宾、引导顾客入座，女生优先，形象良好。",
             requirements_skills="普通话标准，待人有礼。",
             pay_unit=PayUnit.HOUR, base_rate_fen=2800, settlement_cycle=SettlementCycle.WEEKLY, payment_days=3,
             headcount=2, shifts=[(8, "17:00", "20:00"), (9, "17:00", "20:00")]),
        dict(state="changes_requested", title="外卖打包员", category=JobCategory.CATERING, city="上海市",
             district="徐汇区", address="宜山路 700 号", latitude=31.18, longitude=121.422,
             description="晚高峰打包外卖订单，核对餐品。", pay_unit=PayUnit.HOUR, base_rate_fen=2600,
             settlement_cycle=SettlementCycle.WEEKLY, payment_days=3, headcount=3,
             shifts=[(4, "17:30", "20:30")],
             reason="请写明是否提供工作餐、加班如何计算，以及具体在几楼工作（J1.2、J1.3）。"),
        dict(state="rejected", title="品牌活动礼仪模特", category=JobCategory.EVENTS, city="上海市",
             district="闵行区", address="七莘路 1800 号 万象城中庭", latitude=31.139, longitude=121.366,
             description="新品发布会礼仪接待，要求身高168以上，五官端正。", pay_unit=PayUnit.HOUR,
             base_rate_fen=5000, settlement_cycle=SettlementCycle.DAILY, payment_days=2, headcount=2,
             shifts=[(6, "13:00", "17:00")],
             reason="身高、相貌要求与礼仪接待工作无关，属于就业歧视（J1.4），请删除后重新提交。"),
        dict(state="paused", title="中秋月饼礼盒打包", category=JobCategory.LOGISTICS, city="上海市",
             district="徐汇区", address="田林路 140 号 中央厨房", latitude=31.173, longitude=121.433,
             description="在中央厨房打包礼盒、贴标签，流水线作业，站立工作。", pay_unit=PayUnit.HOUR,
             base_rate_fen=2800, settlement_cycle=SettlementCycle.ON_COMPLETION, payment_days=5, headcount=6,
             shifts=[(9, "09:00", "13:00"), (10, "09:00", "13:00")]),
        dict(state="closed", title="开业活动发传单", category=JobCategory.PROMOTION, city="上海市",
             district="浦东新区", address="世纪大道 8 号", latitude=31.238, longitude=121.503,
             description="新店开业期间在商场内派发优惠券，介绍菜品。", pay_unit=PayUnit.DAY, base_rate_fen=15000,
             settlement_cycle=SettlementCycle.DAILY, payment_days=1, headcount=5,
             shifts=[(11, "10:00", "14:00")]),
        dict(state="expired", title="国庆假期收银员", category=JobCategory.CATERING, city="上海市",
             district="徐汇区", address="漕溪北路 88 号", latitude=31.193, longitude=121.437,
             description="假期客流高峰收银，熟悉扫码支付。",
             pay_unit=PayUnit.HOUR, base_rate_fen=3000, settlement_cycle=SettlementCycle.DAILY, payment_days=1,
             headcount=2, shifts=[(-20, "10:00", "14:00"), (-19, "10:00", "14:00")], deadline_days=-22),
        dict(state="taken_down", title="线上门店评价整理员", category=JobCategory.REMOTE, is_remote=True,
             city="", district="", address="",
             description="整理外卖平台上的顾客评价，汇总成周报。", pay_unit=PayUnit.HOUR, base_rate_fen=3000,
             settlement_cycle=SettlementCycle.DAILY, payment_days=1, headcount=10,
             shifts=[(5, "19:00", "21:00")],
             reason="经学生举报并电话回访核实，岗位实际要求为店铺刷好评，属于虚假评价，违反平台规则（G3），予以下架。"),
        dict(state="revision_pending", title="周末早午餐服务员", category=JobCategory.CATERING, city="上海市",
             district="长宁区", address="愚园路 1088 号", latitude=31.221, longitude=121.43,
             description="周末早午餐时段点单、上菜和翻台。", pay_unit=PayUnit.HOUR, base_rate_fen=2800,
             settlement_cycle=SettlementCycle.WEEKLY, payment_days=3, headcount=3,
             shifts=[(5, "09:00", "13:00"), (6, "09:00", "13:00")],
             revision=dict(base_rate_fen=3200, description="周末早午餐时段点单、上菜和翻台；新增饮品吧台协助。",
                           shifts=[(5, "09:00", "13:00"), (6, "09:00", "13:00"), (12, "09:00", "13:00")])),
    ],
    "杭州云帆会展服务有限公司": [
        dict(state="published", title="会展签到与引导志愿者（有薪）", category=JobCategory.EVENTS, city="杭州市",
             district="西湖区", address="文三路 90 号 杭州国际会议中心", latitude=30.278, longitude=120.146,
             description="负责展会签到、发放资料、引导观众入场。统一提供工作服（无需押金）和午餐。",
             requirements_skills="沟通清晰，能用简单英语引导外宾者更佳。",
             pay_unit=PayUnit.DAY, base_rate_fen=18000, meal_allowance_fen=2500, transport_allowance_fen=1000,
             settlement_cycle=SettlementCycle.DAILY, payment_days=2, headcount=12,
             shifts=[(14, "09:00", "13:00"), (15, "09:00", "13:00")]),
        dict(state="published", title="音乐节检票员", category=JobCategory.EVENTS, city="杭州市",
             district="滨江区", address="奥体中心", latitude=30.23, longitude=120.232,
             description="音乐节入口检票、维持排队秩序，配合安保人员工作。", pay_unit=PayUnit.HOUR,
             base_rate_fen=3000, transport_allowance_fen=1500, settlement_cycle=SettlementCycle.DAILY,
             payment_days=2, headcount=20, shifts=[(20, "16:00", "20:00")]),
    ],
    "广州悦购商贸有限公司": [
        dict(state="published", title="商场新品试吃推广", category=JobCategory.PROMOTION, city="北京市",
             district="朝阳区", address="建国路 87 号 悦购超市", latitude=39.909, longitude=116.48,
             description="在超市试吃台介绍新品零食，记录顾客反馈。", pay_unit=PayUnit.HOUR, base_rate_fen=3200,
             settlement_cycle=SettlementCycle.WEEKLY, payment_days=3, headcount=3,
             shifts=[(6, "14:00", "18:00"), (7, "14:00", "18:00")]),
        dict(state="published", title="校园代理（线下宣传）", category=JobCategory.CAMPUS_AMBASSADOR,
             city="武汉市", district="洪山区", address="珞喻路 1037 号", latitude=30.513, longitude=114.414,
             description="在校内张贴海报、组织体验活动，每场活动后结算。", pay_unit=PayUnit.JOB,
             base_rate_fen=30000, settlement_cycle=SettlementCycle.ON_COMPLETION, payment_days=5, headcount=2,
             shifts=[(8, "14:00", "17:00"), (15, "14:00", "17:00")]),
    ],
    "武汉星辰网络科技有限公司": [
        dict(state="published", title="线上客服（晚班）", category=JobCategory.CUSTOMER_SERVICE, is_remote=True,
             city="", district="", address="",
             description="通过平台后台回复用户咨询，有知识库和带教，远程办公，需自备电脑。",
             requirements_skills="打字每分钟 50 字以上，耐心细致。",
             pay_unit=PayUnit.HOUR, base_rate_fen=2600, settlement_cycle=SettlementCycle.WEEKLY, payment_days=3,
             headcount=5, schedule=dict(days="1,3,5", start="18:30", end="21:30", weeks=4)),
        dict(state="published", title="小学数学线上辅导", category=JobCategory.TUTORING, city="武汉市",
             district="武昌区", address="中北路 109 号", latitude=30.561, longitude=114.344, is_remote=False,
             description="为小学四年级学生辅导数学作业，每次两小时，在学生家中或社区图书馆。",
             requirements_skills="数学基础扎实，有家教经验者优先考虑。",
             pay_unit=PayUnit.HOUR, base_rate_fen=6000, settlement_cycle=SettlementCycle.WEEKLY,
             payment_days=3, headcount=1, shifts=[(2, "18:30", "20:30"), (9, "18:30", "20:30")]),
    ],
}


def _day(offset: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=offset)


def _draft_data(posting: dict) -> tuple[dict, list[ShiftSpec] | None]:
    first_offset = min((s[0] for s in posting.get("shifts", [])), default=1)
    deadline = timezone.now() + dt.timedelta(days=posting.get("deadline_days", max(1, first_offset - 1)))
    data = {
        "title": posting["title"], "category": posting["category"], "description": posting["description"],
        "requirements_skills": posting.get("requirements_skills", ""),
        "requirements_certificates": posting.get("requirements_certificates", ""),
        "headcount": posting["headcount"], "minor_restricted_work": [], "minor_restricted_venue": "",
        "is_remote": posting.get("is_remote", False), "city": posting["city"], "district": posting["district"],
        "address": posting["address"], "application_deadline": deadline,
        # S2.1 "near me": where the workplace is (WGS-84), for the distance on the list.
        "latitude": posting.get("latitude"), "longitude": posting.get("longitude"),
        "pay_unit": posting["pay_unit"], "base_rate_fen": posting["base_rate_fen"], "pieces_per_hour": None,
        "overtime_rate_fen": posting.get("overtime_rate_fen"), "bonus_rules": posting.get("bonus_rules", ""),
        "meal_allowance_fen": posting.get("meal_allowance_fen", 0),
        "transport_allowance_fen": posting.get("transport_allowance_fen", 0),
        "settlement_cycle": posting["settlement_cycle"], "payment_days": posting["payment_days"],
        "schedule_kind": ScheduleKind.SHIFTS, "weekly_days": "", "weekly_start": None, "weekly_end": None,
        "weekly_from": None, "weekly_until": None,
    }
    weekly = posting.get("schedule")
    if weekly:
        data.update(schedule_kind=ScheduleKind.WEEKLY, weekly_days=weekly["days"],
                    weekly_start=dt.time.fromisoformat(weekly["start"]),
                    weekly_end=dt.time.fromisoformat(weekly["end"]),
                    weekly_from=_day(1), weekly_until=_day(7 * weekly["weeks"]))
        data["application_deadline"] = timezone.now() + dt.timedelta(days=5)
        return data, None
    return data, _shifts(posting["shifts"])


def _shifts(specs) -> list[ShiftSpec]:
    return [ShiftSpec(_day(offset), dt.time.fromisoformat(start), dt.time.fromisoformat(end))
            for offset, start, end in specs]


def declare_demo_cover(job: Job, member: User) -> None:
    """A year of accident cover with a certificate image, through the service."""
    image = Image.new("RGB", (480, 320), (240, 246, 250))
    ImageDraw.Draw(image).text((30, 40), "ACCIDENT INSURANCE (DEMO)", fill=(20, 60, 140))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    services.job_insurance_declare(
        job_id=job.pk, actor=member, kind=InsuranceKind.ACCIDENT, insurer="示例财产保险股份有限公司",
        policy_number=f"DEMO-{job.pk:06d}", covers_from=timezone.localdate(),
        covers_until=timezone.localdate() + dt.timedelta(days=365),
        certificate=ContentFile(out.getvalue(), name="policy.jpg"))


def _post(posting: dict, *, employer: Employer, member: User, moderator: User) -> Job:
    data, shifts = _draft_data(posting)
    job = services.job_save_draft(employer_id=employer.pk, actor=member, data=data, shifts=shifts)
    state = posting["state"]
    if state == "draft":
        return job
    if services.insurance_required(job):  # docs/insurance.md: logistics and events jobs need cover first
        declare_demo_cover(job, member)
    services.job_submit(job_id=job.pk, actor=member)
    if state == "pending_review":
        return job
    if state == "changes_requested":
        return services.job_request_changes(pk=job.pk, actor=moderator, reason=posting["reason"])
    if state == "rejected":
        return services.job_reject(pk=job.pk, actor=moderator, reason=posting["reason"])
    services.job_approve(pk=job.pk, actor=moderator)
    # Demo jobs went live a day ago: past the early-access window (K3.1), open to every student.
    Job.objects.filter(pk=job.pk).update(published_at=F("published_at") - dt.timedelta(days=1),
                                         first_published_at=F("first_published_at") - dt.timedelta(days=1))
    if state == "paused":
        services.job_pause(job_id=job.pk, actor=member)
    elif state == "closed":
        services.job_close(job_id=job.pk, actor=member)
    elif state == "taken_down":
        services.job_take_down(pk=job.pk, actor=moderator, reason=posting["reason"])
    elif state == "revision_pending":
        revised = {**data, **{k: v for k, v in posting["revision"].items() if k != "shifts"}}
        services.job_revise(job_id=job.pk, actor=member, data=revised,
                            shifts=_shifts(posting["revision"]["shifts"]))
    return job


def seed_jobs(*, moderator: User) -> None:
    """Jobs in every state for the approved demo employers (skips employers that have jobs)."""
    expire_after_seeding = False
    for name, postings in POSTINGS.items():
        employer = Employer.objects.filter(name=name).first()
        if employer is None or not employer.can_post or Job.objects.filter(employer=employer).exists():
            continue
        member = EmployerMember.objects.filter(employer=employer).select_related("user").order_by("pk").first()
        if member is None:
            continue
        for posting in postings:
            _post(posting, employer=employer, member=member.user, moderator=moderator)
            expire_after_seeding |= posting["state"] == "expired"
    if expire_after_seeding:
        # The patrol's own sweep moves the job whose shifts are over to "expired" (J2.3).
        services.jobs_patrol()
