"""The applications sweep runs through Celery on beat's schedule (E3.2, E4):
one task acts on every deadline stored on the rows, idempotently."""

import datetime as dt

import time_machine

from applications.models import ApplicationStatus
from applications.tasks import applications_sweep_task
from config.celery import app as celery_app
from core.models import CreditEvent
from tests.factories.applications import ApplicationFactory


def test_e3_2_the_sweep_task_expires_unanswered_applications_once_through_celery(db, settings):
    # given: tasks run eagerly in tests; an application applied Thu 25 Sep 2025, due Mon 29 Sep
    assert settings.CELERY_TASK_ALWAYS_EAGER
    with time_machine.travel(dt.datetime(2025, 9, 25, 2, 0, tzinfo=dt.UTC), tick=False):
        application = ApplicationFactory()
    # when: beat fires twice after the deadline (a redelivery, an overlap)
    with time_machine.travel(application.response_due_at + dt.timedelta(minutes=1), tick=False):
        first = applications_sweep_task.delay().get()
        second = applications_sweep_task.delay().get()
    # then: expired once, one credit fact against the employer
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED
    assert (first["expired"], second["expired"]) == (1, 0)
    assert CreditEvent.objects.filter(kind="application_unanswered", subject_kind="employer",
                                      subject_id=application.job.employer_id).count() == 1


def test_e3_2_beat_runs_the_applications_sweep_every_five_minutes_with_late_acks():
    entry = celery_app.conf.beat_schedule["applications-sweep"]
    assert entry["task"] == applications_sweep_task.name == "applications.tasks.applications_sweep_task"
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert applications_sweep_task.acks_late is True
