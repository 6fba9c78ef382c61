"""Issue 22, P2.1: what the workers did on /metrics (task runs, durations, failures by task,
queue depth), added up over every process in multiprocess mode, and the daily system check
reading the same numbers as /metrics (one source: operations.measures)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery import shared_task
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core.models import Notification, SmsMessage
from operations import health
from operations.models import TaskFailure
from settlements.payouts import payout_fail
from tests.factories.accounts import StaffFactory, UserFactory
from tests.settlements.test_funding import DUE_AT
from tests.settlements.test_payouts import build, paid_student_settlement

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-test-token"


@shared_task(name="tests.operations.metrics_ok_task")
def ok_task():
    return 1


@shared_task(name="tests.operations.metrics_failing_task")
def failing_task():
    raise RuntimeError("the bank did not answer")


def scrape(client, settings) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_issue22_task_runs_durations_and_failures_are_counted_by_task_name(client, settings):
    before = scrape(client, settings)
    # when: a worker runs one task that succeeds twice and one that fails
    ok_task.apply()
    ok_task.apply()
    assert failing_task.apply(throw=False).failed()
    after = scrape(client, settings)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    ok, failing = "tests.operations.metrics_ok_task", "tests.operations.metrics_failing_task"
    assert grew("jianzhi_celery_tasks_total", task=ok, outcome="success") == 2
    assert grew("jianzhi_celery_tasks_total", task=failing, outcome="failure") == 1
    assert grew("jianzhi_celery_tasks_total", task=ok, outcome="failure") == 0
    assert grew("jianzhi_celery_task_duration_seconds_count", task=ok) == 2
    assert grew("jianzhi_celery_task_duration_seconds_bucket", task=ok, le="+Inf") == 2
    assert grew("jianzhi_celery_task_failures_total", task=failing) == 1
    # the database's figure (the one the daily check shows) agrees
    assert value(after, "jianzhi_celery_task_failures_24h", task=failing) == 1


def test_issue22_metrics_add_up_the_counters_of_every_worker_process(client, settings, tmp_path, monkeypatch):
    """`make cluster` runs three workers and two gunicorn: each process writes its counters to
    PROMETHEUS_MULTIPROC_DIR and whichever web process is scraped adds them all up."""
    script = ("from operations import metrics\n"
              "for i in range({n}):\n"
              "    metrics.task_started(task_id=i)\n"
              "    metrics.task_finished(sender=type('T', (), {{'name': 'settlements.tasks.payout_batch_build_task'}}),"
              " task_id=i, state='SUCCESS')\n")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for runs in (3, 4):  # two worker processes
        subprocess.run([sys.executable, "-c", script.format(n=runs)], cwd=ROOT, env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(client, settings)
    task = "settlements.tasks.payout_batch_build_task"
    assert value(samples, "jianzhi_celery_tasks_total", task=task, outcome="success") == 7
    assert value(samples, "jianzhi_celery_task_duration_seconds_count", task=task) == 7
    # the figures read at scrape time are there too
    assert ("jianzhi_payouts", (("status", "paid"),)) in samples


def test_p2_1_the_daily_check_reads_the_numbers_metrics_shows(client, settings):
    # given: two failed tasks, an undelivered text message, a failed notification e-mail,
    # a failed payout and three tasks waiting in the broker's queue
    for name in ("settlements.tasks.payout_batch_build_task", "core.tasks.send_sms"):
        TaskFailure.objects.create(task_name=name, error_class="OperationalError")
    user = UserFactory()
    SmsMessage.objects.create(recipient=user, template="alert", phone="+8613812345678",
                              phone_masked="138****5678", status=SmsMessage.Status.FAILED)
    Notification.objects.create(recipient=user, subject="s", body="b", email_failed_at=timezone.now(),
                                email_error="SMTPServerDisconnected")
    settlement = paid_student_settlement()
    batch = build(DUE_AT)
    payout_fail(payout_id=batch.payouts.get(settlement=settlement).pk, actor=StaffFactory(role="finance"),
                reason="account closed")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    settings.CELERY_TASK_DEFAULT_QUEUE = f"test-metrics-queue-{os.getpid()}"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    broker.rpush(settings.CELERY_TASK_DEFAULT_QUEUE, "a", "b", "c")
    try:
        # when: the morning check runs and Prometheus scrapes
        check = health.daily_check_run()
        samples = scrape(client, settings)
    finally:
        broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    # then: the same numbers in both
    results = check.results
    assert results["failed_tasks_24h"]["value"] == 2 == sum(
        v for (name, _labels), v in samples.items() if name == "jianzhi_celery_task_failures_24h")
    assert results["failed_sms_24h"]["value"] == 1 == value(samples, "jianzhi_sms_failed_24h")
    assert results["failed_payouts_24h"]["value"] == 1 == value(samples, "jianzhi_payouts_failed_24h")
    assert results["failed_emails_24h"]["value"] == 1 == value(samples, "jianzhi_notification_emails_failed_24h")
    assert results["queue_depth"]["value"] == 3 == value(
        samples, "jianzhi_celery_queue_depth", queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    assert value(samples, "jianzhi_payouts", status="failed") == 1
    for name in ("failed_sms_24h", "failed_payouts_24h", "failed_tasks_24h"):
        assert results[name]["level"] == "warning"
    assert check.outcome != "ok"
