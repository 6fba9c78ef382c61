"""The daily system check (P2.1): each probe, today's record, its sign-off by
operations, and the staff page."""

import datetime as dt
import os
import smtplib

import pytest
import time_machine
from celery import shared_task
from celery.signals import task_failure
from django.core.mail import BadHeaderError
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import BackupRecord, BeatHeartbeat, HistoryEntry
from operations import health
from operations.models import DailyCheck, ServerErrorCount, TaskFailure
from tests.conftest import login_with_mfa
from tests.factories.accounts import StaffFactory

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # a Tuesday, 17:00 in Shanghai


@pytest.fixture
def backups(settings, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    settings.BACKUP_DIR = str(folder)
    return folder


def _backup(folder, *, age: dt.timedelta, name="db.dump"):
    """K5: a backup recorded by core.backups at NOW - age whose restore check passed."""
    path = folder / name
    path.write_bytes(b"x")
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    backup = BackupRecord.objects.create(kind="backup", ok=True, started_at=NOW - age, file_name=name)
    BackupRecord.objects.create(kind="restore_check", ok=True, started_at=NOW - age + dt.timedelta(hours=1),
                                backup=backup)
    return path


def _all_well(backups):
    BeatHeartbeat.objects.update_or_create(name="beat", defaults={"last_seen_at": NOW - dt.timedelta(seconds=30)})
    _backup(backups, age=dt.timedelta(hours=3))


# ------------------------------------------------------------------ probes
def test_p2_1_database_probe_measures_a_round_trip(db):
    result = health.probe_database()
    assert result["ok"] is True and result["level"] == "ok"
    assert result["value"] >= 0 and "ms" in result["detail"]


def test_p2_1_database_probe_reports_a_failure_instead_of_raising(db):
    from unittest import mock

    from django.db import OperationalError

    with mock.patch.object(health, "connection") as broken:
        broken.cursor.side_effect = OperationalError("connection refused")
        result = health.probe_database()
    assert result["level"] == "failing" and "connection refused" in result["detail"]


def test_p2_1_redis_probe_pings_the_broker(db, settings):
    # given: the test settings use the running Redis as broker
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    # then
    assert health.probe_redis()["ok"] is True


def test_p2_1_redis_probe_fails_when_redis_does_not_answer(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    result = health.probe_redis()
    assert result["ok"] is False and result["level"] == "failing"


def test_p2_1_redis_is_not_used_in_the_embedded_mode(db, settings):
    # given: the filesystem broker and the database cache of `make run`
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CACHES = {**settings.CACHES,
                       "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}}
    # then
    result = health.probe_redis()
    assert result["ok"] is True and result["detail"] == "Not used (embedded mode)"


def test_p2_1_worker_and_beat_are_ok_with_a_fresh_heartbeat(db):
    BeatHeartbeat.objects.create(name="beat", last_seen_at=NOW - dt.timedelta(minutes=2))
    assert health.probe_worker(NOW)["ok"] and health.probe_beat(NOW)["ok"]


def test_p2_1_a_heartbeat_older_than_five_minutes_is_failing(db):
    BeatHeartbeat.objects.create(name="beat", last_seen_at=NOW - dt.timedelta(minutes=6))
    assert health.probe_worker(NOW)["level"] == "failing"
    assert health.probe_beat(NOW)["level"] == "failing"
    assert health.probe_beat(NOW)["value"] == 6.0


def test_p2_1_no_heartbeat_at_all_is_failing(db):
    assert health.probe_beat(NOW)["level"] == "failing"


def test_p2_1_queue_depth_counts_the_redis_queue(db, settings):
    import redis

    # given: three tasks waiting in the default queue of a Redis broker
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    settings.CELERY_TASK_DEFAULT_QUEUE = f"test-queue-{os.getpid()}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    client.rpush(settings.CELERY_TASK_DEFAULT_QUEUE, "a", "b", "c")
    try:
        result = health.probe_queue_depth()
    finally:
        client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    assert result["ok"] is True and result["value"] == 3


def test_p2_1_queue_depth_counts_files_of_the_filesystem_broker(db, settings, tmp_path):
    # given: the embedded mode's broker folder with 501 messages (workers are behind)
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for i in range(health.QUEUE_DEPTH_WARNING + 1):
        (tmp_path / f"{i}.msg").write_text("{}")
    # then
    result = health.probe_queue_depth()
    assert result["value"] == 501 and result["level"] == "warning"


@shared_task(name="tests.operations.failing_task")
def failing_task():
    raise RuntimeError("the bank did not answer")


def test_p2_1_a_failed_task_is_recorded_and_counted(db):
    # given: a task that raises, run as a worker runs it (no propagation to the caller)
    result = failing_task.apply(throw=False)
    assert result.failed()
    # then
    failure = TaskFailure.objects.get()
    assert failure.task_name == "tests.operations.failing_task"
    assert failure.error_class == "RuntimeError"
    result = health.probe_failed_tasks(timezone.now())
    assert result["value"] == 1 and result["level"] == "warning"
    assert "tests.operations.failing_task" in result["detail"]


def test_p2_1_failures_older_than_24_hours_are_not_counted(db):
    TaskFailure.objects.create(task_name="old", error_class="e", at=NOW - dt.timedelta(hours=25))
    task_failure.send(sender=failing_task, task_id="t1", exception=ValueError("x"))
    TaskFailure.objects.filter(task_id="t1").update(at=NOW - dt.timedelta(hours=1))
    assert health.probe_failed_tasks(NOW)["value"] == 1


def test_p2_1_no_backup_yet_is_a_warning(db, backups):
    result = health.probe_backup_age(NOW)
    assert result["level"] == "warning" and result["detail"] == "No backup has passed a restore check yet."


def test_p2_1_backup_age_is_the_newest_files(db, backups):
    _backup(backups, age=dt.timedelta(hours=30), name="old.dump")
    _backup(backups, age=dt.timedelta(hours=5), name="new.dump")
    result = health.probe_backup_age(NOW)
    assert result["ok"] is True and result["value"] == 5.0


def test_p2_1_a_backup_two_days_old_is_failing(db, backups):
    _backup(backups, age=dt.timedelta(hours=49))
    assert health.probe_backup_age(NOW)["level"] == "failing"


def test_p2_1_server_errors_are_counted_per_hour_through_the_signal(db):
    # given: two unhandled exceptions this hour
    with time_machine.travel(NOW, tick=False):
        got_request_exception.send(sender=None, request=None)
        got_request_exception.send(sender=None, request=None)
    # then: one counter row, two errors; 2 in 24 h is under one per hour
    assert list(ServerErrorCount.objects.values_list("count", flat=True)) == [2]
    assert health.probe_error_rate(NOW)["level"] == "ok"


def test_p2_1_an_error_rate_of_one_per_hour_needs_attention(db):
    ServerErrorCount.objects.create(hour=NOW - dt.timedelta(hours=2), count=24)
    ServerErrorCount.objects.create(hour=NOW - dt.timedelta(hours=30), count=1000)  # older: not counted
    result = health.probe_error_rate(NOW)
    assert result["value"] == 1.0 and result["level"] == "warning"


def test_p2_1_a_server_error_in_a_view_is_counted(db, settings):
    # given: a view that raises (Django's handler sends got_request_exception and answers 500)
    settings.ROOT_URLCONF = "tests.operations.urls_failing"
    client = Client(raise_request_exception=False)
    # when
    response = client.get("/boom/")
    # then
    assert response.status_code == 500
    assert ServerErrorCount.objects.get().count == 1


# ------------------------------------------------------------------ the record
def test_p2_1_daily_check_run_writes_todays_record(db, backups):
    # given
    _all_well(backups)
    # when
    with time_machine.travel(NOW, tick=False):
        check = health.daily_check_run()
    # then: every probe is recorded, and the outcome is the worst of them
    assert check.date == dt.date(2026, 11, 24)
    assert set(check.results) == set(health.PROBE_LABELS)
    assert all({"ok", "level", "value", "detail"} <= set(r) for r in check.results.values())
    assert check.outcome == "ok", check.results
    assert check.checked_at == NOW


def test_p2_1_the_outcome_is_the_worst_probe(db, backups):
    # given: everything fine except an old heartbeat
    _backup(backups, age=dt.timedelta(hours=3))
    BeatHeartbeat.objects.create(name="beat", last_seen_at=NOW - dt.timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        check = health.daily_check_run()
    assert check.outcome == "failing"
    assert check.results["beat"]["ok"] is False


def test_p2_1_running_again_refreshes_the_same_days_record(db, backups):
    with time_machine.travel(NOW, tick=False):
        health.daily_check_run()
    _all_well(backups)
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        check = health.daily_check_run()
    assert DailyCheck.objects.count() == 1
    assert check.results["backup_age"]["ok"] is True


def test_p2_1_operations_signs_off_once_with_a_history_row(db, backups):
    # given: a check that found something (no backup yet)
    operations = StaffFactory(role="operations")
    with time_machine.travel(NOW, tick=False):
        check = health.daily_check_run()
    assert check.outcome != "ok"
    # when: signing without notes is refused; with notes it is recorded
    with pytest.raises(health.SignOffNotesRequired):
        health.daily_check_sign_off(check_id=check.pk, actor=operations, notes="  ")
    health.daily_check_sign_off(check_id=check.pk, actor=operations, notes="Backups start with issue 9.")
    # then
    check.refresh_from_db()
    assert check.signed_off_by == operations and check.signed_off_at is not None
    entry = HistoryEntry.objects.get(transition="sign_off")
    assert entry.actor == operations and entry.reason == "Backups start with issue 9."
    # and a second sign-off, or a re-run that would change what was signed, is refused
    with pytest.raises(health.DailyCheckAlreadySignedOff):
        health.daily_check_sign_off(check_id=check.pk, actor=StaffFactory(role="operations"), notes="again")
    with time_machine.travel(NOW, tick=False), pytest.raises(health.DailyCheckAlreadySignedOff):
        health.daily_check_run()
    assert health.daily_check_run_unless_signed(now=NOW) is None


@pytest.mark.parametrize("role", ["manager", "customer_service", "moderator"])
def test_p2_1_only_operations_signs_off(db, backups, role):
    with time_machine.travel(NOW, tick=False):
        check = health.daily_check_run()
    with pytest.raises(health.SignOffNotAllowed):
        health.daily_check_sign_off(check_id=check.pk, actor=StaffFactory(role=role), notes="n")
    check.refresh_from_db()
    assert check.signed_off_at is None


def test_p2_1_beat_runs_the_check_at_0830_shanghai():
    from celery.schedules import crontab

    from config.celery import app

    entry = app.conf.beat_schedule["operations-daily-check"]
    assert entry["task"] == "operations.tasks.daily_check_task"
    assert entry["schedule"] == crontab(hour=8, minute=30)
    assert app.conf.timezone == "Asia/Shanghai"


# ------------------------------------------------------------------ the page
def _client(role):
    user = StaffFactory(role=role)
    return login_with_mfa(Client(), user), user


def test_p2_1_operations_sees_today_and_the_last_14_days(db, backups):
    # given: checks on the last 20 days, one signed
    signer = StaffFactory(role="operations", email="signer@jianzhi.example")
    today = timezone.localdate()
    for days_ago in range(20):
        DailyCheck.objects.create(date=today - dt.timedelta(days=days_ago), outcome="ok", checked_at=timezone.now(),
                                  signed_off_by=signer if days_ago == 3 else None,
                                  signed_off_at=timezone.now() if days_ago == 3 else None)
    client, _user = _client("operations")
    # when
    response = client.get(reverse("operations:health"))
    # then
    assert response.status_code == 200
    assert len(response.context["history"]) == 14
    assert b"signer@jianzhi.example" in response.content
    assert b'id="sign-off"' in response.content


def test_p2_1_run_now_and_sign_off_from_the_page(db, backups):
    _all_well(backups)
    client, user = _client("operations")
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("operations:health_run"))
        assert response.status_code == 302
        check = DailyCheck.objects.get()
        response = client.post(reverse("operations:health_sign_off"), {"notes": "Looked at every line."},
                               follow=True)
    check.refresh_from_db()
    assert check.outcome == "ok", check.results
    assert check.signed_off_by == user and check.notes == "Looked at every line."
    assert b"Signed off by" in response.content and b"Run the check now" not in response.content


def test_p2_1_sign_off_without_notes_on_a_warning_is_a_message_not_a_500(db, backups):
    client, _user = _client("operations")
    client.post(reverse("operations:health_run"))
    response = client.post(reverse("operations:health_sign_off"), {"notes": ""}, follow=True)
    assert response.status_code == 200
    assert DailyCheck.objects.get().signed_off_at is None
    assert b"say in the notes what you did" in response.content


def test_p2_1_managers_read_the_check_but_do_not_run_or_sign_it(db, backups):
    client, _user = _client("manager")
    assert client.get(reverse("operations:health")).status_code == 200
    assert client.post(reverse("operations:health_run")).status_code == 403
    assert client.post(reverse("operations:health_sign_off"), {"notes": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["customer_service", "moderator", "finance"])
def test_p2_1_other_staff_get_403_on_the_check(db, role):
    client, _user = _client(role)
    assert client.get(reverse("operations:health")).status_code == 403


def test_p2_1_staff_without_the_second_factor_get_403(db):
    client = Client()
    client.force_login(StaffFactory(role="operations"))
    assert client.get(reverse("operations:health")).status_code == 403


def test_p2_1_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get(reverse("operations:health"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- backups (K5): the probe reads core.backups' records
def test_k5_a_failed_latest_restore_check_is_a_warning_even_with_a_recent_good_backup(db, backups):
    _backup(backups, age=dt.timedelta(hours=20))
    BackupRecord.objects.create(kind="restore_check", ok=False, started_at=NOW - dt.timedelta(hours=5),
                                finished_at=NOW - dt.timedelta(hours=5), detail="InvalidToken")

    result = health.probe_backup_age(NOW)

    assert result["level"] == "warning" and "Recently failed" in result["detail"]


def test_k5_a_failure_followed_by_a_success_is_not_reported(db, backups):
    BackupRecord.objects.create(kind="backup", ok=False, started_at=NOW - dt.timedelta(hours=30),
                                finished_at=NOW - dt.timedelta(hours=30))
    path = _backup(backups, age=dt.timedelta(hours=4))
    BackupRecord.objects.filter(file_name=path.name).update(finished_at=NOW - dt.timedelta(hours=4))

    assert health.probe_backup_age(NOW)["level"] == "ok"
# --- end backups (K5)


# ------------------------------------------------------------------ failed tasks and PIPL
PERSONAL_ERROR_TEXT = "张三 310101200403301239 zhang.san@example.com"


@shared_task(name="tests.operations.leaky_task")
def leaky_task():
    raise ValueError(f"cannot verify {PERSONAL_ERROR_TEXT}")


def test_pipl_a_failed_task_keeps_its_class_and_never_the_error_text(db):
    # when: a task fails with personal data in its message
    assert leaky_task.apply(throw=False).failed()
    # then: name, time and class are stored; the text is nowhere in the row
    failure = TaskFailure.objects.get()
    assert (failure.task_name, failure.error_class) == ("tests.operations.leaky_task", "ValueError")
    stored = " ".join(str(getattr(failure, f.attname)) for f in TaskFailure._meta.concrete_fields)
    for part in PERSONAL_ERROR_TEXT.split():
        assert part not in stored


def test_pipl_operations_see_task_name_time_and_error_class_only(db, backups):
    # given: two failures, one of a project exception class
    from core.errors import InvalidUpload

    assert leaky_task.apply(throw=False).failed()
    task_failure.send(sender=failing_task, task_id="t2", exception=InvalidUpload(PERSONAL_ERROR_TEXT))
    client, _user = _client("operations")
    # when
    page = client.get(reverse("operations:health")).content.decode()
    admin_list = client.get(reverse("admin:operations_taskfailure_changelist")).content.decode()
    # then
    assert "tests.operations.leaky_task" in page and "ValueError" in page and "core.errors.InvalidUpload" in page
    assert "tests.operations.leaky_task" in admin_list
    for part in PERSONAL_ERROR_TEXT.split() + ["cannot verify"]:
        assert part not in page and part not in admin_list


# ------------------------------------------------------------------ notification e-mails that fail
class RefusingBackend:
    """An e-mail backend whose server refuses everything (or, with BadHeaderError, a bad subject)."""

    error = None

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise type(self).error


class SmtpDownBackend(RefusingBackend):
    error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class BadHeaderBackend(RefusingBackend):
    error = BadHeaderError("Header values can't contain newlines")


@pytest.mark.parametrize(("backend", "error_class"), [("SmtpDownBackend", "SMTPServerDisconnected"),
                                                      ("BadHeaderBackend", "BadHeaderError")])
def test_p2_1_a_notification_email_that_fails_is_recorded_and_shown_by_the_daily_check(
        db, settings, backups, caplog, backend, error_class):
    # given: a mail server that refuses, a student with a notification
    from core.notifications import notify
    from core.tasks import send_notification_email
    from tests.factories.accounts import UserFactory

    settings.EMAIL_BACKEND = f"tests.operations.test_health.{backend}"
    student = UserFactory()
    notification = notify(recipient=student, subject="面试时间已确认", body="周一 10:00")
    # when: the worker's last attempt fails (network errors are retried with backoff first)
    result = send_notification_email.apply(args=[notification.pk], retries=send_notification_email.max_retries,
                                           throw=False)
    assert result.failed() == (backend == "SmtpDownBackend")  # and then counted as a failed task too
    # then: recorded on the notification, logged without the address, counted by the check
    notification.refresh_from_db()
    assert notification.email_failed_at is not None and notification.email_error == error_class
    assert any(error_class in record.getMessage() for record in caplog.records)
    assert all(student.email not in record.getMessage() for record in caplog.records)
    result = health.probe_failed_emails(timezone.now())
    assert (result["level"], result["value"]) == ("warning", 1) and error_class in result["detail"]
    check = health.daily_check_run()
    assert check.results["failed_emails_24h"]["value"] == 1 and check.outcome != "ok"
    client, _user = _client("operations")
    page = client.get(reverse("operations:health")).content.decode()
    assert "Notification e-mails not sent" in page and error_class in page


def test_p2_1_a_subject_stored_with_a_line_break_is_still_sent_on_one_line(db, mailoutbox):
    # given: a notification whose subject quotes a title stored before the control-character rule
    from core.models import Notification
    from core.tasks import send_notification_email
    from tests.factories.accounts import UserFactory

    student = UserFactory()
    notification = Notification.objects.create(recipient=student, subject="录用：活动助理\r\nBcc: x@example.com",
                                               body="…")
    # when
    send_notification_email.apply(args=[notification.pk])
    # then
    assert len(mailoutbox) == 1 and "\n" not in mailoutbox[0].subject and "\r" not in mailoutbox[0].subject
    assert mailoutbox[0].bcc == [] and mailoutbox[0].recipients() == [student.email]
    notification.refresh_from_db()
    assert notification.email_failed_at is None
