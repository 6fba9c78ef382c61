"""K5: backups that restore — encrypted dumps, the restore check into a scratch database, retention."""

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from core import backups
from core.models import BackupRecord
from core.policy import get_policy


def _pg_databases() -> set[str]:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(dbname="postgres", host=db.get("HOST") or None, port=db.get("PORT") or None,
                         user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                         autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


@pytest.fixture
def backup_dir(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.mark.django_db
def test_k5_backup_then_restore_check_on_postgresql(backup_dir, monkeypatch):
    # given a PostgreSQL database (the test database) and an empty backup folder
    assert connection.vendor == "postgresql"
    scratch = backups.scratch_name(settings.DATABASES["default"])
    seen_during_check = []
    real_run_checks = backups._run_checks

    def spy(alias, checks):
        seen_during_check.append(scratch in _pg_databases())
        return real_run_checks(alias, checks)

    monkeypatch.setattr(backups, "_run_checks", spy)

    # when operations run the backup and then the restore check
    call_command("backup")
    call_command("restore_check")

    # then an encrypted pg_dump file was written and recorded …
    backup = BackupRecord.objects.get(kind=BackupRecord.Kind.BACKUP)
    files = list(Path(backup_dir).iterdir())
    assert [f.name for f in files] == [backup.file_name]
    assert backup.ok and backup.file_name.endswith(".pgdump.enc") and backup.size_bytes == files[0].stat().st_size
    assert backup.sha256 == backups.sha256_of(files[0])
    # … restored into a scratch database that existed during the check and is gone afterwards
    check = BackupRecord.objects.get(kind=BackupRecord.Kind.RESTORE_CHECK)
    assert check.ok, check.detail
    assert check.backup == backup
    assert "integrity checks passed" in check.detail and "finance_ledgerentry=" in check.detail
    assert seen_during_check == [True]
    assert scratch not in _pg_databases()
    assert backups.last_verified_backup() == backup


@pytest.mark.django_db
def test_k5_backup_file_is_encrypted(backup_dir):
    # given a backup
    record = backups.backup_create()

    # when someone reads the file without the key
    data = (Path(backup_dir) / record.file_name).read_bytes()

    # then no table name or dump header is readable in it
    assert record.ok
    for plaintext in (b"finance_ledgerentry", b"accounts_user", b"PGDMP", b"CREATE TABLE"):
        assert plaintext not in data


@pytest.mark.django_db
def test_k5_tampered_backup_fails_its_restore_check(backup_dir):
    # given a backup whose file was changed afterwards
    record = backups.backup_create()
    path = Path(backup_dir) / record.file_name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    # when the restore check runs
    check = backups.restore_check()

    # then it is recorded as failed with the reason, and no scratch database is left behind
    assert not check.ok and check.backup == record
    assert "SHA-256" in check.detail
    assert backups.scratch_name(settings.DATABASES["default"]) not in _pg_databases()
    assert backups.last_verified_backup() is None


@pytest.mark.django_db
def test_k5_undecryptable_backup_fails_its_restore_check(backup_dir):
    # given a backup file nobody recorded (copied in by hand) that does not decrypt
    Path(backup_dir).mkdir(parents=True)
    (Path(backup_dir) / "jianzhi-20990101T000000Z.pgdump.enc").write_bytes(backups.MAGIC + b"\x00\x00\x00\x05junk!")

    # when the restore check runs
    check = backups.restore_check()

    # then the failure is recorded, not raised
    assert not check.ok and "decrypt" in check.detail


@pytest.mark.django_db
def test_k5_failed_backup_is_recorded_not_crashed(backup_dir):
    # given a database pg_dump cannot reach
    broken = {**settings.DATABASES["default"], "NAME": "no_such_database_h12"}

    # when the backup runs
    record = backups.backup_create(db=broken)

    # then a failed record says why and no file is left
    assert not record.ok and "pg_dump failed" in record.detail
    assert backups.backup_files(Path(backup_dir)) == []


@pytest.mark.django_db
def test_k5_restore_check_without_any_backup_is_recorded_failed(backup_dir):
    check = backups.restore_check()

    assert not check.ok and "no backup file" in check.detail


@pytest.mark.django_db
def test_k5_sqlite_backup_uses_online_api_and_restores(tmp_path):
    # given an SQLite database with a ledger-like table
    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE accounts_user (id integer primary key, name text)")
        db.executemany("INSERT INTO accounts_user (name) VALUES (?)", [("a",), ("b",), ("c",)])
    db_settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source), "OPTIONS": {}}
    folder = tmp_path / "backups"
    seen = []

    def count_users():
        from django.db import connections

        with connections[backups.SCRATCH_ALIAS].cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM accounts_user")
            seen.append(cursor.fetchone()[0])
        return []

    # when it is backed up and the backup checked
    record = backups.backup_create(db=db_settings, folder=folder)
    check = backups.restore_check(db=db_settings, folder=folder, checks=[("users", count_users)])

    # then the encrypted copy restores with every row, and the check is recorded against that backup
    assert record.ok and record.file_name.endswith(".sqlite3.enc"), record.detail
    assert b"accounts_user" not in (folder / record.file_name).read_bytes()
    assert check.ok and check.backup == record, check.detail
    assert seen == [3] and "accounts_user=3" in check.detail


@pytest.mark.django_db
def test_k5_sqlite_restore_check_reports_integrity_problems(tmp_path):
    # given an SQLite backup whose integrity check finds a problem
    source = tmp_path / "live.sqlite3"
    sqlite3.connect(source).close()
    db_settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(source), "OPTIONS": {}}
    folder = tmp_path / "backups"
    backups.backup_create(db=db_settings, folder=folder)

    # when the restore check runs
    check = backups.restore_check(db=db_settings, folder=folder, checks=[("ledger", lambda: ["zero_sum: 5"])])

    # then it is recorded failed with the problem
    assert not check.ok and "ledger: zero_sum: 5" in check.detail


def test_k5_encryption_round_trips_in_chunks(tmp_path, settings, monkeypatch):
    # given a file larger than one chunk
    monkeypatch.setattr(backups, "CHUNK_BYTES", 1000)
    plain = tmp_path / "plain"
    plain.write_bytes(bytes(range(256)) * 40)

    # when it is encrypted then decrypted
    backups.encrypt_file(plain, tmp_path / "enc")
    backups.decrypt_file(tmp_path / "enc", tmp_path / "back")

    # then it comes back byte for byte
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()


@pytest.mark.django_db
def test_k5_retention_keeps_the_newest_checked_backup(tmp_path, time_machine):
    # given backups from 40, 35 and 1 day ago, only the 40-day-old one passed a restore check
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)
    policy = get_policy()
    assert policy.backup_retention_days == 30
    made = {}
    for days in (40, 35, 1):
        at = now - dt.timedelta(days=days)
        name = f"jianzhi-{at:%Y%m%dT%H%M%SZ}.pgdump.enc"
        (folder / name).write_bytes(b"x")
        made[days] = BackupRecord.objects.create(kind="backup", ok=True, started_at=at, file_name=name)
    BackupRecord.objects.create(kind="restore_check", ok=True, started_at=now - dt.timedelta(days=40),
                                backup=made[40])
    BackupRecord.objects.create(kind="restore_check", ok=False, started_at=now - dt.timedelta(days=1),
                                backup=made[1])

    # when retention runs
    removed = backups.retention_apply(folder=folder, now=now)

    # then only the unchecked old file goes; the newest checked one stays although it is old
    assert removed == [made[35].file_name]
    assert sorted(p.name for p in folder.iterdir()) == sorted([made[40].file_name, made[1].file_name])


@pytest.mark.django_db
def test_k5_beat_backs_up_at_3_and_checks_at_4_and_records_through_the_tasks(backup_dir):
    # given beat's schedule
    from celery import current_app

    from config.celery import app
    from core.tasks import backup_task, restore_check_task

    backup_entry, check_entry = app.conf.beat_schedule["core-backup"], app.conf.beat_schedule["core-restore-check"]
    assert backup_entry["task"] == "core.tasks.backup_task" and check_entry["task"] == "core.tasks.restore_check_task"
    assert (backup_entry["schedule"].hour, backup_entry["schedule"].minute) == ({3}, {0})
    assert (check_entry["schedule"].hour, check_entry["schedule"].minute) == ({4}, {0})
    assert current_app.conf.timezone == "Asia/Shanghai"

    # when the tasks run
    backup_task.delay()
    restore_check_task.delay()

    # then both runs are recorded, the check against the backup
    backup = BackupRecord.objects.get(kind="backup")
    assert BackupRecord.objects.get(kind="restore_check").backup == backup


def test_k1_beat_measures_indicators_hourly_and_reminds_weekly():
    from config.celery import app

    kri, reminders = app.conf.beat_schedule["risk-kri-measure"], app.conf.beat_schedule["risk-review-reminders"]
    assert kri["task"] == "risk.tasks.kri_measure_all_task" and kri["schedule"].hour == set(range(24))
    assert reminders["task"] == "risk.tasks.risk_review_reminders_task"
    assert reminders["schedule"].day_of_week == {1}


@pytest.mark.django_db
def test_k5_a_missing_sqlite_file_is_a_failed_backup_not_an_empty_one(tmp_path):
    missing = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "gone.sqlite3"), "OPTIONS": {}}

    record = backups.backup_create(db=missing, folder=tmp_path / "backups")

    assert not record.ok and "no SQLite database" in record.detail
    assert not (tmp_path / "gone.sqlite3").exists() and backups.backup_files(tmp_path / "backups") == []


@pytest.mark.django_db
def test_k5_a_second_run_while_one_is_going_does_not_start_another(backup_dir):
    # given a backup in progress (its lock held, its record unfinished)
    running = BackupRecord.objects.create(kind="backup", started_at=backups.timezone.now(), detail="started")
    with backups._single_run("backup") as alone:
        assert alone

        # when beat or an operator starts another
        again = backups.backup_create()

    # then no second dump is made: the running one is reported
    assert again == running
    assert BackupRecord.objects.filter(kind="backup").count() == 1
    assert backups.backup_files(Path(backup_dir)) == []
    # and once it is over, the next run goes ahead
    assert backups.backup_create().ok
