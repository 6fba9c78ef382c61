"""What the benchmark measures. A later issue adds its pages here:

    Endpoint("job_list", "/jobs/", ratio_to="healthz"),               # job_list_rps, _p99_ms, _rps_ratio
    Endpoint("job_search", "/jobs/?q=咖啡", percentiles=(95, 99)),     # job_search_p95_ms too
    QueryProbe("job_list_queries", "/jobs/"),
    QueryProbe("job_detail_queries", job_detail_path),               # a path may be computed from the data

and, for a new kind of signed-in user, a function in ROLES that picks one
from the data set. Every endpoint yields `<name>_rps` and `<name>_p<N>_ms`
for each of its percentiles; `ratio_to` adds `<name>_rps_ratio` (this
endpoint's req/s over the other's, measured in the same run)."""

import functools
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

    profile = (StudentProfile.objects.filter(vetting_status="approved", verification_level__gt=0,
                                             user__is_active=True)
               .select_related("user").order_by("pk").first())
    if profile is None:
        raise LookupError("the data set has no approved, verified student")
    return profile.user


def showcase_job():
    """The job with 1,000 applicants (bench/generate.py; E3.1 screening within its budget)."""
    from bench.generate import SHOWCASE_TITLE
    from jobs.models import Job

    job = Job.objects.filter(title=SHOWCASE_TITLE).first()
    if job is None:
        raise LookupError("the data set has no showcase job")
    return job


def showcase_employer_member():
    from employers.models import EmployerMember

    return EmployerMember.objects.filter(employer_id=showcase_job().employer_id).select_related("user").first().user


def student_with_intention():
    """An approved student with broad intentions: the most work for the recommender."""
    from applications.models import StudentIntention

    intention = (StudentIntention.objects.filter(student__student_profile__vetting_status="approved")
                 .select_related("student").order_by("pk").first())
    if intention is None:
        raise LookupError("the data set has no student intention")
    return intention.student


def applicants_path() -> str:
    return f"/work/employer/jobs/{showcase_job().pk}/applicants/"


# role → a function returning the user to sign in as (a session is made for it).
ROLES: dict[str, Callable] = {
    "student": approved_student,
    "showcase_employer": showcase_employer_member,
}


@dataclass(frozen=True)
class TimingProbe:
    """In-process time of one selector call: median of `repeat` calls after a warm-up."""

    name: str
    call: Callable[[], object]
    repeat: int = 7
    warmup: bool = True  # a call that takes a minute needs no warm-up call before it
    unit: str = "ms"  # "s" for the long ones (the metric is then in seconds)


def rank_showcase_applicants():
    """What the applicants page does: rank every applicant, load the first page's rows."""
    from applications.selectors import applicants_hydrate, applicants_ranked

    ranked = applicants_ranked(job=showcase_job(), hydrate=False)
    applicants_hydrate(ranked[:50])
    return ranked


def recommend_for_student():
    from applications.selectors import recommendations_for

    return recommendations_for(student=student_with_intention())


@functools.cache
def _big_escrow():
    """The escrow with 1,000,000 entries (bench/generate.py step_ledger), found once:
    finding it scans every escrow, and the budget is about reading a balance."""
    from finance.models import LedgerAccount

    return LedgerAccount.objects.filter(kind="employer_escrow").order_by("balance_fen").first()


def big_account_balance():
    """The balance of the escrow with 1,000,000 entries."""
    from finance.ledger import account_balance

    return account_balance(_big_escrow())


class _RolledBack(Exception):
    pass


def build_payout_batch():
    """The day's payout batch over every due settlement (bench/generate.py
    step_payouts_due: 100,000 at full scale), in a transaction rolled back
    afterwards so the data set stays reusable. Returns how many payouts it built."""
    from django.db import connection, transaction

    from settlements.models import Settlement
    from settlements.payouts import payout_batch_build

    due = Settlement.objects.filter(status="funded").count()
    if not due:
        raise LookupError("the data set has no settlement due for payout")
    built = 0
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # What each chunk's commit would do: run any deferred checks at once (the
                # ledger's balance check runs per INSERT statement since finance 0006).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            batch = payout_batch_build()
            built = batch.payout_count if batch else 0
            raise _RolledBack
    except _RolledBack:
        pass
    if connection.vendor == "postgresql":
        # The rolled-back build leaves dead rows (a version of every due settlement, payable
        # and payout): clear them now, or they slow the pages measured next and the next run.
        with connection.cursor() as cursor:
            for table in ("settlements_settlement", "settlements_payout", "settlements_payoutbatch",
                          "finance_ledgeraccount", "finance_ledgerentry", "finance_ledgertransaction"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    if built != due:
        raise AssertionError(f"the payout batch built {built} payouts for {due} due settlements")
    return built


def recompute_credit_scores():
    """The nightly full recompute of every credit score (bench/generate.py
    step_credit_events: ≈500,000 events of 50,000 students and the employers),
    in a transaction rolled back afterwards so the data set stays reusable.
    Returns how many subjects it scored."""
    from django.db import connection, transaction

    from risk.scoring import credit_scores_recompute

    scored = 0
    try:
        with transaction.atomic():
            scored = credit_scores_recompute()["subjects"]
            raise _RolledBack
    except _RolledBack:
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("risk_creditscore", "accounts_studentprofile", "employers_employer"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    if not scored:
        raise LookupError("the data set has no student or employer to score")
    return scored
def build_weekly_report():
    """The operations weekly report (P2.1, within its budget) of the last complete
    week before the data set's newest job — "last week" when the data was
    generated, whenever the bench runs — over every row of the data set. The
    build is idempotent (it replaces that week's report). Returns the new jobs counted."""
    from django.db.models import Max

    from jobs.models import Job
    from operations.reports import last_week_start, weekly_report_build

    newest = Job.objects.aggregate(newest=Max("first_published_at"))["newest"]
    if newest is None:
        raise LookupError("the data set has no published job")
    report = weekly_report_build(week_start=last_week_start(newest))
    return report.data["market"]["new_jobs"]


TIMING_PROBES: list[TimingProbe] = [
    TimingProbe("account_balance_ms", big_account_balance),
    TimingProbe("applicant_ranking_ms", rank_showcase_applicants),
    TimingProbe("student_recommendations_ms", recommend_for_student),
    TimingProbe("payout_batch_100k_s", build_payout_batch, repeat=1, warmup=False, unit="s"),
    TimingProbe("credit_recompute_50k_s", recompute_credit_scores, repeat=1, warmup=False, unit="s"),
    TimingProbe("weekly_report_s", build_weekly_report, repeat=1, warmup=False, unit="s"),  # P2.1
]

def job_detail_path() -> str:
    """The newest published job's page (the one most visitors open)."""
    from jobs.models import Job

    job = Job.objects.filter(status="published").order_by("-published_at", "-id").only("pk").first()
    if job is None:
        raise LookupError("the data set has no published job")
    return f"/jobs/{job.pk}/"


# A three-character Chinese query that matches a few per cent of the jobs (S2.1 search budget).
JOB_SEARCH_QUERY = "促销员"
# S2.1 (issue 23): a two-character word (below the trigram index's three characters;
# with its synonyms 辅导/补习) and two terms that must both match (促销 with 导购).
JOB_SEARCH_SHORT_QUERY = "家教"
JOB_SEARCH_TERMS_QUERY = "超市 促销"
# S2.1 "near me": jobs within 3 km of a point 1.5 km from Beijing's centre (where bench/generate.py
# scatters the most workplaces), nearest first; the position rounded as the page rounds it.
JOB_NEARBY_PATH = "/jobs/?lat=39.918&lng=116.397&within=3&sort=distance"

ENDPOINTS: list[Endpoint] = [
    Endpoint("healthz", "/healthz"),  # the floor: full middleware stack, one trivial query
    Endpoint("home", "/", ratio_to="healthz"),
    Endpoint("student_dashboard", "/me/", role="student", ratio_to="healthz"),
    Endpoint("job_list", "/jobs/", ratio_to="healthz"),
    Endpoint("job_search", f"/jobs/?q={quote(JOB_SEARCH_QUERY)}", percentiles=(95, 99)),
    Endpoint("job_search_short", f"/jobs/?q={quote(JOB_SEARCH_SHORT_QUERY)}", percentiles=(95, 99)),
    Endpoint("job_search_terms", f"/jobs/?q={quote(JOB_SEARCH_TERMS_QUERY)}", percentiles=(95, 99)),
    Endpoint("job_list_nearby", JOB_NEARBY_PATH, percentiles=(95, 99)),
]

QUERY_PROBES: list[QueryProbe] = [
    QueryProbe("home_queries", "/"),
    QueryProbe("student_dashboard_queries", "/me/", role="student"),
    QueryProbe("job_list_queries", "/jobs/"),
    QueryProbe("job_list_student_queries", "/jobs/", role="student"),
    QueryProbe("job_list_nearby_queries", JOB_NEARBY_PATH),
    QueryProbe("job_detail_queries", job_detail_path),
    QueryProbe("applicant_list_queries", applicants_path, role="showcase_employer"),
]

# The issues' budgets: metric → (comparison, limit). A full run that misses one
# exits non-zero; quick runs (tiny data, busy CI machine) check only query counts.
BUDGETS: dict[str, tuple[str, float]] = {
    "job_list_queries": ("<=", 6),
    "job_list_student_queries": ("<=", 6),
    "job_detail_queries": ("<=", 6),
    "job_list_rps_ratio": (">=", 0.25),
    "student_dashboard_rps_ratio": (">=", 0.25),  # the page every student opens first
    "job_list_p99_ms": ("<=", 50),
    "job_search_p95_ms": ("<=", 50),
    "job_search_short_p95_ms": ("<=", 50),  # S2.1: the same budget for a 2-character and a 2-term query
    "job_search_terms_p95_ms": ("<=", 50),
    "job_list_nearby_p95_ms": ("<=", 50),  # S2.1 "near me": 3 km around a point, nearest first
    "job_list_nearby_queries": ("<=", 6),
    "applicant_list_queries": ("<=", 8),
    "applicant_ranking_ms": ("<=", 200),
    "student_recommendations_ms": ("<=", 100),
    "account_balance_ms": ("<=", 50),
    "payout_batch_100k_s": ("<=", 60),
    "credit_recompute_50k_s": ("<=", 60),
    "weekly_report_s": ("<=", 30),  # P2.1: last week's report over the full data set
}
