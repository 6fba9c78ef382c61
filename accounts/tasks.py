"""Thin tasks of accounts: the yearly audit of minors' personal data (docs/minors.md)."""

from celery import shared_task
from django.utils import timezone

from .services import minors_data_audit_generate


@shared_task
def minors_data_audit_task() -> int:
    """Each January: the audit of the year just ended (《未成年人网络保护条例》 art. 37). Idempotent."""
    year = timezone.localdate().year - 1
    return minors_data_audit_generate(year=year).pk
