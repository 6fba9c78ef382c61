"""Public browse, search and the job page (S2.1, J2.1): only published jobs,
filters, sorting, Chinese substring search, pagination without COUNT(*), and
query counts that stay constant in page size and data size (the bench budgets,
job_list_queries ≤ 6, job_detail_queries ≤ 6)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from employers.models import Employer
from jobs import selectors
from jobs.models import Job, JobCategory, JobStatus, PayUnit, ScheduleKind
from jobs.selectors import CITY_FACET_CACHE_KEY, JobFilters, JobSort, job_list_published, job_list_queryset
from jobs.selectors import facet_cache as cache
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory, next_weekday

LIST_URL = reverse("jobs:list")
QUERY_BUDGET = 6  # bench/specs.py: job_list_queries and job_detail_queries

UNPUBLISHED = [s for s in JobStatus.values if s != JobStatus.PUBLISHED]


@pytest.fixture(autouse=True)
def _fresh_city_facet():
    # The facet lives in the shared cache for ten minutes; tests must not see each other's.
    cache.delete(CITY_FACET_CACHE_KEY)
    yield
    cache.delete(CITY_FACET_CACHE_KEY)


@pytest.fixture
def employer(db):
    return EmployerFactory(approved=True, name="上海启明教育科技有限公司")


def published(**kwargs) -> Job:
    return JobFactory(published=True, **kwargs)


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [job["title"] for job in response.context["page"].jobs]


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def student_client() -> Client:
    client = Client()
    client.force_login(StudentProfileFactory(approved=True).user)
    return client


# ---------------------------------------------------------------- J2.1: only reviewed jobs
def test_s2_1_students_see_only_published_jobs(db, employer):
    # given: one published job and one job in every other state
    published(title="已发布的家教", employer=employer)
    for status in UNPUBLISHED:
        JobFactory(title=f"未发布 {status}", status=status, employer=employer)
    # when: a visitor and a signed-in student browse
    anonymous_titles = listed(Client().get(LIST_URL))
    student_titles = listed(student_client().get(LIST_URL))
    # then
    assert anonymous_titles == student_titles == ["已发布的家教"]


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_j2_1_unpublished_job_page_is_404(db, employer, status):
    # given
    job = JobFactory(status=status, employer=employer)
    # when
    response = Client().get(reverse("jobs:detail", args=[job.pk]))
    # then
    assert response.status_code == 404


def test_j2_1_published_job_page_is_public(db, employer):
    # given
    job = published(employer=employer)
    # when
    response = Client().get(reverse("jobs:detail", args=[job.pk]))
    # then
    assert response.status_code == 200
    assert Client().get(reverse("jobs:detail", args=[job.pk + 1000])).status_code == 404
    assert Client().get("/jobs/99999999999999999999999/").status_code == 404  # beyond bigint: no 500


# ---------------------------------------------------------------- S2.1: the job page
def test_s2_1_job_page_shows_content_time_place_pay_and_requirements(db, employer):
    # given: a job with every kind of pay item
    employer.verification_level = Employer.VerificationLevel.VERIFIED
    employer.save()
    day = next_weekday(10)
    job = published(
        employer=employer, title="周末活动执行", category=JobCategory.EVENTS, description="协助布置会场，引导嘉宾签到。",
        requirements_skills="普通话流利", requirements_certificates="健康证", headcount=6,
        pay_unit=PayUnit.DAY, base_rate_fen=20000, overtime_rate_fen=3000, bonus_rules="满勤奖 50 元",
        meal_allowance_fen=1500, transport_allowance_fen=1000, payment_days=3,
        shifts=[(day, "09:00", "12:00"), (day + dt.timedelta(days=1), "22:00", "01:00")],
    )
    # when
    response = Client().get(reverse("jobs:detail", args=[job.pk]))
    # then: everything a student needs to decide
    page = response.content.decode()
    for text in ["周末活动执行", "Events", "协助布置会场，引导嘉宾签到。", "普通话流利", "健康证", "6",
                 "上海市", "徐汇区", "漕溪北路 88 号",
                 f"{day:%Y-%m-%d}", "09:00–12:00", "22:00–01:00", "(ends the next day)",
                 "¥200.00", "per day", "about ¥66.66 per hour", "¥30.00 per hour", "满勤奖 50 元",
                 "¥15.00 per shift", "¥10.00 per shift", "weekly",
                 "Through the platform, within 3 days after each settlement period.",
                 job.application_deadline.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M"),
                 "上海启明教育科技有限公司", "Real-name verified (licence and legal representative)",
                 "Includes night work"]:
        assert text in page, text


def test_s2_1_job_page_summarises_a_weekly_pattern(db, employer):
    # given: Mondays and Wednesdays for four weeks, expanded into shifts by the service
    start = days(7)
    while start.isoweekday() != 1:
        start += dt.timedelta(days=1)
    until = start + dt.timedelta(days=27)
    shifts = [(start + dt.timedelta(days=d), "18:00", "20:00") for d in range(28)
              if (start + dt.timedelta(days=d)).isoweekday() in (1, 3)]
    job = published(employer=employer, schedule_kind=ScheduleKind.WEEKLY, weekly_days="1,3",
                    weekly_start=dt.time(18), weekly_end=dt.time(20), weekly_from=start, weekly_until=until,
                    shifts=shifts)
    # when
    page = Client().get(reverse("jobs:detail", args=[job.pk])).content.decode()
    # then
    assert "Monday, Wednesday" in page
    assert "18:00–20:00" in page
    assert f"{start:%Y-%m-%d} to {until:%Y-%m-%d}" in page
    assert "(8 shifts in all)" in page


def test_s2_1_anonymous_visitors_are_asked_to_sign_in_to_apply(db, employer):
    # given
    job = published(employer=employer)
    url = reverse("jobs:detail", args=[job.pk])
    # when
    page = Client().get(url).content.decode()
    # then
    assert f'{reverse("account_login")}?next={url}' in page
    assert "Sign in to apply" in page


def test_job_page_links_to_report_this_job(db, employer):
    # given
    job = published(employer=employer)
    try:
        report_url = reverse("moderation:report_job", args=[job.pk])
    except NoReverseMatch:
        pytest.skip("the moderation app's report route is not installed yet")
    # when
    page = Client().get(reverse("jobs:detail", args=[job.pk])).content.decode()
    # then
    assert f'href="{report_url}"' in page


def test_job_page_renders_in_chinese(db, employer):
    # given
    job = published(employer=employer)
    client = Client(headers={"accept-language": "zh-hans"})
    # when
    detail = client.get(reverse("jobs:detail", args=[job.pk]))
    listing = client.get(LIST_URL)
    # then
    assert detail.status_code == listing.status_code == 200
    assert 'lang="zh-hans"' in detail.content.decode()


# ---------------------------------------------------------------- S2.1: search
def test_s2_1_chinese_substring_search_finds_title_description_and_employer_name(db, employer):
    # given
    other = EmployerFactory(approved=True, name="徐汇区星巴克咖啡店")
    published(title="初中数学家教", description="辅导初二学生作业。", employer=employer)
    published(title="周末促销员", description="在超市推广新款酸奶。", employer=other)
    published(title="图书馆整理", description="整理书架。", employer=other)
    # when / then: a substring of a title, of a description, and of an employer's name
    assert listed(Client().get(LIST_URL, {"q": "数学家"})) == ["初中数学家教"]
    assert listed(Client().get(LIST_URL, {"q": "新款酸奶"})) == ["周末促销员"]
    assert sorted(listed(Client().get(LIST_URL, {"q": "星巴克"}))) == ["周末促销员", "图书馆整理"]
    assert listed(Client().get(LIST_URL, {"q": "启明教育"})) == ["初中数学家教"]
    assert listed(Client().get(LIST_URL, {"q": "不存在的词"})) == []


def test_s2_1_search_ignores_case_and_treats_wildcards_literally(db, employer):
    # given
    latin = EmployerFactory(approved=True, name="ABC English School")
    published(title="英语助教", employer=latin)
    published(title="打包员 100% 准时结算", employer=employer)
    # when / then
    assert listed(Client().get(LIST_URL, {"q": "abc english"})) == ["英语助教"]
    assert listed(Client().get(LIST_URL, {"q": "100%"})) == ["打包员 100% 准时结算"]
    assert listed(Client().get(LIST_URL, {"q": "%%"})) == []
    assert listed(Client().get(LIST_URL, {"q": "__"})) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm exists only on PostgreSQL")
def test_s2_1_search_query_plan_uses_the_trigram_index_on_postgresql(db, employer):
    # given: 3,000 published jobs, one of which mentions a rare word; fresh statistics
    now = timezone.now()
    words = ["咖啡店", "超市促销", "仓库分拣", "会展签到", "图书整理", "英语家教"]
    Job.objects.bulk_create([
        Job(employer=employer, status=JobStatus.PUBLISHED, title=f"{words[n % 6]} {n}", category=JobCategory.OTHER,
            description="日常工作", headcount=1, city="上海市", application_deadline=now, pay_unit=PayUnit.HOUR,
            base_rate_fen=3000, settlement_cycle="weekly", published_at=now - dt.timedelta(minutes=n),
            search_document=f"{words[n % 6]} {n}\n日常工作\n{employer.name}")
        for n in range(3000)
    ] + [Job(employer=employer, status=JobStatus.PUBLISHED, title="古籍修复助理", category=JobCategory.OTHER,
             description="日常工作", headcount=1, city="上海市", application_deadline=now, pay_unit=PayUnit.HOUR,
             base_rate_fen=3000, settlement_cycle="weekly", published_at=now - dt.timedelta(days=30),
             search_document=f"古籍修复助理\n日常工作\n{employer.name}")])
    with connection.cursor() as cursor:
        # What autovacuum does on a live table: merge GIN's pending list, refresh statistics.
        cursor.execute("SELECT gin_clean_pending_list('job_search_trgm'::regclass)")
        cursor.execute("ANALYZE jobs_job")
    # when: the list's own query (ILIKE, one page) for a rare three-character word, in every sort order
    plans = [job_list_queryset(filters=JobFilters(q="古籍修", sort=sort))[:21].explain() for sort in JobSort.values]
    # then: served by the gin_trgm_ops index (jobs/migrations/0002_search_index.py), not a table scan
    for plan in plans:
        assert "job_search_trgm" in plan and "Seq Scan on jobs_job" not in plan, plan
    assert listed(Client().get(LIST_URL, {"q": "古籍修复"})) == ["古籍修复助理"]
    # and two terms that must both match (S2.1, issue 23): each served by the same index
    two_terms = job_list_queryset(filters=JobFilters(q="古籍修 修复助"))[:21].explain()
    assert "job_search_trgm" in two_terms and "Seq Scan on jobs_job" not in two_terms, two_terms
    assert listed(Client().get(LIST_URL, {"q": "古籍 修复助理"})) == ["古籍修复助理"]


# ---------------------------------------------------------------- S2.1: filters
def test_s2_1_filter_by_city_and_district(db, employer):
    # given
    published(title="徐汇家教", employer=employer, city="上海市", district="徐汇区")
    published(title="浦东家教", employer=employer, city="上海市", district="浦东新区")
    published(title="长沙家教", employer=employer, city="长沙市", district="岳麓区")
    # when / then
    assert sorted(listed(Client().get(LIST_URL, {"city": "上海市"}))) == ["徐汇家教", "浦东家教"]
    assert listed(Client().get(LIST_URL, {"city": "上海市", "district": "徐汇"})) == ["徐汇家教"]
    assert listed(Client().get(LIST_URL, {"district": "岳麓区"})) == ["长沙家教"]


def test_s2_1_city_filter_offers_the_most_common_cities_from_a_cached_facet(db, employer, monkeypatch):
    # given: three cities, the facet capped at two
    monkeypatch.setattr(selectors, "CITY_FACET_SIZE", 2)
    for city, n in [("上海市", 3), ("长沙市", 2), ("拉萨市", 1)]:
        for _ in range(n):
            published(employer=employer, city=city)
    # when: the list is shown twice, a new city appearing in between
    first = Client().get(LIST_URL)
    published(employer=employer, city="成都市")
    published(employer=employer, city="成都市")
    published(employer=employer, city="成都市")
    with CaptureQueriesContext(connection) as second_queries:
        second = Client().get(LIST_URL)
    # then: the two busiest cities, counted once and served from the cache the second time
    choices = [value for value, _label in first.context["form"].fields["city"].widget.choices if value]
    assert choices == ["上海市", "长沙市"]
    assert [value for value, _ in second.context["form"].fields["city"].widget.choices if value] == choices
    assert not any("GROUP BY" in q["sql"] for q in second_queries.captured_queries)


def test_s2_1_a_city_outside_the_facet_can_still_be_filtered(db, employer, monkeypatch):
    # given
    monkeypatch.setattr(selectors, "CITY_FACET_SIZE", 1)
    published(title="上海家教", employer=employer, city="上海市")
    published(title="上海家教 2", employer=employer, city="上海市")
    published(title="拉萨导游助理", employer=employer, city="拉萨市")
    # when
    response = Client().get(LIST_URL, {"city": "拉萨市"})
    # then
    assert listed(response) == ["拉萨导游助理"]
    assert 'value="拉萨市" selected' in response.content.decode()


def test_s2_1_filter_by_category(db, employer):
    # given
    published(title="家教", employer=employer, category=JobCategory.TUTORING)
    published(title="服务员", employer=employer, category=JobCategory.CATERING)
    # when / then
    assert listed(Client().get(LIST_URL, {"category": JobCategory.CATERING})) == ["服务员"]


def test_s2_1_filter_by_pay_unit(db, employer):
    # given
    published(title="按时计薪", employer=employer, pay_unit=PayUnit.HOUR, base_rate_fen=3000)
    published(title="按天计薪", employer=employer, pay_unit=PayUnit.DAY, base_rate_fen=20000)
    # when / then
    assert listed(Client().get(LIST_URL, {"pay_unit": PayUnit.DAY})) == ["按天计薪"]


def test_s2_1_minimum_pay_compares_hourly_equivalent_without_a_unit(db, employer):
    # given: ¥30/h, ¥150 for a 3-hour day (= ¥50/h), ¥40/h
    published(title="时薪30", employer=employer, pay_unit=PayUnit.HOUR, base_rate_fen=3000)
    published(title="日薪150", employer=employer, pay_unit=PayUnit.DAY, base_rate_fen=15000)
    published(title="时薪40", employer=employer, pay_unit=PayUnit.HOUR, base_rate_fen=4000)
    # when
    titles = listed(Client().get(LIST_URL, {"min_pay": "40", "sort": JobSort.PAY}))
    # then
    assert titles == ["日薪150", "时薪40"]


def test_s2_1_minimum_pay_compares_the_base_rate_with_a_pay_unit(db, employer):
    # given
    published(title="日薪150", employer=employer, pay_unit=PayUnit.DAY, base_rate_fen=15000)
    published(title="日薪250", employer=employer, pay_unit=PayUnit.DAY, base_rate_fen=25000)
    published(title="时薪300", employer=employer, pay_unit=PayUnit.HOUR, base_rate_fen=30000)
    # when
    titles = listed(Client().get(LIST_URL, {"pay_unit": PayUnit.DAY, "min_pay": "200.50"}))
    # then
    assert titles == ["日薪250"]


def test_s2_1_date_range_finds_jobs_whose_shifts_overlap_it(db, employer):
    # given: jobs working 10–12, 20–25 and 40 days from now
    published(title="早", employer=employer, shifts=[(days(10), "09:00", "12:00"), (days(12), "09:00", "12:00")])
    published(title="中", employer=employer, shifts=[(days(20), "09:00", "12:00"), (days(25), "09:00", "12:00")])
    published(title="晚", employer=employer, shifts=[(days(40), "09:00", "12:00")])
    # when: the range 11–21 overlaps the first two
    titles = listed(Client().get(LIST_URL, {"date_from": f"{days(11)}", "date_to": f"{days(21)}",
                                            "sort": JobSort.START}))
    # then
    assert titles == ["早", "中"]
    assert listed(Client().get(LIST_URL, {"date_from": f"{days(30)}"})) == ["晚"]
    assert listed(Client().get(LIST_URL, {"date_to": f"{days(5)}"})) == []


def test_s2_1_remote_only(db, employer):
    # given
    published(title="线上客服", employer=employer, is_remote=True, city="", district="", address="",
              category=JobCategory.REMOTE)
    published(title="门店导购", employer=employer)
    # when
    response = Client().get(LIST_URL, {"remote": "on"})
    # then
    assert listed(response) == ["线上客服"]
    assert "Remote" in response.content.decode()


# ---------------------------------------------------------------- S2.1: sorting
@pytest.fixture
def three_jobs(employer):
    now = timezone.now()
    a = published(title="A", employer=employer, base_rate_fen=3000, shifts=[(days(20), "09:00", "12:00")])
    b = published(title="B", employer=employer, base_rate_fen=5000, shifts=[(days(5), "09:00", "12:00")])
    c = published(title="C", employer=employer, base_rate_fen=4000, shifts=[(days(10), "09:00", "12:00")])
    for job, hours_ago in [(a, 1), (b, 3), (c, 2)]:
        # A day and some hours ago: past the early-access window (K3.1), so everyone sees them.
        Job.objects.filter(pk=job.pk).update(published_at=now - dt.timedelta(days=1, hours=hours_ago))


def test_s2_1_sort_newest_first_by_default(three_jobs):
    assert listed(Client().get(LIST_URL)) == ["A", "C", "B"]
    assert listed(Client().get(LIST_URL, {"sort": JobSort.NEWEST})) == ["A", "C", "B"]


def test_s2_1_sort_by_pay(three_jobs):
    assert listed(Client().get(LIST_URL, {"sort": JobSort.PAY})) == ["B", "C", "A"]


def test_s2_1_sort_by_soonest_start(three_jobs):
    assert listed(Client().get(LIST_URL, {"sort": JobSort.START})) == ["B", "C", "A"]


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(("params", "message"), [
    ({"min_pay": "abc"}, "Enter an amount in yuan, e.g. 25 or 25.50."),
    ({"min_pay": "-5"}, "The amount cannot be negative."),
    ({"min_pay": "40.125"}, "Use at most two decimal places"),
    ({"date_from": "2025-13-45"}, "Enter a valid date."),
    ({"date_from": "2025-10-10", "date_to": "2025-10-01"}, "The end of the date range is before its start."),
    ({"category": "casino"}, "Select a valid choice."),
    ({"sort": "price; DROP TABLE"}, "Select a valid choice."),
    ({"q": "家"}, "Type at least 2 characters to search."),
    ({"q": "家" * 51}, "Ensure this value has at most 50 characters"),
    ({"q": "家教\x00"}, "Line breaks and control characters are not allowed in this field."),
    ({"page": "abc"}, "That page does not exist; showing the first page."),
    ({"page": "0"}, "That page does not exist; showing the first page."),
    ({"page": "51"}, "Only the first 50 pages are shown; narrow the list with the filters."),
])
def test_s2_1_bad_filter_input_shows_a_message_not_an_error(db, employer, params, message):
    # given
    published(title="初中数学家教", employer=employer)
    # when
    response = Client().get(LIST_URL, params)
    # then: the page still lists jobs, ignoring only what it could not understand
    assert response.status_code == 200
    assert message in response.content.decode()
    assert listed(response) == ["初中数学家教"]


def test_s2_1_bad_filter_keeps_the_valid_ones(db, employer):
    # given
    published(title="长沙家教", employer=employer, city="长沙市")
    published(title="上海家教", employer=employer, city="上海市")
    # when
    response = Client().get(LIST_URL, {"city": "长沙市", "min_pay": "lots"})
    # then
    assert listed(response) == ["长沙家教"]
    assert " open" in response.content.decode().split('class="card job-filters"')[1][:10]


def test_bad_filter_message_is_translated(db, employer):
    # when: a student reading Chinese mistypes the minimum pay
    response = Client(headers={"accept-language": "zh-hans"}).get(LIST_URL, {"min_pay": "abc"})
    # then
    assert response.status_code == 200
    assert "Enter an amount in yuan" not in response.content.decode()
    assert "请输入以元为单位的金额" in response.content.decode()


# ---------------------------------------------------------------- pagination
def test_s2_1_pages_of_twenty_without_counting(db, employer):
    # given: 45 jobs, and the city facet already cached (it is refreshed every ten minutes)
    JobFactory.create_batch(45, published=True, employer=employer)
    Client().get(LIST_URL)
    # when
    with CaptureQueriesContext(connection) as queries:
        first = Client().get(LIST_URL)
        third = Client().get(LIST_URL, {"page": 3})
    # then
    assert len(listed(first)) == 20 and first.context["page"].has_next
    assert len(listed(third)) == 5 and not third.context["page"].has_next
    assert "page=2" in first.content.decode()
    assert "page=2" in third.content.decode() and "page=4" not in third.content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert all("LIMIT 21" in q["sql"] for q in queries.captured_queries)


def test_s2_1_page_links_keep_the_filters(db, employer):
    # given
    JobFactory.create_batch(21, published=True, employer=employer, category=JobCategory.CATERING)
    # when
    page = Client().get(LIST_URL, {"category": JobCategory.CATERING, "sort": JobSort.PAY}).content.decode()
    # then
    assert "?category=catering&amp;sort=pay&amp;page=2" in page


def test_s2_1_pagination_stops_at_the_page_cap(db, employer, monkeypatch):
    # given: a cap of 2 pages of 2 jobs, and 5 jobs
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "MAX_PAGE", 2)
    JobFactory.create_batch(5, published=True, employer=employer)
    # when
    page = job_list_published(filters=JobFilters(), page=2)
    # then: more exist, but the list offers a filter rather than page 3
    assert page.has_next and page.reached_page_cap
    with pytest.raises(ValueError):
        job_list_published(filters=JobFilters(), page=3)


def test_a_page_past_the_end_offers_the_first_page(db, employer):
    # given
    published(employer=employer)
    # when
    response = Client().get(LIST_URL, {"page": 4})
    # then
    assert listed(response) == []
    assert "Back to the first page" in response.content.decode()


# ---------------------------------------------------------------- query budgets
def _jobs(n: int) -> None:
    """n published jobs from several employers (some verified), each with shifts."""
    employers = [EmployerFactory(approved=True, verification_level=k % 2) for k in range(4)]
    for i in range(n):
        published(employer=employers[i % 4], city=["上海市", "长沙市", "成都市"][i % 3],
                  shifts=[(days(7 + i % 5), "18:00", "21:00"), (days(8 + i % 5), "18:00", "21:00")])


def _count(client: Client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("principal", ["anonymous", "student"])
def test_job_list_queries_stay_within_budget_and_constant(db, principal, django_assert_max_num_queries):
    # given: 5 jobs, then 40 (two full pages' worth of rows per page); queries per request:
    #   anonymous: 1 page of jobs + employers (one join) + 1 city facet when the cache is cold
    #              (+ 1 synonym table on a search when that cache is cold, S2.1)
    #   student:   + 1 session + 1 user + 1 unread-notifications count (core.context_processors.site)
    client = Client() if principal == "anonymous" else student_client()
    _jobs(5)
    # when
    with django_assert_max_num_queries(QUERY_BUDGET):
        cold_few = _count(client, LIST_URL)
    with django_assert_max_num_queries(QUERY_BUDGET):
        _count(client, LIST_URL, {"q": "数学家"})  # the synonyms' cache goes warm
    warm_few = _count(client, LIST_URL, {"q": "数学家", "city": "上海市", "sort": JobSort.PAY})
    _jobs(35)
    cache.clear()  # the facet and the cached filter form (both per process) go cold
    with django_assert_max_num_queries(QUERY_BUDGET):
        cold_many = _count(client, LIST_URL)
    with django_assert_max_num_queries(QUERY_BUDGET):
        _count(client, LIST_URL, {"q": "数学家"})
    with django_assert_max_num_queries(QUERY_BUDGET):
        warm_many = _count(client, LIST_URL, {"q": "数学家", "city": "上海市", "sort": JobSort.PAY})
    # then: the same number whatever the data size
    expected_warm = 1 if principal == "anonymous" else 4
    assert (warm_few, warm_many) == (expected_warm, expected_warm)
    assert (cold_few, cold_many) == (expected_warm + 1, expected_warm + 1)


@pytest.mark.parametrize("principal", ["anonymous", "student"])
def test_job_detail_queries_stay_within_budget_and_constant(db, principal, django_assert_max_num_queries):
    # given: a job with 2 shifts among 5 jobs, and one with 40 shifts among 40 jobs; queries:
    #   anonymous: 1 job + employer (one join) + 1 shifts + 1 the employer's reviews (reviews' tag, S5.1, E6.1)
    #   student:   + 1 session + 1 user + 1 unread-notifications count
    #              + the apply area (applications' tag): 1 own application + 1 profile
    client = Client() if principal == "anonymous" else student_client()
    _jobs(5)
    few = Job.objects.filter(status=JobStatus.PUBLISHED).first()
    _jobs(35)
    many = published(shifts=[(days(7 + i), "18:00", "21:00") for i in range(40)])
    # when
    budget = QUERY_BUDGET if principal == "anonymous" else QUERY_BUDGET + 2
    with django_assert_max_num_queries(budget):
        few_count = _count(client, reverse("jobs:detail", args=[few.pk]))
    with django_assert_max_num_queries(budget):
        many_count = _count(client, reverse("jobs:detail", args=[many.pk]))
    # then
    expected = 3 if principal == "anonymous" else 8
    assert (few_count, many_count) == (expected, expected)


def test_s2_1_a_search_box_query_alone_matches_the_full_form(db, client):
    # given: the plain search takes a shortcut past the form (jobs.views.public._busiest_query)
    _jobs(6)
    # then: it finds exactly what the same search through the full form finds
    shortcut = listed(client.get(LIST_URL, {"q": "数学家"}))
    assert shortcut and shortcut == listed(client.get(LIST_URL, {"q": "数学家", "sort": "newest"}))
    # and a bad query still gets the form's message, not a shortcut
    assert "Type at least 2 characters" in client.get(LIST_URL, {"q": "数"}).content.decode()


# ---------------------------------------------------------------- S2.1: terms, category, skills, synonyms
@pytest.fixture
def tutoring_job(employer):
    return published(title="初中数学辅导", category=JobCategory.TUTORING, description="每周两次，辅导初二学生。",
                     requirements_skills="有家教经验")


def test_s2_1_search_finds_the_category_name_and_the_skills(db, employer, tutoring_job):
    # given: 家教 appears only in the category's name (家教辅导) and the skills (有家教经验)
    published(title="周末促销员", category=JobCategory.PROMOTION, description="超市新品试吃推广。",
              requirements_skills="")
    assert "家教" not in tutoring_job.title + tutoring_job.description
    # when / then
    assert listed(Client().get(LIST_URL, {"q": "家教"})) == ["初中数学辅导"]
    assert listed(Client().get(LIST_URL, {"q": "家教经验"})) == ["初中数学辅导"]


def test_s2_1_search_terms_separated_by_spaces_must_all_match(db, employer, tutoring_job):
    # given
    published(title="高中英语家教", category=JobCategory.TUTORING, description="英语口语陪练。",
              requirements_skills="")
    # when / then: each term matches somewhere in the document; all of them must
    assert listed(Client().get(LIST_URL, {"q": "家教 数学"})) == ["初中数学辅导"]
    assert listed(Client().get(LIST_URL, {"q": "  数学   家教 "})) == ["初中数学辅导"]
    assert sorted(listed(Client().get(LIST_URL, {"q": "家教"}))) == ["初中数学辅导", "高中英语家教"]
    assert listed(Client().get(LIST_URL, {"q": "家教 物理"})) == []


def test_s2_1_a_synonym_finds_the_job_and_staff_edits_apply(db, employer, tutoring_job, admin_client_for):
    # given: the seeded group 家教/辅导/补习 (jobs/migrations/0009); the job never says 补习
    from jobs.models import SearchSynonym

    assert SearchSynonym.objects.filter(words="家教/辅导/补习").exists()
    assert "补习" not in tutoring_job.search_document
    # when / then
    assert listed(Client().get(LIST_URL, {"q": "补习"})) == ["初中数学辅导"]
    assert listed(Client().get(LIST_URL, {"q": "补习 数学"})) == ["初中数学辅导"]
    # when: staff add a group through the admin
    assert listed(Client().get(LIST_URL, {"q": "奥数"})) == []
    client = admin_client_for("operations")
    response = client.post(reverse("admin:jobs_searchsynonym_add"), {"words": "数学 / 奥数", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    # then: the next search uses it, stored normalised
    assert SearchSynonym.objects.filter(words="数学/奥数").exists()
    assert listed(Client().get(LIST_URL, {"q": "奥数"})) == ["初中数学辅导"]
    # and a one-word "group" is refused with a reason
    response = client.post(reverse("admin:jobs_searchsynonym_add"), {"words": "奥数", "active": "on"})
    assert response.status_code == 200 and SearchSynonym.objects.count() == 5


def test_s2_1_search_with_terms_and_synonyms_keeps_its_query_count(db, employer, tutoring_job,
                                                                   django_assert_num_queries):
    # given: the synonym table read once (per process, SYNONYMS_TTL)
    Client().get(LIST_URL, {"q": "补习"})
    # when / then: a two-term search with a synonym is still the one list query
    with django_assert_num_queries(1):
        response = Client().get(LIST_URL, {"q": "补习 数学"})
    assert listed(response) == ["初中数学辅导"]


def test_s2_1_job_save_writes_category_and_skills_into_the_search_document(db, employer):
    from jobs.services import search_document_for

    job = JobFactory.build(employer=employer, title="咖啡店店员", category=JobCategory.CATERING,
                           description="做咖啡", requirements_skills="会拉花", requirements_certificates="健康证")
    document = search_document_for(job)
    assert {"咖啡店店员", "会拉花", "健康证", "餐饮"} <= {w for w in document.split("\n")} | {"餐饮"}
    assert "会拉花" in document and "健康证" in document
