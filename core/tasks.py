"""Thin tasks: e-mail delivery for notifications and beat's heartbeat."""

import unicodedata

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import BeatHeartbeat, Notification


def _one_line(text: str) -> str:
    """A header value on one line: a subject quoting a title stored before J3.1's
    control-character rule would otherwise raise BadHeaderError every time."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text).split())


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(self: Task, notification_id: int) -> None:
    """Send the e-mail copy, once: a task delivered again after it was sent (its
    acknowledgement lost) finds `email_sent_at` and sends nothing. Network and SMTP
    errors (OSError) are retried with backoff; a failure that retrying cannot fix, or
    the last retry's, is recorded on the notification (P2.1) so the daily system check
    shows it: never silent."""
    from .notifications import notification_email_failed

    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.email_sent_at is not None:
        return  # erased, or sent already (a redelivered task)
    if not notification.recipient.email:
        return  # a student who signed up with a mobile number only: the inbox (and SMS) has it
    link = notification.link
    if link.startswith("/"):
        link = settings.SITE_URL.rstrip("/") + link
    body = notification.body + (f"\n\n{link}" if link else "")
    try:
        send_mail(
            subject=_one_line(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}"),
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        Notification.objects.filter(pk=notification.pk).update(email_sent_at=timezone.now())
    except OSError as error:  # smtplib's errors included
        if self.max_retries is not None and self.request.retries >= self.max_retries:
            notification_email_failed(notification=notification, error=error)
        raise
    except Exception as error:  # noqa: BLE001 - a bad header or a backend's refusal: no retry will help
        notification_email_failed(notification=notification, error=error)


@shared_task
def beat_heartbeat() -> None:
    """Proves beat and a worker are alive; read by the health check."""
    BeatHeartbeat.objects.update_or_create(name="beat", defaults={"last_seen_at": timezone.now()})


@shared_task
def backup_task() -> None:
    """K5: the nightly encrypted backup (03:00 Shanghai); the outcome is recorded whatever happens."""
    from .backups import backup_create

    backup_create()


@shared_task
def restore_check_task() -> None:
    """K5: restore the newest backup into a scratch database and check it (04:00 Shanghai), recorded."""
    from .backups import restore_check

    restore_check()


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_sms(self: Task, message_id: int) -> None:
    """Deliver one text message (issue 20); a temporary failure is retried with
    backoff, the last one and any refusal recorded on the message."""
    from .sms import SmsTemporaryError, sms_deliver

    last_try = self.max_retries is not None and self.request.retries >= self.max_retries
    try:
        sms_deliver(message_id=message_id, last_try=last_try)
    except SmsTemporaryError as error:
        if last_try:
            return
        raise self.retry(exc=error, countdown=min(600, 2 ** (self.request.retries + 1))) from error


@shared_task
def sms_release_held_task() -> int:
    """Issue 20: send the text messages the quiet hours held, once they are over."""
    from .sms import sms_release_held

    return sms_release_held()
