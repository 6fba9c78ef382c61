"""Thin tasks: e-mail delivery for notifications and beat's heartbeat."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import BeatHeartbeat, Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:
        return
    link = notification.link
    if link.startswith("/"):
        link = settings.SITE_URL.rstrip("/") + link
    body = notification.body + (f"\n\n{link}" if link else "")
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
        message=body,
        from_email=None,
        recipient_list=[notification.recipient.email],
    )


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
