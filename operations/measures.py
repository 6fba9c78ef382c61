"""The numbers that say whether the platform is keeping up (issue 22, P2.1), measured in one
place: /metrics (operations.metrics) and the daily system check (operations.health) both read
them through these functions, so a dashboard and the check signed off each morning never
disagree about how many tasks failed or how deep the queue is.

Every figure is counted where it is kept (the database, the broker) at the moment it is read,
not in a process's memory: each web process answers the same, whichever one Prometheus
reaches, and a worker killed mid-task loses none of it. Aggregates only, no personal data."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db.models import Count

DEFAULT_QUEUE = "celery"
REDIS_TIMEOUT_S = 2.0
# kombu's Redis transport keeps the messages delivered to a worker and not yet acknowledged
# in this hash (restored to their queue when the worker dies: CELERY_BROKER_VISIBILITY_TIMEOUT).
UNACKED_KEY = "unacked"


def _broker_url() -> str:
    return str(getattr(settings, "CELERY_BROKER_URL", "") or "")


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)


def queue_names() -> list[str]:
    """The default queue and every queue routed to in settings (CELERY_TASK_ROUTES)."""
    names = {str(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", DEFAULT_QUEUE))}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(str(route["queue"]))
    return sorted(names)


def queue_depths() -> dict[str, int] | None:
    """Tasks waiting per queue: LLEN of each queue's list on a Redis broker, the message files
    of the embedded mode's filesystem broker (one folder: reported as the default queue);
    None for a broker that cannot be measured. Raises when the broker does not answer."""
    broker = _broker_url()
    if broker.startswith(("redis://", "rediss://")):
        client = redis_client(broker)
        names = queue_names()
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
            return {name: int(depth) for name, depth in zip(names, pipe.execute(), strict=True)}
    if broker.startswith("filesystem://"):
        folder = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("data_folder_in")
        count = 0
        if folder and Path(folder).is_dir():
            count = sum(1 for entry in Path(folder).iterdir() if entry.is_file())
        return {queue_names()[0]: count}
    return None


def queue_depth_total() -> int | None:
    depths = queue_depths()
    return None if depths is None else sum(depths.values())


def tasks_unacknowledged() -> int | None:
    """Tasks handed to a worker and not finished (Redis broker only, else None)."""
    broker = _broker_url()
    if not broker.startswith(("redis://", "rediss://")):
        return None
    return int(redis_client(broker).hlen(UNACKED_KEY))


def task_failures_by_task(*, since: dt.datetime) -> dict[str, int]:
    """Failed task runs per task name since `since` (operations.receivers records each)."""
    from .models import TaskFailure

    rows = TaskFailure.objects.filter(at__gte=since).values_list("task_name").annotate(n=Count("pk")).order_by()
    return dict(rows)


def notification_emails_failed(*, since: dt.datetime) -> int:
    """Notification e-mails given up on since `since` (core.notifications records each)."""
    from core.models import Notification

    return Notification.objects.filter(email_failed_at__gte=since).count()


def sms_failed(*, since: dt.datetime) -> int:
    """Text messages queued since `since` that could not be delivered (core.sms)."""
    from core.models import SmsMessage

    return SmsMessage.objects.filter(status=SmsMessage.Status.FAILED, created_at__gte=since).count()


def sms_by_status() -> dict[str, int]:
    from core.models import SmsMessage

    counts = dict(SmsMessage.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in SmsMessage.Status.values}


def payouts_by_status() -> dict[str, int]:
    """Every payout line by status (S4.2): queued, sent, paid, failed."""
    from settlements.models import Payout

    counts = dict(Payout.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in Payout.Status.values}


def payouts_failed(*, since: dt.datetime) -> int:
    """Payout lines the bank or finance marked failed since `since` (each is retried in a
    later batch under a new attempt; the student was told)."""
    from settlements.models import Payout

    return Payout.objects.filter(status=Payout.Status.FAILED, failed_at__gte=since).count()


def ledger_postings() -> int:
    """Ledger transactions posted (F3.1), ever: a counter that only grows."""
    from finance.models import LedgerTransaction

    return LedgerTransaction.objects.count()
