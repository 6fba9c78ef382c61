"""Thin tasks of operations (P2.1): beat's daily check and weekly report."""

from celery import shared_task

from . import health, reports


@shared_task
def daily_check_task() -> None:
    health.daily_check_run_unless_signed()


@shared_task
def weekly_report_task() -> None:
    reports.weekly_report_run()
