"""Backups that restore (K5).

`backup_create` dumps the database (PostgreSQL: `pg_dump --format=custom`;
SQLite: the online backup API), encrypts the dump in chunks to
`<BACKUP_DIR>/jianzhi-<UTC timestamp>.<pgdump|sqlite3>.enc` and records a
BackupRecord; then retention deletes old files but never the newest one that
passed a restore check.

`restore_check` decrypts the newest backup, restores it into a scratch
database (PostgreSQL: `<dbname>_restore_check`; SQLite: the decrypted file),
runs the ledger integrity check against it through a second database alias
created at run time, records the outcome and drops the scratch database.

Both always leave a record: a failure is recorded with ok=False and the
reason, never a crash without a trace.

Encrypted file format: the magic line `JZBACKUP1\\n`, then chunks, each a
4-byte big-endian length followed by that many bytes of a Fernet token of up
to CHUNK_BYTES of the dump, so a large dump never sits in memory."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.cache import cache
from django.db import connections, models, router
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import BackupRecord
from .policy import get_policy

if TYPE_CHECKING:
    import psycopg

# A restore check: a dotted path, or the function itself, returning the problems it found.
RestoreCheck = tuple[str, str | Callable[[], Iterable[object]]]

logger = logging.getLogger(__name__)

MAGIC = b"JZBACKUP1\n"
CHUNK_BYTES = 4 * 1024 * 1024
FILE_PREFIX = "jianzhi-"
SCRATCH_ALIAS = "restore_check"
# The checks run against the restored copy: (label, dotted path of a function returning a list of problems).
RESTORE_CHECKS: list[RestoreCheck] = [("ledger", "finance.ledger.ledger_integrity_check")]
# Tables counted in the restore check's detail (a restored copy that is empty is not a backup).
COUNTED_TABLES = ["accounts_user", "finance_ledgertransaction", "finance_ledgerentry", "settlements_settlement"]


RUN_LOCK_SECONDS = 6 * 3600  # longer than any dump or restore; released as soon as the run ends


@contextlib.contextmanager
def _single_run(kind: str) -> Iterator[bool]:
    """At most one backup (or restore check) at a time across workers, beat and the command line:
    yields False when another run of the same kind holds the lock (the cache: Redis in production)."""
    key = f"core.backups.running.{kind}"
    try:
        acquired = cache.add(key, os.getpid(), RUN_LOCK_SECONDS)
    except Exception:  # noqa: BLE001 - no cache must not mean no backup
        logger.warning("backup lock unavailable; running without it", exc_info=True)
        yield True
        return
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(Exception):
                cache.delete(key)


class BackupError(Exception):
    """A backup or restore step failed (a tool missing or failing, a file that does not decrypt)."""


# ------------------------------------------------------------------ settings
def backup_dir() -> Path:
    configured = getattr(settings, "BACKUP_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "backups"


def _fernet() -> MultiFernet:
    """The backup key first (it encrypts), then the field keys so a rotated backup key still decrypts."""
    keys = [getattr(settings, "BACKUP_ENCRYPTION_KEY", "") or settings.FIELD_ENCRYPTION_KEYS[0],
            *settings.FIELD_ENCRYPTION_KEYS]
    unique = list(dict.fromkeys(k for k in keys if k))
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in unique])


# ------------------------------------------------------------------ encryption
def encrypt_file(source: Path, target: Path) -> None:
    fernet = _fernet()
    with open(source, "rb") as plain, open(target, "wb") as out:
        out.write(MAGIC)
        while chunk := plain.read(CHUNK_BYTES):
            token = fernet.encrypt(chunk)
            out.write(struct.pack(">I", len(token)))
            out.write(token)


def decrypt_file(source: Path, target: Path) -> None:
    fernet = _fernet()
    with open(source, "rb") as enc, open(target, "wb") as out:
        if enc.read(len(MAGIC)) != MAGIC:
            raise BackupError("not a Jianzhi backup file (bad header)")
        while header := enc.read(4):
            if len(header) != 4:
                raise BackupError("truncated backup file")
            (length,) = struct.unpack(">I", header)
            token = enc.read(length)
            if len(token) != length:
                raise BackupError("truncated backup file")
            try:
                out.write(fernet.decrypt(token))
            except InvalidToken as error:
                raise BackupError("the backup does not decrypt (tampered, or another key)") from error


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------ dumping
def _vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"backups are not supported for {engine}")


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args + ["--no-password"]


def _run(command: list[str], db: dict) -> None:
    try:
        result = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, timeout=6 * 3600)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (postgresql-client)") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-1000:]}")


def dump_database(db: dict, target: Path) -> str:
    """Write a dump of the database described by `db` (a DATABASES entry) to `target`; return its suffix."""
    vendor = _vendor(db)
    if vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--file", str(target), *_pg_args(db), str(db["NAME"])], db)
        return "pgdump"
    if not Path(str(db["NAME"])).is_file():  # sqlite3.connect would create an empty database
        raise BackupError(f"no SQLite database at {db['NAME']}")
    source = sqlite3.connect(f"file:{db['NAME']}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return "sqlite3"


def backup_files(folder: Path | None = None) -> list[Path]:
    """The encrypted backups in the folder, newest first (the timestamp is in the name)."""
    folder = folder or backup_dir()
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and p.name.startswith(FILE_PREFIX)
                   and p.name.endswith(".enc")), key=lambda p: p.name, reverse=True)


# ------------------------------------------------------------------ services
def backup_create(*, db: dict | None = None, folder: Path | None = None,
                  now: dt.datetime | None = None) -> BackupRecord:
    """Dump, encrypt, record, apply retention (K5). Always returns a record: ok=False with the reason on
    failure. A second run while one is going returns that run's record instead of starting another."""
    with _single_run(BackupRecord.Kind.BACKUP) as alone:
        if not alone:
            return _running(BackupRecord.Kind.BACKUP)
        return _backup_create(db=db, folder=folder, now=now)


def _running(kind: str) -> BackupRecord:
    running = BackupRecord.objects.filter(kind=kind, finished_at__isnull=True).order_by("-started_at", "-id").first()
    if running is None:  # the lock outlived its run (a killed worker): say so rather than guess
        running = BackupRecord(kind=kind, started_at=timezone.now(), detail="another run holds the lock")
    logger.warning("%s skipped: another run is in progress", kind)
    return running


def _backup_create(*, db: dict | None, folder: Path | None, now: dt.datetime | None) -> BackupRecord:
    db = db or settings.DATABASES["default"]
    folder = folder or backup_dir()
    now = now or timezone.now()
    # Written first, so a run killed half-way still leaves a (failed, unfinished) record.
    record = BackupRecord.objects.create(kind=BackupRecord.Kind.BACKUP, started_at=now, detail="started")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        with tempfile.TemporaryDirectory(prefix="jianzhi-backup-") as tmp:
            plain = Path(tmp) / "dump"
            suffix = dump_database(db, plain)
            target = folder / f"{FILE_PREFIX}{stamp}.{suffix}.enc"
            partial = target.with_name(target.name + ".part")
            try:
                encrypt_file(plain, partial)
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
        record.file_name, record.size_bytes, record.sha256 = target.name, target.stat().st_size, sha256_of(target)
        record.ok = True
        removed = retention_apply(folder=folder, now=now, keep=target)
        record.detail = f"{_vendor(db)} dump of {Path(str(db['NAME'])).name}; retention removed {len(removed)} file(s)"
        if removed:
            record.detail += ": " + ", ".join(removed)
    except Exception as error:  # noqa: BLE001 - recorded, never lost
        logger.exception("backup failed")
        record.ok, record.detail = False, f"{type(error).__name__}: {error}"[:4000]
    record.finished_at = timezone.now()
    record.save()
    return record


def retention_apply(*, folder: Path | None = None, now: dt.datetime | None = None,
                    keep: Path | None = None) -> list[str]:
    """Delete backup files older than the policy's retention, but never the newest
    backup that passed a restore check (nor `keep`, the one just written)."""
    folder = folder or backup_dir()
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=get_policy().backup_retention_days)
    protected = {keep.name} if keep else set()
    newest_checked = (BackupRecord.objects.filter(kind=BackupRecord.Kind.BACKUP, ok=True,
                                                  checks__kind=BackupRecord.Kind.RESTORE_CHECK, checks__ok=True)
                      .order_by("-started_at", "-id").values_list("file_name", flat=True).first())
    if newest_checked:
        protected.add(newest_checked)
    made_at = dict(BackupRecord.objects.filter(kind=BackupRecord.Kind.BACKUP, ok=True)
                   .values_list("file_name", "started_at"))
    removed = []
    for path in backup_files(folder):
        if path.name in protected:
            continue
        when = made_at.get(path.name) or dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if when < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


@contextlib.contextmanager
def _scratch_alias(db: dict) -> Iterator[str]:
    """A connection to the restored copy under a second alias created at run
    time (not added to settings.DATABASES); the ORM's reads are routed to it
    while the checks run, so they run unchanged against the copy."""
    from django.db.utils import load_backend

    db = connections.configure_settings({"default": dict(db)})["default"]  # fill in Django's defaults
    wrapper = load_backend(db["ENGINE"]).DatabaseWrapper(db, SCRATCH_ALIAS)
    connections[SCRATCH_ALIAS] = wrapper
    route = _ScratchRouter()
    router.routers.insert(0, route)
    try:
        yield SCRATCH_ALIAS
    finally:
        router.routers.remove(route)
        with contextlib.suppress(Exception):
            wrapper.close()
        with contextlib.suppress(Exception):
            del connections[SCRATCH_ALIAS]


class _ScratchRouter:
    def db_for_read(self, model: type[models.Model], **hints: object) -> str:
        return SCRATCH_ALIAS

    def db_for_write(self, model: type[models.Model], **hints: object) -> str:
        return SCRATCH_ALIAS


def _maintenance(db: dict) -> psycopg.Connection[Any]:
    """An autocommit connection to the live database, from which the scratch database is created and dropped
    (CREATE/DROP DATABASE cannot run inside a transaction, nor through Django's connection in a request)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    options = db.get("OPTIONS") or {}
    params = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"),
              "password": db.get("PASSWORD"), "sslmode": options.get("sslmode")}
    return psycopg.connect(make_conninfo(**{k: str(v) for k, v in params.items() if v}), autocommit=True)


def _pg_drop(db: dict, name: str) -> None:
    from psycopg import sql

    with _maintenance(db) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _pg_create(db: dict, name: str) -> None:
    from psycopg import sql

    with _maintenance(db) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))


def scratch_name(db: dict) -> str:
    return f"{db['NAME']}_restore_check"


def _run_checks(alias: str, checks: Sequence[RestoreCheck]) -> tuple[list[str], dict[str, int | None]]:
    counts: dict[str, int | None] = {}
    with connections[alias].cursor() as cursor:
        for table in COUNTED_TABLES:
            try:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - fixed table names
                row = cursor.fetchone()
                counts[table] = row[0] if row else None
            except Exception:  # noqa: BLE001 - a table missing is reported, not fatal
                counts[table] = None
    problems = []
    for label, check in checks:
        func = import_string(check) if isinstance(check, str) else check
        problems += [f"{label}: {p}" for p in func()]
    return problems, counts


def restore_check(*, db: dict | None = None, folder: Path | None = None, now: dt.datetime | None = None,
                  checks: Sequence[RestoreCheck] | None = None) -> BackupRecord:
    """Restore the newest backup into a scratch database and run the integrity
    checks on it (K5). Always returns a record: ok=False with the reason on failure.
    One at a time (they share the scratch database)."""
    with _single_run(BackupRecord.Kind.RESTORE_CHECK) as alone:
        if not alone:
            return _running(BackupRecord.Kind.RESTORE_CHECK)
        return _restore_check(db=db, folder=folder, now=now, checks=checks)


def _restore_check(*, db: dict | None, folder: Path | None, now: dt.datetime | None,
                   checks: Sequence[RestoreCheck] | None) -> BackupRecord:
    db = db or settings.DATABASES["default"]
    folder = folder or backup_dir()
    checks = RESTORE_CHECKS if checks is None else checks
    record = BackupRecord.objects.create(kind=BackupRecord.Kind.RESTORE_CHECK, started_at=now or timezone.now(),
                                         detail="started")
    scratch_db = None
    try:
        files = backup_files(folder)
        if not files:
            raise BackupError(f"no backup file in {folder}")
        newest = files[0]
        record.file_name = newest.name
        record.backup = BackupRecord.objects.filter(kind=BackupRecord.Kind.BACKUP, file_name=newest.name) \
            .order_by("-started_at").first()
        if record.backup is not None and record.backup.sha256 and record.backup.sha256 != sha256_of(newest):
            raise BackupError("the backup file changed since it was written (SHA-256 differs)")
        with tempfile.TemporaryDirectory(prefix="jianzhi-restore-") as tmp:
            plain = Path(tmp) / "restored"
            decrypt_file(newest, plain)
            scratch_db = dict(db)
            scratch_db["TEST"] = dict(db.get("TEST") or {})
            if newest.name.endswith(".pgdump.enc"):
                if _vendor(db) != "postgresql":
                    raise BackupError("a PostgreSQL backup restores into PostgreSQL only")
                scratch_db["NAME"] = scratch_name(db)
                _pg_create(db, scratch_db["NAME"])
                _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", scratch_db["NAME"],
                      *_pg_args(db), str(plain)], db)
            else:
                scratch_db.update(ENGINE="django.db.backends.sqlite3", NAME=str(plain), OPTIONS={})
            with _scratch_alias(scratch_db) as alias:
                problems, counts = _run_checks(alias, checks)
        counted = ", ".join(f"{table}={n}" for table, n in counts.items())
        record.ok = not problems
        record.detail = (f"restored {newest.name}; {counted}; "
                         + ("integrity checks passed" if not problems
                            else f"{len(problems)} problem(s): " + "; ".join(problems[:20])))[:4000]
    except Exception as error:  # noqa: BLE001 - recorded, never lost
        logger.exception("restore check failed")
        record.ok, record.detail = False, f"{type(error).__name__}: {error}"[:4000]
    finally:
        if scratch_db is not None and _vendor(scratch_db) == "postgresql":
            try:
                _pg_drop(db, scratch_db["NAME"])
            except Exception as error:  # noqa: BLE001
                record.detail = (record.detail + f"; scratch database not dropped: {error}")[:4000]
    record.finished_at = timezone.now()
    record.save()
    return record


# ------------------------------------------------------------------ selectors
def last_verified_backup() -> BackupRecord | None:
    """The newest successful backup whose restore check passed (for the health page and the backup-age KRI)."""
    return (BackupRecord.objects.filter(kind=BackupRecord.Kind.BACKUP, ok=True,
                                        checks__kind=BackupRecord.Kind.RESTORE_CHECK, checks__ok=True)
            .order_by("-started_at", "-id").first())


def backup_age_hours(now: dt.datetime | None = None) -> float | None:
    """Hours since the last backup that passed a restore check, or None if there is none."""
    verified = last_verified_backup()
    if verified is None:
        return None
    return ((now or timezone.now()) - verified.started_at).total_seconds() / 3600
