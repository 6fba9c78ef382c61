"""Key risk indicators (K1, K4, K5): what each measures, how it is computed from
the platform, and the hourly measurement that alerts owners on a new breach.

Each computation is one or two aggregate queries over a recent window; a rate
with nothing to divide by is 0. The definitions (names, thresholds, owners)
live in KeyRiskIndicator rows, seeded by a data migration and edited by
managers in the admin; the code here only knows how to measure each `code`.
An indicator whose data another app keeps (the server-error counter of
operations) is measured by that app, which registers the measure here at
start-up: risk imports none of the apps above the lifecycle."""

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from accounts.roles import MANAGER
from applications.models import Attendance, AttendanceStatus
from core.backups import backup_age_hours
from core.money import plain_number
from core.notifications import notify
from jobs.models import JobFlag
from settlements.models import PaymentDispute, Payout, Settlement

from .models import KeyRiskIndicator, KRIReading

LEVEL = KRIReading.Level
RATE_WINDOW = dt.timedelta(days=30)
FLAG_WINDOW = dt.timedelta(days=7)
# The backup-age value when no backup has ever passed a restore check: always a breach.
NO_VERIFIED_BACKUP_HOURS = Decimal("9999")
FOUR_PLACES = Decimal("0.0001")

# The seeded indicators' names and units (migration 0005 stores them in English): msgids of the
# catalogue, so KeyRiskIndicator.label and unit_label read them in the reader's language (issue 21).
SEEDED_WORDS = [
    gettext_noop("Payment dispute rate (disputes per 100 paid statements, 30 days)"),
    gettext_noop("Late-funding rate (statements funded late, 30 days)"),
    gettext_noop("No-show rate (no-shows among attended shifts, 30 days)"),
    gettext_noop("Compliance flags raised on jobs (7 days)"),
    gettext_noop("Payout failure rate (failed payouts, 30 days)"),
    gettext_noop("Server errors per hour (24 hours)"),
    gettext_noop("Hours since the last backup that passed its restore check"),
    pgettext_lazy("indicator unit", "flags"), pgettext_lazy("indicator unit", "/h"),
    pgettext_lazy("indicator unit", "h"), pgettext_lazy("indicator unit", "%"),
]


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def dispute_rate(now: dt.datetime) -> Decimal:
    """Payment disputes opened in the last 30 days per 100 statements paid in them (S4.3)."""
    since = now - RATE_WINDOW
    disputes = PaymentDispute.objects.filter(created_at__gte=since, created_at__lt=now).count()
    paid = Settlement.objects.filter(paid_at__gte=since, paid_at__lt=now).count()
    return _percent(disputes, paid)


def late_funding_rate(now: dt.datetime) -> Decimal:
    """Of the statements funded in the last 30 days, the percentage funded after their due time (E5.1)."""
    funded = Settlement.objects.filter(funded_at__gte=now - RATE_WINDOW, funded_at__lt=now).aggregate(
        total=Count("pk"), late=Count("pk", filter=Q(funding_late_at__isnull=False)))
    return _percent(funded["late"], funded["total"])


def no_show_rate(now: dt.datetime) -> Decimal:
    """Of the attendances on shifts in the last 30 days that were decided, the percentage of no-shows (E4)."""
    today = timezone.localdate(now)
    decided = Attendance.objects.filter(
        shift__date__gt=today - RATE_WINDOW, shift__date__lte=today,
        status__in=[AttendanceStatus.ATTENDED, AttendanceStatus.CHECKED_IN, AttendanceStatus.NO_SHOW],
    ).aggregate(total=Count("pk"), no_show=Count("pk", filter=Q(status=AttendanceStatus.NO_SHOW)))
    return _percent(decided["no_show"], decided["total"])


def compliance_flags(now: dt.datetime) -> Decimal:
    """Compliance findings the job screen raised in the last 7 days (J1.4)."""
    return Decimal(JobFlag.objects.filter(created_at__gte=now - FLAG_WINDOW, created_at__lt=now).count())


def payout_failure_rate(now: dt.datetime) -> Decimal:
    """Of the payouts made in the last 30 days, the percentage that failed (S4.2)."""
    payouts = Payout.objects.filter(created_at__gte=now - RATE_WINDOW, created_at__lt=now).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(status=Payout.Status.FAILED)))
    return _percent(payouts["failed"], payouts["total"])


def backup_age(now: dt.datetime) -> Decimal:
    """Hours since the last backup whose restore check passed (K5)."""
    hours = backup_age_hours(now)
    if hours is None:
        return NO_VERIFIED_BACKUP_HOURS
    return Decimal(str(max(hours, 0))).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


Measure = Callable[[dt.datetime], Decimal]

# code → how it is measured. The data migration seeds a KeyRiskIndicator for each; "error_rate"
# (server errors per hour over 24 hours, K4) is registered by operations, which counts them.
MEASURES: dict[str, Measure] = {
    "dispute_rate": dispute_rate,
    "late_funding_rate": late_funding_rate,
    "no_show_rate": no_show_rate,
    "compliance_flags": compliance_flags,
    "payout_failure_rate": payout_failure_rate,
    "backup_age": backup_age,
}


def kri_measure_register(code: str, measure: Measure) -> None:
    """Measure the indicator `code` with `measure(now) -> Decimal`: for the app that keeps
    the indicator's data, called from its AppConfig.ready(). An indicator nobody measures
    gets no reading (kri_measure skips it)."""
    MEASURES[code] = measure


def level_for(indicator: KeyRiskIndicator, value: Decimal) -> str:
    """ok / warning / breach by the indicator's thresholds, either direction."""
    if indicator.higher_is_worse:
        if value >= indicator.breach_at:
            return LEVEL.BREACH
        return LEVEL.WARNING if value >= indicator.warning_at else LEVEL.OK
    if value <= indicator.breach_at:
        return LEVEL.BREACH
    return LEVEL.WARNING if value <= indicator.warning_at else LEVEL.OK


def _alert_recipients(indicator: KeyRiskIndicator) -> list:
    if indicator.owner_id and indicator.owner.is_active:
        return [indicator.owner]
    return list(get_user_model().objects.filter(groups__name=MANAGER, is_active=True).distinct().order_by("pk"))


def _alert(recipient, indicator: KeyRiskIndicator, value: Decimal) -> None:
    """The breach alert in the recipient's language, its numbers as people write them (20, not 2E+1)."""
    with translation.override(getattr(recipient, "language", None) or translation.get_language()):
        words = {"name": indicator.label, "value": plain_number(value), "unit": indicator.unit_label,
                 "limit": plain_number(indicator.breach_at)}
        subject = _("Key risk indicator breached: %(name)s") % words
        body = _("%(name)s is at %(value)s %(unit)s, past its limit of %(limit)s. Check the risk "
                 "register and the contingency plan.") % words
    notify(recipient=recipient, subject=subject, body=body, link=reverse("risk:register"))


def kri_measure(indicator: KeyRiskIndicator, now: dt.datetime) -> KRIReading | None:
    """Measure one indicator and store the reading; on a NEW breach (the previous
    reading was not a breach) alert its owner, or the managers, once."""
    measure = MEASURES.get(indicator.code)
    if measure is None:
        return None
    value = measure(now)
    with transaction.atomic():
        indicator = (KeyRiskIndicator.objects.select_for_update(of=("self",)).select_related("owner")
                     .get(pk=indicator.pk))
        previous = indicator.readings.order_by("-measured_at", "-id").values_list("level", flat=True).first()
        level = level_for(indicator, value)
        reading = KRIReading.objects.create(indicator=indicator, value=value, level=level, measured_at=now)
        if level == LEVEL.BREACH and previous != LEVEL.BREACH:
            for recipient in _alert_recipients(indicator):
                _alert(recipient, indicator, value)
            reading.alerted_at = timezone.now()
            reading.save(update_fields=["alerted_at"])
    return reading


def kri_measure_all(now: dt.datetime | None = None) -> list[KRIReading]:
    """Beat, hourly: a reading for every indicator the code knows how to measure."""
    now = now or timezone.now()
    readings = [kri_measure(indicator, now) for indicator in KeyRiskIndicator.objects.order_by("code")]
    return [reading for reading in readings if reading is not None]


def kri_latest() -> list[tuple[KeyRiskIndicator, KRIReading | None]]:
    """Every indicator with its latest reading (two queries whatever the history)."""
    indicators = list(KeyRiskIndicator.objects.select_related("owner").order_by("code"))
    newest = (KRIReading.objects.filter(indicator_id=OuterRef("indicator_id"))
              .order_by("-measured_at", "-id").values("pk")[:1])
    latest = {r.indicator_id: r for r in KRIReading.objects.filter(pk=Subquery(newest))}
    return [(indicator, latest.get(indicator.pk)) for indicator in indicators]


def kri_breaches() -> list[tuple[KeyRiskIndicator, KRIReading]]:
    """Indicators whose latest reading is a breach (the daily check page)."""
    return [(indicator, reading) for indicator, reading in kri_latest()
            if reading is not None and reading.level == LEVEL.BREACH]
