"""Factories for jobs (E2, J1): a lawful Shanghai tutoring job by default."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from jobs.models import Job, JobCategory, JobStatus, PayUnit, SettlementCycle, Shift, build_search_document
from jobs.schedule import ShiftSpec, hourly_pay_fen, schedule_facts
from tests.factories.employers import EmployerFactory

PUBLISHED_AGO = dt.timedelta(days=1)


def next_weekday(days_ahead: int = 7) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


class JobFactory(DjangoModelFactory):
    """A job with one 3-hour shift a week from now; pass status=... for other states."""

    class Meta:
        model = Job
        skip_postgeneration_save = True

    employer = factory.SubFactory(EmployerFactory, approved=True)
    title = factory.Sequence(lambda n: f"初中数学家教 {n}")
    category = JobCategory.TUTORING
    description = "辅导初二学生数学作业，每周两次，地点在学生家中。"
    requirements_skills = "数学基础扎实，有耐心。"
    headcount = 2
    city = "上海市"
    district = "徐汇区"
    address = "漕溪北路 88 号"
    application_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=5))
    pay_unit = PayUnit.HOUR
    base_rate_fen = 6000
    settlement_cycle = SettlementCycle.WEEKLY
    payment_days = 3
    # The minors declaration (docs/minors.md); the services derive closed_to_minors from it.
    minor_restricted_work = factory.LazyFunction(list)
    minor_restricted_venue = ""
    closed_to_minors = factory.LazyAttribute(lambda o: bool(o.minor_restricted_work or o.minor_restricted_venue))
    status = JobStatus.DRAFT
    search_document = factory.LazyAttribute(lambda o: build_search_document(
        title=o.title, description=o.description, category=o.category, skills=o.requirements_skills,
        certificates="", employer_name=o.employer.name, district=o.district, city=o.city))

    class Params:
        # Published a day ago, so past the early-access window (K3.1) and open to every
        # student; pass published_at=timezone.now() for a job that is brand new.
        published = factory.Trait(
            status=JobStatus.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - PUBLISHED_AGO),
            first_published_at=factory.LazyFunction(lambda: timezone.now() - PUBLISHED_AGO),
        )

    @factory.post_generation
    def shifts(self, create, extracted, **kwargs):
        """shifts=[(date, "18:00", "21:00"), …]; default one shift a week ahead."""
        specs = extracted or [(next_weekday(), "18:00", "21:00")]
        rows = []
        for day, start, end in specs:
            start_t = dt.time.fromisoformat(start) if isinstance(start, str) else start
            end_t = dt.time.fromisoformat(end) if isinstance(end, str) else end
            rows.append(ShiftSpec(day, start_t, end_t))
        if not create:
            return
        Shift.objects.bulk_create([Shift(job=self, date=s.date, start_time=s.start, end_time=s.end) for s in rows])
        facts = schedule_facts(rows)
        self.total_minutes = facts.total_minutes
        self.first_shift_date = facts.first_date
        self.last_shift_end = timezone.make_aware(facts.last_end)
        self.has_night_work = facts.has_night_work
        self.hourly_pay_fen = hourly_pay_fen(pay_unit=self.pay_unit, base_rate_fen=self.base_rate_fen,
                                             facts=facts, pieces_per_hour=self.pieces_per_hour) or 0
        self.save()
