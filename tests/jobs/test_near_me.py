"""Jobs near me (S2.1, docs/near-me.md): the employer places the workplace inside the job's
city; a student gives a campus or a rounded position, and the list filters by 1/3/5/10 km,
sorts nearest first and shows each job's distance, in the one list query."""


import datetime as dt
import random

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from jobs import services
from jobs.cards import distance_text
from jobs.geo import (
    Box,
    campuses,
    city_area,
    city_areas,
    distance_km,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
    workplace_error,
)
from jobs.models import Job, JobCategory, JobStatus, PayUnit
from jobs.selectors import (
    CITY_FACET_CACHE_KEY,
    SYNONYMS_CACHE_KEY,
    JobFilters,
    JobSort,
    facet_cache,
    job_list_published,
)
from jobs.views.public import JobSearchForm, _busiest_query
from tests.factories.accounts import StudentProfileFactory
from tests.factories.employers import EmployerFactory
from tests.factories.jobs import JobFactory
from tests.jobs.test_employer_pages import NOW, posting

LIST_URL = reverse("jobs:list")

PKU = campuses()["pku"]
TSINGHUA = campuses()["tsinghua"]
BNU = campuses()["bnu"]
TIANANMEN = (39.9042, 116.4074)


@pytest.fixture(autouse=True)
def _cold_caches():
    facet_cache.delete(CITY_FACET_CACHE_KEY)
    facet_cache.delete(SYNONYMS_CACHE_KEY)
    yield
    facet_cache.delete(CITY_FACET_CACHE_KEY)


def beijing_job(title: str, lat: float, lng: float, **kwargs) -> Job:
    return JobFactory(published=True, title=title, city="北京市", district="海淀区", latitude=lat, longitude=lng,
                      **kwargs)


@pytest.fixture
def beijing(db):
    """Workplaces at known distances from Peking University (haversine, WGS-84):
    Tsinghua ≈ 2.2 km, Beijing Normal ≈ 6.1 km, Tiananmen ≈ 12.9 km; a remote job and
    one without a position have none; a Shanghai job is ~1,060 km away."""
    employer = EmployerFactory(approved=True)
    jobs = {
        "tsinghua": beijing_job("清华园咖啡店员", TSINGHUA.lat, TSINGHUA.lng, employer=employer),
        "bnu": beijing_job("北师大附近家教", BNU.lat, BNU.lng, employer=employer),
        "centre": beijing_job("王府井促销员", *TIANANMEN, employer=employer),
        "no_position": beijing_job("海淀区仓库理货", None, None, employer=employer),
        "remote": JobFactory(published=True, employer=employer, title="线上客服", category=JobCategory.REMOTE,
                             is_remote=True, city="", district="", address=""),
        "shanghai": JobFactory(published=True, employer=employer, title="徐汇区家教", latitude=31.1930,
                               longitude=121.4370),
    }
    return jobs


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [row["title"] for row in response.context["page"].jobs]


# ---------------------------------------------------------------- the data shipped
def test_s2_1_every_campus_lies_in_its_city_and_every_city_centre_in_its_area():
    for campus in campuses().values():
        area = city_area(campus.city)
        assert area is not None and area.contains(campus.lat, campus.lng), campus.key
    for area in city_areas().values():
        assert area.contains(area.lat, area.lng), area.name
    # the cities employers write, with or without 市, in Chinese or English
    assert city_area("北京市") is city_area("北京") is city_area("beijing")
    assert city_area("火星市") is None


def test_s2_1_every_city_of_the_bench_data_set_is_known():
    from bench.generate import CITY_DISTRICTS, SCHOOLS

    assert all(city_area(city) for city in CITY_DISTRICTS)
    assert all(city_area(city) for _school, city in SCHOOLS)


def test_s2_1_the_bounding_box_holds_the_whole_circle():
    box = Box.around(PKU.lat, PKU.lng, 10)
    for bearing_lat, bearing_lng in [(1, 0), (-1, 0), (0, 1), (0, -1), (0.7071, 0.7071), (-0.7071, 0.7071)]:
        # a point 9.99 km away in each direction lies inside the box
        lat = PKU.lat + bearing_lat * 9.99 / 111.195
        lng = PKU.lng + bearing_lng * 9.99 / (111.195 * 0.7660)
        assert distance_km(PKU.lat, PKU.lng, lat, lng) <= 10.0
        assert box.south <= lat <= box.north and box.west <= lng <= box.east


def test_s2_1_map_app_coordinates_convert_to_wgs84():
    # GCJ-02 moves a Beijing position by a few hundred metres; converting back lands within a metre
    gcj = wgs84_to_gcj02(*TIANANMEN)
    assert 0.2 < distance_km(*TIANANMEN, *gcj) < 0.8
    back = gcj02_to_wgs84(*gcj)
    assert distance_km(*TIANANMEN, *back) < 0.001


# ---------------------------------------------------------------- the student's list
def test_s2_1_within_3_km_of_a_campus_lists_only_the_jobs_inside(beijing):
    response = Client().get(LIST_URL, {"campus": "pku", "within": 3})
    assert titles(response) == ["清华园咖啡店员"]
    response = Client().get(LIST_URL, {"campus": "pku", "within": 10, "sort": JobSort.DISTANCE})
    assert titles(response) == ["清华园咖啡店员", "北师大附近家教"]
    # and 1 km holds none of them
    assert titles(Client().get(LIST_URL, {"campus": "pku", "within": 1})) == []


def test_s2_1_nearest_first_with_the_distance_on_each_card(beijing):
    # when: sorted by distance from a position the browser shared (no radius: the whole city area)
    response = Client().get(LIST_URL, {"lat": PKU.lat, "lng": PKU.lng, "sort": JobSort.DISTANCE})
    # then: nearest first; remote jobs, jobs without a position and Shanghai are not "near"
    assert titles(response) == ["清华园咖啡店员", "北师大附近家教", "王府井促销员"]
    rows = response.context["page"].jobs
    for row, (lat, lng) in zip(rows, [(TSINGHUA.lat, TSINGHUA.lng), (BNU.lat, BNU.lng), TIANANMEN], strict=True):
        expected = distance_km(PKU.lat, PKU.lng, lat, lng)
        assert row["distance_km"] == pytest.approx(expected, rel=0.005)
    page = response.content.decode()
    assert all(f'<span class="distance">{distance_text(row["distance_km"])} km</span>' in page for row in rows)
    assert '<span class="distance">2.2 km</span>' in page


def test_s2_1_remote_jobs_are_listed_without_a_distance_unless_a_radius_is_asked(beijing):
    # given: a position but neither a radius nor a distance sort: every job, newest first, with distances
    response = Client().get(LIST_URL, {"lat": PKU.lat, "lng": PKU.lng})
    listed = {row["title"]: row["distance_km"] for row in response.context["page"].jobs}
    assert set(listed) == {job.title for job in beijing.values()}
    assert listed["线上客服"] is None and listed["海淀区仓库理货"] is None
    assert listed["徐汇区家教"] > 1000
    # when: a radius is asked, remote work is never within it, even with "remote only"
    assert "线上客服" not in titles(Client().get(LIST_URL, {"lat": PKU.lat, "lng": PKU.lng, "within": 10}))
    assert titles(Client().get(LIST_URL, {"lat": PKU.lat, "lng": PKU.lng, "within": 10, "remote": "on"})) == []


def test_s2_1_a_shared_position_is_rounded_to_about_100_m_and_a_campus_wins(beijing):
    # given: a position given to 8 decimals, 40 m from Tsinghua's point
    response = Client().get(LIST_URL, {"lat": f"{TSINGHUA.lat + 0.00036:.8f}", "lng": f"{TSINGHUA.lng:.8f}",
                                       "within": 1})
    assert titles(response) == ["清华园咖啡店员"]
    form = response.context["form"]
    assert form.filters().lat == round(TSINGHUA.lat + 0.00036, 3)
    assert "Forget my position" in response.content.decode()
    # when: a campus is chosen too, distances are from the campus (the hidden position is stale)
    response = Client().get(LIST_URL, {"lat": TSINGHUA.lat, "lng": TSINGHUA.lng, "campus": "bnu", "within": 1})
    assert titles(response) == ["北师大附近家教"]


def test_s2_1_distance_without_a_place_says_what_to_do_and_lists_everything(beijing):
    response = Client().get(LIST_URL, {"within": 3, "sort": JobSort.DISTANCE})
    assert response.status_code == 200
    assert "Share your position or choose your campus" in response.content.decode()
    assert len(titles(response)) == len(beijing)


@pytest.mark.parametrize("params", [
    {"lat": "abc", "lng": "116.3", "within": 3}, {"lat": "95", "lng": "116.3"}, {"lat": "39.9"},
    {"campus": "no-such-campus", "within": 3}, {"lat": PKU.lat, "lng": PKU.lng, "within": 7},
    {"lat": "nan", "lng": "inf", "sort": "distance"},
])
def test_s2_1_bad_positions_are_reported_not_a_500(beijing, params):
    response = Client().get(LIST_URL, params)
    assert response.status_code == 200
    assert response.context["page"].jobs  # the valid rest of the query still lists jobs


def test_s2_1_the_selector_filters_and_sorts_in_sql(beijing):
    page = job_list_published(filters=JobFilters(lat=PKU.lat, lng=PKU.lng, within_km=5, sort=JobSort.DISTANCE))
    assert [row["title"] for row in page.jobs] == ["清华园咖啡店员"]
    page = job_list_published(filters=JobFilters(lat=BNU.lat, lng=BNU.lng, within_km=10, sort=JobSort.DISTANCE))
    assert [row["title"] for row in page.jobs] == ["北师大附近家教", "清华园咖啡店员", "王府井促销员"]


@pytest.mark.parametrize("principal", ["anonymous", "student"])
def test_s2_1_the_near_list_is_still_one_query(beijing, principal, django_assert_num_queries):
    # given: the city facet counted once (per process); the list otherwise costs one query,
    # plus session, user and unread count for a signed-in student (tests/jobs/test_browse.py)
    client = Client()
    if principal == "student":
        client.force_login(StudentProfileFactory(approved=True).user)
    client.get(LIST_URL, {"campus": "pku", "q": "咖啡店员"})  # the facet and the synonyms, once per process
    expected = 1 if principal == "anonymous" else 4
    for params in ({"campus": "pku", "within": 10, "sort": "distance"},
                   {"lat": BNU.lat, "lng": BNU.lng, "within": 3},
                   {"lat": TSINGHUA.lat, "lng": TSINGHUA.lng, "sort": "distance", "q": "咖啡店员"}):
        with django_assert_num_queries(expected):
            response = client.get(LIST_URL, params)
        assert titles(response)


# ---------------------------------------------------------------- the employer places the workplace
def test_s2_1_a_position_outside_the_city_is_refused():
    assert workplace_error(is_remote=False, city="上海市", lat=31.1930, lng=121.4370) is None
    assert "not in 北京" in workplace_error(is_remote=False, city="北京市", lat=31.1930, lng=121.4370)
    assert "swapped" in workplace_error(is_remote=False, city="北京市", lat=116.3050, lng=39.9890)
    assert "remote job" in workplace_error(is_remote=True, city="", lat=39.98, lng=116.30)
    assert "both" in workplace_error(is_remote=False, city="北京市", lat=39.98, lng=None)
    assert "cities we know" in workplace_error(is_remote=False, city="拉萨市", lat=29.65, lng=91.13)


@pytest.fixture
def employer_client(db):
    employer = EmployerFactory(approved=True)
    client = Client()
    client.force_login(employer.members.get().user)
    with time_machine.travel(NOW, tick=False):
        yield employer, client


def test_s2_1_the_employer_places_the_workplace_in_the_city(employer_client):
    employer, client = employer_client
    # when: a Beijing position for a Shanghai job
    response = client.post(reverse("jobs:employer_job_new"), posting(latitude="39.989", longitude="116.305"))
    # then: refused on the field, nothing saved
    assert response.status_code == 200
    assert any("not in 上海" in str(e) for e in response.context["form"].errors["latitude"])
    assert not Job.objects.filter(employer=employer).exists()
    # when: the position of the workplace in Shanghai, copied from Amap (GCJ-02)
    gcj = wgs84_to_gcj02(31.1930, 121.4370)
    response = client.post(reverse("jobs:employer_job_new"), posting(
        latitude=f"{gcj[0]:.6f}", longitude=f"{gcj[1]:.6f}", coordinate_system="gcj02"))
    # then: saved as WGS-84, within a metre of the true position
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get(employer=employer)
    assert distance_km(job.latitude, job.longitude, 31.1930, 121.4370) < 0.001
    # and the form shows it back for editing, with the button that fills it in
    page = client.get(reverse("jobs:employer_job_edit", args=[job.pk])).content.decode()
    assert f'value="{job.latitude}"' in page and "data-geolocate" in page and "js/geolocate.js" in page


def test_s2_1_a_remote_job_keeps_no_position(employer_client):
    employer, client = employer_client
    response = client.post(reverse("jobs:employer_job_new"), posting(
        is_remote="on", city="", district="", address="", latitude="31.19", longitude="121.43"))
    assert response.status_code == 200 and "remote job" in str(response.context["form"].errors["latitude"])
    assert not Job.objects.filter(employer=employer).exists()


def test_s2_1_the_service_refuses_a_position_outside_the_city(employer_client):
    from tests.jobs.test_job_lifecycle import job_data, shifts

    employer, _client = employer_client
    actor = employer.members.get().user
    with pytest.raises(DomainError) as refused:
        services.job_save_draft(employer_id=employer.pk, actor=actor, shifts=shifts(),
                                data=job_data(latitude=39.989, longitude=116.305))
    assert refused.value.field == "latitude"
    job = services.job_save_draft(employer_id=employer.pk, actor=actor, shifts=shifts(),
                                  data=job_data(latitude=31.229, longitude=121.452))
    assert (job.latitude, job.longitude) == (31.229, 121.452)


def test_s2_1_a_workplace_moved_after_consent_loses_its_old_position(db):
    # given: a published job placed in Xuhui
    job = JobFactory(published=True, latitude=31.1930, longitude=121.4370)
    # when: the hired students consented to a new address (J1.3)
    services.job_workplace_change(job_id=job.pk, address="浦东新区世纪大道 8 号")
    # then: no distance is shown from the old place until the employer places the new one
    job.refresh_from_db()
    assert (job.address, job.latitude, job.longitude) == ("浦东新区世纪大道 8 号", None, None)


# ---------------------------------------------------------------- the busiest near-me requests
@pytest.mark.parametrize("params", [
    {"lat": "39.99912", "lng": "116.30561", "within": "3", "sort": "distance"},
    {"campus": "pku", "within": "10"},
    {"campus": "bnu", "lat": "39.9", "lng": "116.3", "sort": "distance"},
    {"q": "咖啡店员", "lat": "39.9", "lng": "116.3"},
    {"lat": "39.9", "lng": "116.3"},
    {"lat": "39.9"},
    {"sort": "pay"},
    {"q": "家教"},
])
def test_s2_1_a_near_me_query_read_without_the_form_gives_the_forms_filters(params):
    # given: a query of the busiest kind, all of it valid
    request = RequestFactory().get(LIST_URL, params)
    form = JobSearchForm(request.GET, cities=[])
    assert form.is_valid(), form.errors
    # when / then: the quick reading (the form's own fields, no form) gives the same filters
    assert _busiest_query(request) == form.filters()


@pytest.mark.parametrize("params", [
    {"lat": "abc", "lng": "116.3", "within": "3"},  # an invalid value: the form says what is wrong
    {"within": "3"}, {"sort": "distance"},  # a radius or an order without a place
    {"campus": "no-such-campus"}, {"within": "7", "campus": "pku"},
    {"lat": ["39.9", "40.0"], "lng": "116.3"},  # a repeated parameter
    {"campus": "pku", "page": "2"}, {"city": "北京市", "campus": "pku"},  # a field the quick path does not read
])
def test_s2_1_anything_else_goes_through_the_whole_form(params):
    assert _busiest_query(RequestFactory().get(LIST_URL, params)) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_s2_1_a_near_me_page_is_chosen_from_the_position_index_alone():
    # given: 600 published jobs scattered within ~6 km of Tiananmen, with fresh statistics and
    # visibility map (what autovacuum keeps on a live table)
    employer = EmployerFactory(approved=True)
    rng = random.Random(20261206)
    published_at = timezone.now() - dt.timedelta(days=1)
    Job.objects.bulk_create([
        Job(employer=employer, status=JobStatus.PUBLISHED, title=f"促销员 {n}", category=JobCategory.OTHER,
            description="日常工作", headcount=1, city="北京市", application_deadline=published_at,
            pay_unit=PayUnit.HOUR, base_rate_fen=3000, settlement_cycle="weekly", published_at=published_at,
            latitude=TIANANMEN[0] + rng.uniform(-0.05, 0.05), longitude=TIANANMEN[1] + rng.uniform(-0.07, 0.07))
        for n in range(600)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE jobs_job")
    filters = JobFilters(lat=TIANANMEN[0], lng=TIANANMEN[1], within_km=3, sort=JobSort.DISTANCE)
    # when: the first page, nearest first
    with CaptureQueriesContext(connection) as captured:
        page = job_list_published(filters=filters)
    # then: one query, whose page of ids comes from the index alone
    (query,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using job_position_covering" in plan, plan
    # and the page is the nearest jobs, in order, each within the radius (haversine, ±0.5 %)
    by_title = {job.title: distance_km(*TIANANMEN, job.latitude, job.longitude)
                for job in Job.objects.filter(employer=employer)}
    inside = sorted(km for km in by_title.values() if km <= 3 * 0.995)
    assert len(page.jobs) == 20 and page.has_next == (len(inside) > 20)
    for row in page.jobs:
        assert row["distance_km"] == pytest.approx(by_title[row["title"]], rel=0.005)
    assert [row["distance_km"] for row in page.jobs] == sorted(row["distance_km"] for row in page.jobs)
    assert page.jobs[-1]["distance_km"] <= inside[19] * 1.005
