"""The chaos test (issue 22, `make chaos`, tests/chaos): the cluster of `make cluster` on its
own database, ports and Redis, paying 10,000 due settlements while things break.

    python scripts/chaos.py [--due 10000] [--json report.json]

Loopback only and bounded: it stops itself (everything it started) within DEADLINE_S of
having its database; the database is copied from a template migrated once per change of the
migrations (the first run on a machine migrates it: a minute or two on two idle cores).

1. A fresh database `jianzhi_chaos` (migrated; the bench generator's bulk steps write the
   settlements due, as bench/generate.py's payouts_due) plus work for the sweeps: ready
   settlements whose escrow holds the money (the funding sweep), unanswered applications past
   their deadline (the applications sweep) and text messages held until a moment in the run.
2. Its own redis-server (AOF on, as docker-compose's) on REDIS_PORT: the machine's Redis, which
   other tests use, is never restarted. One gunicorn, three Celery workers, two beats with the
   RedBeat lock, under scripts/cluster.py's Supervisor (a dead process is started again). The
   frequent sweeps run every SWEEP_S seconds (JIANZHI_CHAOS_SWEEP_SECONDS).
3. The day's payout batch is sent, and while it runs:
   - the worker in the middle of a batch chunk (its transaction holds new payout rows) is
     killed with SIGKILL, worker and pool child, twice;
   - the active beat is killed (the standby takes the lock; no sweep is sent twice at once);
   - the same batch task (one task id) is sent twice;
   - every database connection of the workers is terminated (pg_terminate_backend);
   - Redis is restarted.
4. When everything is done it checks: the ledger's integrity check is clean, every due
   settlement has exactly one live payout and the ledger moved its money once, the sweeps left
   no half-done row, no notification, e-mail or text message went out twice, the queue is
   empty; and prints the time each fault took to recover from.

Exit status 0 when every check holds; the report (JSON) lists figures and failed checks."""

import argparse
import collections
import datetime as dt
import email
import email.header
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import cluster  # noqa: E402  (scripts/cluster.py)

CHAOS_DIR = ROOT / "var" / "chaos"
DATABASE = "jianzhi_chaos"
WEB_PORT = 18181
REDIS_PORT = 16399  # its own redis-server; never the machine's 6379
DUE = 10_000
READY = 600  # ready settlements for the funding sweep
EXPIRING = 300  # unanswered applications past their deadline for the applications sweep
SMS = 100  # text messages held until the middle of the run (released by the sweep)
SWEEP_S = 4  # the frequent sweeps run this often during the test
VISIBILITY_S = 12  # a dead worker's task is back in the queue this long after delivery (+ ≤ 2 s scan)
LOCK_TIMEOUT_S = 8  # RedBeat: the standby takes over at most this long after the active beat died
DEADLINE_S = 280  # the whole run, data included: it stops itself
WORKERS, BEATS = 3, 2


def log(message: str) -> None:
    print(f"chaos: {message}", flush=True)


class Timeout(Exception):
    pass


def wait_until(predicate, *, timeout: float, every: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise Timeout(f"{what} did not happen within {timeout:.0f} s")


# ------------------------------------------------------------------ Redis of its own
class Redis:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        logfile = (CHAOS_DIR / "logs" / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", "", "--daemonize", "no"],
            stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True)
        logfile.close()
        wait_until(self.ping, timeout=20, what="redis-server answering")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # a clean shutdown: the AOF is flushed
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ------------------------------------------------------------------ the data
def migrated_database(env: dict[str, str]) -> None:
    """A fresh `jianzhi_chaos`, copied from a migrated template kept between runs and rebuilt
    when a migration (or a pinned dependency) changes: migrating takes a minute or more on
    two busy cores, the copy a few seconds."""
    files = sorted(ROOT.glob("*/migrations/*.py")) + [ROOT / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()[:16]
    template = f"{DATABASE}_template"
    stored = cluster.psql(f"select shobj_description(oid, 'pg_database') from pg_database where datname = '{template}'")
    if stored != digest:
        log("migrating the template database (once per change of the migrations)")
        template_env = {**env, "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{template}"}
        # An existing template takes only the new migrations.
        cluster.ensure_database(template_env, fresh=False, database=template, seed=False, static=False)
        cluster.psql(f"comment on database {template} is '{digest}'")
    cluster.psql(f"drop database if exists {DATABASE} with (force)")
    cluster.psql(f"create database {DATABASE} template {template}")


def generate(due: int) -> dict:
    """The settlements due (bench's bulk steps), work for the sweeps, today a working day."""
    import random

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from bench.generate import STEPS, Context, Pools, Scale, explicit_timestamps
    from core.models import CalendarOverride

    started = time.monotonic()
    steps = {"staff", "employers", "students", "jobs", "payouts_due"}
    ctx = Context(scale=Scale(employers=40, students=max(1, due // 2)), rng=random.Random(22),
                  now=timezone.now(), password_hash=make_password("Jianzhi-chaos-2026"), pools=Pools.draw(22))
    with explicit_timestamps():
        for step in STEPS:
            if step.name in steps:
                with transaction.atomic():
                    step.func(ctx, due if step.name == "payouts_due" else step.count(ctx))
    # The batch runs on working days only; Sunday's test makes today one (a 调休 day).
    CalendarOverride.objects.update_or_create(date=timezone.localdate(), defaults={
        "is_working_day": True, "note": "chaos test"})
    with transaction.atomic():
        ready_ids = _ready_settlements(ctx)
        expiring_ids = _expiring_applications(ctx)
    sms_ids = _held_sms(ctx)
    log(f"data: {due:,} settlements due, {len(ready_ids)} ready to fund, {len(expiring_ids)} applications "
        f"past their deadline, {len(sms_ids)} held text messages ({time.monotonic() - started:.1f} s)")
    return {"ready": ready_ids, "expiring": expiring_ids, "sms": sms_ids}


def _free_pairs(ctx, count: int) -> list[tuple[int, int, int]]:
    """(job, employer, student) without an application yet."""
    from applications.models import Application
    from jobs.models import Job

    jobs = list(Job.objects.exclude(status="draft").order_by("-pk").values_list("pk", "employer_id"))
    students = [row.user_id for row in ctx.students if row.status == "approved"]
    taken = set(Application.objects.values_list("job_id", "student_id"))
    pairs = []
    for i in range(count):
        student = students[-1 - (i % len(students))]
        for j in range(len(jobs)):
            job, employer = jobs[(i + j) % len(jobs)]
            if (job, student) not in taken:
                taken.add((job, student))
                pairs.append((job, employer, student))
                break
    return pairs


def _ready_settlements(ctx) -> list[int]:
    """READY completed engagements with a ready statement, and escrow paid in (a proper
    posting per employer) for all of them: the funding sweep funds them one by one."""
    from applications.models import Application, Engagement
    from finance.ledger import employer_escrow, platform_account, transaction_post
    from finance.models import AccountKind
    from settlements.models import Settlement

    now = ctx.now
    finished = now - dt.timedelta(days=2)
    pairs = _free_pairs(ctx, READY)
    applications = Application.objects.bulk_create([Application(
        job_id=job, student_id=student, status="accepted", confirms_requirements=True, commits_to_work=True,
        applied_at=finished - dt.timedelta(days=6), response_due_at=finished - dt.timedelta(days=3),
        reminder_due_at=finished - dt.timedelta(days=4), decided_at=finished - dt.timedelta(days=5),
        closed_at=finished - dt.timedelta(days=5)) for job, _e, student in pairs])
    engagements = Engagement.objects.bulk_create([Engagement(
        application_id=a.pk, job_id=job, employer_id=employer, student_id=student, status="completed",
        started_at=a.closed_at, completed_at=finished) for a, (job, employer, student) in
        zip(applications, pairs, strict=True)])
    settlements = []
    for engagement in engagements:
        wages = ctx.rng.randint(6, 40) * 1000
        commission = wages // 10
        settlements.append(Settlement(
            engagement_id=engagement.pk, student_id=engagement.student_id, employer_id=engagement.employer_id,
            status="ready", commission_percent=10, wages_fen=wages, commission_fen=commission,
            student_total_fen=wages, employer_total_fen=wages + commission, computed_at=finished,
            ready_at=finished, funding_due_at=now + dt.timedelta(days=3)))
    Settlement.objects.bulk_create(settlements)
    owed: dict[int, int] = collections.defaultdict(int)
    for s in settlements:
        owed[s.employer_id] += s.employer_total_fen
    bank = platform_account(AccountKind.BANK_CLEARING)
    for employer_id, amount in sorted(owed.items()):
        transaction_post(key=f"chaos-escrow-{employer_id}", kind="escrow_funding", memo="chaos test: wages in",
                         lines=[(bank, amount), (employer_escrow(employer_id), -amount)])
    return [s.pk for s in settlements]


def _expiring_applications(ctx) -> list[int]:
    from applications.models import Application

    now = ctx.now
    rows = Application.objects.bulk_create([Application(
        job_id=job, student_id=student, status="applied", confirms_requirements=True, commits_to_work=True,
        applied_at=now - dt.timedelta(days=5), response_due_at=now - dt.timedelta(hours=1),
        reminder_due_at=now - dt.timedelta(days=3), reminded_at=now - dt.timedelta(days=3))
        for job, _e, student in _free_pairs(ctx, EXPIRING)])
    return [a.pk for a in rows]


def _held_sms(ctx) -> list[int]:
    """Held by the quiet hours until 60 s from now: the sweep releases them mid-run."""
    from django.utils import timezone

    from accounts.models import User
    from core.sms import SmsTemplate, sms_send

    until = timezone.now() + dt.timedelta(seconds=60)
    students = User.objects.filter(pk__in=[row.user_id for row in ctx.students if row.status == "approved"][:SMS])
    return [sms_send(phone=f"+86139{i:08d}", template=SmsTemplate.ALERT, send_after=until, recipient=student,
                     params={"subject": f"chaos {i}", "link": "/me/"}).pk for i, student in enumerate(students)]


# ------------------------------------------------------------------ watching the cluster
class LogTail(threading.Thread):
    """Follows every log of the run; keeps the lines that matter, stamped when first seen."""

    PATTERNS = re.compile(r"Sending due task|Acquired lock| ready\.|----- SMS to ")

    def __init__(self, folder: Path):
        super().__init__(daemon=True)
        self.folder, self.offsets = folder, {}
        self.lines: list[tuple[float, str, str]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.poll()
            time.sleep(0.1)

    def poll(self) -> None:
        for path in sorted(self.folder.glob("*.log")):
            with path.open("rb") as handle:
                handle.seek(self.offsets.get(path, 0))
                data = handle.read()
            end = data.rfind(b"\n") + 1
            self.offsets[path] = self.offsets.get(path, 0) + end
            now = time.monotonic()
            for line in data[:end].decode(errors="replace").splitlines():
                if self.PATTERNS.search(line):
                    self.lines.append((now, path.stem, line))

    def matching(self, pattern: str, *, since: float = 0.0, source: str = "") -> list[tuple[float, str, str]]:
        return [item for item in list(self.lines)
                if item[0] >= since and item[1].startswith(source) and pattern in item[2]]


def db_query(sql: str, params: tuple = ()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def worker_in_a_chunk(*, besides: frozenset[int] = frozenset()) -> tuple[str, int] | None:
    """The worker whose open transaction has inserted payout rows (in the middle of a chunk)
    and its backend's pid; not the backends in `besides` (a killed worker's, still ending)."""
    rows = db_query("""
        SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.relation = 'settlements_payout'::regclass AND l.mode = 'RowExclusiveLock'
          AND a.datname = current_database() AND a.application_name LIKE 'jianzhi-worker%%'""")
    rows = [(name.removeprefix("jianzhi-"), pid) for name, pid in rows if pid not in besides]
    return rows[0] if rows else None


def backend_gone(pid: int) -> bool:
    return not db_query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))


def active_beat(tail: LogTail) -> str:
    """The beat that took RedBeat's lock last (the other waits for it)."""
    acquired = tail.matching("Acquired lock", source="beat")
    return acquired[-1][1]


class Progress:
    """The rows the run must move, counted in the database."""

    def __init__(self, due_ids: list[int], work: dict):
        self.due_ids, self.work = due_ids, work

    def counts(self) -> dict[str, int]:
        from applications.models import Application
        from core.models import SmsMessage
        from settlements.models import Settlement

        return {
            "due_not_paying": Settlement.objects.filter(pk__in=self.due_ids).exclude(status="paying").count(),
            "still_ready": Settlement.objects.filter(pk__in=self.work["ready"], status="ready").count(),
            "still_applied": Application.objects.filter(pk__in=self.work["expiring"], status="applied").count(),
            "sms_queued": SmsMessage.objects.filter(pk__in=self.work["sms"], status="queued").count(),
        }

    def batch_done(self) -> bool:
        from settlements.models import Settlement

        return not Settlement.objects.filter(pk__in=self.due_ids).exclude(status="paying").exists()

    def all_done(self) -> bool:
        from operations import measures

        if any(self.counts().values()):
            return False
        return measures.queue_depth_total() == 0 and measures.tasks_unacknowledged() == 0


# ------------------------------------------------------------------ the faults
def run_faults(supervisor, redis_server: Redis, tail: LogTail, progress: Progress, *, deadline_at: float) -> dict:
    """Inject the faults in order while the batch and the sweeps run; returns the timings (s)."""
    from settlements.tasks import payout_batch_build_task

    t0 = time.monotonic()
    timings: dict[str, float] = {}
    events: list[dict] = []

    def event(name: str, **extra) -> None:
        events.append({"at_s": round(time.monotonic() - t0, 2), "fault": name, **extra})
        log(f"{time.monotonic() - t0:6.1f} s  {name} {extra or ''}")

    payout_batch_build_task.delay()
    event("payout batch sent")
    kills, killed_backends = [], set()
    for n in (1, 2):
        # A chunk in progress (the second one: the killed run, redelivered after the visibility timeout).
        name, backend = wait_until(lambda: worker_in_a_chunk(besides=frozenset(killed_backends)),
                                   timeout=VISIBILITY_S + 40, every=0.01, what=f"a batch chunk in progress (kill {n})")
        pid = supervisor.kill(name)
        kills.append(time.monotonic())
        killed_backends.add(backend)
        event(f"SIGKILL {name} in the middle of a batch chunk", pid=pid, kill=n)
        wait_until(lambda: backend_gone(backend), timeout=30, what="the killed worker's transaction ending")  # noqa: B023
        event("its transaction rolled back (backend gone)")
        if n == 1:  # while the killed run waits to be redelivered
            beat = active_beat(tail)
            supervisor.kill(beat)
            event(f"SIGKILL the active beat {beat}")
            standby, timings["beat_takeover_s"] = _standby_takes_over(tail, time.monotonic())
            event(f"{standby} took the lock", after_s=timings["beat_takeover_s"])
    # The same batch task, one task id, delivered twice.
    task_id = f"chaos-duplicate-{int(time.time())}"
    payout_batch_build_task.apply_async(task_id=task_id)
    payout_batch_build_task.apply_async(task_id=task_id)
    event("the same batch task sent twice", task_id=task_id)
    # Every database connection of the workers, once; in the middle of a chunk if one is running.
    try:
        wait_until(lambda: worker_in_a_chunk(besides=frozenset(killed_backends)), timeout=5, every=0.01,
                   what="a chunk of the duplicate runs")
    except Timeout:
        pass
    terminated = db_query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND application_name LIKE 'jianzhi-worker%%'")[0][0]
    terminated_at = time.monotonic()
    event("pg_terminate_backend of every worker connection", connections=terminated)
    wait_until(progress.batch_done, timeout=VISIBILITY_S + 60, what="every due settlement paying")
    timings["batch_complete_after_first_kill_s"] = round(time.monotonic() - kills[0], 1)
    timings["batch_complete_after_terminate_s"] = round(time.monotonic() - terminated_at, 1)
    event("every due settlement is paying")
    # Redis restarted (clean shutdown, AOF), while the sweeps and the held text messages run.
    wait_until(lambda: tail.matching("Sending due task", since=time.monotonic() - SWEEP_S - 1),
               timeout=30, what="beat sending sweeps")
    redis_server.stop()
    stopped = time.monotonic()
    event("Redis stopped")
    time.sleep(2)
    redis_server.start()
    event("Redis started again", down_s=round(time.monotonic() - stopped, 1))
    restarted = time.monotonic()
    heartbeat_seen = _heartbeat_after(restarted)
    timings["redis_recovery_s"] = round(heartbeat_seen - restarted, 1)
    event("a task sent by beat after the restart ran", after_s=timings["redis_recovery_s"])
    wait_until(progress.all_done, timeout=max(10.0, deadline_at - time.monotonic()), every=0.5,
               what="every sweep done, the queue empty and nothing unacknowledged")
    timings["total_recovery_s"] = round(time.monotonic() - kills[0], 1)
    event("recovered: everything done, queue empty, nothing unacknowledged")
    return {"timings": timings, "events": events}


def _standby_takes_over(tail: LogTail, killed: float) -> tuple[str, float]:
    taken = wait_until(lambda: tail.matching("Acquired lock", since=killed), timeout=LOCK_TIMEOUT_S + 30,
                       what="the standby beat taking the lock")
    return taken[0][1], round(taken[0][0] - killed, 1)


def _heartbeat_after(moment: float) -> float:
    """When a worker ran beat's heartbeat after `moment` (the database row moves)."""
    from core.models import BeatHeartbeat

    wall = time.time() - (time.monotonic() - moment)
    since = dt.datetime.fromtimestamp(wall, tz=dt.UTC)

    def seen():
        row = BeatHeartbeat.objects.filter(name="beat", last_seen_at__gt=since).first()
        return time.monotonic() if row else None

    return wait_until(seen, timeout=60, every=0.2, what="a heartbeat after the Redis restart")


# ------------------------------------------------------------------ the checks
def verify(due_ids: list[int], work: dict, tail: LogTail, run_started: dt.datetime) -> tuple[dict, list[str]]:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, F, Sum

    from applications.models import Application
    from core.models import HistoryEntry, Notification, SmsMessage
    from finance.ledger import account_balance, ledger_integrity_check, platform_account
    from finance.models import AccountKind, LedgerTransaction
    from operations import measures
    from settlements.models import Payout, PayoutBatch, Settlement

    failed: list[str] = []
    figures: dict = {}

    def check(ok: bool, what: str) -> None:
        if not ok:
            failed.append(what)

    problems = ledger_integrity_check()
    figures["ledger_problems"] = len(problems)
    check(not problems, f"the ledger's integrity check: {problems[:3]}")

    # Every due settlement paid exactly once: one live payout each, the money moved once.
    live = (Payout.objects.filter(settlement_id__in=due_ids, adjustment__isnull=True).exclude(status="failed")
            .values("settlement_id").annotate(n=Count("pk")).order_by())
    per_settlement = collections.Counter(row["n"] for row in live)
    figures["due_settlements"] = len(due_ids)
    figures["payouts"] = sum(n * k for n, k in per_settlement.items())
    check(per_settlement == {1: len(due_ids)}, f"live payouts per due settlement: {dict(per_settlement)}")
    owed = Settlement.objects.filter(pk__in=due_ids).aggregate(t=Sum(F("student_total_fen") - F("tax_fen")))["t"]
    paid = Payout.objects.filter(settlement_id__in=due_ids).exclude(status="failed").aggregate(t=Sum("amount_fen"))["t"]
    in_transit = abs(account_balance(platform_account(AccountKind.PAYOUT_CLEARING)))
    batches = PayoutBatch.objects.aggregate(n=Sum("payout_count"), t=Sum("total_fen"), b=Count("pk"))
    figures.update(owed_fen=owed, payouts_fen=paid, in_transit_fen=in_transit, batches=batches["b"])
    check(owed == paid == in_transit == batches["t"], f"money: owed {owed}, payouts {paid}, in transit {in_transit}, "
          f"batches {batches['t']}")
    check(batches["n"] == len(due_ids), f"batches count {batches['n']} payouts for {len(due_ids)} settlements")
    figures["chunk_postings"] = LedgerTransaction.objects.filter(kind="payout").count()
    # A batch a killed run began is finished (its build recorded, finance told) or holds nothing.
    built = set(HistoryEntry.objects.filter(content_type=ContentType.objects.get_for_model(PayoutBatch),
                                            transition="build").values_list("object_id", flat=True))
    unfinished = [pk for pk in PayoutBatch.objects.values_list("pk", flat=True) if str(pk) not in built]
    figures["batches_unfinished"] = unfinished
    check(not unfinished, f"batches without their build record (finance never told): {unfinished}")

    # The funding sweep: each settlement funded once (one wages posting, one history row) or untouched.
    settlement_type = ContentType.objects.get_for_model(Settlement)
    ready = Settlement.objects.filter(pk__in=work["ready"])
    statuses = collections.Counter(ready.values_list("status", flat=True))
    figures["funding_sweep"] = dict(statuses)
    wages = collections.Counter(LedgerTransaction.objects.filter(
        key__in=[f"settlement:{pk}:wages" for pk in work["ready"]]).values_list("key", flat=True))
    funded = set(ready.exclude(status="ready").values_list("pk", flat=True))
    check(set(wages) == {f"settlement:{pk}:wages" for pk in funded} and set(wages.values()) <= {1},
          "funding sweep: a wages posting missing, extra or twice")
    fund_rows = collections.Counter(HistoryEntry.objects.filter(
        content_type=settlement_type, object_id__in=[str(pk) for pk in work["ready"]], transition="fund")
        .values_list("object_id", flat=True))
    check(set(fund_rows.values()) <= {1} and len(fund_rows) == len(funded), "funding sweep: history rows")
    check(statuses == {"funded": len(work["ready"])}, f"funding sweep left {dict(statuses)}")

    # The applications sweep: each expired once.
    application_type = ContentType.objects.get_for_model(Application)
    expired = collections.Counter(Application.objects.filter(pk__in=work["expiring"]).values_list("status", flat=True))
    figures["applications_sweep"] = dict(expired)
    check(expired == {"expired": len(work["expiring"])}, f"applications sweep left {dict(expired)}")
    expire_rows = collections.Counter(HistoryEntry.objects.filter(
        content_type=application_type, object_id__in=[str(pk) for pk in work["expiring"]], transition="expire")
        .values_list("object_id", flat=True))
    check(set(expire_rows.values()) == {1} and len(expire_rows) == len(work["expiring"]),
          "applications sweep: an expiry recorded twice or not at all")

    # No notification written twice, no e-mail or text message sent twice.
    notes = (Notification.objects.filter(created_at__gte=run_started)
             .values("recipient_id", "subject", "body", "link").annotate(n=Count("pk")).order_by())
    twice = [row for row in notes if row["n"] > 1]
    figures["notifications"] = sum(row["n"] for row in notes)
    check(not twice, f"{len(twice)} notifications written twice, e.g. {twice[:2]}")
    mails = _emails_sent(CHAOS_DIR / "mail")
    figures["emails_sent"] = sum(mails.values())
    check(all(n == 1 for n in mails.values()),
          f"{sum(1 for n in mails.values() if n > 1)} e-mails sent twice: {[k for k, n in mails.items() if n > 1][:2]}")
    sms_status = collections.Counter(SmsMessage.objects.filter(pk__in=work["sms"]).values_list("status", flat=True))
    printed = collections.Counter(re.search(r"SMS to (\S+)", line).group(1)
                                  for _t, _s, line in tail.matching("----- SMS to "))
    figures["sms"] = {"sent": sms_status.get("sent", 0), "delivered_lines": sum(printed.values())}
    check(sms_status == {"sent": len(work["sms"])}, f"text messages: {dict(sms_status)}")
    check(set(printed.values()) == {1} and len(printed) == len(work["sms"]),
          f"text messages delivered twice or not at all: {[p for p, n in printed.items() if n != 1][:3]}")

    # Beat: never two beats sending the same sweep at once.
    sends: dict[str, list[float]] = collections.defaultdict(list)
    for at, _source, line in tail.matching("Sending due task"):
        sends[re.search(r"Sending due task (\S+)", line).group(1)].append(at)
    gaps = {name: round(min(b - a for a, b in zip(times, times[1:], strict=False)), 2)
            for name, times in sends.items() if len(times) > 1}
    figures["beat_sends"] = {name: len(times) for name, times in sends.items()}
    figures["beat_min_gap_s"] = gaps
    check(all(gap >= SWEEP_S / 2 for gap in gaps.values()), f"a sweep sent twice at once: {gaps}")

    # Beat still sends its sweeps every few seconds: the broker drains between them.
    try:
        wait_until(lambda: measures.queue_depth_total() == 0 and measures.tasks_unacknowledged() == 0,
                   timeout=20, every=0.2, what="an empty queue")
    except Timeout:
        pass
    figures["queue_depth"], figures["unacknowledged"] = measures.queue_depth_total(), measures.tasks_unacknowledged()
    check(figures["queue_depth"] == 0 and figures["unacknowledged"] == 0, "tasks left in the broker")
    figures["task_failures"] = measures.task_failures_by_task(since=run_started)
    figures["metrics"] = _scrape_task_counts()
    return figures, failed


def _emails_sent(folder: Path) -> collections.Counter:
    """(to, subject, body) of every e-mail Django's file backend wrote."""
    sent: collections.Counter = collections.Counter()
    for path in sorted(folder.glob("*.log")) if folder.is_dir() else []:
        for raw in path.read_text(errors="replace").split("-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip())
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))
            body = message.get_payload(decode=True) or b""
            sent[(message["To"], subject, body)] += 1
    return sent


def _scrape_task_counts() -> dict:
    """/metrics of the cluster's web process: the workers' task counters, added up."""
    from prometheus_client.parser import text_string_to_metric_families

    request = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}/metrics",
                                     headers={"Authorization": f"Bearer {cluster.METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    counts: dict = collections.defaultdict(dict)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "jianzhi_celery_tasks_total":
                counts[sample.labels["task"].rsplit(".", 1)[-1]][sample.labels["outcome"]] = int(sample.value)
    return dict(counts)


# ------------------------------------------------------------------ the run
START = time.monotonic()


def _deadline(*_args) -> None:
    raise Timeout("the chaos test passed its deadline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--due", type=int, default=DUE, help="settlements due for the batch (10,000)")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--deadline", type=int, default=DEADLINE_S, help="stop after this many seconds (280)")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _deadline)
    signal.signal(signal.SIGTERM, _deadline)
    shutil.rmtree(CHAOS_DIR, ignore_errors=True)
    (CHAOS_DIR / "logs").mkdir(parents=True)
    (CHAOS_DIR / "mail").mkdir()
    env = cluster.environment(WEB_PORT, database=DATABASE, redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
                              replica_port=None, cluster_dir=CHAOS_DIR)
    env.update({
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S),
        "CELERY_UNACKED_RESTORE_INTERVAL": "2", "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "CELERY_REDBEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT_S), "JIANZHI_CHAOS_SWEEP_SECONDS": str(SWEEP_S),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(CHAOS_DIR / "mail"),
    })
    redis_server = Redis(REDIS_PORT, CHAOS_DIR / "redis")
    supervisor, tail, stop = None, LogTail(CHAOS_DIR / "logs"), threading.Event()
    report: dict = {"due": args.due, "figures": {}, "failed_checks": []}
    try:
        redis_server.start()
        started = time.monotonic()
        cluster.metrics_dir_reset(env)  # migrate runs in the cluster's environment too
        migrated_database(env)
        report["migrate_s"] = round(time.monotonic() - started, 1)
        # The deadline counts from here: the template's one-off migration (first run on a machine,
        # and after a migration changed) is bounded by its own commands.
        signal.alarm(args.deadline)
        deadline_at = time.monotonic() + args.deadline - 15
        own = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        own["DATABASE_URL"] += "?application_name=jianzhi-chaos"
        os.environ.update(own)
        import django

        django.setup()
        from django.db import connections
        from django.utils import timezone

        import config.celery  # noqa: F401  (the app the tasks are sent with)
        from settlements.models import Settlement

        started = time.monotonic()
        run_started = timezone.now()
        work = generate(args.due)
        due_ids = list(Settlement.objects.filter(status="funded", payout_due_at__lte=timezone.now())
                       .values_list("pk", flat=True))
        report["generate_s"] = round(time.monotonic() - started, 1)
        connections.close_all()
        cluster.metrics_dir_reset(env)
        supervisor = cluster.Supervisor(cluster.commands(None, web_ports=(WEB_PORT,), workers=WORKERS, beats=BEATS,
                                                         cluster_dir=CHAOS_DIR), env, cluster_dir=CHAOS_DIR)
        tail.start()
        for name in supervisor.cmds:
            supervisor.start(name)

        def watch() -> None:
            while not stop.is_set():
                supervisor.watch()
                time.sleep(0.2)

        threading.Thread(target=watch, daemon=True).start()
        started = time.monotonic()
        wait_until(lambda: len({s for _t, s, _l in tail.matching(" ready.", source="worker")}) == WORKERS,
                   timeout=120, what="three workers ready")
        wait_until(lambda: tail.matching("Acquired lock"), timeout=60, what="a beat holding the lock")
        cluster.wait_for(f"http://127.0.0.1:{WEB_PORT}/healthz", timeout=60)
        report["cluster_start_s"] = round(time.monotonic() - started, 1)
        log(f"cluster up in {report['cluster_start_s']} s: 1 web, {WORKERS} workers, {BEATS} beats, "
            f"redis :{REDIS_PORT}")
        report.update(run_faults(supervisor, redis_server, tail, Progress(due_ids, work),
                                 deadline_at=deadline_at))
        tail.poll()
        report["restarts"] = {name: n for name, n in supervisor.restarts.items() if n}
        report["figures"], report["failed_checks"] = verify(due_ids, work, tail, run_started)
    except Exception as error:  # noqa: BLE001 - reported as a failed check, the cluster still stopped
        report["failed_checks"].append(f"{type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        stop.set()
        tail.stopped.set()
        if supervisor:
            supervisor.stop()
        redis_server.stop()
    report["elapsed_s"] = round(time.monotonic() - START, 1)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0 if not report["failed_checks"] else 1


def _print(report: dict) -> None:
    log("timings (s): " + json.dumps(report.get("timings", {})))
    for key in ("due_settlements", "payouts", "batches", "chunk_postings", "funding_sweep", "applications_sweep",
                "notifications", "emails_sent", "sms", "beat_sends", "beat_min_gap_s", "task_failures", "metrics"):
        if key in report["figures"]:
            log(f"{key}: {json.dumps(report['figures'][key], ensure_ascii=False, default=str)}")
    log(f"restarts: {report.get('restarts')}; elapsed {report['elapsed_s']} s "
        f"(migrate {report.get('migrate_s')}, data {report.get('generate_s')}, start {report.get('cluster_start_s')})")
    for failure in report["failed_checks"]:
        log(f"FAILED: {failure}")
    log("all checks hold" if not report["failed_checks"] else f"{len(report['failed_checks'])} checks failed")


if __name__ == "__main__":
    sys.exit(main())
