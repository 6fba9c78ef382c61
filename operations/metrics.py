"""Business figures on /metrics (issue 22), read from the database when Prometheus scrapes:
ledger postings, payouts by status and the Celery queue's depth. Counted in the database, so
every web process answers the same numbers (no per-process counters to add up)."""

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector


class BusinessCollector(Collector):
    def describe(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        # Names only: registering must not query the database (the app registry is not ready).
        yield CounterMetricFamily("jianzhi_ledger_postings", "")
        yield GaugeMetricFamily("jianzhi_payouts", "", labels=["status"])
        yield GaugeMetricFamily("jianzhi_celery_queue_depth", "")

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        from django.db.models import Count

        from finance.models import LedgerTransaction
        from settlements.models import Payout

        postings = CounterMetricFamily("jianzhi_ledger_postings", "Ledger transactions posted (F3.1)")
        postings.add_metric([], LedgerTransaction.objects.count())
        yield postings
        payouts = GaugeMetricFamily("jianzhi_payouts", "Payouts by status (S4.2)", labels=["status"])
        counts = dict(Payout.objects.values_list("status").annotate(n=Count("pk")).order_by())
        for status in Payout.Status.values:
            payouts.add_metric([status], counts.get(status, 0))
        yield payouts
        depth = _queue_depth()
        if depth is not None:
            queue = GaugeMetricFamily("jianzhi_celery_queue_depth", "Tasks waiting in the Celery queue")
            queue.add_metric([], depth)
            yield queue


def _queue_depth() -> int | None:
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    import redis

    try:
        return int(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1).llen("celery"))
    except redis.RedisError:
        return None


def register() -> None:
    from prometheus_client import REGISTRY

    if not getattr(register, "done", False):
        REGISTRY.register(BusinessCollector())
        register.done = True  # type: ignore[attr-defined]
