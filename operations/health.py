"""The daily system check (P2.1): probes of what keeps the platform running,
today's check record built from them, and its sign-off by operations.

Each probe returns {"ok", "level", "value", "detail"}: `level` is ok, warning
or failing, `value` the number measured (None when nothing was), `detail` a
short sentence for the page. A probe never raises: a probe that cannot measure
reports failing with the reason, so the page always shows every line."""

import datetime as dt
import time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.history import history_record
from core.models import BackupRecord, BeatHeartbeat, Notification

from . import measures
from .models import DailyCheck, OperationsAction, ServerErrorCount

OK, WARNING, FAILING = DailyCheck.Outcome.OK, DailyCheck.Outcome.WARNING, DailyCheck.Outcome.FAILING
SIGN_OFF_PERMISSION = "operations.sign_off_dailycheck"

# Beat enqueues the heartbeat every 60 s and a worker runs it: five missed beats is an outage.
HEARTBEAT_STALE_AFTER = dt.timedelta(minutes=5)
# Tasks waiting in the broker: a few hundred drain in minutes, more means workers fall behind.
QUEUE_DEPTH_WARNING = 500
# Backups are nightly (K5): a day and a bit is late, two days is a missed backup.
BACKUP_WARNING_AFTER = dt.timedelta(hours=26)
BACKUP_FAILING_AFTER = dt.timedelta(hours=48)
# Server errors per hour averaged over the last 24 hours.
ERROR_RATE_WARNING_PER_HOUR = 1.0
ERROR_RATE_FAILING_PER_HOUR = 10.0
LEVEL_ORDER = {OK: 0, WARNING: 1, FAILING: 2}

# The order and names of the page's lines.
PROBE_LABELS = {
    "database": gettext_lazy("Database"),
    "redis": gettext_lazy("Redis"),
    "worker": gettext_lazy("Celery worker"),
    "beat": gettext_lazy("Celery beat"),
    "queue_depth": gettext_lazy("Tasks waiting in the queue"),
    "failed_tasks_24h": gettext_lazy("Failed tasks (last 24 hours)"),
    "failed_emails_24h": gettext_lazy("Notification e-mails not sent (last 24 hours)"),
    "failed_sms_24h": gettext_lazy("Text messages not delivered (last 24 hours)"),
    "failed_payouts_24h": gettext_lazy("Payouts failed (last 24 hours)"),
    "backup_age": gettext_lazy("Last backup"),
    "error_rate": gettext_lazy("Server errors per hour (last 24 hours)"),
    "key_risk_indicators": gettext_lazy("Key risk indicators"),
    "holiday_calendar": gettext_lazy("Holiday calendar"),
}


class DailyCheckAlreadySignedOff(DomainError):
    default_message = gettext_lazy("Today's check is already signed off; it is not changed any more.")


class SignOffNotAllowed(DomainError):
    default_message = gettext_lazy("Only operations staff sign off the daily check.")


class SignOffNotesRequired(DomainError):
    default_message = gettext_lazy("Something needs attention: say in the notes what you did about it.")


def _result(level: str, detail: str, value=None) -> dict:
    return {"ok": level == OK, "level": str(level), "value": value, "detail": str(detail)}


# ------------------------------------------------------------------ probes
def probe_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - a probe reports, it never raises
        return _result(FAILING, _("The database does not answer: %(error)s") % {"error": error})
    ms = round((time.perf_counter() - started) * 1000, 1)
    return _result(OK, _("Answered in %(ms)s ms") % {"ms": ms}, ms)


def _redis_url() -> str | None:
    """The Redis the platform uses (the broker, else the cache), or None in the embedded mode."""
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if broker.startswith(("redis://", "rediss://")):
        return broker
    cache = settings.CACHES.get("default", {})
    if "redis" in cache.get("BACKEND", "").lower():
        location = cache.get("LOCATION")
        return location[0] if isinstance(location, list | tuple) else location
    return None


def probe_redis() -> dict:
    url = _redis_url()
    if url is None:
        return _result(OK, _("Not used (embedded mode)"))
    started = time.perf_counter()
    try:
        measures.redis_client(url).ping()
    except Exception as error:  # noqa: BLE001
        return _result(FAILING, _("Redis does not answer: %(error)s") % {"error": error})
    ms = round((time.perf_counter() - started) * 1000, 1)
    return _result(OK, _("PING answered in %(ms)s ms") % {"ms": ms}, ms)


def _heartbeat_age(now: dt.datetime) -> dt.timedelta | None:
    seen = BeatHeartbeat.objects.filter(name="beat").values_list("last_seen_at", flat=True).first()
    return None if seen is None else now - seen


def probe_worker(now: dt.datetime) -> dict:
    age = _heartbeat_age(now)
    if age is None:
        return _result(FAILING, _("No worker has ever run the heartbeat."))
    minutes = round(age.total_seconds() / 60, 1)
    if age > HEARTBEAT_STALE_AFTER:
        return _result(FAILING, _("A worker last ran a task %(minutes)s minutes ago.") % {"minutes": minutes},
                       minutes)
    return _result(OK, _("A worker ran the heartbeat %(minutes)s minutes ago.") % {"minutes": minutes}, minutes)


def probe_beat(now: dt.datetime) -> dict:
    age = _heartbeat_age(now)
    if age is None:
        return _result(FAILING, _("Beat has never sent its heartbeat."))
    minutes = round(age.total_seconds() / 60, 1)
    if age > HEARTBEAT_STALE_AFTER:
        return _result(FAILING, _("Beat's last heartbeat was %(minutes)s minutes ago (it sends one every minute).")
                       % {"minutes": minutes}, minutes)
    return _result(OK, _("Last heartbeat %(minutes)s minutes ago.") % {"minutes": minutes}, minutes)


def probe_queue_depth() -> dict:
    try:
        depth = measures.queue_depth_total()
    except Exception as error:  # noqa: BLE001
        return _result(FAILING, _("The queue cannot be read: %(error)s") % {"error": error})
    if depth is None:
        return _result(WARNING, _("This broker's queue cannot be measured."))
    if depth > QUEUE_DEPTH_WARNING:
        return _result(WARNING, _("%(count)s tasks waiting: workers are falling behind.") % {"count": depth}, depth)
    return _result(OK, _("%(count)s tasks waiting") % {"count": depth}, depth)


def probe_failed_tasks(now: dt.datetime) -> dict:
    by_task = measures.task_failures_by_task(since=now - dt.timedelta(hours=24))  # also on /metrics
    count = sum(by_task.values())
    if not count:
        return _result(OK, _("No task failed."), 0)
    names = ", ".join(sorted(by_task)[:5])
    return _result(WARNING, _("%(count)s failed: %(names)s") % {"count": count, "names": names}, count)


def probe_failed_emails(now: dt.datetime) -> dict:
    """E-mail copies of notifications that could not be sent (core.notifications):
    the user still has the inbox row, but someone should look at the mail server."""
    since = now - dt.timedelta(hours=24)
    count = measures.notification_emails_failed(since=since)  # also on /metrics
    failed = Notification.objects.filter(email_failed_at__gte=since)
    if not count:
        return _result(OK, _("Every notification e-mail was sent."), 0)
    kinds = ", ".join(sorted(set(failed.values_list("email_error", flat=True)[:50]))[:5])
    return _result(WARNING, _("%(count)s not sent: %(errors)s") % {"count": count, "errors": kinds}, count)


def probe_failed_sms(now: dt.datetime) -> dict:
    """Text messages (issue 20) that could not be delivered: sign-in codes and alerts lost."""
    count = measures.sms_failed(since=now - dt.timedelta(hours=24))  # also on /metrics
    if not count:
        return _result(OK, _("Every text message was delivered."), 0)
    return _result(WARNING, _("%(count)s text messages not delivered: look at the SMS provider's console.")
                   % {"count": count}, count)


def probe_failed_payouts(now: dt.datetime) -> dict:
    """Payout lines marked failed (S4.2): each is paid again in a later batch, but many at once
    point at the bank file or a bank's outage."""
    count = measures.payouts_failed(since=now - dt.timedelta(hours=24))  # also on /metrics
    if not count:
        return _result(OK, _("No payout failed."), 0)
    return _result(WARNING, _("%(count)s payouts failed: finance pays them again in the next batch.")
                   % {"count": count}, count)


def probe_backup_age(now: dt.datetime) -> dict:
    """K5: hours since the last backup that passed its restore check (core.backups' records)."""
    from core.backups import backup_age_hours

    try:
        hours = backup_age_hours(now)
        # The latest finished run of each kind: a failure that a later success followed is not news.
        latest = [BackupRecord.objects.filter(kind=kind, finished_at__isnull=False).order_by("-started_at", "-id")
                  .first() for kind in BackupRecord.Kind.values]
        failed = next((r for r in latest if r is not None and not r.ok), None)
    except Exception as error:  # noqa: BLE001
        return _result(FAILING, _("The backup records cannot be read: %(error)s") % {"error": error})
    if hours is None:
        return _result(FAILING if failed else WARNING, _("No backup has passed a restore check yet."))
    hours = round(hours, 1)
    detail = _("The newest backup that passed its restore check is %(hours)s hours old.") % {"hours": hours}
    if failed is not None:
        detail += " " + _("Recently failed: %(what)s.") % {"what": failed}
    age = dt.timedelta(hours=hours)
    if age > BACKUP_FAILING_AFTER:
        return _result(FAILING, detail, hours)
    if age > BACKUP_WARNING_AFTER or failed is not None:
        return _result(WARNING, detail, hours)
    return _result(OK, detail, hours)


def probe_key_risk_indicators() -> dict:
    """K1: failing when any indicator's latest reading is a breach, naming them."""
    from core.money import plain_number
    from risk.indicators import kri_breaches

    try:
        breaches = kri_breaches()
    except Exception as error:  # noqa: BLE001
        return _result(FAILING, _("The indicators cannot be read: %(error)s") % {"error": error})
    if not breaches:
        return _result(OK, _("No indicator is in breach."), 0)
    names = "; ".join(f"{indicator.label}: {plain_number(reading.value)} {indicator.unit_label}".strip()
                      for indicator, reading in breaches)
    return _result(FAILING, _("%(count)s in breach — %(names)s") % {"count": len(breaches), "names": names},
                   len(breaches))


def probe_holiday_calendar(now: dt.datetime) -> dict:
    """Deadlines count working days (DESIGN: Deadlines): from 1 December, next year's
    make-up working days (调休上班) must be entered from the State Council's notice and
    confirmed by staff, else deadlines in January would be counted on a guessed calendar."""
    from core.working_days import calendar_confirmed_through, calendar_year_required

    try:
        through = calendar_confirmed_through()
    except Exception as error:  # noqa: BLE001
        return _result(FAILING, _("The holiday calendar cannot be read: %(error)s") % {"error": error})
    required = calendar_year_required(timezone.localdate(now))
    if through < required:
        return _result(FAILING, _(
            "The make-up working days of %(year)s are not confirmed. Enter the State Council's notice on the "
            "%(year)s holidays as calendar overrides (make-up working days and extra days off), then confirm "
            "%(year)s under Calendar year confirmations in the admin.") % {"year": required}, through)
    return _result(OK, _("Make-up working days confirmed through %(year)s.") % {"year": through}, through)


def probe_error_rate(now: dt.datetime) -> dict:
    since = now - dt.timedelta(hours=24)
    total = ServerErrorCount.objects.filter(hour__gte=since).aggregate(total=Sum("count"))["total"] or 0
    rate = round(total / 24, 2)
    detail = _("%(total)s server errors in 24 hours (%(rate)s per hour)") % {"total": total, "rate": rate}
    if rate >= ERROR_RATE_FAILING_PER_HOUR:
        return _result(FAILING, detail, rate)
    if rate >= ERROR_RATE_WARNING_PER_HOUR:
        return _result(WARNING, detail, rate)
    return _result(OK, detail, rate)


def server_error_rate(now: dt.datetime) -> Decimal:
    """The key risk indicator "error_rate" (K4): server errors per hour over the 24 hours
    before `now`, to four places. Risk measures it hourly through this function,
    registered in OperationsConfig.ready() (risk does not import operations)."""
    total = ServerErrorCount.objects.filter(hour__gte=now - dt.timedelta(hours=24), hour__lt=now).aggregate(
        total=Sum("count"))["total"] or 0
    return (Decimal(total) / 24).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def system_probes(now: dt.datetime | None = None) -> dict:
    """Every probe, in the page's order."""
    now = now or timezone.now()
    return {
        "database": probe_database(),
        "redis": probe_redis(),
        "worker": probe_worker(now),
        "beat": probe_beat(now),
        "queue_depth": probe_queue_depth(),
        "failed_tasks_24h": probe_failed_tasks(now),
        "failed_emails_24h": probe_failed_emails(now),
        "failed_sms_24h": probe_failed_sms(now),
        "failed_payouts_24h": probe_failed_payouts(now),
        "backup_age": probe_backup_age(now),
        "error_rate": probe_error_rate(now),
        "key_risk_indicators": probe_key_risk_indicators(),
        "holiday_calendar": probe_holiday_calendar(now),
    }


def outcome_of(results: dict) -> str:
    worst = max((LEVEL_ORDER.get(r.get("level"), 2) for r in results.values()), default=0)
    return {0: OK, 1: WARNING, 2: FAILING}[worst]


# ------------------------------------------------------------------ services
def daily_check_run(*, now: dt.datetime | None = None) -> DailyCheck:
    """Run the probes and write today's check (P2.1): beat at 08:30 Shanghai and
    the page's "run now" button. A check that is signed off is what the
    signer saw, so it is not changed (DailyCheckAlreadySignedOff)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    results = system_probes(now)  # measured outside the transaction: probes may wait on the network
    with transaction.atomic():
        check = DailyCheck.objects.select_for_update().filter(date=today).first()
        if check is not None and check.signed_off_at is not None:
            raise DailyCheckAlreadySignedOff()
        if check is None:
            check = DailyCheck(date=today)
        check.results, check.outcome, check.checked_at = results, outcome_of(results), now
        check.save()
    return check


def daily_check_run_unless_signed(*, now: dt.datetime | None = None) -> DailyCheck | None:
    """Beat's run: a signed-off check stays as it is."""
    try:
        return daily_check_run(now=now)
    except DailyCheckAlreadySignedOff:
        return None


@transaction.atomic
def daily_check_sign_off(*, check_id: int, actor, notes: str = "") -> DailyCheck:
    """An operations staff member signs off a day's check (P2.1), once: the
    record keeps who and when, and a history row. A check that found anything
    needs notes saying what was done about it."""
    if not actor.has_perm(SIGN_OFF_PERMISSION):
        raise SignOffNotAllowed()
    check = DailyCheck.objects.select_for_update().get(pk=check_id)
    if check.signed_off_at is not None:
        raise DailyCheckAlreadySignedOff()
    notes = (notes or "").strip()
    if check.outcome != OK and not notes:
        raise SignOffNotesRequired(field="notes")
    check.signed_off_by, check.signed_off_at, check.notes = actor, timezone.now(), notes
    check.save(update_fields=["signed_off_by", "signed_off_at", "notes"])
    history_record(subject=check, transition=OperationsAction.SIGN_OFF, from_state=check.outcome,
                   to_state="signed_off", actor=actor, reason=notes)
    return check


def server_error_count(*, at: dt.datetime | None = None) -> None:
    """One more server error in this hour's counter (the `got_request_exception`
    receiver), incremented in the database so concurrent workers never lose one."""
    hour = (at or timezone.now()).replace(minute=0, second=0, microsecond=0)
    if ServerErrorCount.objects.filter(hour=hour).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ServerErrorCount.objects.create(hour=hour, count=1)
    except IntegrityError:  # another worker created this hour's row first
        ServerErrorCount.objects.filter(hour=hour).update(count=F("count") + 1)
