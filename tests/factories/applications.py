"""Factories for applications and engagements (S2.2, S3, E3, E4).

They go through the services where the rule matters (an application gets its
P3 deadline from `application_apply`); `EngagementFactory` builds an accepted
application, the engagement and one Attendance per shift directly, for tests
about what happens after the hire."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from applications.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Engagement,
    StudentIntention,
)
from core.policy import get_policy
from core.working_days import working_days_after
from tests.factories.accounts import StudentProfileFactory
from tests.factories.jobs import JobFactory


def approved_student(**profile_kwargs):
    """A user whose student registration is approved (S1.2)."""
    return StudentProfileFactory(approved=True, **profile_kwargs).user


class StudentIntentionFactory(DjangoModelFactory):
    class Meta:
        model = StudentIntention

    student = factory.LazyFunction(approved_student)
    categories = factory.LazyFunction(lambda: ["tutoring"])
    cities = factory.LazyFunction(lambda: ["上海市"])
    districts = factory.LazyFunction(lambda: ["徐汇区"])
    availability = (1 << 28) - 1  # free at all times
    expected_hourly_fen = 3000


class ApplicationFactory(DjangoModelFactory):
    """An application waiting for the employer, applied `applied_at` (default now)."""

    class Meta:
        model = Application

    job = factory.SubFactory(JobFactory, published=True)
    student = factory.LazyFunction(approved_student)
    confirms_requirements = True
    commits_to_work = True
    applied_at = factory.LazyFunction(timezone.now)
    response_due_at = factory.LazyAttribute(
        lambda o: working_days_after(o.applied_at, get_policy().response_working_days))
    reminder_due_at = factory.LazyAttribute(lambda o: o.applied_at + (o.response_due_at - o.applied_at) / 2)
    status = ApplicationStatus.APPLIED


class EngagementFactory(DjangoModelFactory):
    """A hired student: accepted application, active engagement, one Attendance per shift."""

    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.ACCEPTED)
    job = factory.LazyAttribute(lambda o: o.application.job)
    employer = factory.LazyAttribute(lambda o: o.application.job.employer)
    student = factory.LazyAttribute(lambda o: o.application.student)

    @factory.post_generation
    def attendances(self, create, extracted, **kwargs):
        if not create:
            return
        hours = get_policy().hours_confirm_hours
        Attendance.objects.bulk_create([
            Attendance(engagement=self, shift=shift, scheduled_minutes=shift.minutes,
                       hours_due_at=shift.ends_at + dt.timedelta(hours=hours))
            for shift in self.job.shifts.all()
        ])
