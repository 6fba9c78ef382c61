"""/metrics (issue 22): what the Celery workers did, and the business figures.

Two kinds of numbers, each counted where it can be counted right with several processes:

- Task runs, durations, failures and retries by task name: prometheus_client Counters and a
  Histogram fed by Celery's signals (task_prerun, task_postrun, task_failure, task_retry; the
  receivers are connected in operations.receivers). They live in each worker process's memory,
  so with several processes (`make cluster`: three workers, two gunicorn) every process writes
  them to PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and the web process
  that answers /metrics adds up every process's files (core.views.metrics). Without the
  variable (tests, `make run` without it) they are in the process's own registry.
- Queue depth, unacknowledged tasks, failures in the last 24 hours, ledger postings, payouts by
  status, text messages and notification e-mails that failed: read from the broker and the
  database at scrape time through operations.measures, the same functions the daily system
  check reads (one source), so any web process answers the same numbers."""

import time
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from . import measures

# Seconds: from a heartbeat (milliseconds) to the payout batch at 10× (minutes).
TASK_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, float("inf"))

TASKS = Counter("jianzhi_celery_tasks", "Celery task runs finished, by task and outcome (success, failure, retry)",
                ["task", "outcome"])
TASK_DURATION = Histogram("jianzhi_celery_task_duration_seconds", "Celery task run time, by task", ["task"],
                          buckets=TASK_DURATION_BUCKETS)
TASK_FAILURES = Counter("jianzhi_celery_task_failures", "Celery task runs that raised, by task", ["task"])

# task id → start (perf_counter) of the runs in progress in this process (one at a time in a
# prefork child; the entry goes when the run ends, so it never grows).
_started: dict[str, float] = {}
OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}


def _task_name(sender=None, task=None) -> str:
    task = task or sender
    return str(getattr(task, "name", None) or task or "unknown")[:200]


def task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    _started[str(task_id)] = time.perf_counter()


def task_finished(sender=None, task_id=None, task=None, state=None, **kwargs) -> None:
    name = _task_name(sender, task)
    started = _started.pop(str(task_id), None)
    if started is not None:
        TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)
    TASKS.labels(task=name, outcome=OUTCOMES.get(str(state), str(state).lower() or "unknown")).inc()


def task_failed(sender=None, **kwargs) -> None:
    TASK_FAILURES.labels(task=_task_name(sender)).inc()


class BusinessCollector(Collector):
    """Measured at every scrape; a source that does not answer is left out of that scrape
    (the daily check reports it), never a failed page."""

    def describe(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        # Names only: registering must not query the database (the app registry is not ready).
        yield CounterMetricFamily("jianzhi_ledger_postings", "")
        yield GaugeMetricFamily("jianzhi_payouts", "", labels=["status"])
        yield GaugeMetricFamily("jianzhi_celery_queue_depth", "", labels=["queue"])

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        from django.db import DatabaseError
        from django.utils import timezone

        try:
            yield from self._database_figures(timezone.now() - timedelta(hours=24))
        except DatabaseError:
            pass
        yield from self._broker_figures()

    def _database_figures(self, since) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        postings = CounterMetricFamily("jianzhi_ledger_postings", "Ledger transactions posted (F3.1)")
        postings.add_metric([], measures.ledger_postings())
        yield postings
        payouts = GaugeMetricFamily("jianzhi_payouts", "Payouts by status (S4.2)", labels=["status"])
        for status, count in measures.payouts_by_status().items():
            payouts.add_metric([status], count)
        yield payouts
        yield GaugeMetricFamily("jianzhi_payouts_failed_24h", "Payouts marked failed in the last 24 hours",
                                value=measures.payouts_failed(since=since))
        failures = GaugeMetricFamily("jianzhi_celery_task_failures_24h",
                                     "Failed task runs in the last 24 hours, by task (the daily check's figure)",
                                     labels=["task"])
        for task, count in sorted(measures.task_failures_by_task(since=since).items()):
            failures.add_metric([task], count)
        yield failures
        sms = GaugeMetricFamily("jianzhi_sms_messages", "Text messages by delivery status (issue 20)",
                                labels=["status"])
        for status, count in measures.sms_by_status().items():
            sms.add_metric([status], count)
        yield sms
        yield GaugeMetricFamily("jianzhi_sms_failed_24h", "Text messages queued in the last 24 hours and not "
                                "delivered", value=measures.sms_failed(since=since))
        yield GaugeMetricFamily("jianzhi_notification_emails_failed_24h", "Notification e-mails given up on in the "
                                "last 24 hours", value=measures.notification_emails_failed(since=since))

    def _broker_figures(self) -> Iterator[GaugeMetricFamily]:
        import redis

        try:
            depths, unacked = measures.queue_depths(), measures.tasks_unacknowledged()
        except (redis.RedisError, OSError):
            return
        if depths is not None:
            queue = GaugeMetricFamily("jianzhi_celery_queue_depth", "Tasks waiting in the Celery queue",
                                      labels=["queue"])
            for name, depth in depths.items():
                queue.add_metric([name], depth)
            yield queue
        if unacked is not None:
            yield GaugeMetricFamily("jianzhi_celery_tasks_unacknowledged",
                                    "Tasks delivered to a worker and not yet finished", value=unacked)


def register() -> None:
    from core.observability import scrape_collector_register

    if not getattr(register, "done", False):
        scrape_collector_register(BusinessCollector())
        register.done = True  # type: ignore[attr-defined]
