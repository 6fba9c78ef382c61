"""The load benchmark (`make bench`, `make bench-quick`).

    .venv/bin/python bench/run.py [--quick] [--fresh] [--duration S] [--connections N] [--warmup S]

1. (Re)creates the PostgreSQL database of the profile (UTF-8, C.UTF-8) and
   migrates it with production settings; the generated data set is reused
   while its signature (scale, generator source, migrations) is unchanged,
   `--fresh` rebuilds it.
2. Fills it with bench/generate.py.
3. Counts the queries of each probe in specs.QUERY_PROBES in-process.
4. Starts gunicorn (3 sync workers, production settings, no access log) and
   drives every endpoint in specs.ENDPOINTS with wrk, one after the other.
   With --lcp (needs Chromium), bench/lcp.py then loads each student page
   type on a phone under "Slow 4G" and 4x CPU slow-down: LCP p95 and weights.
5. Writes bench/results.json (quick: bench/out/results-quick.json) and prints
   a table. gunicorn is stopped whatever happens (also on Ctrl-C/SIGTERM).
"""

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import wrk  # noqa: E402
from bench.environment import (  # noqa: E402
    OUT_DIR,
    POSTGRES_SERVER_URL,
    PROFILES,
    QUICK,
    REPO_ROOT,
    Profile,
    apply_environment,
    django_environment,
)

GUNICORN_WORKERS = 3
DEFAULT_CONNECTIONS = 16
SERVER_START_TIMEOUT_S = 60
BUSY_LOAD = 1.0  # 1-minute load average above which the run warns that the machine is not idle
MARKER_TABLE = "bench_dataset"
LOCK_TIMEOUT_S = 300


class BenchError(RuntimeError):
    pass


def log(message: str = "") -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------
# The database and its data set
# ------------------------------------------------------------------------------
def _pg(dbname: str, **kwargs):
    import psycopg

    return psycopg.connect(f"{POSTGRES_SERVER_URL}/{dbname}", **kwargs)


@contextlib.contextmanager
def exclusive(profile: Profile, *, timeout_s: int = LOCK_TIMEOUT_S):
    """One run per bench database at a time, also across checkouts sharing the
    server (e.g. two `make test` at once): a PostgreSQL advisory lock, held
    for the whole run and released with its connection."""
    key = int.from_bytes(hashlib.sha256(f"jianzhi-bench:{profile.database}".encode()).digest()[:8], "big",
                         signed=True)
    with _pg("postgres", autocommit=True) as conn:
        deadline = time.monotonic() + timeout_s
        waiting = False
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
            if time.monotonic() > deadline:
                raise BenchError(f"another benchmark run held {profile.database} for more than {timeout_s} s")
            if not waiting:
                log(f"Waiting for another benchmark run on {profile.database} to finish …")
                waiting = True
            time.sleep(1)
        yield


def dataset_signature(profile: Profile) -> str:
    """Changes whenever the data set would come out differently: the scale, the
    generator's source or the migrations on disk."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    digest.update(json.dumps([profile.employers, profile.students, profile.steps]).encode())
    digest.update((REPO_ROOT / "bench" / "generate.py").read_bytes())
    digest.update(json.dumps(sorted(loader.disk_migrations)).encode())
    return digest.hexdigest()


def stored_dataset(profile: Profile, signature: str) -> dict | None:
    """The marker of a complete data set with this signature, or None."""
    import psycopg

    try:
        with _pg(profile.database, connect_timeout=5) as conn:
            row = conn.execute(
                f"SELECT rows, generation_seconds FROM {MARKER_TABLE} WHERE signature = %s", [signature]
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    except psycopg.OperationalError as error:
        if f'database "{profile.database}" does not exist' in str(error):
            return None
        raise
    return {"rows": row[0], "generation_seconds": row[1]} if row else None


def recreate_database(profile: Profile) -> None:
    from psycopg import sql

    with _pg("postgres", autocommit=True) as conn:
        name = sql.Identifier(profile.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL(
            "CREATE DATABASE {} ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8' TEMPLATE template0"
        ).format(name))


def store_marker(profile: Profile, signature: str, rows: dict, seconds: dict) -> None:
    with _pg(profile.database, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (signature text PRIMARY KEY, rows jsonb NOT NULL,"
                     " generation_seconds jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
        conn.execute(f"DELETE FROM {MARKER_TABLE}")
        conn.execute(f"INSERT INTO {MARKER_TABLE} (signature, rows, generation_seconds) VALUES (%s, %s, %s)",
                     [signature, json.dumps(rows), json.dumps(seconds)])


def vacuum_analyze(profile: Profile) -> None:
    """Fresh planner statistics and visibility maps, and the written pages flushed,
    so that neither autovacuum nor a checkpoint runs into the measurements."""
    with _pg(profile.database, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")


def prepare_dataset(profile: Profile, *, fresh: bool) -> dict:
    """Migrate, and generate the data set unless an identical one is there.
    Returns {"dataset": "generated"|"reused", "rows": ..., "seconds": ...}."""
    from django.core.management import call_command
    from django.db import connections

    signature = dataset_signature(profile)
    stored = None if fresh else stored_dataset(profile, signature)
    timings: dict[str, float] = {}
    if stored is None:
        log(f"Creating database {profile.database} …")
        connections.close_all()
        recreate_database(profile)
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - started, 2)
    if stored is not None:
        log(f"Reusing the {profile.name} data set in {profile.database} (--fresh rebuilds it).")
        return {"dataset": "reused", "rows": stored["rows"],
                "generation_seconds": stored["generation_seconds"], **timings}

    from bench.generate import Scale, generate, row_counts

    log(f"Generating the {profile.name} data set ({profile.employers:,} employers, {profile.students:,} students):")
    seconds = generate(Scale(employers=profile.employers, students=profile.students), log=log, only=profile.steps)
    from finance.ledger import ledger_integrity_check

    started = time.perf_counter()
    problems = ledger_integrity_check()  # the bulk-loaded ledger keeps every invariant
    if problems:
        raise BenchError(f"the generated ledger fails its integrity check: {problems[:5]}")
    seconds["ledger_integrity_check"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    connections.close_all()
    vacuum_analyze(profile)
    seconds["vacuum_analyze"] = round(time.perf_counter() - started, 2)
    rows = row_counts()
    connections.close_all()
    store_marker(profile, signature, rows, seconds)
    log(f"  generated in {seconds['total']:.1f} s (+ VACUUM ANALYZE {seconds['vacuum_analyze']:.1f} s)")
    return {"dataset": "generated", "rows": rows, "generation_seconds": seconds, **timings}


def collectstatic() -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    return round(time.perf_counter() - started, 2)


def login_sessions(roles: set[str]) -> dict[str, dict]:
    """A database session per role, as django.contrib.auth.login would write it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from bench.specs import ROLES

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = {}
    for role in sorted(roles):
        user = ROLES[role]()
        session = store_class()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions[role] = {"key": session.session_key, "user": user.email}
    return sessions


def _cookie_header(role: str, sessions: dict) -> dict[str, str]:
    from django.conf import settings

    if role not in sessions:
        return {}
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[role]['key']}"}


def count_queries(probes, sessions: dict) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    results = {}
    for probe in probes:
        path = probe.path() if callable(probe.path) else probe.path
        client = Client(HTTP_HOST="127.0.0.1", headers=_cookie_header(probe.role, sessions))
        client.get(path)  # warm-up: per-process caches (content types, templates, translations)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"query probe {probe.name}: GET {path} as {probe.role} answered "
                             f"{response.status_code} {response.get('Location', '')}")
        results[probe.name] = {"path": path, "role": probe.role, "queries": len(captured.captured_queries),
                               "sql": [q["sql"] for q in captured.captured_queries]}
    return results


def measure_timings(probes) -> dict[str, dict]:
    """Median wall time of each in-process call (after one warm-up call)."""
    import statistics

    results = {}
    for probe in probes:
        if getattr(probe, "warmup", True):
            probe.call()
        samples = []
        for _ in range(probe.repeat):
            started = time.perf_counter()
            probe.call()
            samples.append((time.perf_counter() - started) * 1000)
        results[probe.name] = {"median_ms": round(statistics.median(samples), 2),
                               "max_ms": round(max(samples), 2), "runs": probe.repeat,
                               "unit": getattr(probe, "unit", "ms")}
        if results[probe.name]["unit"] == "s":
            log(f"  {probe.name:<22} {results[probe.name]['median_ms'] / 1000:>9.1f} s")
    return results


# ------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, str, str]:
    """(status, Location, body) without following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, "", response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode("utf-8", "replace")


class Gunicorn:
    def __init__(self, profile: Profile, *, workers: int = GUNICORN_WORKERS):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, **django_environment(profile)}
        self.log_path = OUT_DIR / f"gunicorn-{profile.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        executable = Path(sys.executable).parent / "gunicorn"
        cmd = [str(executable), "config.wsgi:application", "--workers", str(self.workers),
               "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--error-logfile", "-"]
        # No --access-logfile: gunicorn's access log is off unless asked for.
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(cmd, cwd=REPO_ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if http_get(self.base_url + "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within {SERVER_START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # graceful: idle workers exit at once
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            self._log.close()


def check_endpoint(server: Gunicorn, endpoint, sessions: dict) -> None:
    """One plain request first: a benchmark of a redirect or an error page is worthless."""
    from django.urls import reverse

    status, location, body = http_get(server.base_url + endpoint.path, _cookie_header(endpoint.role, sessions))
    if status != 200:
        hint = " (the session was not accepted)" if endpoint.role != "anonymous" and "login" in location else ""
        raise BenchError(f"GET {endpoint.path} as {endpoint.role} answered {status} {location}{hint}; "
                         f"see {server.log_path}")
    if endpoint.role != "anonymous" and reverse("account_logout") not in body:
        raise BenchError(f"GET {endpoint.path} as {endpoint.role} did not render a signed-in page")


def measure(server: Gunicorn, endpoints, sessions: dict, *, duration_s: int, warmup_s: int,
            connections: int) -> dict[str, dict]:
    results = {}
    for endpoint in endpoints:
        check_endpoint(server, endpoint, sessions)
        url, headers = server.base_url + endpoint.path, _cookie_header(endpoint.role, sessions)
        if warmup_s:
            wrk.run(url, duration_s=warmup_s, connections=connections, headers=headers)
        result = wrk.run(url, duration_s=duration_s, connections=connections, headers=headers)
        if result.errors.get("status"):
            raise BenchError(f"{endpoint.name}: {result.errors['status']} of {result.requests} responses "
                             f"were not 2xx/3xx; see {server.log_path}")
        log(f"  {endpoint.name:<22} {result.requests_per_s:>9.1f} req/s   p99 {result.latency_ms['p99']:.1f} ms")
        results[endpoint.name] = {"path": endpoint.path, "role": endpoint.role, "requests": result.requests,
                                  "rps": result.requests_per_s, "latency_ms": result.latency_ms,
                                  "errors": result.errors}
    return results


# ------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------
def measure_phone(server: Gunicorn, sessions: dict, *, runs: int) -> dict:
    """bench/lcp.py against this run's gunicorn, signed in as the student role's session."""
    from django.conf import settings

    from bench import lcp

    log(f"Student pages on a phone (Slow 4G, CPU x{lcp.CPU_SLOWDOWN}), {runs} cold loads each:")
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": sessions["student"]["key"], "url": server.base_url}]
    return lcp.measure(server.base_url, cookies=cookies, runs=runs, log=log)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    memory_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": memory_gb, "os": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def software() -> dict:
    import django
    import gunicorn
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk_version = subprocess.run([wrk.wrk_path(), "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"python": platform.python_version(), "django": django.get_version(), "postgresql": postgres,
            "gunicorn": gunicorn.__version__, "wrk": wrk_version.split(" [")[0]}


def metrics_from(endpoints, measured: dict, probes, queries: dict, timings: dict | None = None) -> dict[str, dict]:
    metrics: dict[str, dict] = {}
    for name, timing in (timings or {}).items():
        if timing.get("unit") == "s":
            metrics[name] = {"value": round(timing["median_ms"] / 1000, 2), "unit": "s"}
        else:
            metrics[name] = {"value": timing["median_ms"], "unit": "ms"}
    for endpoint in endpoints:
        result = measured[endpoint.name]
        metrics[f"{endpoint.name}_rps"] = {"value": round(result["rps"], 1), "unit": "req/s"}
        if endpoint.ratio_to:
            ratio = result["rps"] / measured[endpoint.ratio_to]["rps"]
            metrics[f"{endpoint.name}_rps_ratio"] = {"value": round(ratio, 3), "unit": "ratio"}
        for p in endpoint.percentiles:
            metrics[f"{endpoint.name}_p{p:g}_ms"] = {"value": round(result["latency_ms"][f"p{p:g}"], 2),
                                                     "unit": "ms"}
    for probe in probes:
        metrics[probe.name] = {"value": queries[probe.name]["queries"], "unit": "queries"}
    return metrics


def check_budgets(metrics: dict, budgets: dict, *, quick: bool) -> dict[str, dict]:
    """Each budget with the measured value and whether it holds (quick runs: query counts only)."""
    checked = {}
    for name, (comparison, limit) in budgets.items():
        if name not in metrics or (quick and metrics[name]["unit"] != "queries"):
            continue
        value = metrics[name]["value"]
        ok = value <= limit if comparison == "<=" else value >= limit
        checked[name] = {"value": value, "limit": f"{comparison} {limit:g}", "ok": ok}
    return checked


def print_table(results: dict) -> None:
    log()
    log(f"Jianzhi benchmark, {results['date']} — {results['machine']['cores']} cores, {results['machine']['cpu']}")
    log(f"{results['settings']['gunicorn_workers']} gunicorn workers; wrk {results['settings']['wrk']}")
    log()
    log(f"{'endpoint':<22} {'path':<12} {'role':<10} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for name, result in results["endpoints"].items():
        latency = result["latency_ms"]
        log(f"{name:<22} {result['path']:<12} {result['role']:<10} {result['rps']:>9.1f} "
            f"{latency['p50']:>8.2f} {latency['p90']:>8.2f} {latency['p99']:>8.2f}")
    log()
    log(f"{'metric':<30} {'value':>10}  unit")
    for name, metric in results["metrics"].items():
        budget = results["budgets"].get(name)
        verdict = f"  budget {budget['limit']}: {'ok' if budget['ok'] else 'MISSED'}" if budget else ""
        log(f"{name:<30} {metric['value']:>10}  {metric['unit']}{verdict}")
    log()


# ------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Jianzhi load benchmark")
    parser.add_argument("--quick", action="store_true", help="small data set and short runs (the smoke test)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full",
                        help="data set size: full (default), quick, or x10 (the job list and search at 10x)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set even if it is current")
    parser.add_argument("--duration", type=int, help="seconds of wrk per endpoint (default 10, quick 2)")
    parser.add_argument("--warmup", type=int, help="seconds of unrecorded wrk warm-up per endpoint (2, quick 1)")
    parser.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS, help="wrk connections (16)")
    parser.add_argument("--only", help="comma-separated endpoint names: measure just these (and what their ratios "
                        "refer to), skip the query and timing probes, write bench/out/results-only.json")
    parser.add_argument("--lcp", action="store_true",
                        help="also the student pages' LCP and weight on a throttled phone (needs Chromium; bench/lcp.py)")
    parser.add_argument("--lcp-runs", type=int, default=3, help="cold loads per page for --lcp (3)")
    args = parser.parse_args(argv)
    if args.duration is not None and args.duration < 1:
        parser.error("--duration must be at least 1 second")
    return args


def only_endpoints(endpoints, names: list[str]) -> list:
    """The named endpoints, each after the endpoint its ratio refers to."""
    by_name = {endpoint.name: endpoint for endpoint in endpoints}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise SystemExit(f"unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    wanted = set(names) | {by_name[name].ratio_to for name in names if by_name[name].ratio_to}
    return [endpoint for endpoint in endpoints if endpoint.name in wanted]


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    args = parse_args(argv)
    profile = QUICK if args.quick else PROFILES[args.profile]
    duration_s = args.duration or profile.duration_s
    warmup_s = profile.warmup_s if args.warmup is None else args.warmup
    signal.signal(signal.SIGTERM, _terminate)  # `finally` stops gunicorn on SIGTERM as on Ctrl-C
    started = time.perf_counter()
    host = machine()
    if host["load_average_at_start"][0] > BUSY_LOAD:
        log(f"Warning: load average {host['load_average_at_start'][0]} — other processes are busy; "
            "the figures will be low and noisy.")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    os.chdir(REPO_ROOT)
    wrk.wrk_path()  # fail before spending minutes on the data set

    apply_environment(profile)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from bench.specs import ANONYMOUS, BUDGETS, ENDPOINTS, QUERY_PROBES, TIMING_PROBES

    results_path = profile.results_path
    if args.only:  # a quick look at a few pages while working on them; never the committed results
        ENDPOINTS, QUERY_PROBES, TIMING_PROBES = only_endpoints(ENDPOINTS, args.only.split(",")), [], []
        results_path = OUT_DIR / "results-only.json"
    elif profile.endpoints is not None:
        ENDPOINTS, QUERY_PROBES, TIMING_PROBES = only_endpoints(ENDPOINTS, list(profile.endpoints)), [], []
    if args.lcp and (args.only or profile.endpoints is not None or profile is QUICK):
        log("--lcp applies to the full profile's student pages only; skipped.")
        args.lcp = False

    with exclusive(profile):
        dataset = prepare_dataset(profile, fresh=args.fresh)
        collectstatic_s = collectstatic()
        roles = {e.role for e in ENDPOINTS} | {p.role for p in QUERY_PROBES} | ({"student"} if args.lcp else set())
        sessions = login_sessions(roles - {ANONYMOUS})
        queries = count_queries(QUERY_PROBES, sessions)
        timings = measure_timings(TIMING_PROBES)
        software_versions = software()
        connections.close_all()

        server = Gunicorn(profile)
        log(f"Starting gunicorn ({server.workers} workers) on {server.base_url}; measuring {duration_s} s per "
            f"endpoint after {warmup_s} s warm-up, wrk {wrk.WRK_THREADS} threads x {args.connections} connections:")
        try:
            server.start()
            measured = measure(server, ENDPOINTS, sessions, duration_s=duration_s, warmup_s=warmup_s,
                               connections=args.connections)
            phone = measure_phone(server, sessions, runs=args.lcp_runs) if args.lcp else None
        finally:
            server.stop()

    results = {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "machine": host,
        "software": software_versions,
        "scale": {"profile": profile.name, "employers": profile.employers, "students": profile.students,
                  "rows": dataset["rows"]},
        "settings": {
            "gunicorn_workers": server.workers,
            "wrk": f"{wrk.WRK_THREADS} threads x {args.connections} connections, {duration_s}s",
            "warmup_s": warmup_s,
            "django_settings": os.environ["DJANGO_SETTINGS_MODULE"],
            "database": profile.database,
            "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
            "full_page_cache": False,
        },
        "metrics": (metrics := {**metrics_from(ENDPOINTS, measured, QUERY_PROBES, queries, timings),
                                **(phone["metrics"] if phone else {})}),
        "budgets": check_budgets(metrics, {**BUDGETS, **(phone["budgets"] if phone else {})}, quick=profile is QUICK),
        **({"student_pages_on_a_phone": {"settings": phone["settings"], "pages": phone["pages"]}} if phone else {}),
        "endpoints": measured,
        "queries": queries,
        "selector_timings": timings,
        "timings": {
            "dataset": dataset["dataset"],
            "generation_s": dataset["generation_seconds"],
            "migrate_s": dataset["migrate_s"],
            "collectstatic_s": collectstatic_s,
            "total_s": round(time.perf_counter() - started, 1),
        },
    }
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print_table(results)
    log(f"Results: {results_path.relative_to(REPO_ROOT)} (total {results['timings']['total_s']} s)")
    missed = [name for name, budget in results["budgets"].items() if not budget["ok"]]
    if missed:
        log(f"Budgets missed: {', '.join(missed)}")
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BenchError, wrk.WrkError) as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted; gunicorn stopped", file=sys.stderr)
        sys.exit(130)
