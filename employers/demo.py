"""Demo data for employers (used by `manage.py seed_demo`): organisations in
every vetting state, each registered and vetted through the services."""

import io
import random

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw
from stdnum.cn import uscc

from accounts.demo import DEMO_DOMAIN, _verified_user
from accounts.models import User
from core.uploads import IMAGE, PDF, clean_upload

from . import services
from .models import Employer, EmployerMember

EMPLOYER_LOGIN = f"employer@{DEMO_DOMAIN}"
PENDING_EMPLOYER_LOGIN = f"employer.pending@{DEMO_DOMAIN}"

ORGANISATIONS = [
    # name, city, district, address, scope, state
    ("上海青禾餐饮管理有限公司", "上海市", "徐汇区", "漕溪北路 88 号", "餐饮服务；餐饮管理", "approved"),
    ("北京启明教育咨询有限公司", "北京市", "海淀区", "中关村大街 27 号", "教育咨询；课外辅导", "submitted"),
    ("杭州云帆会展服务有限公司", "杭州市", "西湖区", "文三路 90 号", "会议及展览服务；礼仪服务", "approved"),
    ("广州悦购商贸有限公司", "广州市", "天河区", "天河路 208 号", "日用百货销售；市场营销策划", "approved"),
    ("成都速达物流有限公司", "成都市", "武侯区", "人民南路四段 9 号", "普通货物仓储；装卸搬运", "info_requested"),
    ("南京知行文化传媒有限公司", "南京市", "鼓楼区", "汉中路 2 号", "文化艺术交流活动策划", "rejected"),
    ("武汉星辰网络科技有限公司", "武汉市", "洪山区", "珞喻路 1037 号", "软件开发；客户服务外包", "approved"),
]


def _uscc(n: int) -> str:
    body = f"91{310104 + n:06d}MA{n:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def _licence_image(name: str) -> ContentFile:
    image = Image.new("RGB", (640, 440), (250, 246, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 624, 424), outline=(180, 30, 30), width=6)
    draw.text((40, 60), "BUSINESS LICENCE (DEMO)", fill=(180, 30, 30))
    draw.text((40, 120), f"#{abs(hash(name)) % 10**8}", fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return clean_upload(ContentFile(out.getvalue(), name="licence.jpg"), allowed=(IMAGE, PDF),
                        folder="employer-documents")


def seed_employers(*, moderator: User) -> None:
    rng = random.Random(20261127)
    for index, (name, city, district, address, scope, state) in enumerate(ORGANISATIONS):
        if index == 0:
            email = EMPLOYER_LOGIN
        elif index == 1:
            email = PENDING_EMPLOYER_LOGIN
        else:
            email = f"employer{index:02d}@{DEMO_DOMAIN}"
        user, _created = _verified_user(email, User.Kind.EMPLOYER)
        if EmployerMember.objects.filter(user=user).exists() or Employer.objects.filter(name=name).exists():
            continue
        employer = services.employer_register(user=user, data={
            "name": name, "uscc": _uscc(index), "address": address, "city": city, "district": district,
            "business_scope": scope, "contact_name": ["王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏"][index],
            "contact_mobile": f"+86139{rng.randint(10000000, 99999999)}",
            "business_licence": _licence_image(name),
        })
        if state == "approved":
            services.employer_approve(pk=employer.pk, actor=moderator)
        elif state == "rejected":
            services.employer_reject(pk=employer.pk, actor=moderator, reason="营业执照与统一社会信用代码不一致。")
        elif state == "info_requested":
            services.employer_request_info(pk=employer.pk, actor=moderator,
                                           reason="请补充道路运输经营许可证或说明分拣工作地点。")
