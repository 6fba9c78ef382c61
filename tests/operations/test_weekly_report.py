"""The weekly report (P2.1): figures on a small hand-made week whose numbers can
be checked by hand, idempotent rebuilds, beat's e-mail sent once, the page with
its charts' data, the XLSX, aggregates only, and who may read it."""

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationStatus, Attendance, AttendanceStatus, Engagement
from jobs.models import Job, JobCategory
from operations import reports
from operations.models import WeeklyReport
from settlements.models import Settlement
from support.models import Ticket
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.applications import ApplicationFactory, EngagementFactory, approved_student
from tests.factories.jobs import JobFactory

WEEK = dt.date(2026, 11, 16)  # Monday; the week runs to Sunday 22 November (Shanghai)


def at(day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """November `day` 2026 at hour:minute, Shanghai time."""
    return timezone.make_aware(dt.datetime(2026, 11, day, hour, minute))


def _job(*, published: dt.datetime, shift_day: int = 18, **kwargs) -> Job:
    job = JobFactory(published=True, shifts=[(dt.date(2026, 11, shift_day), "18:00", "21:00")], **kwargs)
    Job.objects.filter(pk=job.pk).update(first_published_at=published, published_at=published)
    job.refresh_from_db()
    return job


def _hire(job: Job, *, applied: dt.datetime, hired: dt.datetime, attendance: str = AttendanceStatus.EXPECTED,
          student=None) -> Engagement:
    engagement = EngagementFactory(application__job=job, application__applied_at=applied,
                                   **({"application__student": student} if student else {}))
    Application.objects.filter(pk=engagement.application_id).update(applied_at=applied)
    Engagement.objects.filter(pk=engagement.pk).update(started_at=hired)
    Attendance.objects.filter(engagement=engagement).update(status=attendance)
    return engagement


def _settlement(engagement: Engagement, *, due: dt.datetime, paid: dt.datetime | None) -> Settlement:
    settlement = Settlement.objects.create(engagement=engagement, student=engagement.student,
                                           employer=engagement.employer)
    Settlement.objects.filter(pk=settlement.pk).update(payout_due_at=due, paid_at=paid)
    return settlement


def _ticket(*, category: str, created: dt.datetime, resolved: dt.datetime | None = None,
            satisfaction: int | None = None, rated: dt.datetime | None = None) -> Ticket:
    ticket = Ticket.objects.create(user=UserFactory(), category=category, subject="s", body="b",
                                   first_response_due_at=created + dt.timedelta(hours=8))
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, resolved_at=resolved, satisfaction=satisfaction,
                                               rated_at=rated)
    return ticket


@pytest.fixture
def week(db):
    """The hand-made week (every number below is checked by hand in the tests):

    - new jobs: two tutoring jobs in 上海市 (60 and 80 yuan an hour, 2 places each) and one catering job in
      北京市 (30 yuan, 4 places); a tutoring job of the week before and one of the week after do not count;
    - applications to the new jobs: 6, of which 3 hired (fill rate 3/8), 1 rejected, 2 waiting;
    - hires this week after 10, 20 and 48 hours (median 20); a hire of the week before does not count;
    - attendance on the week's shifts: 2 attended, 1 no-show, 1 still expected (no-show rate 1/3);
    - payouts due this week: one paid early, one paid a day late, one unpaid (timeliness 1/3);
    - tickets: 2 complaints and 1 question opened, 1 resolved, rated 4 and 5 (average 4.5).
    """
    tutor_60 = _job(published=at(16, 9), base_rate_fen=6000, headcount=2, city="上海市")
    tutor_80 = _job(published=at(17, 9), base_rate_fen=8000, headcount=2, city="上海市")
    catering = _job(published=at(22, 23, 30), base_rate_fen=3000, headcount=4, city="北京市",
                    category=JobCategory.CATERING, shift_day=19)
    before = _job(published=at(15, 23, 59), base_rate_fen=20000, headcount=5, city="广州市")
    _job(published=at(23, 0, 0), base_rate_fen=20000, headcount=5, city="广州市", shift_day=25)

    student = approved_student()
    hired = [
        _hire(tutor_60, applied=at(16, 10), hired=at(16, 20), attendance=AttendanceStatus.ATTENDED, student=student),
        _hire(tutor_60, applied=at(17, 10), hired=at(18, 6), attendance=AttendanceStatus.NO_SHOW),
        _hire(catering, applied=at(17, 12), hired=at(19, 12), attendance=AttendanceStatus.ATTENDED),
    ]
    _hire(before, applied=at(10), hired=at(12))  # hired the week before; its shift (18th) is still expected
    ApplicationFactory(job=tutor_60, status=ApplicationStatus.REJECTED)
    ApplicationFactory(job=catering)
    ApplicationFactory(job=catering)

    _settlement(hired[0], due=at(17, 10), paid=at(17, 9))
    _settlement(hired[1], due=at(18, 10), paid=at(19, 10))
    _settlement(hired[2], due=at(20, 10), paid=None)
    _settlement(EngagementFactory(), due=at(24, 10), paid=at(24, 9))  # due next week

    _ticket(category=Ticket.Category.COMPLAINT, created=at(16), resolved=at(18), satisfaction=4, rated=at(18))
    _ticket(category=Ticket.Category.COMPLAINT, created=at(20))
    _ticket(category=Ticket.Category.QUESTION, created=at(21), satisfaction=5, rated=at(22, 23))
    _ticket(category=Ticket.Category.QUESTION, created=at(23, 1))  # next week
    return {"student": student, "tutor_80": tutor_80}


def test_p2_1_weekly_report_figures_on_a_hand_made_week(week):
    # when
    report = reports.weekly_report_build(week_start=WEEK)
    # then
    market, feedback = report.data["market"], report.data["feedback"]
    assert report.data["week_start"] == "2026-11-16" and report.data["week_end"] == "2026-11-22"
    assert market["new_jobs"] == 3
    assert market["jobs_by_city"] == [{"city": "上海市", "count": 2}, {"city": "北京市", "count": 1}]
    assert market["jobs_by_category"] == [{"category": "tutoring", "count": 2}, {"category": "catering", "count": 1}]
    assert market["median_hourly_pay_fen_by_category"] == [{"category": "tutoring", "median_fen": 7000},
                                                           {"category": "catering", "median_fen": 3000}]
    assert (market["places_offered"], market["places_filled"], market["fill_rate"]) == (8, 3, 0.375)
    assert (market["applications"], market["applications_per_job"]) == (6, 2.0)
    assert (market["hires"], market["median_hours_to_hire"]) == (3, 20.0)
    assert (market["shifts_settled"], market["no_shows"], market["no_show_rate"]) == (3, 1, 0.3333)
    assert (market["payouts_due"], market["payouts_on_time"], market["payout_timeliness"]) == (3, 1, 0.3333)
    assert feedback["tickets_by_category"] == [{"category": "complaint", "count": 2},
                                               {"category": "question", "count": 1}]
    assert (feedback["tickets_opened"], feedback["tickets_resolved"]) == (3, 1)
    assert (feedback["ratings"], feedback["average_satisfaction"]) == (2, 4.5)


def test_p2_1_an_empty_week_has_no_rates_rather_than_a_division_by_zero(db):
    report = reports.weekly_report_build(week_start=WEEK)
    market = report.data["market"]
    assert market["new_jobs"] == 0 and market["fill_rate"] is None and market["applications_per_job"] is None
    assert market["median_hours_to_hire"] is None and market["payout_timeliness"] is None
    assert report.data["feedback"]["average_satisfaction"] is None


def test_p2_1_the_python_median_matches_postgresql(week, monkeypatch):
    # given: the figures PostgreSQL computes with percentile_cont
    on_postgres = reports.weekly_report_figures(week_start=WEEK)["market"]
    # when: the SQLite fallback computes them in Python
    monkeypatch.setattr(reports, "_is_postgres", lambda: False)
    in_python = reports.weekly_report_figures(week_start=WEEK)["market"]
    # then
    assert in_python == on_postgres


def test_p2_1_the_report_is_a_handful_of_set_based_queries(week, django_assert_max_num_queries):
    # 3 for feedback (opened, rated, resolved), 8 for the market (cities, categories, medians, totals,
    # applications, hires, attendance, payouts), and update_or_create's savepoints, locked read and write
    # (8): 19 whatever the week's size.
    with django_assert_max_num_queries(19):
        reports.weekly_report_build(week_start=WEEK)


def test_p2_1_rebuilding_a_week_replaces_its_figures(week):
    # given: a report, then a late-published job of that week
    first = reports.weekly_report_build(week_start=WEEK)
    _job(published=at(21, 9), base_rate_fen=5000, headcount=1, city="上海市")
    # when
    again = reports.weekly_report_build(week_start=WEEK)
    # then: the same row, the new figures
    assert again.pk == first.pk and WeeklyReport.objects.count() == 1
    assert again.data["market"]["new_jobs"] == 4


def test_p2_1_a_report_starts_on_a_monday(db):
    with pytest.raises(ValueError):
        reports.weekly_report_build(week_start=WEEK + dt.timedelta(days=1))


def test_p2_1_beat_builds_last_week_and_emails_operations_and_managers_once(week, django_capture_on_commit_callbacks):
    # given: the recipients, and a customer service member who does not get it
    operations = StaffFactory(role="operations", email="ops@jianzhi.example")
    manager = StaffFactory(role="manager", email="boss@jianzhi.example")
    StaffFactory(role="customer_service", email="cs@jianzhi.example")
    monday_8am = at(23, 8)
    # when: beat's Monday run, twice (a retry, a restarted beat)
    with time_machine.travel(monday_8am, tick=False), django_capture_on_commit_callbacks(execute=True):
        from operations.tasks import weekly_report_task

        weekly_report_task.delay()
        weekly_report_task.delay()
    # then: last week's report, e-mailed once to each recipient with the link
    report = WeeklyReport.objects.get()
    assert report.week_start == WEEK and report.emailed_at == monday_8am
    assert sorted(m.to[0] for m in mail.outbox) == [manager.email, operations.email]
    assert "/ops/reports/2026-11-16/" in mail.outbox[0].body
    assert "New jobs: 3" in mail.outbox[0].body


def test_p2_1_beat_runs_every_monday_at_0800():
    from celery.schedules import crontab

    from config.celery import app

    entry = app.conf.beat_schedule["operations-weekly-report"]
    assert entry["task"] == "operations.tasks.weekly_report_task"
    assert entry["schedule"] == crontab(hour=8, minute=0, day_of_week="mon")


def test_p2_1_last_week_is_monday_to_sunday_in_shanghai():
    # Monday 00:30 in Shanghai is still Sunday in UTC: last week is the one that just ended.
    assert reports.last_week_start(timezone.make_aware(dt.datetime(2026, 11, 23, 0, 30))) == WEEK
    start, end = reports.week_bounds(WEEK)
    assert start.isoformat() == "2026-11-16T00:00:00+08:00" and end - start == dt.timedelta(days=7)


# ------------------------------------------------------------------ pages and files
def _client(role):
    return login_with_mfa(Client(), StaffFactory(role=role))


def test_p2_1_the_report_page_carries_the_chart_data_and_no_personal_data(week):
    # given
    reports.weekly_report_build(week_start=WEEK)
    profile = week["student"].student_profile
    # when
    response = _client("operations").get(reverse("operations:report", kwargs={"week": "2026-11-16"}))
    # then: the four charts' data in a json_script block, Chart.js from static
    assert response.status_code == 200
    charts = response.context["charts"]
    assert charts["jobs_by_category"]["values"] == [2, 1]
    assert charts["median_pay"]["values"] == [70.0, 30.0]
    assert charts["tickets"]["values"] == [2, 1]
    assert charts["fill_rate"]["values"] == [3, 5]
    content = response.content.decode()
    assert 'id="report-data"' in content and "vendor/chartjs/chart.umd.min.js" in content
    assert content.count("<canvas") == 4
    # aggregates only
    for personal in (profile.real_name, week["student"].email, str(profile.mobile)):
        assert personal not in content


def test_p2_1_the_report_list_links_every_week(week, django_assert_max_num_queries):
    for weeks_ago in range(3):
        reports.weekly_report_build(week_start=WEEK - dt.timedelta(days=7 * weeks_ago))
    client = _client("manager")
    # session, user, groups/permissions (2), the list: independent of the number of reports
    with django_assert_max_num_queries(6):
        response = client.get(reverse("operations:reports"))
    assert response.status_code == 200
    assert "/ops/reports/2026-11-02/" in response.content.decode()


def _xlsx_text(data: bytes) -> tuple[list[str], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        texts = [archive.read(name).decode() for name in archive.namelist()
                 if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"]
    return re.findall(r'<sheet name="([^"]+)"', workbook), "\n".join(texts)


def test_p2_1_the_xlsx_has_one_sheet_per_section_and_no_personal_data(week):
    # given
    reports.weekly_report_build(week_start=WEEK)
    profile = week["student"].student_profile
    # when
    response = _client("operations").get(reverse("operations:report_xlsx", kwargs={"week": "2026-11-16"}))
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="weekly-report-2026-11-16.xlsx"' in response["Content-Disposition"]
    sheets, text = _xlsx_text(response.content)
    assert sheets == ["Summary", "Tickets", "Jobs by city", "Jobs by category", "Median pay"]
    assert "上海市" in text and "Fill rate (%)" in text and "<v>37.5</v>" in text
    assert "<f>" not in text  # formulas off
    for personal in (profile.real_name, week["student"].email):
        assert personal not in text


def test_p2_1_a_city_that_looks_like_a_formula_stays_text_in_the_xlsx(db):
    _job(published=at(17), city="=HYPERLINK(\"http://x\")")
    report = reports.weekly_report_build(week_start=WEEK)
    _sheets, text = _xlsx_text(reports.weekly_report_xlsx(report))
    assert "<f>" not in text and "HYPERLINK" in text


@pytest.mark.parametrize("week_value", ["2026-11-17", "not-a-date", "2026-13-01"])
def test_p2_1_a_week_that_is_not_a_monday_is_404(db, week_value):
    assert _client("operations").get(f"/ops/reports/{week_value}/").status_code == 404


@pytest.mark.parametrize("role", ["customer_service", "moderator", "finance", "auditor"])
def test_p2_1_only_operations_and_managers_read_the_reports(db, role):
    reports.weekly_report_build(week_start=WEEK)
    client = _client(role)
    for name, kwargs in (("operations:reports", {}), ("operations:report", {"week": "2026-11-16"}),
                         ("operations:report_xlsx", {"week": "2026-11-16"})):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_p2_1_students_cannot_read_the_reports(db):
    reports.weekly_report_build(week_start=WEEK)
    client = Client()
    client.force_login(approved_student())
    assert client.get(reverse("operations:report", kwargs={"week": "2026-11-16"})).status_code == 403
