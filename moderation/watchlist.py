"""Employer accounts that look abnormal, surfaced to moderators.

The 2026 five-department notice on online recruitment information (《关于规范网络平台招聘类信息发布的
通知》) asks platforms to monitor recruitment accounts' behaviour and act on irregular ones
(docs/recruitment-rules.md). An employer is on the watch list when, within the window, it had many
posts refused, many reports against it, or any report that it asked students for money (J1.4: never
a fee). The list only surfaces accounts; sanctions stay a moderator's decision (K2)."""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from employers.models import Employer
from jobs.models import Job, JobStatus

from .models import Report

WINDOW_DAYS = 90
REFUSED_POSTS_THRESHOLD = 3   # rejected or taken down
REPORTS_THRESHOLD = 3         # reports of any kind against the employer or its jobs
FEE_REPORTS_THRESHOLD = 1     # one report of a fee demand is enough to look (J1.4)


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("employer_key").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def employers_to_watch(*, now=None) -> QuerySet[Employer]:
    """Employers over any threshold in the last WINDOW_DAYS days, with their counts
    (refused_posts, reports, fee_reports), worst first; one query."""
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    refused = Job.objects.filter(
        employer=OuterRef("pk"), status__in=[JobStatus.REJECTED, JobStatus.TAKEN_DOWN], decided_at__gte=since,
    ).annotate(employer_key=Value(1))
    reports = Report.objects.filter(
        Q(employer=OuterRef("pk")) | Q(job__employer=OuterRef("pk")), created_at__gte=since,
    ).exclude(status=Report.Status.DISMISSED).annotate(employer_key=Value(1))
    fee_reports = reports.filter(category=Report.Category.FEES_DEMANDED)
    return (
        Employer.objects.annotate(
            refused_posts=_count(refused), reports=_count(reports), fee_reports=_count(fee_reports),
        )
        .filter(Q(refused_posts__gte=REFUSED_POSTS_THRESHOLD) | Q(reports__gte=REPORTS_THRESHOLD)
                | Q(fee_reports__gte=FEE_REPORTS_THRESHOLD))
        .order_by("-fee_reports", "-reports", "-refused_posts", "pk")
    )
