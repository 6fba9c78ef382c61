"""The Celery app and beat schedule. Tasks are thin wrappers around services."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("jianzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Sweeps are idempotent and set-based: running one twice, or late, is harmless.
app.conf.beat_schedule = {
    "core-heartbeat": {"task": "core.tasks.beat_heartbeat", "schedule": 60.0},
    # J2.3: expire jobs past their deadline or last shift, ask about stale ones.
    "jobs-patrol": {"task": "jobs.tasks.jobs_patrol_task", "schedule": crontab(minute="*/15")},
    # E3.2, E4, J1.3: reminders, expiries, lapsed offers and changes, auto-confirmed hours, completions.
    "applications-sweep": {"task": "applications.tasks.applications_sweep_task", "schedule": crontab(minute="*/5")},
}
