import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory
from faker import Faker

from accounts.models import GuardianConsent, StudentProfile, User
from core.vetting import VettingStatus

fake_zh = Faker("zh_CN")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    kind = User.Kind.STUDENT
    language = "en"  # tests read English; test_notifications_follow_the_users_language covers zh-hans
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class StaffFactory(UserFactory):
    """A staff member; pass role="moderator" (a role group, created after migrate by accounts.roles)."""

    kind = User.Kind.STAFF
    is_staff = True
    email = factory.Sequence(lambda n: f"staff{n}@jianzhi.example")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class StudentProfileFactory(DjangoModelFactory):
    class Meta:
        model = StudentProfile

    user = factory.SubFactory(UserFactory, kind=User.Kind.STUDENT)
    real_name = factory.LazyFunction(fake_zh.name)
    gender = StudentProfile.Gender.FEMALE
    date_of_birth = dt.date(2004, 3, 7)
    school = "复旦大学"
    major = "汉语言文学"
    enrolment_year = 2023
    mobile = factory.Sequence(lambda n: f"+861380013{n % 10000:04d}")
    vetting_status = VettingStatus.SUBMITTED
    submitted_at = factory.Faker("date_time_this_month", tzinfo=dt.UTC)

    class Params:
        approved = factory.Trait(vetting_status=VettingStatus.APPROVED)


class GuardianConsentFactory(DjangoModelFactory):
    """A minor's guardian's consent in force (Civil Code art. 19, docs/minors.md)."""

    class Meta:
        model = GuardianConsent

    student = factory.LazyFunction(lambda: StudentProfileFactory(approved=True, is_minor_worker=True,
                                                                 date_of_birth=dt.date(2008, 9, 1)).user)
    guardian_name = factory.LazyFunction(fake_zh.name)
    relationship = GuardianConsent.Relationship.MOTHER
    guardian_mobile = factory.Sequence(lambda n: f"+861390013{n % 10000:04d}")
    document_version = "2026-12"
