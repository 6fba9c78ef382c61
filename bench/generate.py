"""The benchmark's data set: every kind of row the platform holds, at scale and
in realistic proportions.

The data set is a list of STEPS run in order. Each step is one function that
writes one kind of row (plus the rows that always come with it, e.g. a history
row per vetting decision), with a count derived from the scale: `per` names the
base ("employers", "students", or "users" = every user created so far) and
`factor` the rows per base unit. A later issue adds its kind of row with one
function and one line in STEPS, e.g.

    Step("jobs", step_jobs, per="employers", factor=20),   # 100,000 at full scale

Rows are written with bulk_create in batches of BATCH_SIZE, parents in chunks
of CHUNK_SIZE (bounded memory), inside one transaction per step. No services,
signals or per-row Faker calls: values are combined from pools drawn once,
every user shares one pre-computed password hash, and timestamps are set
explicitly (see `explicit_timestamps`) so the history spreads over
LAUNCH_DAYS like a real platform's.

Run by bench/run.py after `django.setup()`; `generate(scale)` returns the
seconds it took per step."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

if TYPE_CHECKING:  # models need django.setup(); the module itself does not
    from django.contrib.contenttypes.models import ContentType

BATCH_SIZE = 2_000  # rows per INSERT statement
CHUNK_SIZE = 5_000  # parent rows (users, employers) built in memory at once
SEED = 20261127
LAUNCH_DAYS = 540  # the platform has been running this long
PASSWORD = "Jianzhi-bench-2026"  # every generated user's password
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "outlook.com"]
STAFF_PER_ROLE = {"moderator": 4, "customer_service": 3, "operations": 2, "finance": 2, "auditor": 1,
                  "manager": 1}

# Vetting outcomes, as shares of registrations (S1.2, E1.2).
STUDENT_VETTING_SHARES = {"approved": 0.90, "submitted": 0.05, "info_requested": 0.025, "rejected": 0.025}
EMPLOYER_VETTING_SHARES = {"approved": 0.85, "submitted": 0.08, "info_requested": 0.04, "rejected": 0.03}
STUDENT_VERIFIED_SHARE = 0.35  # of approved students: real-name verified (S1.3)
STUDENT_FULLY_VERIFIED_SHARE = 0.5  # of those: student status verified too
EMPLOYER_VERIFIED_SHARE = 0.6  # of approved employers (E1.3)
MINOR_SHARE = 0.02  # 16–17-year-old "minor workers"
NOTIFICATION_READ_SHARE = 0.7


# ------------------------------------------------------------------------------
# Pools of realistic zh_CN values, drawn once
# ------------------------------------------------------------------------------
SCHOOLS = [
    ("复旦大学", "上海"), ("上海交通大学", "上海"), ("同济大学", "上海"), ("华东师范大学", "上海"),
    ("上海财经大学", "上海"), ("上海大学", "上海"), ("北京大学", "北京"), ("清华大学", "北京"),
    ("中国人民大学", "北京"), ("北京师范大学", "北京"), ("北京航空航天大学", "北京"), ("北京理工大学", "北京"),
    ("中央财经大学", "北京"), ("浙江大学", "杭州"), ("浙江工业大学", "杭州"), ("杭州电子科技大学", "杭州"),
    ("南京大学", "南京"), ("东南大学", "南京"), ("南京师范大学", "南京"), ("武汉大学", "武汉"),
    ("华中科技大学", "武汉"), ("中山大学", "广州"), ("华南理工大学", "广州"), ("暨南大学", "广州"),
    ("深圳大学", "深圳"), ("南方科技大学", "深圳"), ("四川大学", "成都"), ("电子科技大学", "成都"),
    ("西南财经大学", "成都"), ("重庆大学", "重庆"), ("西南大学", "重庆"), ("湖南大学", "长沙"),
    ("中南大学", "长沙"), ("西安交通大学", "西安"), ("西北工业大学", "西安"), ("山东大学", "济南"),
    ("厦门大学", "厦门"), ("天津大学", "天津"), ("南开大学", "天津"), ("郑州大学", "郑州"),
]
MAJORS = [
    "计算机科学与技术", "软件工程", "汉语言文学", "英语", "日语", "会计学", "财务管理", "市场营销",
    "国际经济与贸易", "数学与应用数学", "统计学", "新闻学", "广告学", "临床医学", "护理学", "法学",
    "机械工程", "电气工程及其自动化", "土木工程", "金融学", "视觉传达设计", "环境设计", "教育学",
    "学前教育", "旅游管理", "酒店管理", "社会工作", "心理学", "物流管理", "电子商务",
]
CITY_DISTRICTS = {
    "上海": ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "杨浦区", "浦东新区", "闵行区"],
    "北京": ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "昌平区"],
    "杭州": ["上城区", "拱墅区", "西湖区", "滨江区", "余杭区"],
    "南京": ["玄武区", "秦淮区", "鼓楼区", "建邺区", "江宁区"],
    "武汉": ["江岸区", "武昌区", "洪山区", "汉阳区"],
    "广州": ["越秀区", "天河区", "海珠区", "番禺区", "白云区"],
    "深圳": ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区"],
    "成都": ["锦江区", "青羊区", "武侯区", "成华区", "高新区"],
    "重庆": ["渝中区", "江北区", "沙坪坝区", "九龙坡区", "渝北区"],
    "长沙": ["芙蓉区", "天心区", "岳麓区", "开福区"],
    "西安": ["碑林区", "雁塔区", "未央区", "长安区"],
    "济南": ["历下区", "市中区", "槐荫区", "历城区"],
    "厦门": ["思明区", "湖里区", "集美区"],
    "天津": ["和平区", "河西区", "南开区", "滨海新区"],
    "郑州": ["中原区", "金水区", "二七区", "管城回族区"],
}
# (administrative division code, city) for ID numbers and credit codes.
REGION_CODES = [
    ("310101", "上海"), ("310104", "上海"), ("310110", "上海"), ("310115", "上海"), ("110101", "北京"),
    ("110105", "北京"), ("110108", "北京"), ("330106", "杭州"), ("330108", "杭州"), ("320102", "南京"),
    ("320106", "南京"), ("420106", "武汉"), ("420111", "武汉"), ("440104", "广州"), ("440106", "广州"),
    ("440304", "深圳"), ("440305", "深圳"), ("510104", "成都"), ("510107", "成都"), ("500103", "重庆"),
    ("500106", "重庆"), ("430104", "长沙"), ("610113", "西安"), ("370102", "济南"), ("350203", "厦门"),
    ("120101", "天津"), ("410105", "郑州"), ("340104", "合肥"), ("360102", "南昌"), ("450103", "南宁"),
]
INDUSTRIES = [
    ("餐饮管理", "餐饮服务；食品销售；外卖配送"), ("连锁超市", "日用百货、食品零售；仓储理货"),
    ("教育科技", "教育咨询（不含学科类培训）；课程助教；技术服务"), ("会展服务", "会议及展览服务；礼仪服务；活动策划"),
    ("物流", "普通货物仓储；搬运装卸；快递分拣"), ("文化传媒", "文艺活动策划；摄影服务；新媒体运营"),
    ("咖啡", "餐饮服务；咖啡饮品制售"), ("信息技术", "软件开发；数据标注；信息技术咨询"),
    ("市场调研", "市场调查；问卷访问；商务信息咨询"), ("零售", "服装鞋帽零售；商品促销"),
    ("酒店管理", "住宿服务；前台接待；客房服务"), ("图书", "图书零售；文具用品销售"),
]
TRADE_NAME_CHARS = "鑫华盛达恒泰嘉悦瑞丰宏博锦程汇诚新源创美佳优云海星辰和安金德信润腾飞启明东方远"  # 字号
STREETS = ["中山路", "人民路", "解放路", "建设路", "长江路", "文化路", "学府路", "科技路", "南京路",
           "淮海路", "延安路", "和平路", "新华路", "东风路", "青年路", "朝阳路", "光明路", "复兴路"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
                   "155", "157", "158", "159", "166", "173", "176", "177", "180", "181", "186", "187", "188", "199"]
REJECTION_REASONS = ["学校名称与学生证不一致，请核对后重新提交。", "出生日期与身份证不符，请更正。",
                     "手机号码无法接通，请填写本人常用号码。"]
INFO_REQUESTS = ["请补充学生证照片或学信网在线验证码。", "请确认所在学院及专业的全称。"]
EMPLOYER_REJECTION_REASONS = ["营业执照已过期，请上传有效期内的执照。", "营业执照上的名称与填写的单位名称不一致。",
                              "经营范围与招聘岗位不符，请补充说明。"]
EMPLOYER_INFO_REQUESTS = ["请上传清晰的营业执照副本扫描件。", "请补充联系人在职证明。"]


@dataclass
class Pools:
    surnames: list[str]
    given_names: list[str]
    company_words: list[str]
    pinyin: list[str]

    @classmethod
    def draw(cls, seed: int) -> Pools:
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        return cls(
            surnames=[fake.last_name() for _ in range(300)],
            given_names=[fake.first_name() for _ in range(600)],
            company_words=sorted({a + b for a in TRADE_NAME_CHARS for b in TRADE_NAME_CHARS if a != b}),
            pinyin=[fake.user_name() for _ in range(800)],
        )


# ------------------------------------------------------------------------------
# The run's shared state
# ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scale:
    employers: int
    students: int


@dataclass(slots=True)
class UserRow:
    id: int
    email: str
    kind: str
    joined: dt.datetime


@dataclass(slots=True)
class EmployerRow:
    id: int
    owner_id: int
    status: str
    created: dt.datetime
    verified: bool


@dataclass(slots=True)
class StudentRow:
    id: int  # the profile's pk
    user_id: int
    status: str
    submitted: dt.datetime
    level: int


@dataclass
class Context:
    """What the steps share: the scale, the random source and the ids of the rows
    written so far (later steps hang their rows on earlier ones)."""

    scale: Scale
    rng: random.Random
    now: dt.datetime
    password_hash: str
    pools: Pools
    staff: dict[str, list[int]] = field(default_factory=dict)  # role → user ids
    users: list[UserRow] = field(default_factory=list)
    employers: list[EmployerRow] = field(default_factory=list)
    students: list[StudentRow] = field(default_factory=list)
    email_serial: int = 0

    def base(self, per: str) -> int:
        if per == "users":
            return len(self.users)
        if per == "fixed":
            return 1
        return getattr(self.scale, per)

    # --- values -------------------------------------------------------------
    def joined_at(self) -> dt.datetime:
        """A sign-up time since launch, denser recently (the platform grows)."""
        days_since_launch = LAUNCH_DAYS * math.sqrt(self.rng.random())
        return self.now - dt.timedelta(days=LAUNCH_DAYS - days_since_launch, seconds=self.rng.randint(0, 86_399))

    def later(self, moment: dt.datetime, *, min_minutes: int, max_minutes: int) -> dt.datetime:
        return min(self.now, moment + dt.timedelta(minutes=self.rng.randint(min_minutes, max_minutes)))

    def person_name(self) -> str:
        return self.rng.choice(self.pools.surnames) + self.rng.choice(self.pools.given_names)

    def mobile(self) -> str:
        return f"+86{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randint(0, 99_999_999):08d}"

    def email(self, domain: str | None = None) -> str:
        self.email_serial += 1
        return f"{self.rng.choice(self.pools.pinyin)}.{self.email_serial}@{domain or self.rng.choice(EMAIL_DOMAINS)}"

    def moderator(self) -> int:
        return self.rng.choice(self.staff["moderator"])

    def pick(self, shares: dict[str, float]) -> str:
        return self.rng.choices(list(shares), weights=list(shares.values()))[0]


@dataclass(frozen=True)
class Step:
    name: str
    func: Callable[[Context, int], None]
    per: str  # "employers" | "students" | "users" (created so far) | "fixed"
    factor: float

    def count(self, ctx: Context) -> int:
        return round(ctx.base(self.per) * self.factor)


# ------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------
def insert(model: type[models.Model], objs: Iterable[models.Model]) -> list[models.Model]:
    """bulk_create in batches of BATCH_SIZE; returns the objects with their pks."""
    objs = list(objs)
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    return objs


def chunks(total: int, size: int = CHUNK_SIZE) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


@contextlib.contextmanager
def explicit_timestamps():
    """Switch off auto_now/auto_now_add on every model while generating, so the
    generator can date rows in the past (it must then set them itself)."""
    switched = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                switched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _content_type(model: type[models.Model]) -> ContentType:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def history(subject_type: ContentType, object_id: int, transition: str, from_state: str,
            to_state: str, actor_id: int | None, at: dt.datetime, reason: str = ""):
    from core.models import HistoryEntry

    return HistoryEntry(content_type=subject_type, object_id=str(object_id), transition=transition,
                        from_state=from_state, to_state=to_state, actor_id=actor_id, reason=reason, created_at=at)


def vetting_history(subject_type: ContentType, obj, *, submitter_id: int, reason: str):
    """The submit row and, if decided, the moderator's decision row."""
    rows = [history(subject_type, obj.pk, "submit", "draft", "submitted", submitter_id, obj.submitted_at)]
    if obj.vetting_status != "submitted":
        transition = {"approved": "approve", "rejected": "reject", "info_requested": "request_info"}
        rows.append(history(subject_type, obj.pk, transition[obj.vetting_status], "submitted",
                            obj.vetting_status, obj.vetted_by_id, obj.vetted_at, reason))
    return rows


def vetting_fields(ctx: Context, status: str, submitted: dt.datetime, reasons: dict[str, list[str]]) -> dict:
    fields = {"vetting_status": status, "submitted_at": submitted}
    if status != "submitted":
        fields.update(vetted_at=ctx.later(submitted, min_minutes=30, max_minutes=3 * 24 * 60),
                      vetted_by_id=ctx.moderator(),
                      vetting_reason=ctx.rng.choice(reasons[status]) if status in reasons else "")
    return fields


def resident_id(ctx: Context, birth: dt.date, female: bool, used: set[str]) -> str:
    """A valid 18-character resident ID number (region, birth date, sequence, check digit)."""
    from stdnum.cn import ric

    while True:
        region = ctx.rng.choice(REGION_CODES)[0]
        sequence = ctx.rng.randint(0, 99) * 10 + ctx.rng.choice([0, 2, 4, 6, 8] if female else [1, 3, 5, 7, 9])
        body = f"{region}{birth:%Y%m%d}{sequence:03d}"
        number = body + ric.calc_check_digit(body + "0")  # stdnum expects a full-length number
        if number not in used:
            used.add(number)
            return number


def credit_code(ctx: Context, serial: int, city: str) -> str:
    """A unified social credit code (enterprise, 91…) registered in the city: a
    unique organisation code with its GB 11714 check character, then the
    GB 32100 check character."""
    from stdnum.cn import uscc

    region = ctx.rng.choice([code for code, code_city in REGION_CODES if code_city == city] or [REGION_CODES[0][0]])
    organisation = f"{(serial * 7_919 + 31_415_926) % 10**8:08d}"  # a bijection of the serial: unique, not sequential
    remainder = 11 - sum(int(c) * w for c, w in zip(organisation, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    body = f"91{region}{organisation}{'X' if remainder == 10 else remainder % 11}"
    return body + uscc.calc_check_digit(body)


def _user(ctx: Context, kind: str, email: str, joined: dt.datetime, **extra):
    from accounts.models import User

    return User(email=email, kind=kind, password=ctx.password_hash, date_joined=joined,
                last_login=ctx.later(joined, min_minutes=1, max_minutes=LAUNCH_DAYS * 24 * 60),
                language="en" if ctx.rng.random() < 0.03 else "zh-hans", **extra)


def _remember(ctx: Context, users) -> None:
    ctx.users.extend(UserRow(u.pk, u.email, u.kind, u.date_joined) for u in users)


# ------------------------------------------------------------------------------
# Steps
# ------------------------------------------------------------------------------
def step_staff(ctx: Context, count: int) -> None:
    """Platform staff, STAFF_PER_ROLE per role group (the groups come from a migration)."""
    from django.contrib.auth.models import Group

    from accounts.models import User

    groups = {g.name: g for g in Group.objects.filter(name__in=STAFF_PER_ROLE)}
    users, memberships = [], []
    for role, n in STAFF_PER_ROLE.items():
        for i in range(n):
            joined = ctx.now - dt.timedelta(days=LAUNCH_DAYS + 30 - i)
            users.append((role, _user(ctx, User.Kind.STAFF, f"{role}{i + 1}@jianzhi.example", joined,
                                      is_staff=True)))
    insert(User, [u for _, u in users])
    for role, user in users:
        ctx.staff.setdefault(role, []).append(user.pk)
        if role in groups:
            memberships.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
    insert(User.groups.through, memberships)
    _remember(ctx, [u for _, u in users])


def step_employers(ctx: Context, count: int) -> None:
    """Employers (E1.1) with their owner user, membership and vetting history (E1.2)."""
    from accounts.models import User
    from core.models import HistoryEntry
    from employers.models import Employer, EmployerMember

    employer_type = _content_type(Employer)
    reasons = {"rejected": EMPLOYER_REJECTION_REASONS, "info_requested": EMPLOYER_INFO_REQUESTS}
    for chunk in chunks(count):
        owners = insert(User, [_user(ctx, User.Kind.EMPLOYER, ctx.email(), ctx.joined_at()) for _ in chunk])
        employers = []
        for i, owner in zip(chunk, owners, strict=True):
            city = ctx.rng.choice(list(CITY_DISTRICTS))
            district = ctx.rng.choice(CITY_DISTRICTS[city])
            industry, scope = ctx.rng.choice(INDUSTRIES)
            created = ctx.later(owner.date_joined, min_minutes=2, max_minutes=60)
            status = ctx.pick(EMPLOYER_VETTING_SHARES)
            vetting = vetting_fields(ctx, status, ctx.later(created, min_minutes=1, max_minutes=20), reasons)
            verified = status == "approved" and ctx.rng.random() < EMPLOYER_VERIFIED_SHARE
            employers.append(Employer(
                name=f"{city}{ctx.rng.choice(ctx.pools.company_words)}{industry}有限公司",
                uscc=credit_code(ctx, i + 1, city),
                address=f"{city}市{district}{ctx.rng.choice(STREETS)}{ctx.rng.randint(1, 999)}号",
                city=city, district=district, business_scope=scope,
                contact_name=ctx.person_name(), contact_mobile=ctx.mobile(),
                business_licence=f"employer-documents/bench/licence-{i + 1}.pdf",
                verification_level=1 if verified else 0,
                created_by_id=owner.pk, created_at=created, updated_at=vetting.get("vetted_at") or created,
                **vetting,
            ))
        insert(Employer, employers)
        insert(EmployerMember, [
            EmployerMember(employer_id=e.pk, user_id=o.pk, role=EmployerMember.Role.OWNER, joined_at=e.created_at)
            for e, o in zip(employers, owners, strict=True)
        ])
        insert(HistoryEntry, [
            row for e in employers
            for row in vetting_history(employer_type, e, submitter_id=e.created_by_id, reason=e.vetting_reason)
        ])
        _remember(ctx, owners)
        ctx.employers.extend(EmployerRow(e.pk, e.created_by_id, e.vetting_status, e.created_at,
                                         e.verification_level > 0) for e in employers)


def step_employer_verifications(ctx: Context, count: int) -> None:
    """Real-name verification requests (E1.3): one approved per verified employer,
    then pending requests from approved employers not yet verified."""
    from core.crypto import keyed_hash
    from core.models import HistoryEntry
    from employers.models import EmployerVerification

    verification_type = _content_type(EmployerVerification)
    verified = [e for e in ctx.employers if e.verified]
    waiting = [e for e in ctx.employers if e.status == "approved" and not e.verified]
    chosen = [(e, "approved") for e in verified] + [(e, "pending") for e in waiting]
    used: set[str] = set()
    for chunk in chunks(min(count, len(chosen))):
        rows = []
        for i in chunk:
            employer, status = chosen[i]
            requested = ctx.later(employer.created, min_minutes=60, max_minutes=10 * 24 * 60)
            id_number = resident_id(ctx, dt.date(ctx.rng.randint(1960, 1995), ctx.rng.randint(1, 12),
                                                 ctx.rng.randint(1, 28)), ctx.rng.random() < 0.5, used)
            decided = status == "approved"
            rows.append(EmployerVerification(
                employer_id=employer.id, status=status, legal_rep_name=ctx.person_name(),
                legal_rep_id_number=id_number, legal_rep_id_hash=keyed_hash(id_number),
                requested_by_id=employer.owner_id, authorisation_confirmed_at=requested,
                decided_at=ctx.later(requested, min_minutes=60, max_minutes=2 * 24 * 60) if decided else None,
                decided_by_id=ctx.moderator() if decided else None,
                created_at=requested, updated_at=requested,
            ))
        insert(EmployerVerification, rows)
        insert(HistoryEntry, [
            row for v in rows for row in (
                [history(verification_type, v.pk, "request", "", "pending", v.requested_by_id, v.created_at)]
                + ([history(verification_type, v.pk, "approve", "pending", "approved", v.decided_by_id,
                             v.decided_at)] if v.decided_at else [])
            )
        ])


def step_employer_members(ctx: Context, count: int) -> None:
    """Colleagues who joined an approved employer through an accepted invitation."""
    from accounts.models import User
    from employers.models import EmployerInvitation, EmployerMember

    approved = [e for e in ctx.employers if e.status == "approved"]
    hosts = ctx.rng.sample(approved, min(count, len(approved)))
    users, members, invitations = [], [], []
    for employer in hosts:
        invited = ctx.later(employer.created, min_minutes=60 * 24, max_minutes=60 * 24 * 60)
        accepted = ctx.later(invited, min_minutes=5, max_minutes=60 * 24 * 3)
        users.append(_user(ctx, User.Kind.EMPLOYER, ctx.email(), accepted))
    insert(User, users)
    for employer, user in zip(hosts, users, strict=True):
        members.append(EmployerMember(employer_id=employer.id, user_id=user.pk, role=EmployerMember.Role.MEMBER,
                                      joined_at=user.date_joined))
        invitations.append(EmployerInvitation(
            employer_id=employer.id, email=user.email, token=f"{ctx.rng.getrandbits(256):064x}",
            invited_by_id=employer.owner_id, created_at=user.date_joined - dt.timedelta(hours=2),
            expires_at=user.date_joined + dt.timedelta(days=7), accepted_at=user.date_joined,
            accepted_by_id=user.pk,
        ))
    insert(EmployerMember, members)
    insert(EmployerInvitation, invitations)
    _remember(ctx, users)


def step_students(ctx: Context, count: int) -> None:
    """Students (S1.1) with their profile and vetting history (S1.2); a share of
    the approved ones real-name verified (S1.3), their ID number encrypted
    through the model field."""
    from accounts.models import StudentProfile, User, VerificationLevel
    from core.crypto import keyed_hash
    from core.models import HistoryEntry

    profile_type = _content_type(StudentProfile)
    reasons = {"rejected": REJECTION_REASONS, "info_requested": INFO_REQUESTS}
    today = ctx.now.date()
    used: set[str] = set()
    for chunk in chunks(count):
        users = insert(User, [_user(ctx, User.Kind.STUDENT, ctx.email(), ctx.joined_at()) for _ in chunk])
        profiles = []
        for user in users:
            minor = ctx.rng.random() < MINOR_SHARE
            age = ctx.rng.choice([16, 17]) if minor else ctx.rng.choices(range(18, 25), [3, 5, 5, 5, 4, 2, 1])[0]
            birth = today.replace(year=today.year - age, day=1) - dt.timedelta(days=ctx.rng.randint(1, 360))
            female = ctx.rng.random() < 0.55
            school, _city = ctx.rng.choice(SCHOOLS)
            submitted = ctx.later(user.date_joined, min_minutes=3, max_minutes=60 * 24 * 2)
            status = ctx.pick(STUDENT_VETTING_SHARES)
            vetting = vetting_fields(ctx, status, submitted, reasons)
            level, id_number = VerificationLevel.NONE, ""
            if status == "approved" and ctx.rng.random() < STUDENT_VERIFIED_SHARE:
                level = (VerificationLevel.REAL_NAME_AND_STUDENT if ctx.rng.random() < STUDENT_FULLY_VERIFIED_SHARE
                         else VerificationLevel.REAL_NAME)
                id_number = resident_id(ctx, birth, female, used)
            profiles.append(StudentProfile(
                user_id=user.pk, real_name=ctx.person_name(), gender="female" if female else "male",
                date_of_birth=birth, school=school, major=ctx.rng.choice(MAJORS),
                enrolment_year=min(today.year, user.date_joined.year - ctx.rng.randint(0, 3)),
                mobile=ctx.mobile(),
                contact_note=f"紧急联系人：{ctx.person_name()} {ctx.mobile()[3:]}" if ctx.rng.random() < 0.15 else "",
                is_minor_worker=minor, id_number=id_number, id_number_hash=keyed_hash(id_number) if id_number else None,
                verification_level=level, created_at=submitted,
                updated_at=vetting.get("vetted_at") or submitted, **vetting,
            ))
        insert(StudentProfile, profiles)
        insert(HistoryEntry, [
            row for p in profiles
            for row in vetting_history(profile_type, p, submitter_id=p.user_id, reason=p.vetting_reason)
        ])
        _remember(ctx, users)
        ctx.students.extend(StudentRow(p.pk, p.user_id, p.vetting_status, p.submitted_at, p.verification_level)
                            for p in profiles)


def step_student_verifications(ctx: Context, count: int) -> None:
    """Verification requests (S1.3): one approved per verified student, then
    pending ones; each with the sensitive-data consent given when requesting."""
    from django.conf import settings

    from accounts.models import Consent, StudentVerification
    from core.models import HistoryEntry

    verification_type = _content_type(StudentVerification)
    verified = [s for s in ctx.students if s.level]
    waiting = [s for s in ctx.students if s.status == "approved" and not s.level]
    chosen = [(s, "approved") for s in verified] + [(s, "pending") for s in waiting]
    for chunk in chunks(min(count, len(chosen))):
        rows = []
        for i in chunk:
            student, status = chosen[i]
            requested = ctx.later(student.submitted, min_minutes=60, max_minutes=30 * 24 * 60)
            decided = status == "approved"
            chsi = student.level == 2 and ctx.rng.random() < 0.6
            rows.append(StudentVerification(
                profile_id=student.id, status=status,
                id_card_front=f"id-cards/bench/{student.id}-front.jpg",
                id_card_back=f"id-cards/bench/{student.id}-back.jpg",
                student_proof_kind=("chsi_code" if chsi else "student_card") if student.level == 2 else "",
                student_card=f"student-cards/bench/{student.id}.jpg" if student.level == 2 and not chsi else "",
                chsi_code=f"{ctx.rng.randint(10**15, 10**16 - 1)}" if chsi else "",
                decided_at=ctx.later(requested, min_minutes=30, max_minutes=2 * 24 * 60) if decided else None,
                decided_by_id=ctx.moderator() if decided else None,
                granted_level=student.level, created_at=requested, updated_at=requested,
            ))
        insert(StudentVerification, rows)
        requester = {chosen[i][0].id: chosen[i][0].user_id for i in chunk}
        insert(HistoryEntry, [
            row for v in rows for row in (
                [history(verification_type, v.pk, "request", "", "pending", requester[v.profile_id], v.created_at)]
                + ([history(verification_type, v.pk, "approve", "pending", "approved", v.decided_by_id,
                             v.decided_at)] if v.decided_at else [])
            )
        ])
        insert(Consent, [
            Consent(user_id=requester[v.profile_id], kind=Consent.Kind.SENSITIVE_DATA,
                    version=settings.SENSITIVE_DATA_CONSENT_VERSION, given_at=v.created_at)
            for v in rows
        ])


def step_unfinished_signups(ctx: Context, count: int) -> None:
    """Students who signed up but never submitted a registration."""
    from accounts.models import User

    users = insert(User, [_user(ctx, User.Kind.STUDENT, ctx.email(), ctx.joined_at()) for _ in range(count)])
    _remember(ctx, users)


def step_email_addresses(ctx: Context, count: int) -> None:
    """allauth's verified primary e-mail address, one per user."""
    from allauth.account.models import EmailAddress

    for chunk in chunks(min(count, len(ctx.users))):
        insert(EmailAddress, [EmailAddress(user_id=u.id, email=u.email, verified=True, primary=True)
                              for u in (ctx.users[i] for i in chunk)])


def step_consents(ctx: Context, count: int) -> None:
    """The user agreement and privacy policy accepted at sign-up (PIPL art. 14)."""
    from django.conf import settings

    from accounts.models import Consent

    kinds = [(Consent.Kind.USER_AGREEMENT, settings.USER_AGREEMENT_VERSION),
             (Consent.Kind.PRIVACY_POLICY, settings.PRIVACY_POLICY_VERSION)]
    n_users = len(ctx.users)
    for chunk in chunks(count):
        rows = []
        for i in chunk:
            user = ctx.users[i % n_users]
            kind, version = kinds[(i // n_users) % len(kinds)]
            rows.append(Consent(user_id=user.id, kind=kind, version=version, given_at=user.joined))
        insert(Consent, rows)


STUDENT_MESSAGES = {
    "approved": ("您的注册已通过审核", "欢迎来到兼职！您现在可以申请兼职岗位了。", "/me/"),
    "rejected": ("您的注册未通过审核", "原因：{reason}\n\n您可以更正信息后重新提交。", "/me/registration/"),
    "info_requested": ("您的注册需要补充信息", "审核员请您补充：{reason}", "/me/registration/"),
    "submitted": ("我们已收到您的注册", "感谢注册！工作人员将在两个工作日内完成审核。", "/me/"),
}
EMPLOYER_MESSAGES = {
    "approved": ("您的单位注册已通过审核", "{name}现在可以在兼职平台发布兼职岗位。", "/employer/"),
    "rejected": ("您的单位注册未通过审核", "原因：{reason}\n\n您可以更正后重新提交。", "/employer/organisation/"),
    "info_requested": ("您的单位注册需要补充信息", "审核员请您补充：{reason}", "/employer/organisation/"),
    "submitted": ("我们已收到您的单位注册", "工作人员将尽快审核您的单位信息。", "/employer/"),
}
GENERIC_MESSAGES = [
    ("隐私政策更新提示", "我们更新了《隐私政策》，请在“账户与隐私”中查看。", "/privacy/"),
    ("账户安全提醒", "请勿向任何人透露您的密码或验证码。兼职平台不会以任何名义收取费用。", ""),
]


def step_notifications(ctx: Context, count: int) -> None:
    """Inbox messages: each user's registration outcome first, then general notices;
    most of them read."""
    from core.models import Notification

    students = {s.user_id: s for s in ctx.students}
    employers = {e.owner_id: e for e in ctx.employers}
    n_users = len(ctx.users)
    for chunk in chunks(count):
        rows = []
        for i in chunk:
            user = ctx.users[i % n_users]
            round_ = i // n_users
            message = GENERIC_MESSAGES[round_ % len(GENERIC_MESSAGES)]
            if round_ == 0 and user.id in students:
                message = STUDENT_MESSAGES[students[user.id].status]
            elif round_ == 0 and user.id in employers:
                message = EMPLOYER_MESSAGES[employers[user.id].status]
            subject, body, link = message
            sent = ctx.later(user.joined, min_minutes=10, max_minutes=(round_ + 1) * 30 * 24 * 60)
            read = ctx.later(sent, min_minutes=5, max_minutes=3 * 24 * 60) \
                if ctx.rng.random() < NOTIFICATION_READ_SHARE else None
            rows.append(Notification(recipient_id=user.id, subject=subject,
                                     body=body.format(reason="请核对后重新提交。", name="贵单位"), link=link,
                                     created_at=sent, read_at=read))
        insert(Notification, rows)


# ------------------------------------------------------------------------------
# Jobs (E2.1, E2.2, S2.1): postings in every state, their shifts and review history
# ------------------------------------------------------------------------------
JOB_STATUS_SHARES = {  # of all jobs; "published" ≈ 100,000 at full scale
    "published": 0.80, "pending_review": 0.03, "changes_requested": 0.01, "rejected": 0.01,
    "draft": 0.03, "paused": 0.02, "closed": 0.04, "expired": 0.05, "taken_down": 0.01,
}
# (category, title words, what the work is, hourly pay range in yuan)
JOB_KINDS = [
    ("tutoring", ["初中数学家教", "高中英语家教", "小学语文辅导", "物理一对一辅导", "钢琴陪练", "编程启蒙老师"],
     "辅导学生完成作业，讲解错题，每次课后向家长反馈学习情况。", (40, 120)),
    ("promotion", ["超市促销员", "商场导购", "新品试吃推广", "手机卖场促销", "美妆柜台促销"],
     "在门店向顾客介绍新品、发放试用装，记录销售数据，服从店长安排。", (25, 40)),
    ("catering", ["咖啡店店员", "奶茶店兼职", "西餐厅服务员", "快餐店收银", "烘焙店帮工"],
     "负责点单收银、饮品制作或餐品传递，保持店面整洁，提供岗前培训。", (24, 32)),
    ("events", ["展会礼仪", "马拉松志愿补给", "音乐节检票", "会议签到接待", "发布会现场执行"],
     "协助活动现场布置、签到引导和物料管理，活动前有统一说明会。", (28, 45)),
    ("customer_service", ["电商售后客服", "酒店前台助理", "银行大堂引导", "电话回访专员"],
     "接听咨询电话或在线回复顾客问题，按话术记录工单并及时转交。", (24, 35)),
    ("logistics", ["快递分拣员", "仓库理货员", "图书馆上架助理", "同城配送助理"],
     "按单据分拣包裹、扫码入库，轻体力劳动，提供手套等防护用品。", (25, 35)),
    ("campus_ambassador", ["校园大使", "社团活动推广", "校园招聘宣讲助理"],
     "在校内组织宣传活动、收集同学反馈，每周提交活动总结。", (25, 40)),
    ("remote", ["线上数据标注", "在线翻译校对", "短视频字幕校对", "问卷录入"],
     "按平台规范完成线上任务，按件或按小时计酬，质量抽检合格后结算。", (26, 45)),
    ("other", ["宠物店助理", "花店包装助理", "摄影助理", "书店整理员"],
     "协助店主完成日常工作，工作内容与岗位描述一致，有专人带教。", (24, 35)),
]
SHIFT_STARTS = ["08:00", "09:00", "10:00", "13:00", "14:00", "17:00", "18:00", "19:00"]
# S2.1 "near me": workplaces scattered around their city's centre (data/reference/cn-city-areas.csv),
# normally with this spread, no further out than WORKPLACE_MAX_KM; drawn from their own random
# source so the rest of the data set is the same as before positions existed.
WORKPLACE_SPREAD_KM = 7.0
WORKPLACE_MAX_KM = 25.0


def workplace_position(rng: random.Random, city: str) -> tuple[float | None, float | None]:
    from jobs.geo import KM_PER_DEGREE, city_area

    area = city_area(city)
    if area is None:
        return None, None
    while True:
        north_km, east_km = rng.gauss(0, WORKPLACE_SPREAD_KM), rng.gauss(0, WORKPLACE_SPREAD_KM)
        if math.hypot(north_km, east_km) <= WORKPLACE_MAX_KM:
            break
    lat = area.lat + north_km / KM_PER_DEGREE
    lng = area.lng + east_km / (KM_PER_DEGREE * math.cos(math.radians(area.lat)))
    return round(lat, 6), round(lng, 6)


def step_jobs(ctx: Context, count: int) -> None:
    """Jobs of approved employers in every state (E2, J1, J2), with shifts and history."""
    from core.models import HistoryEntry
    from employers.models import Employer
    from jobs.models import Job, Shift, build_search_document

    job_type = _content_type(Job)
    approved = dict(((pk, (name, city, district)) for pk, name, city, district in
                     Employer.objects.filter(vetting_status="approved").values_list("pk", "name", "city", "district")))
    posters = [row for row in ctx.employers if row.id in approved]
    if not posters:
        return
    today = timezone.localdate(ctx.now)
    places = random.Random(0x6E656172)  # "near": positions only, the same in every data set
    specs, jobs = [], []
    for chunk in chunks(count):
        for _i in chunk:
            employer = ctx.rng.choice(posters)
            name, city, district = approved[employer.id]
            category, titles, description, (low, high) = ctx.rng.choice(JOB_KINDS)
            status = ctx.pick(JOB_STATUS_SHARES)
            remote = category == "remote"
            title = ctx.rng.choice(titles) + ("" if remote else f"（{district}）")
            live = status in ("published", "paused", "pending_review", "draft", "changes_requested")
            first_day = today + dt.timedelta(days=ctx.rng.randint(1, 30)) if live else \
                today - dt.timedelta(days=ctx.rng.randint(3, 120))
            start = dt.time.fromisoformat(ctx.rng.choice(SHIFT_STARTS))
            hours = ctx.rng.choice([2, 3, 4])
            days = [first_day + dt.timedelta(days=7 * w + d) for w in range(ctx.rng.randint(1, 3))
                    for d in sorted(ctx.rng.sample(range(6), ctx.rng.randint(1, 2)))]
            end = dt.time((start.hour + hours) % 24, start.minute)
            rate = ctx.rng.randint(low, high) * 100
            created = ctx.now - dt.timedelta(days=ctx.rng.randint(1, 40) if live else ctx.rng.randint(30, 200))
            submitted = None if status == "draft" else ctx.later(created, min_minutes=5, max_minutes=600)
            published = ctx.later(submitted, min_minutes=30, max_minutes=1440) if status in (
                "published", "paused", "closed", "expired", "taken_down") else None
            last_end = timezone.make_aware(dt.datetime.combine(days[-1], end))
            skills = ctx.rng.choice(["认真负责，守时", "普通话标准", "有相关经验者优先", "沟通能力好", ""])
            latitude, longitude = (None, None) if remote else workplace_position(places, city)
            jobs.append(Job(
                employer_id=employer.id, created_by_id=employer.owner_id, status=status, title=title,
                category=category, description=f"{description}工作地点：{city}{district}。",
                requirements_skills=skills,
                headcount=ctx.rng.randint(1, 10), is_remote=remote, city="" if remote else f"{city}市",
                district="" if remote else district,
                address="" if remote else f"{district}{ctx.rng.choice(STREETS)}{ctx.rng.randint(1, 999)}号",
                latitude=latitude, longitude=longitude,
                application_deadline=timezone.make_aware(dt.datetime.combine(first_day - dt.timedelta(days=1),
                                                                             dt.time(20))),
                pay_unit="hour", base_rate_fen=rate, hourly_pay_fen=rate,
                settlement_cycle=ctx.rng.choice(["daily", "weekly", "weekly"]), payment_days=ctx.rng.randint(1, 5),
                meal_allowance_fen=ctx.rng.choice([0, 0, 1500, 2000]),
                total_minutes=hours * 60 * len(days), first_shift_date=days[0], last_shift_end=last_end,
                search_document=build_search_document(
                    title=title, description=f"{description}工作地点：{city}{district}。", category=category,
                    skills=skills, certificates="", employer_name=name, district="" if remote else district,
                    city="" if remote else f"{city}市"),
                submitted_at=submitted, published_at=published, first_published_at=published,
                decided_at=published, decided_by_id=ctx.moderator() if published else None,
                content_updated_at=published or created, created_at=created, updated_at=published or created,
            ))
            specs.append((jobs.pop(), (days, start, end)))
    # Rows go in in the order they were created, as on a live platform (the heap
    # then follows time, like the indexes that sort by it).
    specs.sort(key=lambda spec: spec[0].created_at)
    for chunk in chunks(len(specs)):
        jobs = [specs[i][0] for i in chunk]
        planned = [specs[i][1] for i in chunk]
        insert(Job, jobs)
        insert(Shift, [Shift(job_id=job.pk, date=day, start_time=start, end_time=end)
                       for job, (days, start, end) in zip(jobs, planned, strict=True) for day in days])
        insert(HistoryEntry, [
            row for job in jobs if job.submitted_at for row in (
                history(job_type, job.pk, "submit", "draft", "pending_review", job.created_by_id, job.submitted_at),
                *([history(job_type, job.pk, "approve", "pending_review", "published", job.decided_by_id,
                           job.published_at)] if job.published_at else []),
            )
        ])


# ------------------------------------------------------------------------------
# Applications and engagements (S2.2, E3.1)
# ------------------------------------------------------------------------------
SHOWCASE_APPLICANTS = 1_000  # E3.1 budget: rank and list a job with 1,000 applicants
SHOWCASE_TITLE = "大型展会礼仪（基准测试：千人申请）"
APPLICATION_STATUS_SHARES = {"applied": 0.35, "rejected": 0.2, "withdrawn": 0.05, "expired": 0.05,
                             "offered": 0.05, "accepted": 0.3}
CATEGORIES = [kind[0] for kind in JOB_KINDS]


def _approved_students(ctx: Context) -> list[StudentRow]:
    return [row for row in ctx.students if row.status == "approved"]


def step_intentions(ctx: Context, count: int) -> None:
    """What approved students are looking for (E3.1): categories, cities, a weekly grid, pay."""
    from applications.models import StudentIntention
    from employers.models import Employer

    cities = sorted({f"{c}市" for c in Employer.objects.values_list("city", flat=True).distinct()})
    students = _approved_students(ctx)[:count]
    insert(StudentIntention, [StudentIntention(
        student_id=row.user_id, categories=ctx.rng.sample(CATEGORIES, ctx.rng.randint(1, 3)),
        cities=ctx.rng.sample(cities, min(len(cities), ctx.rng.randint(1, 2))), districts=[],
        availability=ctx.rng.getrandbits(28), expected_hourly_fen=ctx.rng.randint(20, 40) * 100,
        accepts_remote=ctx.rng.random() < 0.7, created_at=ctx.now, updated_at=ctx.now,
    ) for row in students])


def _application(ctx: Context, job_id: int, student_id: int, status: str, applied: dt.datetime):
    from applications.models import Application

    due = applied + dt.timedelta(days=3)
    closed = None if status in ("applied", "offered") else ctx.later(applied, min_minutes=30, max_minutes=4000)
    return Application(
        job_id=job_id, student_id=student_id, status=status, confirms_requirements=True, commits_to_work=True,
        message=ctx.rng.choice(["", "", "我有相关经验，时间可以保证。", "周末全天有空。"]), applied_at=applied,
        response_due_at=due, reminder_due_at=applied + dt.timedelta(days=1, hours=12),
        decided_at=closed if status in ("rejected", "offered", "accepted") else None,
        rejection_reason="时间安排不匹配。" if status == "rejected" else "",
        offer_expires_at=applied + dt.timedelta(days=1) if status in ("offered", "accepted") else None,
        closed_at=closed, created_at=applied, updated_at=closed or applied,
    )


def step_applications(ctx: Context, count: int) -> None:
    """Applications in every state on published jobs, one showcase job with 1,000
    applicants, and for accepted ones the engagement with its attendance rows."""
    from applications.models import Application, Attendance, Engagement
    from jobs.models import Job, Shift

    students = [row.user_id for row in _approved_students(ctx)]
    if not students:
        return
    jobs = list(Job.objects.filter(status="published").order_by("pk").values_list("pk", "employer_id", "headcount"))
    if not jobs:
        return
    showcase_id, _employer, _headcount = jobs[0]
    Job.objects.filter(pk=showcase_id).update(title=SHOWCASE_TITLE, headcount=200)
    pairs: dict[tuple[int, int], str] = {}
    for student_id in ctx.rng.sample(students, min(SHOWCASE_APPLICANTS, len(students))):
        pairs[(showcase_id, student_id)] = "applied"
    while len(pairs) < count + SHOWCASE_APPLICANTS and len(pairs) < len(jobs) * len(students):
        job_id = ctx.rng.choice(jobs)[0]
        pairs.setdefault((job_id, ctx.rng.choice(students)), ctx.pick(APPLICATION_STATUS_SHARES))
    employer_of = {pk: employer for pk, employer, _h in jobs}
    items = sorted(pairs.items())
    for chunk in chunks(len(items)):
        applications = insert(Application, [
            _application(ctx, job_id, student_id, status,
                         ctx.now - dt.timedelta(days=ctx.rng.randint(0, 20), minutes=ctx.rng.randint(0, 1440)))
            for (job_id, student_id), status in (items[i] for i in chunk)
        ])
        accepted = [a for a in applications if a.status == "accepted"]
        engagements = insert(Engagement, [Engagement(
            application_id=a.pk, job_id=a.job_id, employer_id=employer_of[a.job_id], student_id=a.student_id,
            status="active", started_at=a.closed_at, created_at=a.closed_at, updated_at=a.closed_at,
        ) for a in accepted])
        shifts: dict[int, list] = {}
        for shift in Shift.objects.filter(job_id__in={e.job_id for e in engagements}):
            shifts.setdefault(shift.job_id, []).append(shift)
        insert(Attendance, [Attendance(
            engagement_id=e.pk, shift_id=shift.pk, scheduled_minutes=shift.minutes,
            hours_due_at=shift.ends_at + dt.timedelta(hours=48), created_at=e.started_at, updated_at=e.started_at,
        ) for e in engagements for shift in shifts.get(e.job_id, [])])


# ------------------------------------------------------------------------------
# The ledger (E5.1, F3.1)
# ------------------------------------------------------------------------------
BIG_ACCOUNT_MEMO = "基准测试：百万分录账户"


@contextlib.contextmanager
def ledger_triggers_paused():
    """Bulk loading skips PostgreSQL's ledger triggers (the balanced check, the
    append-only guards); the rows written keep every invariant, and
    bench/run.py runs the integrity check over the result."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield


def step_ledger(ctx: Context, count: int) -> None:
    """One employer's escrow with `count` funding entries (E5.1 budget: read the
    balance of an account with 1,000,000 entries), balanced against the bank."""
    from finance.ledger import account_code
    from finance.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

    approved = [row for row in ctx.employers if row.status == "approved"]
    if not approved or not count:
        return
    escrow = LedgerAccount.objects.create(
        kind=AccountKind.EMPLOYER_ESCROW, employer_id=approved[0].id, created_at=ctx.now,
        code=account_code(AccountKind.EMPLOYER_ESCROW, employer_id=approved[0].id))
    bank = LedgerAccount.objects.create(kind=AccountKind.BANK_CLEARING, created_at=ctx.now,
                                        code=account_code(AccountKind.BANK_CLEARING))
    total = 0
    with ledger_triggers_paused():
        for chunk in chunks(count, size=20_000):
            txns = insert(LedgerTransaction, [LedgerTransaction(
                key=f"bench-funding-{i}", kind="escrow_funding", memo=BIG_ACCOUNT_MEMO, created_at=ctx.now,
            ) for i in chunk])
            amounts = [ctx.rng.randint(1, 500) * 100 for _ in chunk]
            total += sum(amounts)
            insert(LedgerEntry, [entry for txn, amount in zip(txns, amounts, strict=True) for entry in (
                LedgerEntry(transaction_id=txn.pk, account_id=bank.pk, amount_fen=amount, created_at=ctx.now),
                LedgerEntry(transaction_id=txn.pk, account_id=escrow.pk, amount_fen=-amount, created_at=ctx.now),
            )])
    LedgerAccount.objects.filter(pk=bank.pk).update(balance_fen=total)
    LedgerAccount.objects.filter(pk=escrow.pk).update(balance_fen=-total)


# ------------------------------------------------------------------------------
# The day's payout batch (S4.2, F3.2)
# ------------------------------------------------------------------------------
PAYOUT_BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行"]
PAYOUT_SETTLEMENTS_PER_STUDENT = 2  # a student with pay due usually has more than one finished job
# Income tax (docs/tax.md): one statement in this many is a long job paying ¥7,000–30,000, enough that the
# platform withholds tax (16号 cumulative method); the payout then pays the net.
PAYOUT_TAXED_EVERY = 10


def _bench_card_number(student_id: int) -> str:
    """A 19-digit bank card number passing the Luhn check, unique per student."""
    from stdnum import luhn

    body = f"622202{student_id:012d}"
    return body + luhn.calc_check_digit(body)


def _bench_wages(ctx: Context, number: int) -> int:
    """3–20 hours at ¥20.00; one statement in PAYOUT_TAXED_EVERY a month's long job of
    ¥7,000–30,000, on which the platform withholds income tax."""
    if number % PAYOUT_TAXED_EVERY == 0:
        return ctx.rng.randint(700, 3000) * 1000
    return ctx.rng.randint(6, 40) * 1000


def _bench_withhold(settlements: list, withholders: dict) -> list:
    """Withhold on each settlement as funding does (16号 cumulative method, docs/tax.md),
    each student's payments in order: sets `tax_fen`; returns (settlement, result) pairs."""
    from settlements.income_tax import CumulativeWithholder

    pairs = []
    for settlement in settlements:
        funded_on = timezone.localdate(settlement.funded_at)
        withholder = withholders.setdefault(settlement.student_id, CumulativeWithholder())
        result = withholder.pay(year=funded_on.year, month=funded_on.month, gross_fen=settlement.student_total_fen)
        settlement.tax_fen = result.tax_fen
        pairs.append((settlement, result))
    return pairs


def step_payouts_due(ctx: Context, count: int) -> None:
    """`count` funded settlements due for payout now (S4.2, F3.2 budget: build the
    day's batch of 100,000 in 60 s), on completed engagements of approved
    students who each have a default bank card; the ledger holds their pay:
    per employer a funding posting (Dr bank, Cr escrow) and per settlement its
    wages posting `settlement:<pk>:wages` (Dr escrow, Cr the student's payable,
    Cr commission revenue), written in bulk with the triggers paused and the
    running balances moved set-based. Income tax as funding withholds it
    (docs/tax.md): each settlement's TaxWithholding row by the cumulative method,
    the tax credited to TAX_PAYABLE and the payable credited the net; one in
    PAYOUT_TAXED_EVERY statements pays enough to be taxed."""
    from applications.models import Application, Engagement
    from core.crypto import keyed_hash
    from finance.ledger import _move_balances, account_code, accounts_for_students
    from finance.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
    from jobs.models import Job
    from settlements.models import PayoutMethod, Settlement, TaxMethod, TaxWithholding
    from settlements.withholding import FIGURES

    students = [row.user_id for row in _approved_students(ctx)]
    students = students[:max(1, math.ceil(count / PAYOUT_SETTLEMENTS_PER_STUDENT))]
    jobs = list(Job.objects.exclude(status="draft").order_by("pk").values_list("pk", "employer_id"))
    if not students or not jobs or not count:
        return
    taken = set(Application.objects.values_list("job_id", "student_id"))
    pairs: list[tuple[int, int, int]] = []  # (job, employer, student)
    job_index = 0
    for i in range(count):
        student_id = students[i % len(students)]
        for _attempt in range(len(jobs)):
            job_id, employer_id = jobs[job_index % len(jobs)]
            job_index += 1
            if (job_id, student_id) not in taken:
                taken.add((job_id, student_id))
                pairs.append((job_id, employer_id, student_id))
                break
    now = ctx.now
    finished = now - dt.timedelta(days=6)
    due = now - dt.timedelta(hours=1)
    insert(PayoutMethod, [PayoutMethod(
        student_id=student_id, kind=PayoutMethod.Kind.BANK_CARD, bank_name=ctx.rng.choice(PAYOUT_BANKS),
        account_number=(number := _bench_card_number(student_id)),
        account_hash=keyed_hash(f"{PayoutMethod.Kind.BANK_CARD}:{number}"), account_holder=ctx.person_name(),
        is_default=True, created_at=finished, updated_at=finished,
    ) for student_id in sorted({student for _j, _e, student in pairs})])
    revenue, bank, tax_payable = (LedgerAccount.objects.get_or_create(code=account_code(kind), defaults={
        "kind": kind, "created_at": now})[0] for kind in (AccountKind.REVENUE_COMMISSIONS, AccountKind.BANK_CLEARING,
                                                          AccountKind.TAX_PAYABLE))
    withholders: dict[int, object] = {}  # per student: their CumulativeWithholder, in funding order
    employers = sorted({employer for _j, employer, _s in pairs})
    LedgerAccount.objects.bulk_create([LedgerAccount(
        kind=AccountKind.EMPLOYER_ESCROW, employer_id=pk, created_at=now,
        code=account_code(AccountKind.EMPLOYER_ESCROW, employer_id=pk)) for pk in employers], ignore_conflicts=True)
    escrows = dict(LedgerAccount.objects.filter(kind=AccountKind.EMPLOYER_ESCROW, employer_id__in=employers)
                   .values_list("employer_id", "pk"))
    owed = sorted({student for _j, _e, student in pairs})
    LedgerAccount.objects.bulk_create([LedgerAccount(
        kind=AccountKind.STUDENT_PAYABLE, student_id=pk, created_at=now,
        code=account_code(AccountKind.STUDENT_PAYABLE, student_id=pk)) for pk in owed], ignore_conflicts=True)
    payables = {pk: a.pk for pk, a in accounts_for_students(owed).items()}
    deltas: dict[int, int] = {}

    def move(account_id: int, amount: int) -> None:
        deltas[account_id] = deltas.get(account_id, 0) + amount

    funded_by: dict[int, int] = {}
    with ledger_triggers_paused():
        for chunk in chunks(len(pairs)):
            rows = [pairs[i] for i in chunk]
            applications = insert(Application, [Application(
                job_id=job_id, student_id=student_id, status="accepted", confirms_requirements=True,
                commits_to_work=True, applied_at=finished - dt.timedelta(days=10),
                response_due_at=finished - dt.timedelta(days=7), reminder_due_at=finished - dt.timedelta(days=8),
                decided_at=finished - dt.timedelta(days=9), closed_at=finished - dt.timedelta(days=9),
                offer_expires_at=finished - dt.timedelta(days=8), created_at=finished - dt.timedelta(days=10),
                updated_at=finished - dt.timedelta(days=9),
            ) for job_id, _employer, student_id in rows])
            engagements = insert(Engagement, [Engagement(
                application_id=a.pk, job_id=job_id, employer_id=employer_id, student_id=student_id,
                status="completed", started_at=a.closed_at, completed_at=finished, created_at=a.closed_at,
                updated_at=finished,
            ) for a, (job_id, employer_id, student_id) in zip(applications, rows, strict=True)])
            settlements = []
            for number, engagement in zip(chunk, engagements, strict=True):
                wages = _bench_wages(ctx, number)
                commission = wages // 10
                settlements.append(Settlement(
                    engagement_id=engagement.pk, student_id=engagement.student_id,
                    employer_id=engagement.employer_id, status="funded", commission_percent=10, wages_fen=wages,
                    commission_fen=commission, student_total_fen=wages, employer_total_fen=wages + commission,
                    computed_at=finished, ready_at=finished, funding_due_at=finished + dt.timedelta(days=3),
                    funded_at=finished + dt.timedelta(hours=2), payout_due_at=due, created_at=finished,
                    updated_at=finished + dt.timedelta(hours=2)))
            withholdings = _bench_withhold(settlements, withholders)
            insert(Settlement, settlements)
            insert(TaxWithholding, [TaxWithholding(
                student_id=s.student_id, settlement_id=s.pk, method=TaxMethod.CUMULATIVE,
                available_fen=s.student_total_fen, reason=str(result.reason), created_at=s.funded_at,
                **{name: getattr(result, name) for name in FIGURES}) for s, result in withholdings])
            txns = insert(LedgerTransaction, [LedgerTransaction(
                key=f"settlement:{s.pk}:wages", kind="settlement_wages", memo=f"wages of settlement {s.pk}",
                created_at=s.funded_at) for s in settlements])
            entries = []
            for txn, s in zip(txns, settlements, strict=True):
                lines = [(escrows[s.employer_id], s.employer_total_fen),
                         (payables[s.student_id], -(s.student_total_fen - s.tax_fen)),
                         (revenue.pk, -s.commission_fen), (tax_payable.pk, -s.tax_fen)]
                for account_id, amount in [(account, amount) for account, amount in lines if amount]:
                    entries.append(LedgerEntry(transaction_id=txn.pk, account_id=account_id, amount_fen=amount,
                                               created_at=s.funded_at))
                    move(account_id, amount)
                funded_by[s.employer_id] = funded_by.get(s.employer_id, 0) + s.employer_total_fen
            insert(LedgerEntry, entries)
        # Each employer's bank transfers covered its settlements: escrow never went below zero.
        fundings = insert(LedgerTransaction, [LedgerTransaction(
            key=f"bench-payout-funding-{pk}", kind="escrow_funding", memo="基准测试：工资资金",
            created_at=finished) for pk in sorted(funded_by)])
        entries = []
        for txn, (employer_id, amount) in zip(fundings, sorted(funded_by.items()), strict=True):
            entries += [LedgerEntry(transaction_id=txn.pk, account_id=bank.pk, amount_fen=amount, created_at=finished),
                        LedgerEntry(transaction_id=txn.pk, account_id=escrows[employer_id], amount_fen=-amount,
                                    created_at=finished)]
            move(bank.pk, amount)
            move(escrows[employer_id], -amount)
        insert(LedgerEntry, entries)
    items = sorted((pk, delta) for pk, delta in deltas.items() if delta)
    for start in range(0, len(items), BATCH_SIZE):
        _move_balances(dict(items[start:start + BATCH_SIZE]))


# Credit events per student (K3.1): kinds in the proportions of a working platform.
STUDENT_CREDIT_KINDS = {"on_time_check_in": 0.45, "engagement_completed": 0.2, "review_received": 0.2,
                        "cancellation_with_notice": 0.05, "late_cancellation": 0.04, "no_show": 0.04,
                        "loss_caused": 0.005, "external_flag": 0.01, "sanction_warning": 0.005}
EMPLOYER_CREDIT_KINDS = {"review_received": 0.5, "application_unanswered": 0.3, "late_cancellation": 0.05,
                         "cancellation_with_notice": 0.05, "late_funding": 0.06, "guarantee_advanced": 0.01,
                         "payment_dispute_lost": 0.02, "violation_unpaid_overtime": 0.01}
CREDIT_EMPLOYER_SHARE = 0.1  # of the credit events: about employers
CREDIT_REVERSED_NO_SHOW_SHARE = 0.1  # no-shows overturned on appeal (a reversing row each)


def step_credit_events(ctx: Context, count: int) -> None:
    """`count` credit events (K3.1 budget: recompute every score of 50,000
    students in 60 s): about students (a user id) and employers, dated between
    the subject's sign-up and now, a review's value its rating, an external flag's
    its points; a share of the no-shows reversed by a reversing row."""
    from core.models import CreditEvent

    students = [(row.user_id, row.submitted) for row in ctx.students]
    employers = [(row.id, row.created) for row in ctx.employers]
    if not students or not count:
        return
    serial = 0
    student_kinds, student_weights = list(STUDENT_CREDIT_KINDS), list(STUDENT_CREDIT_KINDS.values())
    employer_kinds, employer_weights = list(EMPLOYER_CREDIT_KINDS), list(EMPLOYER_CREDIT_KINDS.values())
    for chunk in chunks(count, size=CHUNK_SIZE * 4):
        events = []
        for _ in chunk:
            serial += 1
            if employers and ctx.rng.random() < CREDIT_EMPLOYER_SHARE:
                subject_kind, (subject_id, since) = "employer", ctx.rng.choice(employers)
                kind = ctx.rng.choices(employer_kinds, employer_weights)[0]
            else:
                subject_kind, (subject_id, since) = "student", ctx.rng.choice(students)
                kind = ctx.rng.choices(student_kinds, student_weights)[0]
            value = (ctx.rng.choices([5, 4, 3, 2, 1], [55, 25, 10, 5, 5])[0] if kind == "review_received"
                     else ctx.rng.randint(-20, 5) if kind == "external_flag" else None)
            span = max(60, int((ctx.now - since).total_seconds()))
            at = since + dt.timedelta(seconds=ctx.rng.randint(0, span))
            events.append(CreditEvent(key=f"bench:credit:{serial}", subject_kind=subject_kind, subject_id=subject_id,
                                      kind=kind, reason=f"基准测试：{kind}", value=value, occurred_at=at,
                                      created_at=at))
        insert(CreditEvent, events)
        reversals = []
        for event in events:
            if event.kind == "no_show" and ctx.rng.random() < CREDIT_REVERSED_NO_SHOW_SHARE:
                at = ctx.later(event.occurred_at, min_minutes=60, max_minutes=60 * 24 * 5)
                reversals.append(CreditEvent(
                    key=f"{event.key}:reversed", subject_kind=event.subject_kind, subject_id=event.subject_id,
                    kind=event.kind, reason="基准测试：申诉成功", reverses_id=event.pk, occurred_at=at, created_at=at))
        insert(CreditEvent, reversals)


# The data set, in order. Counts: per × factor, at the run's scale.
STEPS: list[Step] = [
    Step("staff", step_staff, per="fixed", factor=sum(STAFF_PER_ROLE.values())),
    Step("employers", step_employers, per="employers", factor=1),
    Step("employer_verifications", step_employer_verifications, per="employers", factor=0.6),
    Step("employer_members", step_employer_members, per="employers", factor=0.2),
    Step("students", step_students, per="students", factor=1),
    Step("student_verifications", step_student_verifications, per="students", factor=0.4),
    Step("unfinished_signups", step_unfinished_signups, per="students", factor=0.03),
    Step("email_addresses", step_email_addresses, per="users", factor=1),
    Step("consents", step_consents, per="users", factor=2),
    Step("notifications", step_notifications, per="users", factor=2),
    Step("jobs", step_jobs, per="employers", factor=25),  # ≈100,000 published at full scale
    Step("intentions", step_intentions, per="students", factor=0.5),
    Step("applications", step_applications, per="students", factor=2),  # + the 1,000-applicant showcase job
    Step("ledger", step_ledger, per="employers", factor=200),  # 1,000,000 entries on one escrow at full scale
    Step("payouts_due", step_payouts_due, per="students", factor=2),  # 100,000 settlements due at full scale
    Step("credit_events", step_credit_events, per="students", factor=10),  # ≈500,000 at full scale
]


def generate(scale: Scale, *, log: Callable[[str], None] = print,
             only: tuple[str, ...] | None = None) -> dict[str, float]:
    """Write the data set (the steps named in `only`, or all) into the freshly migrated, empty database."""
    started = time.perf_counter()
    ctx = Context(scale=scale, rng=random.Random(SEED), now=timezone.now(),
                  password_hash=make_password(PASSWORD), pools=Pools.draw(SEED))
    seconds: dict[str, float] = {}
    with explicit_timestamps():
        for step in STEPS:
            if only is not None and step.name not in only:
                continue
            step_started = time.perf_counter()
            count = step.count(ctx)
            with transaction.atomic():
                step.func(ctx, count)
            seconds[step.name] = round(time.perf_counter() - step_started, 2)
            log(f"  {step.name:<24} {count:>9,}  {seconds[step.name]:6.1f} s")
    seconds["total"] = round(time.perf_counter() - started, 2)
    return seconds


def row_counts() -> dict[str, int]:
    """Exact row counts of every table of the project's apps (and allauth's
    e-mail addresses), for the results' "scale" section."""
    from django.conf import settings

    local = {name.split(".")[0] for name in settings.INSTALLED_APPS if "." not in name}
    counts = {}
    for model in apps.get_models(include_auto_created=True):  # with many-to-many tables
        if model._meta.app_label in local or model._meta.label == "account.EmailAddress":
            counts[model._meta.label_lower] = model.objects.count()
    return dict(sorted(counts.items()))
