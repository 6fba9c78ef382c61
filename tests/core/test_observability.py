"""Issue 22 observability: JSON logs without personal data, a request id that follows a
request into the Celery tasks it schedules, /metrics behind its token, Sentry scrubbed."""

import io
import json
import logging
import re
from logging.config import dictConfig
from types import SimpleNamespace

import pytest
import structlog
from django.apps import apps
from django.conf import settings

from core.observability import scrub, sentry_before_send

ID_NUMBER = "11010519491231002X"
CARD_NUMBER = "6222021234567890123"
PHONE = "13812345678"
# What a leaked value looks like in a log line, in any of its usual spellings.
LEAKS = re.compile(r"\d{17}[\dXx]|(?<!\d)\d{13,19}(?!\d)|1[3-9]\d{9}|6222 0212|138 1234")


@pytest.fixture
def json_log():
    """The production formatter (settings.LOGGING's "json") on the root logger, into a buffer."""
    buffer = io.StringIO()
    config = {**settings.LOGGING, "handlers": {"capture": {"class": "logging.StreamHandler", "stream": buffer,
                                                           "formatter": "json"}},
              "root": {"handlers": ["capture"], "level": "INFO"}}
    dictConfig(config)
    yield buffer
    dictConfig(settings.LOGGING)


def test_issue22_scrub_masks_id_card_and_phone_numbers():
    text = f"id {ID_NUMBER} card {CARD_NUMBER} card 6222 0212 3456 7890 phone {PHONE} phone +86 138 1234 5678"
    scrubbed = scrub(text)
    assert not LEAKS.search(scrubbed), scrubbed
    assert scrubbed.count("[id-number]") == 1 and scrubbed.count("[card-number]") == 2
    assert scrubbed.count("[phone]") == 2
    # Amounts, dates and ids of records stay readable.
    assert scrub("payout 1234 of 8250 fen on 2026-12-06, batch 20261206") == \
        "payout 1234 of 8250 fen on 2026-12-06, batch 20261206"
    # and so do durations: Celery logs a task's seconds with up to 18 decimals
    assert scrub("Task core.tasks.send_notification_email[6720e0cf] succeeded in 0.006123456789012345s") == \
        "Task core.tasks.send_notification_email[6720e0cf] succeeded in 0.006123456789012345s"


@pytest.mark.django_db
def test_issue22_logs_of_requests_and_errors_carry_a_request_id_and_no_personal_data(json_log, client):
    response = client.get(f"/jobs/?q={PHONE}&card={CARD_NUMBER}")
    assert response.status_code == 200
    logging.getLogger("settlements.payouts").warning("payout to card %s of %s failed", CARD_NUMBER, ID_NUMBER)
    structlog.get_logger("accounts").info("verification", id_number=ID_NUMBER, phone=PHONE,
                                          nested={"card": CARD_NUMBER})
    try:
        raise ValueError(f"bad ID number {ID_NUMBER}")
    except ValueError:
        logging.getLogger("core").exception("could not verify %s", PHONE)

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines, "nothing was logged"
    text = json_log.getvalue()
    assert not LEAKS.search(text), LEAKS.search(text)
    request_events = [line for line in lines if line.get("event") in ("request_started", "request_finished")]
    # Both events of the request carry the same id (the server's own: a client's X-Request-ID is not trusted).
    assert len(request_events) == 2 and len({line["request_id"] for line in request_events}) == 1
    assert all("ip" not in line for line in request_events)  # an address is personal information too
    assert any("[id-number]" in line.get("exception", "") for line in lines)


def test_issue22_request_id_travels_in_the_task_headers_into_the_worker():
    receiver = apps.get_app_config("django_structlog")._celery_receiver
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id="req-abc", user_id=7)
    headers: dict = {}
    receiver.receiver_before_task_publish(headers=headers, properties={}, routing_key="celery")
    assert headers["__django_structlog__"]["request_id"] == "req-abc"

    # The worker: a fresh context, then the task's headers bind the request id again.
    structlog.contextvars.clear_contextvars()
    task = SimpleNamespace(name="settlements.tasks.payout_batch_build_task",
                           request=SimpleNamespace(__django_structlog__=headers["__django_structlog__"]))
    receiver.receiver_task_prerun("task-1", task)
    assert structlog.contextvars.get_contextvars()["request_id"] == "req-abc"
    structlog.contextvars.clear_contextvars()


def test_issue22_sentry_reports_carry_no_personal_data():
    event = {"user": {"email": "a@b.cn"}, "request": {"url": "/me/", "cookies": {"sessionid": "x"},
                                                      "headers": {"Cookie": "x"}, "data": {"id_number": ID_NUMBER}},
             "exception": {"values": [{"value": f"card {CARD_NUMBER} phone {PHONE}"}]},
             "extra": {"id": ID_NUMBER}}
    sent = sentry_before_send(event, {})
    assert "user" not in sent and set(sent["request"]) == {"url"}
    assert not LEAKS.search(json.dumps(sent))


@pytest.mark.django_db
def test_issue22_metrics_need_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404  # no token configured: no page
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    client.get("/healthz")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("django_http_requests_latency_seconds_by_view_method", "jianzhi_ledger_postings_total",
                 'jianzhi_payouts{status="paid"}'):
        assert name in body


@pytest.mark.django_db
def test_pipl_28_a_students_shared_position_never_reaches_the_logs(json_log, client):
    # A student sorts jobs by distance from where they stand (docs/near-me.md): whereabouts are
    # sensitive personal information, so the logged path keeps the filter and drops the position.
    response = client.get("/jobs/?lat=39.992&lng=116.306&within=3&sort=distance")
    assert response.status_code == 200
    text = json_log.getvalue()
    assert "request_started" in text
    assert "39.992" not in text and "116.306" not in text
    assert "lat=[position]" in text and "within=3" in text
    assert scrub("GET /jobs/?campus=pku&lat=39.99&lng=116.31") == "GET /jobs/?campus=pku&lat=[position]&lng=[position]"
