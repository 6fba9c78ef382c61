"""Notify a user: an in-site inbox row now, an e-mail copy after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import translation

from .models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


def notify(
    *, recipient: User, subject: StrOrPromise, body: StrOrPromise, link: str = "", email: bool = True
) -> Notification:
    """Write the inbox row and queue the e-mail once the transaction commits.

    `subject` and `body` may be lazy translations; they are rendered in the
    recipient's language (stored on the user) so the inbox and e-mail agree."""
    language = getattr(recipient, "language", None) or translation.get_language()
    with translation.override(language):
        subject_text, body_text = str(subject), str(body)
    notification = Notification.objects.create(
        recipient=recipient, subject=subject_text[:200], body=body_text, link=link
    )
    if email and recipient.email:
        from .tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.delay(notification.pk))
    return notification


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread: the badge in every signed-in page's menu.

    Written as one SQL statement rather than a queryset because it runs on every page: the ORM
    spends longer compiling this count than the database spends answering it
    (student_dashboard_rps_ratio in bench/). Table and columns come from the model."""
    meta = Notification._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    recipient = quote(Notification._meta.get_field("recipient").get_attname_column()[1] or "")
    read_at = quote(Notification._meta.get_field("read_at").get_attname_column()[1] or "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {recipient} = %s AND {read_at} IS NULL", [user_id])
        return cursor.fetchone()[0]


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notification_email_failed(*, notification: Notification, error: BaseException) -> None:
    """Record that the e-mail copy of `notification` could not be sent (P2.1): the
    daily system check counts these. The error's class only: its text may quote
    the recipient's address or the message."""
    from django.utils import timezone

    error_class = type(error).__name__[:100]
    logger.error("notification e-mail %s to user %s not sent: %s", notification.pk, notification.recipient_id,
                 error_class)
    Notification.objects.filter(pk=notification.pk).update(email_failed_at=timezone.now(), email_error=error_class)
