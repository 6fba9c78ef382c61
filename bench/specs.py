"""What the benchmark measures. A later issue adds its pages here:

    Endpoint("job_list", "/jobs/", ratio_to="healthz"),               # job_list_rps, _p99_ms, _rps_ratio
    Endpoint("job_search", "/jobs/?q=咖啡", percentiles=(95, 99)),     # job_search_p95_ms too
    QueryProbe("job_list_queries", "/jobs/"),
    QueryProbe("job_detail_queries", job_detail_path),               # a path may be computed from the data

and, for a new kind of signed-in user, a function in ROLES that picks one
from the data set. Every endpoint yields `<name>_rps` and `<name>_p<N>_ms`
for each of its percentiles; `ratio_to` adds `<name>_rps_ratio` (this
endpoint's req/s over the other's, measured in the same run)."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    role: str = ANONYMOUS
    ratio_to: str | None = None
    percentiles: tuple[float, ...] = (99,)


@dataclass(frozen=True)
class QueryProbe:
    """Queries one GET runs (measured in-process, after one warm-up request)."""

    name: str
    path: str | Callable[[], str]
    role: str = ANONYMOUS


def approved_student():
    """An approved, real-name verified student: the dashboard shows all of its parts."""
    from accounts.models import StudentProfile

    profile = (StudentProfile.objects.filter(review_status="approved", verification_level__gt=0,
                                             user__is_active=True)
               .select_related("user").order_by("pk").first())
    if profile is None:
        raise LookupError("the data set has no approved, verified student")
    return profile.user


# role → a function returning the user to sign in as (a session is made for it).
ROLES: dict[str, Callable] = {
    "student": approved_student,
}

def job_detail_path() -> str:
    """The newest published job's page (the one most visitors open)."""
    from jobs.models import Job

    job = Job.objects.filter(status="published").order_by("-published_at", "-id").only("pk").first()
    if job is None:
        raise LookupError("the data set has no published job")
    return f"/jobs/{job.pk}/"


# A three-character Chinese query that matches a few per cent of the jobs (issue 4's search budget).
JOB_SEARCH_QUERY = "促销员"

ENDPOINTS: list[Endpoint] = [
    Endpoint("healthz", "/healthz"),  # the floor: full middleware stack, one trivial query
    Endpoint("home", "/", ratio_to="healthz"),
    Endpoint("student_dashboard", "/me/", role="student"),
    Endpoint("job_list", "/jobs/", ratio_to="healthz"),
    Endpoint("job_search", f"/jobs/?q={quote(JOB_SEARCH_QUERY)}", percentiles=(95, 99)),
]

QUERY_PROBES: list[QueryProbe] = [
    QueryProbe("home_queries", "/"),
    QueryProbe("student_dashboard_queries", "/me/", role="student"),
    QueryProbe("job_list_queries", "/jobs/"),
    QueryProbe("job_list_student_queries", "/jobs/", role="student"),
    QueryProbe("job_detail_queries", job_detail_path),
]

# The issues' budgets: metric → (comparison, limit). A full run that misses one
# exits non-zero; quick runs (tiny data, busy CI machine) check only query counts.
BUDGETS: dict[str, tuple[str, float]] = {
    "job_list_queries": ("<=", 6),
    "job_list_student_queries": ("<=", 6),
    "job_detail_queries": ("<=", 6),
    "job_list_rps_ratio": (">=", 0.25),
    "job_list_p99_ms": ("<=", 50),
    "job_search_p95_ms": ("<=", 50),
}
