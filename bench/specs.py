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

ENDPOINTS: list[Endpoint] = [
    Endpoint("healthz", "/healthz"),  # the floor: full middleware stack, one trivial query
    Endpoint("home", "/", ratio_to="healthz"),
    Endpoint("student_dashboard", "/me/", role="student"),
]

QUERY_PROBES: list[QueryProbe] = [
    QueryProbe("home_queries", "/"),
    QueryProbe("student_dashboard_queries", "/me/", role="student"),
]
