"""Where the benchmark runs: its two profiles (full and quick), its databases and
the production-settings environment shared by the runner, the generator and
gunicorn.

The keys below are fixed and public on purpose: they protect nothing but the
synthetic bench data set, and a stable FIELD_ENCRYPTION_KEYS lets a data set
be reused across runs (its encrypted ID numbers stay decryptable)."""

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"  # git-ignored: quick results, gunicorn log

# The PostgreSQL server the bench databases live on (a superuser with trust auth,
# as on the project's machines and in CI); override with BENCH_POSTGRES_URL.
POSTGRES_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

_BENCH_FERNET_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"jianzhi-bench-only-key").digest()).decode()


@dataclass(frozen=True)
class Profile:
    """One size of the benchmark. `database` differs per profile so the quick
    smoke run never destroys a full data set."""

    name: str
    database: str
    employers: int
    students: int
    duration_s: int  # wrk measuring time per endpoint
    warmup_s: int  # wrk warm-up per endpoint, not recorded
    results_path: Path
    steps: tuple[str, ...] | None = None  # generate.STEPS to run (None: all)
    endpoints: tuple[str, ...] | None = None  # specs.ENDPOINTS to measure (None: all, with every probe)


FULL = Profile(
    name="full", database="jianzhi_bench", employers=5_000, students=50_000,
    duration_s=10, warmup_s=2, results_path=BENCH_DIR / "results.json",
)
QUICK = Profile(
    name="quick", database="jianzhi_bench_quick", employers=50, students=500,
    duration_s=2, warmup_s=1, results_path=OUT_DIR / "results-quick.json",
)


# Ten times the full profile's employers and jobs (1.25 million jobs, 3.75 million shifts), for
# the public job list and search only (docs/scaling.md "the next 100×"): the data set is the
# employers and their jobs, nothing a signed-in page would need.
X10 = Profile(
    name="x10", database="jianzhi_bench_x10", employers=50_000, students=500_000,
    duration_s=10, warmup_s=2, results_path=BENCH_DIR / "results-x10.json",
    steps=("staff", "employers", "jobs"),
    endpoints=("job_list", "job_search", "job_search_short", "job_search_terms"),
)
PROFILES = {profile.name: profile for profile in (FULL, QUICK, X10)}


def database_url(profile: Profile) -> str:
    return f"{POSTGRES_SERVER_URL}/{profile.database}"


def django_environment(profile: Profile) -> dict[str, str]:
    """Production settings against the bench database. Everything a production
    deployment reads from its environment, with bench-only values."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(profile),
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + hashlib.sha256(b"jianzhi-bench").hexdigest(),
        "FIELD_ENCRYPTION_KEYS": _BENCH_FERNET_KEY,
        "PII_HASH_KEY": "bench-only-pii-hash-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on the loopback; no TLS proxy in front
        "DJANGO_DEBUG": "false",
        # Persistent connections, as in the production .env.example.
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PRIVATE_MEDIA_ROOT": str(OUT_DIR / "private"),
    }


def apply_environment(profile: Profile) -> None:
    """Set the bench environment in this process (overriding e.g. pytest's test settings)."""
    os.environ.update(django_environment(profile))
