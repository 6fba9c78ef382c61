"""django-structlog's request middleware (issue 22): a request id bound to every log event of
the request and carried into the Celery tasks it schedules (core.observability)."""

from typing import Any

from django.http import HttpRequest
from django_structlog.middlewares import RequestMiddleware


class RequestLogMiddleware(RequestMiddleware):
    def process_got_request_exception(self, sender: Any, request: HttpRequest | None = None,
                                      **kwargs: Any) -> None:
        # got_request_exception sent without a request (a caller outside a request) is not
        # a request's error to log; the base class would fail on it.
        if request is None:
            return
        super().process_got_request_exception(sender, request, **kwargs)
