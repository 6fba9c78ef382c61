"""The weekly report (P2.1): feedback and market figures for one week (Monday to
Sunday, Asia/Shanghai), built by beat every Monday 08:00 for the week before
and e-mailed to operations and managers; the page draws its charts from the
stored figures and the XLSX is written from them too.

Every figure is a set-based aggregate (GROUP BY, COUNT, AVG; medians with
PostgreSQL's percentile_cont, in Python on SQLite) over rows of the week, so
a build costs a handful of queries whatever the platform's size (budget:
`weekly_report_s` ≤ 30 s over the bench data set). The figures are aggregates
only: no name, e-mail address or phone number is read, let alone stored."""

import datetime as dt
import io
import statistics
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Q, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.replica import using_replica

from .models import WeeklyReport

TOP_CITIES = 10
REPORT_VERSION = 1
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}


class Median(Aggregate):
    """PostgreSQL's continuous median of a numeric expression."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class EpochSeconds(Func):
    """Seconds in a PostgreSQL interval (timestamp - timestamp)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# ------------------------------------------------------------------ weeks
def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_week_start(now: dt.datetime | None = None) -> dt.date:
    """The Monday of the last complete week (Shanghai time)."""
    return week_monday(timezone.localdate(now or timezone.now())) - dt.timedelta(days=7)


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) in the platform's time zone (Asia/Shanghai)."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=7)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median_by(queryset, *, group: str, value: str) -> dict:
    """{group value: median of `value`} in one grouped query (Python on SQLite)."""
    if _is_postgres():
        rows = queryset.order_by().values(group).annotate(median=Median(value))
        return {row[group]: row["median"] for row in rows}
    values = defaultdict(list)
    for key, number in queryset.order_by().values_list(group, value):
        values[key].append(number)
    return {key: float(statistics.median(numbers)) for key, numbers in values.items()}


# ------------------------------------------------------------------ sections
def _feedback(start: dt.datetime, end: dt.datetime) -> dict:
    from support.models import Ticket

    opened = (Ticket.objects.filter(created_at__gte=start, created_at__lt=end).order_by().values("category")
              .annotate(count=Count("pk")).order_by("-count", "category"))
    by_category = [{"category": row["category"], "count": row["count"]} for row in opened]
    rated = Ticket.objects.filter(rated_at__gte=start, rated_at__lt=end, satisfaction__isnull=False).aggregate(
        average=Avg("satisfaction"), count=Count("pk"))
    resolved = Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count()
    return {
        "tickets_by_category": by_category,
        "tickets_opened": sum(row["count"] for row in by_category),
        "tickets_resolved": resolved,
        "ratings": rated["count"],
        "average_satisfaction": round(float(rated["average"]), 2) if rated["average"] is not None else None,
    }


def _market(start: dt.datetime, end: dt.datetime, week_start: dt.date) -> dict:
    from applications.models import Application, ApplicationStatus, Attendance, AttendanceStatus, Engagement
    from jobs.models import Job
    from settlements.models import Settlement

    new_jobs = Job.objects.filter(first_published_at__gte=start, first_published_at__lt=end)
    by_city = list(new_jobs.order_by().values("city").annotate(count=Count("pk")).order_by("-count", "city")
                   [:TOP_CITIES])
    by_category = list(new_jobs.order_by().values("category").annotate(count=Count("pk"))
                       .order_by("-count", "category"))
    medians = _median_by(new_jobs.filter(hourly_pay_fen__gt=0), group="category", value="hourly_pay_fen")
    totals = new_jobs.aggregate(jobs=Count("pk"), places=Sum("headcount"))
    jobs_count, places = totals["jobs"] or 0, totals["places"] or 0
    # Applications to the week's new jobs, whenever made; a place is filled by a hire (accepted offer).
    applied = Application.objects.filter(job__first_published_at__gte=start, job__first_published_at__lt=end) \
        .aggregate(total=Count("pk"), hired=Count("pk", filter=Q(status=ApplicationStatus.ACCEPTED)))

    # Time to hire: from the application to the accepted offer, for hires made this week.
    hires = Engagement.objects.filter(started_at__gte=start, started_at__lt=end)
    if _is_postgres():
        hire_stats = hires.aggregate(count=Count("pk"),
                                     median=Median(EpochSeconds(F("started_at") - F("application__applied_at"))))
        hires_count, median_seconds = hire_stats["count"], hire_stats["median"]
    else:
        waits = [(started - applied_at).total_seconds()
                 for started, applied_at in hires.values_list("started_at", "application__applied_at")]
        hires_count, median_seconds = len(waits), (statistics.median(waits) if waits else None)

    # No-shows among the week's shifts whose attendance was settled (attended or not).
    week_end = week_start + dt.timedelta(days=6)
    attendance = Attendance.objects.filter(shift__date__gte=week_start, shift__date__lte=week_end).aggregate(
        settled=Count("pk", filter=Q(status__in=[AttendanceStatus.ATTENDED, AttendanceStatus.CHECKED_IN,
                                                 AttendanceStatus.NO_SHOW])),
        no_shows=Count("pk", filter=Q(status=AttendanceStatus.NO_SHOW)))

    # Payouts due this week, and how many were paid by their due time (S4.2).
    payouts = Settlement.objects.filter(payout_due_at__gte=start, payout_due_at__lt=end).aggregate(
        due=Count("pk"), on_time=Count("pk", filter=Q(paid_at__isnull=False, paid_at__lte=F("payout_due_at"))))

    return {
        "new_jobs": jobs_count,
        "jobs_by_city": [{"city": row["city"], "count": row["count"]} for row in by_city],
        "jobs_by_category": [{"category": row["category"], "count": row["count"]} for row in by_category],
        "median_hourly_pay_fen_by_category": [
            {"category": category, "median_fen": round(median)} for category, median in
            sorted(medians.items(), key=lambda item: (-item[1], item[0])) if median is not None],
        "places_offered": places,
        "places_filled": applied["hired"],
        "fill_rate": _share(applied["hired"], places),
        "applications": applied["total"],
        "applications_per_job": round(applied["total"] / jobs_count, 2) if jobs_count else None,
        "hires": hires_count,
        "median_hours_to_hire": round(median_seconds / 3600, 1) if median_seconds is not None else None,
        "shifts_settled": attendance["settled"],
        "no_shows": attendance["no_shows"],
        "no_show_rate": _share(attendance["no_shows"], attendance["settled"]),
        "payouts_due": payouts["due"],
        "payouts_on_time": payouts["on_time"],
        "payout_timeliness": _share(payouts["on_time"], payouts["due"]),
    }


def weekly_report_figures(*, week_start: dt.date) -> dict:
    start, end = week_bounds(week_start)
    return {
        "version": REPORT_VERSION,
        "week_start": week_start.isoformat(),
        "week_end": (week_start + dt.timedelta(days=6)).isoformat(),
        "feedback": _feedback(start, end),
        "market": _market(start, end, week_start),
    }


# ------------------------------------------------------------------ services
def weekly_report_build(*, week_start: dt.date) -> WeeklyReport:
    """Build (or rebuild) the report of the week starting `week_start`, a Monday
    (P2.1). Idempotent: a rebuild replaces the figures and keeps `emailed_at`,
    so the e-mail is never sent twice."""
    if week_start.weekday() != 0:
        raise ValueError("a weekly report starts on a Monday")
    with using_replica():  # a past week's figures tolerate the replica's lag (issue 22)
        figures = weekly_report_figures(week_start=week_start)
    with transaction.atomic():
        report, _created = WeeklyReport.objects.update_or_create(
            week_start=week_start, defaults={"data": figures, "built_at": timezone.now()})
    return report


def _recipients():
    from accounts.models import User
    from accounts.roles import MANAGER, OPERATIONS

    return (User.objects.filter(is_active=True, groups__name__in=[OPERATIONS, MANAGER]).distinct()
            .order_by("pk"))


def weekly_report_email(*, report_id: int) -> bool:
    """E-mail the report's summary and link to operations and managers, once
    (emailed_at is set in the same transaction as the notifications are written)."""
    from django.urls import reverse

    from core.notifications import notify

    with transaction.atomic():
        report = WeeklyReport.objects.select_for_update().get(pk=report_id)
        if report.emailed_at is not None:
            return False
        market, feedback = report.data.get("market", {}), report.data.get("feedback", {})
        link = reverse("operations:report", kwargs={"week": report.week_start.isoformat()})
        week = report.week_start.isoformat()
        subject = format_lazy(gettext_lazy("Weekly report for the week of {week}"), week=week)
        body = format_lazy(
            gettext_lazy("New jobs: {jobs}. Applications to them: {applications}. Hires: {hires}. "
                         "Tickets opened: {tickets}, resolved: {resolved}. Open the report for the charts, "
                         "the fill rate, pay, no-shows and payout timeliness."),
            week=week, jobs=market.get("new_jobs", 0), applications=market.get("applications", 0),
            hires=market.get("hires", 0), tickets=feedback.get("tickets_opened", 0),
            resolved=feedback.get("tickets_resolved", 0))
        for recipient in _recipients():
            notify(recipient=recipient, subject=subject, body=body, link=link)
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return True


def weekly_report_run(*, now: dt.datetime | None = None) -> WeeklyReport:
    """Beat's Monday 08:00 run: build last week's report and e-mail it if not done yet."""
    report = weekly_report_build(week_start=last_week_start(now))
    weekly_report_email(report_id=report.pk)
    return report


# ------------------------------------------------------------------ display
def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def report_tables(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """The report as (section, headers, rows) tables, labels in the active language;
    the page's tables and the XLSX sheets are both drawn from this."""
    from jobs.models import JobCategory
    from support.models import Ticket

    categories, ticket_categories = _labels(JobCategory.choices), _labels(Ticket.Category.choices)
    feedback, market = data.get("feedback", {}), data.get("market", {})

    def percent(value):
        return "" if value is None else round(value * 100, 1)

    def blank(value):
        return "" if value is None else value

    summary = [
        [_("Tickets opened"), feedback.get("tickets_opened", 0)],
        [_("Tickets resolved"), feedback.get("tickets_resolved", 0)],
        [_("Average satisfaction (1–5)"), blank(feedback.get("average_satisfaction"))],
        [_("Ratings given"), feedback.get("ratings", 0)],
        [_("New jobs"), market.get("new_jobs", 0)],
        [_("Places offered"), market.get("places_offered", 0)],
        [_("Places filled"), market.get("places_filled", 0)],
        [_("Fill rate (%)"), percent(market.get("fill_rate"))],
        [_("Applications"), market.get("applications", 0)],
        [_("Applications per job"), blank(market.get("applications_per_job"))],
        [_("Hires"), market.get("hires", 0)],
        [_("Median time to hire (hours)"), blank(market.get("median_hours_to_hire"))],
        [_("Shifts with attendance recorded"), market.get("shifts_settled", 0)],
        [_("No-shows"), market.get("no_shows", 0)],
        [_("No-show rate (%)"), percent(market.get("no_show_rate"))],
        [_("Payouts due"), market.get("payouts_due", 0)],
        [_("Paid by the due time"), market.get("payouts_on_time", 0)],
        [_("Payout timeliness (%)"), percent(market.get("payout_timeliness"))],
    ]
    return [
        (_("Summary"), [_("Figure"), _("Value")], summary),
        (_("Tickets"), [_("Category"), _("Opened")],
         [[ticket_categories.get(r["category"], r["category"]), r["count"]]
          for r in feedback.get("tickets_by_category", [])]),
        (_("Jobs by city"), [_("City"), _("New jobs")],
         [[r["city"] or _("No city (online work)"), r["count"]] for r in market.get("jobs_by_city", [])]),
        (_("Jobs by category"), [_("Category"), _("New jobs")],
         [[categories.get(r["category"], r["category"]), r["count"]] for r in market.get("jobs_by_category", [])]),
        (_("Median pay"), [_("Category"), _("Median hourly pay (yuan)")],
         [[categories.get(r["category"], r["category"]), round(r["median_fen"] / 100, 2)]
          for r in market.get("median_hourly_pay_fen_by_category", [])]),
    ]


def chart_data(data: dict) -> dict:
    """What static/operations/weekly_report.js draws, labels in the active language."""
    from jobs.models import JobCategory
    from support.models import Ticket

    categories, ticket_categories = _labels(JobCategory.choices), _labels(Ticket.Category.choices)
    feedback, market = data.get("feedback", {}), data.get("market", {})
    filled, offered = market.get("places_filled", 0), market.get("places_offered", 0)
    return {
        "jobs_by_category": {
            "title": _("New jobs by category"),
            "labels": [categories.get(r["category"], r["category"]) for r in market.get("jobs_by_category", [])],
            "values": [r["count"] for r in market.get("jobs_by_category", [])]},
        "median_pay": {
            "title": _("Median hourly pay by category (yuan)"),
            "labels": [categories.get(r["category"], r["category"])
                       for r in market.get("median_hourly_pay_fen_by_category", [])],
            "values": [round(r["median_fen"] / 100, 2) for r in market.get("median_hourly_pay_fen_by_category", [])]},
        "tickets": {
            "title": _("Tickets opened by category"),
            "labels": [ticket_categories.get(r["category"], r["category"])
                       for r in feedback.get("tickets_by_category", [])],
            "values": [r["count"] for r in feedback.get("tickets_by_category", [])]},
        "fill_rate": {
            "title": _("Places filled"),
            "labels": [_("Filled"), _("Still open")],
            "values": [filled, max(offered - filled, 0)]},
    }


def weekly_report_xlsx(report: WeeklyReport) -> bytes:
    """The report as a workbook, one sheet per section; formulas, URLs and
    numbers in text are never interpreted (a city named "=1+1" stays text)."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True})
    for name, headers, rows in report_tables(report.data):
        sheet = workbook.add_worksheet(str(name)[:31])
        for col, header in enumerate(headers):
            sheet.write_string(0, col, str(header), bold)
        for row_number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(row_number, col, value)
                else:
                    sheet.write_string(row_number, col, str(value))
        sheet.set_column(0, max(len(headers) - 1, 0), 28)
    workbook.close()
    return output.getvalue()
