"""`make cluster`: Jianzhi as a small cluster on this machine, without Docker (issue 22).

    nginx :8080 ─┬─ gunicorn web1 :8101 ─┐
                 └─ gunicorn web2 :8102 ─┤
    celery worker1, worker2, worker3 ────┼─ PostgreSQL primary :5432 (database jianzhi_cluster)
    celery beat1 (active), beat2 (standby)   └─ streaming replica :5433 (pg_basebackup -R, var/cluster/replica)
              └── RedBeat lock ──────────── Redis :6379, database 13 (broker, cache, schedule, lock)

The machine's PostgreSQL and Redis are used as they are (never restarted or reconfigured,
but for one additive pg_hba.conf line allowing replication from 127.0.0.1, followed by a
reload, when none is there). Everything this script starts it stops on Ctrl-C or SIGTERM:
the web, worker and beat processes, nginx and the replica. A web, worker or beat process
that dies is started again (as `restart: unless-stopped` does in docker-compose.yml), so a
chaos test can kill them; `var/cluster/cluster.json` names the current process ids.

Options: --port (nginx, default 8080), --fresh (drop the cluster database and replica first).
Logs: var/cluster/logs/<process>.log. Every process writes its metrics to var/cluster/metrics
(prometheus_client's multiprocess mode: /metrics adds up the workers' task counters) and
connects to PostgreSQL as application_name `jianzhi-<process>` (pg_stat_activity names it).

The chaos test (scripts/chaos.py) uses this module as a library: its own database, ports,
Redis and folder, the same processes and the same supervisor.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLUSTER_DIR = ROOT / "var" / "cluster"
LOG_DIR = CLUSTER_DIR / "logs"
REPLICA_DIR = CLUSTER_DIR / "replica"
STATE_FILE = CLUSTER_DIR / "cluster.json"

PRIMARY = os.environ.get("CLUSTER_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PRIMARY_HOST, PRIMARY_PORT = "127.0.0.1", 5432
REPLICA_PORT = int(os.environ.get("CLUSTER_REPLICA_PORT", "5433"))
DATABASE = "jianzhi_cluster"
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/13")
WEB_PORTS = (8101, 8102)
WORKERS = 3
BEATS = 2
METRICS_TOKEN = "cluster-metrics-token"  # local only; production sets METRICS_TOKEN in .env

_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"jianzhi-cluster-only-key").digest()).decode()


def log(message: str) -> None:
    print(f"cluster: {message}", flush=True)


def environment(port: int, *, database: str = DATABASE, redis_url: str = REDIS_URL,
                replica_port: int | None = REPLICA_PORT, cluster_dir: Path = CLUSTER_DIR) -> dict[str, str]:
    """Production settings against the cluster database; cluster-only keys (they protect
    only the local demo data)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"{PRIMARY}/{database}",
        "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{replica_port}/{database}",
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": "cluster-only-secret-not-for-production",
        "FIELD_ENCRYPTION_KEYS": _KEY,
        "PII_HASH_KEY": "cluster-only-pii-hash-key",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SECURE_HSTS_PRELOAD": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port},http://localhost:{port}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "CELERY_BEAT_SCHEDULER": "redbeat.RedBeatScheduler",
        "SMS_BACKEND": "core.sms.ConsoleSmsBackend",
        "METRICS_TOKEN": METRICS_TOKEN,
        # Every web and worker process writes its counters here; /metrics adds them up.
        "PROMETHEUS_MULTIPROC_DIR": str(cluster_dir / "metrics"),
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    if replica_port is None:
        del env["DATABASE_REPLICA_URL"]
    return env


def metrics_dir_reset(env: dict[str, str]) -> None:
    """An empty multiprocess metrics folder at start: counters begin at zero with the cluster
    (Prometheus reads a restart as a counter reset), none of a previous run's processes."""
    folder = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def psql(sql: str, *, port: int = PRIMARY_PORT, database: str = "postgres") -> str:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database,
                          "-XAtqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pg_bin() -> Path:
    major = int(psql("show server_version_num")) // 10000
    return Path(f"/usr/lib/postgresql/{major}/bin")


def as_postgres(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server tool as the postgres user (it refuses to run as root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, **kwargs)


# ------------------------------------------------------------------ the database
def ensure_replication_allowed() -> None:
    """pg_basebackup and the replica connect with the replication protocol: the primary's
    pg_hba.conf needs a `replication` line. Added (never changed or removed) and reloaded."""
    rules = psql("select count(*) from pg_hba_file_rules where 'replication' = any(database) and error is null")
    if int(rules):
        return
    hba = Path(psql("show hba_file"))
    if not os.access(hba, os.W_OK):
        sys.exit(f"cluster: {hba} has no replication line; add `host replication all 127.0.0.1/32 trust` "
                 "and reload PostgreSQL (SELECT pg_reload_conf())")
    with hba.open("a") as handle:
        handle.write("\n# Jianzhi `make cluster`: the local streaming replica (added by scripts/cluster.py)\n"
                     "host replication all 127.0.0.1/32 trust\n")
    psql("select pg_reload_conf()")
    log(f"allowed local replication in {hba} (reloaded, not restarted)")


def ensure_database(env: dict[str, str], *, fresh: bool, database: str = DATABASE, seed: bool = True,
                    static: bool = True) -> None:
    exists = psql(f"select 1 from pg_database where datname = '{database}'") == "1"
    if exists and fresh:
        psql(f"drop database {database} with (force)")
        exists = False
    if not exists:
        # UTF-8 ctype so pg_trgm indexes Chinese (as the test and bench databases).
        psql(f"create database {database} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' "
             "lc_ctype 'C.UTF-8'")
    manage = [sys.executable, "manage.py"]
    env = {k: v for k, v in env.items() if k != "DATABASE_REPLICA_URL"}  # the replica starts after this
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True)
    if static:
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    if seed and psql("select count(*) from accounts_user", database=database) == "0":
        subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True)


def start_replica(*, fresh: bool) -> None:
    """A hot standby of the machine's cluster, streaming from it. Its data directory is kept
    between runs (it catches up on start); rebuilt with --fresh or when it cannot start."""
    bindir = pg_bin()
    if fresh and REPLICA_DIR.exists():
        shutil.rmtree(REPLICA_DIR)
    if not (REPLICA_DIR / "PG_VERSION").exists():
        _base_backup(bindir)
    try:
        _pg_ctl_start(bindir)
    except subprocess.CalledProcessError:
        log("the replica did not start from its old copy; taking a new base backup")
        shutil.rmtree(REPLICA_DIR)
        _base_backup(bindir)
        _pg_ctl_start(bindir)


def _base_backup(bindir: Path) -> None:
    CLUSTER_DIR.mkdir(parents=True, exist_ok=True)
    REPLICA_DIR.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(REPLICA_DIR, "postgres", "postgres")
    log(f"pg_basebackup -R of the primary into {REPLICA_DIR.relative_to(ROOT)}")
    as_postgres([str(bindir / "pg_basebackup"), "-h", PRIMARY_HOST, "-p", str(PRIMARY_PORT), "-U", "postgres",
                 "-D", str(REPLICA_DIR), "-R", "-X", "stream", "-c", "fast"])
    # Debian keeps the primary's configuration in /etc, outside the data directory: the copy
    # gets a small one of its own (primary_conninfo is in postgresql.auto.conf, from -R).
    (REPLICA_DIR / "postgresql.conf").write_text(
        f"port = {REPLICA_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{REPLICA_DIR}'\n"
        "hot_standby = on\nmax_connections = 100\nshared_buffers = 64MB\n"
        "hot_standby_feedback = on\nmax_standby_streaming_delay = 30s\n"
        # A local, throwaway copy (rebuilt from the primary with --fresh): no fsync, so it starts
        # in seconds instead of syncing every file of the copy first.
        "fsync = off\n")
    (REPLICA_DIR / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (REPLICA_DIR / "pg_ident.conf").write_text("")
    if os.geteuid() == 0:
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(REPLICA_DIR / name, "postgres", "postgres")


def _pg_ctl_start(bindir: Path) -> None:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    logfile = REPLICA_DIR / "replica.log"
    as_postgres([str(bindir / "pg_ctl"), "-D", str(REPLICA_DIR), "-l", str(logfile), "-w", "-t", "300", "start"],
                stdout=subprocess.DEVNULL)
    log(f"replica streaming on 127.0.0.1:{REPLICA_PORT} "
        f"(in recovery: {psql('select pg_is_in_recovery()', port=REPLICA_PORT)})")


def stop_replica() -> None:
    if (REPLICA_DIR / "postmaster.pid").exists():
        as_postgres([str(pg_bin() / "pg_ctl"), "-D", str(REPLICA_DIR), "-m", "fast", "-w", "stop"],
                    stdout=subprocess.DEVNULL)


# ------------------------------------------------------------------ nginx
def nginx_conf(port: int, *, web_ports: tuple[int, ...] = WEB_PORTS, cluster_dir: Path = CLUSTER_DIR) -> Path:
    log_dir = cluster_dir / "logs"
    temp = cluster_dir / "nginx"
    temp.mkdir(parents=True, exist_ok=True)
    os.chmod(temp, 0o777)  # nginx's workers run as an unprivileged user
    upstream = "\n".join(f"        server 127.0.0.1:{p};" for p in web_ports)
    conf = cluster_dir / "nginx.conf"
    conf.write_text(f"""daemon off;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {log_dir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    # The path without its query string: a student's shared position travels there (docs/near-me.md).
    log_format noquery '$remote_addr [$time_local] "$request_method $uri" $status $body_bytes_sent $request_time';
    access_log {log_dir}/nginx-access.log noquery;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    client_max_body_size 13m;
    upstream jianzhi {{
{upstream}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://jianzhi;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502;
        }}
    }}
}}
""")
    return conf


# ------------------------------------------------------------------ processes
def commands(conf: Path | None, *, web_ports: tuple[int, ...] = WEB_PORTS, workers: int = WORKERS,
             beats: int = BEATS, cluster_dir: Path = CLUSTER_DIR) -> dict[str, list[str]]:
    celery = str(BIN / "celery")
    cmds = {"nginx": ["nginx", "-c", str(conf), "-p", str(cluster_dir)]} if conf else {}
    for n, web_port in enumerate(web_ports, 1):
        cmds[f"web{n}"] = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
                           "--workers", "2", "--timeout", "60"]
    for n in range(1, workers + 1):
        cmds[f"worker{n}"] = [celery, "-A", "config", "worker", "--loglevel=INFO", "--concurrency=1",
                              f"--hostname=worker{n}@%h"]
    for n in range(1, beats + 1):
        # Both run; RedBeat's lock in Redis lets one schedule at a time (the other waits for it).
        cmds[f"beat{n}"] = [celery, "-A", "config", "beat", "--loglevel=INFO", "--pidfile="]
    return cmds


class Supervisor:
    """Starts the processes, starts again one that dies (unless stopping), stops them all."""

    def __init__(self, cmds: dict[str, list[str]], env: dict[str, str], *, cluster_dir: Path = CLUSTER_DIR):
        self.cmds, self.env = cmds, env
        self.log_dir, self.state_file = cluster_dir / "logs", cluster_dir / "cluster.json"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {name: 0 for name in cmds}
        self.stopping = False

    def process_env(self, name: str) -> dict[str, str]:
        """The shared environment, with the process's name on its database connections."""
        url = self.env["DATABASE_URL"]
        return {**self.env, "DATABASE_URL": f"{url}{'&' if '?' in url else '?'}application_name=jianzhi-{name}"}

    def start(self, name: str) -> None:
        logfile = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(self.cmds[name], cwd=ROOT, env=self.process_env(name),
                                                stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
        logfile.close()
        self.write_state()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to the process and its children (its own session: a Celery worker and its
        pool); the supervisor starts it again. Returns the process id."""
        pid = self.processes[name].pid
        os.killpg(pid, sig)
        return pid

    def write_state(self) -> None:
        self.state_file.write_text(json.dumps({
            "pids": {name: p.pid for name, p in self.processes.items()}, "restarts": self.restarts,
            "url": self.env["SITE_URL"], "database": self.env["DATABASE_URL"].rsplit("/", 1)[1],
            "replica_url": self.env.get("DATABASE_REPLICA_URL"), "redis_url": self.env["REDIS_URL"],
            "metrics_token": METRICS_TOKEN}, indent=2))

    def watch(self) -> None:
        for name, process in list(self.processes.items()):
            if process.poll() is not None and not self.stopping:
                self.restarts[name] += 1
                log(f"{name} exited ({process.returncode}); starting it again")
                self.start(name)

    def stop(self) -> None:
        self.stopping = True
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8080")))
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if not shutil.which("nginx"):
        subprocess.run([str(ROOT / "scripts" / "apt-install"), "nginx"], check=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = environment(args.port)
    supervisor: Supervisor | None = None
    replica_started = False

    def terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        ensure_replication_allowed()
        metrics_dir_reset(env)  # before any process of the cluster's environment starts (migrate too)
        ensure_database(env, fresh=args.fresh)
        start_replica(fresh=args.fresh)
        replica_started = True
        supervisor = Supervisor(commands(nginx_conf(args.port)), env)
        for name in supervisor.cmds:
            supervisor.start(name)
        url = f"http://127.0.0.1:{args.port}/"
        wait_for(f"{url}healthz")
        log(f"up: {url}  (2 web behind nginx, {WORKERS} workers, {BEATS} beats with one lock, "
            f"replica :{REPLICA_PORT}; logs in {LOG_DIR.relative_to(ROOT)}; Ctrl-C stops everything)")
        while True:
            supervisor.watch()
            time.sleep(1)
    except KeyboardInterrupt:
        log("stopping web, workers, beats, nginx and the replica…")
        return 0
    finally:
        if supervisor:
            supervisor.stop()
        if replica_started:
            stop_replica()
        STATE_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
