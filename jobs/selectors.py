"""Reads of published jobs for students and visitors: the filtered, sorted,
searched list, the job page, and the city facet (S2.1, J2.1).

Each read runs a bounded number of queries whatever the page size or the
number of jobs (S2.1, G5: `job_list_queries` ≤ 6, `job_detail_queries` ≤ 6 in bench/specs.py);
`tests/jobs/test_browse.py` pins them. The traps this module avoids are in
DESIGN.md ("Performance, measured here"): no COUNT(*) for pagination, no
DISTINCT facet over the whole table per request, no query per row."""

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from django.core.cache import caches
from django.db import connection, models
from django.db.models import Count, DateTimeField, F, FloatField, Q, QuerySet
from django.db.models.expressions import Expression, RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StudentProfile
from core.compiled import Slot, bind
from core.models import CreditTier, Policy
from core.policy import get_policy

from .geo import Box, cos_latitude, distance_km_expression
from .models import Job, JobStatus, SearchSynonym, Shift, synonym_words

PAGE_SIZE = 20
# Offset pagination with a hard cap rather than keyset: page links stay plain,
# shareable and bookmarkable for every sort order (keyset would need a different
# composite cursor for newest, pay and start date, and gives no "page 3"), and the
# worst page walks at most MAX_PAGE × PAGE_SIZE + 1 = 1,001 index entries. A student
# who has not found a job in 1,000 listings is better served by a filter.
MAX_PAGE = 50

# The city facet: the most common cities among published jobs, counted once per
# CITY_FACET_TTL in the shared cache instead of a GROUP BY over the table per request.
CITY_FACET_SIZE = 50
CITY_FACET_TTL = 10 * 60
CITY_FACET_CACHE_KEY = "jobs:public:city-facet:v1"

# What a list card shows (jobs.cards.render_job_cards): anything else
# read by the card would cost a query per row, which the query-count tests catch.
CARD_FIELDS = (
    "id", "title", "category", "city", "district", "is_remote", "pay_unit", "base_rate_fen",
    "hourly_pay_fen", "first_shift_date", "published_at",
    "employer__id", "employer__name", "employer__verification_level",
)

# What the job page shows (templates/jobs/_job_facts.html and the page around it).
# Moderation bookkeeping (decision reasons, who decided) is left out on purpose.
DETAIL_FIELDS = (
    "id", "status", "title", "category", "description", "requirements_skills", "requirements_certificates",
    "headcount", "minor_restricted_work", "minor_restricted_venue", "closed_to_minors", "is_remote", "city", "district", "address",
    "schedule_kind", "weekly_days", "weekly_start", "weekly_end", "weekly_from", "weekly_until",
    "application_deadline", "pay_unit", "base_rate_fen", "pieces_per_hour", "overtime_rate_fen",
    "bonus_rules", "meal_allowance_fen", "transport_allowance_fen", "settlement_cycle", "payment_days",
    "hourly_pay_fen", "total_minutes", "first_shift_date", "last_shift_end", "has_night_work",
    "published_at", "decided_at",  # the validity period and moderation status (2026 recruitment notice)
    "employer__id", "employer__name", "employer__city", "employer__verification_level",
    # "由…承保" (docs/insurance.md): the cover, in the same query
    "insurance__id", "insurance__kind", "insurance__insurer",
)


class JobSort(models.TextChoices):
    NEWEST = "newest", _("Newest")
    PAY = "pay", _("Highest hourly pay")
    START = "start", _("Starting soonest")
    DISTANCE = "distance", _("Nearest first")


# "Near me" (S2.1, docs/near-me.md): the radii a student can choose, and the radius a sort by
# distance without one uses (a whole city's urban area: the sort stays a bounded index range).
WITHIN_KM_CHOICES = (1, 3, 5, 10)
DISTANCE_SORT_KM = 25


# Each sort order is served by an index on Job (jobs/models.py, Meta.indexes).
SORT_ORDER = {
    JobSort.NEWEST: (F("published_at").desc(), F("id").desc()),             # job_status_published
    JobSort.PAY: (F("hourly_pay_fen").desc(), F("id").desc()),              # job_status_pay
    JobSort.START: (F("first_shift_date").asc(nulls_last=True), F("id").asc()),  # job_status_start
}


@dataclass(frozen=True)
class JobFilters:
    """What a visitor asked for; every field optional.

    `min_pay_fen` compares the base rate when a pay unit is chosen (at least
    ¥200 per day means the day rate), and otherwise the equivalent hourly pay
    the service stores on every job, so jobs paid by the day, the piece or the
    whole job compare fairly with hourly ones."""

    q: str = ""
    city: str = ""
    district: str = ""
    category: str = ""
    pay_unit: str = ""
    min_pay_fen: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    remote_only: bool = False
    sort: str = JobSort.NEWEST
    # Where the student is (WGS-84, rounded; never stored) and how far they would go (km).
    lat: float | None = None
    lng: float | None = None
    within_km: int | None = None

    @property
    def has_origin(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def radius_km(self) -> int | None:
        """The circle the list is limited to: the chosen one, or DISTANCE_SORT_KM for a sort by distance."""
        if not self.has_origin:
            return None
        return self.within_km or (DISTANCE_SORT_KM if self.sort == JobSort.DISTANCE else None)


@dataclass(frozen=True)
class JobListPage:
    jobs: list[Job]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def reached_page_cap(self) -> bool:
        """True when more jobs exist but the page cap hides them."""
        return self.has_next and self.number >= MAX_PAGE


# S2.1: a query is split on whitespace into terms that must all match; a term
# that is a word of a staff-kept synonym group (jobs.SearchSynonym) matches any
# word of its group. At most MAX_SEARCH_TERMS terms count; shorter than
# MIN_TERM_LENGTH characters they would match almost everything and are dropped.
MAX_SEARCH_TERMS = 5
MIN_TERM_LENGTH = 2
MAX_SYNONYMS_PER_TERM = 8
SYNONYMS_CACHE_KEY = "jobs:search-synonyms"
SYNONYMS_TTL = 60  # seconds: a staff edit reaches every worker within a minute

SearchGroups = tuple[tuple[str, ...], ...]


def search_synonyms() -> dict[str, tuple[str, ...]]:
    """word → the words of its synonym group(s), itself first; one query per
    SYNONYMS_TTL per process (the local cache, like the city facet)."""
    table = facet_cache.get(SYNONYMS_CACHE_KEY)
    if table is None:
        table = {}
        for text in SearchSynonym.objects.filter(active=True).values_list("words", flat=True):
            words = synonym_words(text)
            for word in words:
                merged = table.get(word, (word,))
                table[word] = merged + tuple(w for w in words if w not in merged)
        facet_cache.set(SYNONYMS_CACHE_KEY, table, SYNONYMS_TTL)
    return table


def forget_search_synonyms() -> None:
    """After a staff edit: this process reads the table anew (others within SYNONYMS_TTL)."""
    facet_cache.delete(SYNONYMS_CACHE_KEY)


def search_groups(q: str) -> SearchGroups:
    """The query's terms, each with the words that may stand for it (S2.1)."""
    terms: list[str] = []
    for term in q.lower().split():
        if len(term) >= MIN_TERM_LENGTH and term not in terms:
            terms.append(term)
    if not terms:  # only one-character words ("a b"): the query as typed, as one substring
        whole = " ".join(q.lower().split())
        return ((whole,),) if whole else ()
    synonyms = search_synonyms()
    return tuple(synonyms.get(term, (term,))[:MAX_SYNONYMS_PER_TERM] for term in terms[:MAX_SEARCH_TERMS])


def _search(queryset: QuerySet, groups: SearchGroups) -> QuerySet:
    """Chinese (or any) substring search over the job's search document: title,
    description, skills and certificates required, category, employer, place.

    The service writes those, lower-cased, into `search_document` on every
    save, so one indexed column answers the search without a join (DESIGN:
    Search). Every term must match (AND); a term's synonyms are alternatives
    (OR). Each test is a case-sensitive LIKE on a lower-cased word, served by
    the pg_trgm GIN index for three characters or more (a BitmapAnd/BitmapOr of
    index scans), and where the planner prefers the date index instead it tests
    each row with a plain substring match, several times cheaper than ILIKE's
    per-character case folding."""
    for words in groups:
        condition = Q()
        for word in words:
            condition |= Q(search_document__contains=word)
        queryset = queryset.filter(condition)
    return queryset


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def job_queryset_published() -> QuerySet:
    """Only reviewed and published jobs are ever shown to students (J2.1)."""
    return Job.objects.filter(status=JobStatus.PUBLISHED)


# ------------------------------------------------------------------ early access (K3.1)
# A published job reaches the public list, the search and the recommendations only
# `policy.early_access_hours` after it was published, except for a signed-in student
# of EARLY_ACCESS_TIER or above, who sees it at once (and may apply at once).
#
# Why the rule is written in SQL rather than computed in Python: the list is the
# busiest page and has a budget of one query for visitors. Reading the policy row
# (or the student's tier) in Python would cost a query per request, and baking a
# moving `now` into the SQL would defeat `_list_sql`'s per-filter cache. So the
# compiled SQL holds placeholders only: the hours come from a scalar subquery on
# the policy row (an InitPlan, evaluated once), the student's tier from an EXISTS on
# their profile (likewise once), and `now` — rounded down to the minute — is a
# query parameter substituted at execution (`_bind`). `published_at <= <constant
# expression>` stays a range condition on the (status, -published_at, -id) index.
EARLY_ACCESS_TIER = CreditTier.VERY_GOOD


NOW = Slot("now")
VIEWER = Slot("viewer")
# "Near me": the student's position, the cosine of its latitude and the bounding box of
# their radius, per request.
LAT, LNG, COS_LAT = Slot("lat"), Slot("lng"), Slot("cos_lat")
SOUTH, NORTH, WEST, EAST = Slot("south"), Slot("north"), Slot("west"), Slot("east")


def _hours_sql() -> str:
    default = Policy._meta.get_field("early_access_hours").default
    return (f'COALESCE((SELECT "early_access_hours" FROM "{Policy._meta.db_table}" ORDER BY "id" LIMIT 1), '
            f"{int(default)})")


def _delay_sql(*, for_viewer: bool) -> str:
    """How long a job waits before this viewer sees it. A high-tier student waits
    "minus a minute": `now` is rounded down, so they still see a job published
    seconds ago."""
    if connection.vendor == "sqlite":  # the embedded mode (`make run`): hours as a datetime() modifier
        delay = f"{_hours_sql()} * 60"
        if for_viewer:
            delay = (f'CASE WHEN EXISTS (SELECT 1 FROM "{StudentProfile._meta.db_table}" WHERE "user_id" = %s '
                     f'AND "credit_tier" >= {int(EARLY_ACCESS_TIER)}) THEN -1 ELSE {delay} END')
        return delay
    delay = f"make_interval(hours => {_hours_sql()})"
    if not for_viewer:
        return delay
    return (f'CASE WHEN EXISTS (SELECT 1 FROM "{StudentProfile._meta.db_table}" WHERE "user_id" = %s '
            f"AND \"credit_tier\" >= {int(EARLY_ACCESS_TIER)}) THEN interval '-1 minute' ELSE {delay} END")


def _minus_sql(delay: str) -> str:
    """`%s` (now) minus `delay` (an interval; on SQLite, minutes)."""
    if connection.vendor == "sqlite":
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, (-({delay})) || ' minutes')"
    return f"(%s - {delay})"


def _visible_from_sql(*, for_viewer: bool, now=NOW, viewer=VIEWER) -> RawSQL:
    """The newest `published_at` this viewer may see: now minus their delay."""
    params = (now, viewer) if for_viewer else (now,)
    return RawSQL(_minus_sql(_delay_sql(for_viewer=for_viewer)), params, output_field=DateTimeField())


def _early_access_sql(now=NOW) -> RawSQL:
    """True on a row the general public does not see yet (the "early access" badge)."""
    return RawSQL(f'("{Job._meta.db_table}"."published_at" > {_minus_sql(_delay_sql(for_viewer=False))})',
                  (now,), output_field=models.BooleanField())


def _minute(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).replace(second=0, microsecond=0)


def _bind(params: tuple, *, now: dt.datetime, viewer_id: int | None, filters: JobFilters | None = None) -> tuple:
    values: dict[Slot, object] = {NOW: now, VIEWER: viewer_id}
    if filters is not None and filters.has_origin:
        values.update({LAT: float(filters.lat), LNG: float(filters.lng), COS_LAT: cos_latitude(filters.lat)})
        if filters.radius_km:
            box = Box.around(filters.lat, filters.lng, filters.radius_km)
            values.update({SOUTH: box.south, NORTH: box.north, WEST: box.west, EAST: box.east})
    return bind(params, values)


def _number(value) -> RawSQL:
    """A float parameter (or a placeholder for one) as an SQL expression."""
    return RawSQL("%s", (value,), output_field=FloatField())


def _distance_from(filters: JobFilters, *, placeholders: bool) -> Expression:
    if placeholders:
        return distance_km_expression(_number(LAT), _number(LNG), _number(COS_LAT))
    return distance_km_expression(_number(filters.lat), _number(filters.lng), _number(cos_latitude(filters.lat)))


def _order_by(filters: JobFilters) -> tuple:
    if filters.sort == JobSort.DISTANCE and filters.has_origin:
        return F("distance_km").asc(), F("id").asc()
    return SORT_ORDER.get(filters.sort, SORT_ORDER[JobSort.NEWEST])


def _near(queryset: QuerySet, filters: JobFilters, *, placeholders: bool) -> tuple[QuerySet, tuple, tuple]:
    """The list's columns and order, and S2.1 "near me" when the student gave a place: the
    distance to each job's workplace (km, NULL for remote jobs and jobs without a position),
    within a radius only the jobs inside it, and "nearest first"."""
    order_by = _order_by(filters)
    if not filters.has_origin:
        return queryset, CARD_FIELDS, order_by
    queryset = queryset.annotate(distance_km=_distance_from(filters, placeholders=placeholders))
    return _within(queryset, filters, placeholders=placeholders), (*CARD_FIELDS, "distance_km"), order_by


def _within(queryset: QuerySet, filters: JobFilters, *, placeholders: bool) -> QuerySet:
    """Only the jobs inside the radius: first a bounding box on (latitude, longitude), a range
    scan of the job_position index, then the exact distance of the jobs in the box.
    Jobs without a position are never "near": remote work has no workplace."""
    radius = filters.radius_km
    if not radius:
        return queryset
    if placeholders:
        south, north, west, east = SOUTH, NORTH, WEST, EAST
    else:
        box = Box.around(filters.lat, filters.lng, radius)
        south, north, west, east = box.south, box.north, box.west, box.east
    return queryset.filter(latitude__gte=_number(south), latitude__lte=_number(north),
                           longitude__gte=_number(west), longitude__lte=_number(east),
                           distance_km__lte=float(radius))


def job_filter_visible_to(queryset: QuerySet, *, profile: StudentProfile | None,
                          now: dt.datetime | None = None) -> QuerySet:
    """Restrict published jobs to those this student sees yet (recommendations)."""
    if has_early_access(profile):
        return queryset
    return queryset.filter(published_at__lte=_visible_from_sql(for_viewer=False, now=_minute(now)))


def has_early_access(profile: StudentProfile | None) -> bool:
    return profile is not None and profile.credit_tier >= EARLY_ACCESS_TIER


def job_open_to_students_at(job: Job) -> dt.datetime | None:
    """When students below EARLY_ACCESS_TIER may see and apply for `job`."""
    if job.published_at is None:
        return None
    opens = getattr(job, "open_to_students_at", None)  # annotated by job_get_published
    if opens is None:
        opens = job.published_at + dt.timedelta(hours=get_policy().early_access_hours)
    return opens


def _filtered(queryset: QuerySet, filters: JobFilters, groups: SearchGroups | None) -> QuerySet:
    """The visitor's search and filters, except the place (see _near)."""
    if filters.q:
        queryset = _search(queryset, search_groups(filters.q) if groups is None else groups)
    if filters.remote_only:
        queryset = queryset.filter(is_remote=True)
    if filters.city:
        queryset = queryset.filter(city=filters.city)
    if filters.district:
        # "徐汇" finds 徐汇区: students rarely type the suffix.
        queryset = queryset.filter(district__startswith=filters.district)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.pay_unit:
        queryset = queryset.filter(pay_unit=filters.pay_unit)
    if filters.min_pay_fen is not None:
        if filters.pay_unit:
            queryset = queryset.filter(base_rate_fen__gte=filters.min_pay_fen)
        else:
            queryset = queryset.filter(hourly_pay_fen__gte=filters.min_pay_fen)
    # Date range: jobs whose working period overlaps it.
    if filters.date_to:
        queryset = queryset.filter(first_shift_date__lte=filters.date_to)
    if filters.date_from:
        queryset = queryset.filter(last_shift_end__gt=_start_of_day(filters.date_from))
    return queryset


def job_list_queryset(*, filters: JobFilters, for_viewer: bool = False, viewer_id: int | None = None,
                      now: dt.datetime | None = None, placeholders: bool = False,
                      groups: SearchGroups | None = None, ids_only: bool = False) -> QuerySet:
    """Published jobs matching `filters` that the viewer may see yet, sorted,
    with just the card's columns. With `placeholders` the time and the viewer are
    left as NOW and VIEWER for `_bind` to fill (the cached SQL of `_list_sql`)."""
    now_param, viewer_param = (NOW, VIEWER) if placeholders else (_minute(now), viewer_id)
    for_viewer = for_viewer or viewer_id is not None
    queryset = job_queryset_published().filter(
        published_at__lte=_visible_from_sql(for_viewer=for_viewer, now=now_param, viewer=viewer_param))
    queryset = _filtered(queryset, filters, groups)
    queryset, fields, order_by = _near(queryset, filters, placeholders=placeholders)
    if ids_only:  # no other column, so no join (see _joined_late)
        return queryset.order_by(*order_by).values("id")
    if for_viewer:
        return queryset.annotate(early_access=_early_access_sql(now_param)).order_by(*order_by).values(
            *fields, "early_access")
    return queryset.order_by(*order_by).values(*fields)


def job_list_published(*, filters: JobFilters, page: int = 1, viewer_id: int | None = None,
                       now: dt.datetime | None = None) -> JobListPage:
    """One page of published jobs matching `filters`, in one query.

    Fetches PAGE_SIZE + 1 rows: the extra row only tells whether a next page
    exists, so no COUNT(*) runs. `page` must be within 1..MAX_PAGE. `viewer_id`
    is the signed-in user (early access for high-tier students); None for visitors."""
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be within 1..{MAX_PAGE}")
    offset = (page - 1) * PAGE_SIZE
    # Plain dicts, not model instances: a card needs a dozen values, and building
    # 42 model objects (jobs + employers) cost more than the query itself.
    groups = search_groups(filters.q) if filters.q else ()
    # The position is a placeholder in the cached SQL: every origin shares one compiled query.
    key = replace(filters, lat=0.0, lng=0.0) if filters.has_origin else filters
    sql, params = _list_sql(key, offset, viewer_id is not None, groups)
    with connection.cursor() as cursor:
        cursor.execute(sql, _bind(params, now=_minute(now), viewer_id=viewer_id, filters=filters))
        names = [column[0] for column in cursor.description]  # DB-API: name first
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return JobListPage(jobs=rows[:PAGE_SIZE], number=page, has_next=len(rows) > PAGE_SIZE)


@lru_cache(maxsize=1024)
def _list_sql(filters: JobFilters, offset: int, for_viewer: bool = False,
              groups: SearchGroups = ()) -> tuple[str, tuple]:
    """The list query's SQL, compiled by the ORM once per process and filter set.

    Compiling the same values() query on every request cost ~0.6 ms of a 4 ms
    page; the SQL and its parameters depend only on the filters and the page
    (the time and the viewer are placeholders, see "early access" above) and
    the search's terms with their synonyms (`groups`, so a staff edit of the
    synonyms compiles anew)."""
    if filters.radius_km:
        ids = job_list_queryset(filters=filters, for_viewer=for_viewer, placeholders=True, groups=groups,
                                ids_only=True)[offset:offset + PAGE_SIZE + 1]
        queryset = _joined_late(ids, filters, for_viewer=for_viewer)
    else:
        queryset = job_list_queryset(filters=filters, for_viewer=for_viewer, placeholders=True, groups=groups)[
            offset:offset + PAGE_SIZE + 1]
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _joined_late(ids: QuerySet, filters: JobFilters, *, for_viewer: bool) -> QuerySet:
    """A page of S2.1 "near me" (a radius around the student): the page's ids are chosen
    first, then only those jobs are read with their employer.

    A 3 km circle in a city centre holds hundreds of jobs. Joining each of them to its
    employer before sorting by distance cost most of the page's database time; choosing
    the ids reads the job_position index alone (status, position, published_at and id
    are its columns: an index-only scan), and the join then touches PAGE_SIZE + 1 rows
    (job_list_nearby_p95_ms in bench/specs.py)."""
    page = Job.objects.filter(pk__in=ids).annotate(distance_km=_distance_from(filters, placeholders=True))
    fields: tuple = (*CARD_FIELDS, "distance_km")
    if for_viewer:
        page, fields = page.annotate(early_access=_early_access_sql(NOW)), (*fields, "early_access")
    return page.order_by(*_order_by(filters)).values(*fields)


def job_get_published(*, job_id: int) -> tuple[Job, list[Shift]]:
    """A published job with its employer, and its shifts in order: two queries.

    Raises Job.DoesNotExist for any other status (J2.1); staff see those in the admin."""
    # When students below the early-access tier may apply, in the same query (K3.1).
    published_at = f'"{Job._meta.db_table}"."published_at"'
    if connection.vendor == "sqlite":  # the embedded mode (`make run`)
        plus = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {published_at}, ({_hours_sql()}) || ' hours')"
    else:
        plus = f"({published_at} + make_interval(hours => {_hours_sql()}))"
    opens = RawSQL(plus, (), output_field=DateTimeField())
    job = (job_queryset_published().select_related("employer", "insurance").only(*DETAIL_FIELDS)
           .annotate(open_to_students_at=opens).get(pk=job_id))
    shifts = list(Shift.objects.filter(job_id=job.pk).order_by("date", "start_time"))
    return job, shifts


# The facet is per process (see settings.LOCAL_CACHE): each worker counts it
# once per CITY_FACET_TTL, which is cheaper than a Redis round trip per request.
facet_cache = caches["local"]


def job_cities_popular() -> list[str]:
    """Cities with the most published jobs, for the city filter.

    Counted at most once per CITY_FACET_TTL (one GROUP BY served by the
    (status, city, …) index); a city that is not listed can still be typed
    into the URL, and a new city appears within CITY_FACET_TTL."""
    cities = facet_cache.get(CITY_FACET_CACHE_KEY)
    if cities is None:
        cities = list(
            job_queryset_published().exclude(city="")
            .values("city").annotate(jobs=Count("id")).order_by("-jobs", "city")
            .values_list("city", flat=True)[:CITY_FACET_SIZE]
        )
        facet_cache.set(CITY_FACET_CACHE_KEY, cities, CITY_FACET_TTL)
    return cities
