"""The patrol (J2.3): beat's sweep expires live jobs after their deadline or
last shift, asks employers about jobs not updated for `stale_job_days`, and
records what it did. Idempotent: a second run does nothing twice."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from config.celery import app as celery_app
from core.history import history_for
from core.models import HistoryEntry, Notification
from jobs.models import Job, JobStatus, PatrolRun
from jobs.services import jobs_patrol
from jobs.tasks import jobs_patrol_task
from tests.factories.employers import EmployerMemberFactory
from tests.factories.jobs import JobFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def live_job(*, deadline_days=3, shift_days=10, **kwargs) -> Job:
    """A published job whose applications close and whose only shift falls days after START."""
    return JobFactory(published=True, application_deadline=START + dt.timedelta(days=deadline_days),
                      shifts=[((START + dt.timedelta(days=shift_days)).date(), "18:00", "21:00")],
                      content_updated_at=START, **kwargs)


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_j2_3_a_job_past_its_deadline_expires_once(at_start):
    # given
    job = live_job(deadline_days=3)
    # when: the patrol runs a minute after the deadline, and again a quarter of an hour later
    at_start.move_to(START + dt.timedelta(days=3, minutes=1))
    first = jobs_patrol()
    at_start.shift(dt.timedelta(minutes=15))
    second = jobs_patrol()
    # then: expired once, with one history row, and the runs say so
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED
    assert [(h.transition, h.from_state, h.to_state) for h in history_for(job)] == [
        ("expire", JobStatus.PUBLISHED, JobStatus.EXPIRED)]
    assert (first.expired, second.expired) == (1, 0)


def test_j2_3_a_job_past_its_last_shift_expires_even_if_applications_are_still_open(at_start):
    # given: applications would close after the work is over (an employer's slip)
    job = live_job(deadline_days=30, shift_days=2)
    # when
    at_start.move_to(START + dt.timedelta(days=3))
    run = jobs_patrol()
    # then
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and run.expired == 1


def test_j2_3_paused_jobs_expire_too_but_drafts_and_other_states_never_do(at_start):
    # given: everything past its deadline
    paused = live_job(deadline_days=1, status=JobStatus.PAUSED)
    untouched = {
        status: live_job(deadline_days=1, status=status)
        for status in (JobStatus.DRAFT, JobStatus.PENDING_REVIEW, JobStatus.CHANGES_REQUESTED,
                       JobStatus.REJECTED, JobStatus.CLOSED, JobStatus.TAKEN_DOWN)
    }
    # when
    at_start.move_to(START + dt.timedelta(days=20))
    run = jobs_patrol()
    # then
    paused.refresh_from_db()
    assert paused.status == JobStatus.EXPIRED and run.expired == 1
    assert {j.pk: j.status for j in Job.objects.filter(pk__in=[j.pk for j in untouched.values()])} == {
        j.pk: status for status, j in untouched.items()}
    assert HistoryEntry.objects.filter(transition="expire").count() == 1


def test_j2_3_a_job_not_updated_for_stale_job_days_gets_one_notification_per_employer(at_start):
    # given: two stale jobs of one employer (owner plus a colleague), one fresh job, one stale job elsewhere
    stale_a = live_job(deadline_days=40, shift_days=45, title="周末家教")
    stale_b = live_job(deadline_days=40, shift_days=45, title="会展引导", employer=stale_a.employer)
    colleague = EmployerMemberFactory(employer=stale_a.employer).user
    fresh = live_job(deadline_days=40, shift_days=45, employer=stale_a.employer)
    other = live_job(deadline_days=40, shift_days=45)
    Job.objects.filter(pk=fresh.pk).update(content_updated_at=START + dt.timedelta(days=10))
    owner = stale_a.employer.members.get(role="owner").user
    # when: the policy's 14 days have passed for all but the fresh job; the patrol runs twice
    at_start.move_to(START + dt.timedelta(days=15))
    first = jobs_patrol()
    second = jobs_patrol()
    # then: each member of each employer gets one message listing its stale jobs, once
    assert (first.stale_flagged, second.stale_flagged) == (3, 0)
    for user in (owner, colleague):
        message = Notification.objects.get(recipient=user)
        assert "周末家教" in message.body and "会展引导" in message.body
    assert Notification.objects.filter(recipient=other.employer.members.get().user).count() == 1
    fresh.refresh_from_db(), stale_b.refresh_from_db()
    assert fresh.stale_notified_at is None and stale_b.stale_notified_at is not None
    # and: stale is not expired — the job stays published until its dates pass
    assert stale_b.status == JobStatus.PUBLISHED


def test_j2_3_patrol_runs_record_their_counts_for_operations(at_start):
    live_job(deadline_days=1)
    live_job(deadline_days=40, shift_days=45)
    at_start.move_to(START + dt.timedelta(days=15))
    # when
    jobs_patrol()
    # then
    run = PatrolRun.objects.get()
    assert (run.expired, run.stale_flagged) == (1, 1)


def test_j2_3_the_patrol_task_runs_through_celery(at_start, settings):
    # given: tasks run eagerly in tests (CELERY_TASK_ALWAYS_EAGER)
    assert settings.CELERY_TASK_ALWAYS_EAGER
    job = live_job(deadline_days=1)
    at_start.move_to(START + dt.timedelta(days=2))
    # when
    result = jobs_patrol_task.delay().get()
    # then
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED
    assert result == {"patrol_run": PatrolRun.objects.get().pk, "expired": 1, "stale_flagged": 0}


def test_j2_3_beat_runs_the_patrol_every_quarter_hour():
    entry = celery_app.conf.beat_schedule["jobs-patrol"]
    assert entry["task"] == jobs_patrol_task.name == "jobs.tasks.jobs_patrol_task"
    assert entry["schedule"].minute == {0, 15, 30, 45}
