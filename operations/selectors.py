"""Reads of operations (P2.1): the daily checks, the weekly reports, and what
each promotion campaign brought. Aggregates only: nothing here returns a name,
an e-mail address or a phone number."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Campaign, CampaignSignup, CampaignVisit, DailyCheck, TaskFailure, WeeklyReport

HEALTH_HISTORY_DAYS = 14
FAILED_TASKS_LISTED = 50


def daily_check_today() -> DailyCheck | None:
    return DailyCheck.objects.select_related("signed_off_by").filter(date=timezone.localdate()).first()


def task_failures_recent(*, hours: int = 24, limit: int = FAILED_TASKS_LISTED) -> list[TaskFailure]:
    """The newest failed tasks: task name, time and error class only (the rows hold nothing else)."""
    since = timezone.now() - dt.timedelta(hours=hours)
    return list(TaskFailure.objects.filter(at__gte=since).only("task_name", "at", "error_class")[:limit])


def daily_checks_recent(*, days: int = HEALTH_HISTORY_DAYS):
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return DailyCheck.objects.select_related("signed_off_by").filter(date__gte=since).order_by("-date")


def weekly_reports():
    return WeeklyReport.objects.only("pk", "week_start", "built_at", "emailed_at").order_by("-week_start")


def weekly_report_for(*, week_start: dt.date) -> WeeklyReport | None:
    return WeeklyReport.objects.filter(week_start=week_start).first()


def campaigns_with_totals():
    """Every campaign with its visits and sign-ups, in two subqueries (no N+1)."""
    visits = (CampaignVisit.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
              .annotate(total=Sum("count")).values("total"))
    signups = (CampaignSignup.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign")
               .annotate(total=Count("pk")).values("total"))
    return Campaign.objects.annotate(
        visits_total=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0)),
        signups_total=Coalesce(Subquery(signups, output_field=IntegerField()), Value(0)),
    ).order_by("-starts_on", "-id")


@dataclass(frozen=True)
class CampaignEffect:
    visits: int
    student_signups: int
    employer_signups: int
    approved_students: int
    approved_employers: int
    applications: int
    student_hires: int
    employer_hires: int
    budget_fen: int

    @property
    def signups(self) -> int:
        return self.student_signups + self.employer_signups

    @property
    def cost_per_signup_fen(self) -> int | None:
        return self.budget_fen // self.signups if self.signups else None

    @property
    def visit_to_signup_percent(self) -> float | None:
        return round(100 * self.signups / self.visits, 1) if self.visits else None


def campaign_effect(*, campaign: Campaign) -> CampaignEffect:
    """What the campaign brought (P2.1): visits, sign-ups by kind, approved
    registrations, and the applications and hires of the users it brought.
    Eight counting queries, whatever the campaign's size."""
    from accounts.models import StudentProfile, User
    from applications.models import Application, Engagement
    from core.vetting import VettingStatus
    from employers.models import Employer

    signups = CampaignSignup.objects.filter(campaign=campaign).aggregate(
        students=Count("pk", filter=Q(user__kind=User.Kind.STUDENT)),
        employers=Count("pk", filter=Q(user__kind=User.Kind.EMPLOYER)),
    )
    brought = Q(campaign_signup__campaign=campaign)
    student_ids = User.objects.filter(brought, kind=User.Kind.STUDENT).values("pk")
    employer_ids = Employer.objects.filter(members__user__campaign_signup__campaign=campaign).values("pk")
    return CampaignEffect(
        visits=CampaignVisit.objects.filter(campaign=campaign).aggregate(total=Sum("count"))["total"] or 0,
        student_signups=signups["students"],
        employer_signups=signups["employers"],
        approved_students=StudentProfile.objects.filter(user_id__in=student_ids,
                                                        vetting_status=VettingStatus.APPROVED).count(),
        approved_employers=Employer.objects.filter(pk__in=employer_ids, vetting_status=VettingStatus.APPROVED).count(),
        applications=Application.objects.filter(student_id__in=student_ids).count(),
        student_hires=Engagement.objects.filter(student_id__in=student_ids).count(),
        employer_hires=Engagement.objects.filter(employer_id__in=employer_ids).count(),
        budget_fen=campaign.budget_fen,
    )
