"""Factories for employers, their members, invitations and verifications (E1)."""

import datetime as dt
import secrets

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from faker import Faker
from stdnum.cn import ric, uscc

from accounts.models import User
from core.crypto import keyed_hash
from core.vetting import VettingStatus
from employers.models import Employer, EmployerInvitation, EmployerMember, EmployerVerification
from tests.factories.accounts import UserFactory
from tests.support.files import pdf_bytes

fake_zh = Faker("zh_CN")


def make_uscc(body: str) -> str:
    """A unified social credit code with the right check character for its first 17 characters."""
    return body + uscc.calc_check_digit(body)


def uscc_for(n: int, *, authority: str = "9", kind: str = "1", region: str = "310115") -> str:
    # Characters 9–17 are the organisation code; a number keeps them unique.
    return make_uscc(f"{authority}{kind}{region}{n:09d}")


def make_resident_id(*, region: str = "110105", birth: str = "19800101", sequence: int = 123) -> str:
    """A resident ID number (Beijing Chaoyang by default) with the right check digit."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


class EmployerUserFactory(UserFactory):
    kind = User.Kind.EMPLOYER
    email = factory.Sequence(lambda n: f"boss{n}@company.example")


class EmployerFactory(DjangoModelFactory):
    """A submitted employer with its owner; `approved=True` for one that may post."""

    class Meta:
        model = Employer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"上海示例餐饮管理有限公司{n}")
    uscc = factory.Sequence(uscc_for)
    address = "张江路 100 号"
    city = "上海市"
    district = "浦东新区"
    business_scope = "餐饮服务；食品销售"
    contact_name = factory.LazyFunction(fake_zh.name)
    contact_mobile = factory.Sequence(lambda n: f"+861391234{n % 10000:04d}")
    business_licence = factory.django.FileField(data=pdf_bytes(), filename="licence.pdf")
    created_by = factory.SubFactory(EmployerUserFactory)
    vetting_status = VettingStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)

    class Params:
        approved = factory.Trait(vetting_status=VettingStatus.APPROVED)
        rejected = factory.Trait(vetting_status=VettingStatus.REJECTED, vetting_reason="营业执照模糊")

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        """The registering user becomes the owner (pass owner=False to skip)."""
        if create and extracted is not False and self.created_by is not None:
            EmployerMember.objects.create(employer=self, user=self.created_by, role=EmployerMember.Role.OWNER)


class EmployerMemberFactory(DjangoModelFactory):
    class Meta:
        model = EmployerMember

    employer = factory.SubFactory(EmployerFactory)
    user = factory.SubFactory(EmployerUserFactory)
    role = EmployerMember.Role.MEMBER


class EmployerInvitationFactory(DjangoModelFactory):
    class Meta:
        model = EmployerInvitation

    employer = factory.SubFactory(EmployerFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@company.example")
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    invited_by = factory.LazyAttribute(lambda o: o.employer.created_by)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class EmployerVerificationFactory(DjangoModelFactory):
    class Meta:
        model = EmployerVerification

    employer = factory.SubFactory(EmployerFactory, approved=True)
    legal_rep_name = factory.LazyFunction(fake_zh.name)
    legal_rep_id_number = factory.LazyFunction(make_resident_id)
    legal_rep_id_hash = factory.LazyAttribute(lambda o: keyed_hash(o.legal_rep_id_number))
    requested_by = factory.LazyAttribute(lambda o: o.employer.created_by)
    authorisation_confirmed_at = factory.LazyFunction(timezone.now)
