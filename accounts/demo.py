"""Demo data for accounts (used by `manage.py seed_demo`): one login per staff
role with TOTP already enrolled, and students in every vetting state."""

import base64
import datetime as dt
import hashlib
import random

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group
from django.utils import timezone

from . import roles, services
from .models import Consent, StudentProfile, User

DEMO_PASSWORD = "Jianzhi-demo-2026"
DEMO_DOMAIN = "demo.jianzhi.example"

STAFF_LOGINS = {
    roles.MODERATOR: f"moderator@{DEMO_DOMAIN}",
    roles.CUSTOMER_SERVICE: f"service@{DEMO_DOMAIN}",
    roles.OPERATIONS: f"operations@{DEMO_DOMAIN}",
    roles.FINANCE: f"finance@{DEMO_DOMAIN}",
    roles.AUDITOR: f"auditor@{DEMO_DOMAIN}",
    roles.MANAGER: f"manager@{DEMO_DOMAIN}",
}
STUDENT_LOGIN = f"student@{DEMO_DOMAIN}"
PENDING_STUDENT_LOGIN = f"student.pending@{DEMO_DOMAIN}"
# The demo student's verified mobile number (issue 20): `make run` can try signing in with an SMS code.
STUDENT_PHONE = "+8613800138000"

SCHOOLS = [
    ("复旦大学", "上海"), ("上海交通大学", "上海"), ("同济大学", "上海"), ("华东师范大学", "上海"),
    ("北京大学", "北京"), ("清华大学", "北京"), ("中国人民大学", "北京"), ("北京师范大学", "北京"),
    ("浙江大学", "杭州"), ("南京大学", "南京"), ("武汉大学", "武汉"), ("中山大学", "广州"),
    ("四川大学", "成都"), ("重庆大学", "重庆"), ("湖南大学", "长沙"), ("深圳大学", "深圳"),
]
MAJORS = ["计算机科学与技术", "汉语言文学", "英语", "会计学", "市场营销", "数学与应用数学", "新闻学",
          "临床医学", "法学", "机械工程", "金融学", "视觉传达设计", "教育学", "旅游管理"]


def demo_totp_secret(email: str) -> str:
    """A fixed, per-account secret so newcomers can add demo staff to an authenticator app."""
    return base64.b32encode(hashlib.sha256(f"jianzhi-demo:{email}".encode()).digest()[:20]).decode()


def _verified_user(email: str, kind: str, **extra) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(email=email, defaults={"kind": kind, **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        services.consent_record(user=user, kind=Consent.Kind.USER_AGREEMENT)
        services.consent_record(user=user, kind=Consent.Kind.PRIVACY_POLICY)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


def seed_staff() -> dict[str, User]:
    staff = {}
    for role, email in STAFF_LOGINS.items():
        user, _created = _verified_user(email, User.Kind.STAFF, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            Authenticator.objects.create(
                user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(demo_totp_secret(email))}
            )
        staff[role] = user
    return staff


def _student_data(fake, rng: random.Random, *, minor: bool = False) -> dict:
    today = timezone.localdate()
    age = rng.choice([16, 17]) if minor else rng.randint(18, 24)
    born = today.replace(year=today.year - age) - dt.timedelta(days=rng.randint(1, 300))
    school, _city = rng.choice(SCHOOLS)
    return {
        "real_name": fake.name(),
        "gender": rng.choice(["female", "male"]),
        "date_of_birth": born,
        "school": school,
        "major": rng.choice(MAJORS),
        "enrolment_year": today.year - rng.randint(0, 3),
        "mobile": f"+86{rng.choice(['138', '139', '150', '186', '177'])}{rng.randint(10000000, 99999999)}",
        "contact_note": "",
    }


def seed_students(*, moderator: User, count: int = 12) -> None:
    from faker import Faker

    fake = Faker("zh_CN")
    Faker.seed(20261127)
    rng = random.Random(20261127)
    plan = [(STUDENT_LOGIN, "approved", False), (PENDING_STUDENT_LOGIN, "submitted", False)]
    states = ["approved", "approved", "approved", "submitted", "submitted", "rejected", "info_requested", "draft"]
    for i in range(count):
        plan.append((f"student{i + 1:02d}@{DEMO_DOMAIN}", states[i % len(states)], i == 3))
    for email, state, minor in plan:
        user, _created = _verified_user(email, User.Kind.STUDENT)
        if email == STUDENT_LOGIN and user.phone is None and not User.objects.filter(phone=STUDENT_PHONE).exists():
            services.user_phone_set(user=user, phone=STUDENT_PHONE, verified=True)
        if StudentProfile.objects.filter(user=user).exists() or state == "draft":
            continue
        profile = services.student_profile_submit(user=user, data=_student_data(fake, rng, minor=minor))
        if state == "approved":
            services.student_profile_approve(pk=profile.pk, actor=moderator)
        elif state == "rejected":
            services.student_profile_reject(pk=profile.pk, actor=moderator,
                                            reason="学校名称与学生证不一致，请核对后重新提交。")
        elif state == "info_requested":
            services.student_profile_request_info(pk=profile.pk, actor=moderator,
                                                  reason="请补充学生证照片或学信网在线验证码。")
