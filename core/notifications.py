"""Notify a user: an in-site inbox row now, an e-mail copy after commit."""

from django.db import transaction
from django.utils import translation

from .models import Notification


def notify(*, recipient, subject: str, body: str, link: str = "", email: bool = True) -> Notification:
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


def notifications_mark_read(*, user, ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
