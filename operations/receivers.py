"""Signal receivers of operations (P2.1), connected in OperationsConfig.ready():

- Celery's `task_failure`: a TaskFailure row (task, time, error class: never the
  error's text), counted and listed by the daily check;
- Celery's `task_prerun`, `task_postrun` and `task_failure`: the task counters and durations
  on /metrics (operations.metrics);
- Django's `got_request_exception`: one more server error in this hour's counter
  (a signal, not a middleware: requests that do not fail pay nothing);
- allauth's `user_signed_up`: the campaign the visitor arrived through, if any.

Each receiver swallows its own database errors: recording a failure must never
turn into a second failure."""

import logging

from django.db import DatabaseError

logger = logging.getLogger(__name__)


def record_task_failure(sender=None, task_id=None, exception=None, **kwargs) -> None:
    from .models import TaskFailure

    try:
        # The class only, never str(exception): see TaskFailure.
        error_class = type(exception).__module__ + "." + type(exception).__qualname__
        if error_class.startswith("builtins."):
            error_class = type(exception).__qualname__
        TaskFailure.objects.create(task_name=(getattr(sender, "name", None) or str(sender))[:200],
                                   task_id=str(task_id or "")[:64], error_class=error_class[:200])
    except DatabaseError:  # pragma: no cover - the database being down is what the daily check reports
        logger.exception("could not record the failure of task %s", task_id)


def record_server_error(sender=None, request=None, **kwargs) -> None:
    from .health import server_error_count

    try:
        server_error_count()
    except DatabaseError:  # pragma: no cover
        logger.exception("could not count a server error")


def attribute_signup(sender=None, request=None, user=None, **kwargs) -> None:
    from .campaigns import SESSION_KEY, campaign_signup_record

    code = request.session.get(SESSION_KEY) if request is not None and hasattr(request, "session") else None
    if not code or user is None:
        return
    try:
        campaign_signup_record(user=user, code=code)
    except DatabaseError:  # pragma: no cover
        logger.exception("could not attribute the sign-up of user %s", user.pk)


def connect() -> None:
    from allauth.account.signals import user_signed_up
    from celery.signals import task_failure, task_postrun, task_prerun
    from django.core.signals import got_request_exception

    from . import metrics

    task_failure.connect(record_task_failure, dispatch_uid="operations.task_failure")
    task_prerun.connect(metrics.task_started, dispatch_uid="operations.metrics.task_started")
    task_postrun.connect(metrics.task_finished, dispatch_uid="operations.metrics.task_finished")
    task_failure.connect(metrics.task_failed, dispatch_uid="operations.metrics.task_failed")
    got_request_exception.connect(record_server_error, dispatch_uid="operations.server_error")
    user_signed_up.connect(attribute_signup, dispatch_uid="operations.campaign_signup")
