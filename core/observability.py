"""Logs, metrics and error reports without personal data (issue 22, J3, PIPL).

- Logs are JSON events (structlog) in production and `make cluster`: one line each, with the
  request id django-structlog binds per request and carries into the Celery tasks the request
  schedules (the `__django_structlog__` task header). Every string of every event, including
  exception tracebacks, goes through `scrub` before it is written.
- Error reports go to Sentry only when SENTRY_DSN is set, with send_default_pii=False and
  `sentry_before_send` scrubbing the same patterns and dropping cookies, headers and bodies.
- /metrics (core.views.metrics) answers only with the METRICS_TOKEN bearer token. With
  PROMETHEUS_MULTIPROC_DIR set (`make cluster`) it adds up the counters every web and worker
  process wrote there (prometheus_client's multiprocess mode), plus the collectors apps register
  with `scrape_collector_register` (figures read from the database and the broker when scraped).
"""

import os
import re
from collections.abc import Mapping
from typing import Any

# Resident ID numbers (18 characters, the last a digit or X), bank card numbers (12-19 digits,
# also written in groups of four; not the decimals of a number such as a task's duration) and
# mainland mobile numbers (optionally +86).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD_NUMBER = re.compile(r"(?<![\d.])(?:\d[ -]?){11,18}\d(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
# A student's shared position in the job list's address (?lat=…&lng=…, docs/near-me.md):
# whereabouts are sensitive personal information (PIPL art. 28).
_POSITION = re.compile(r"(?<=[?&])(lat|lng)=[^&\s\"']*")


def scrub(text: str) -> str:
    """Replace ID numbers, card numbers, phone numbers and positions in `text` by a marker."""
    text = _POSITION.sub(r"\1=[position]", text)
    text = _ID_NUMBER.sub("[id-number]", text)
    text = _PHONE.sub("[phone]", text)
    return _CARD_NUMBER.sub("[card-number]", text)


def scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def scrub_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the last step before an event is rendered."""
    return {key: scrub_value(value) for key, value in event_dict.items()}


_SENTRY_DROPPED_REQUEST_PARTS = ("cookies", "headers", "data", "env", "query_string")


def sentry_before_send(event: dict[str, Any], _hint: dict[str, Any]) -> dict[str, Any]:
    """Sentry's last look before an error leaves the server: no user, no request body,
    headers or cookies, and every remaining string scrubbed."""
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for part in _SENTRY_DROPPED_REQUEST_PARTS:
            request.pop(part, None)
    return scrub_value(event)


def sentry_init(*, dsn: str, environment: str, release: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, send_default_pii=False,
                    include_local_variables=False, before_send=sentry_before_send,  # type: ignore[arg-type]
                    integrations=[DjangoIntegration(), CeleryIntegration()])


# Collectors measured at scrape time (operations.metrics' business figures): registered on the
# process's default registry, and kept here for the multiprocess registry /metrics builds.
_scrape_collectors: list[Any] = []


def scrape_collector_register(collector: Any) -> None:
    from prometheus_client import REGISTRY

    _scrape_collectors.append(collector)
    REGISTRY.register(collector)


def metrics_registry() -> Any:
    """The registry /metrics renders: this process's own, or, in multiprocess mode, every
    process's counters from PROMETHEUS_MULTIPROC_DIR plus the scrape-time collectors."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in _scrape_collectors:
        registry.register(collector)
    return registry
