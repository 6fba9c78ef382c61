"""Factories for reviews (S5.1, E6.1): completed engagements to review, the ratings
each side gives, and reviews written directly for aggregate tests."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from applications.models import Engagement
from reviews.models import Direction, Review
from tests.factories.settlements import worked_engagement

STUDENT_RATINGS = {"work_as_described": 5, "treatment_and_safety": 4, "communication": 5, "overall": 5}
EMPLOYER_RATINGS = {"work_performance": 4, "communication": 3, "overall": 4}


def completed_engagement(**kwargs) -> Engagement:
    """An engagement completed a day ago, with one shift of 3 confirmed hours."""
    return worked_engagement(hours=[(180, 0)], **kwargs)


def member_of(engagement: Engagement):
    """The owner of the engagement's employer (a user who may act for it)."""
    return engagement.employer.members.select_related("user").order_by("pk").first().user


class ReviewFactory(DjangoModelFactory):
    """A published review of an employer by the student (`about_student=True`: the other way)."""

    class Meta:
        model = Review

    class Params:
        about_student = factory.Trait(
            direction=Direction.EMPLOYER_REVIEWS_STUDENT,
            author=factory.LazyAttribute(lambda o: member_of(o.engagement)),
            work_performance=4, work_as_described=None, treatment_and_safety=None)

    engagement = factory.LazyFunction(completed_engagement)
    direction = Direction.STUDENT_REVIEWS_EMPLOYER
    author = factory.LazyAttribute(lambda o: o.engagement.student)
    student = factory.LazyAttribute(lambda o: o.engagement.student)
    employer = factory.LazyAttribute(lambda o: o.engagement.employer)
    work_as_described = 5
    treatment_and_safety = 5
    communication = 5
    overall = 5
    comment = "准时发工资，环境不错。"
    submitted_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyFunction(timezone.now)
