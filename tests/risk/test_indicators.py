"""K1, K4, K5: key risk indicators computed from the platform, levels by thresholds,
breach alerts once, and the breach line on the operations daily check."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Attendance, AttendanceStatus
from core.models import BackupRecord, Notification
from jobs.models import JobFlag
from operations import health
from operations.models import ServerErrorCount
from risk import indicators
from risk.models import KeyRiskIndicator, KRIReading
from tests.factories.accounts import StaffFactory
from tests.factories.jobs import JobFactory
from tests.factories.risk_register import dispute_made, indicator, payout_made, settlement_made
from tests.factories.settlements import NO_SHOW, worked_engagement

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def test_k1_the_indicators_are_seeded_for_production():
    assert set(KeyRiskIndicator.objects.values_list("code", flat=True)) == set(indicators.MEASURES)


def test_k1_dispute_rate_is_disputes_per_100_paid_statements_in_30_days(now):
    # given four statements paid in the last 30 days (one paid earlier) and one dispute in the window
    paid = [settlement_made(status="paid", paid_at=now - dt.timedelta(days=d)) for d in (1, 5, 10, 29)]
    old = settlement_made(status="paid", paid_at=now - dt.timedelta(days=40))
    dispute_made(paid[0], at=now - dt.timedelta(hours=2))
    dispute_made(old, at=now - dt.timedelta(days=35))

    # then the rate is 1 / 4
    assert indicators.dispute_rate(now) == Decimal("25.0000")


def test_k1_late_funding_rate_counts_statements_funded_late(now):
    # given three statements funded in the window, one of them late, and one late one funded long ago
    settlement_made(funded_at=now - dt.timedelta(days=2), funding_late_at=now - dt.timedelta(days=3))
    settlement_made(funded_at=now - dt.timedelta(days=3))
    settlement_made(funded_at=now - dt.timedelta(days=4))
    settlement_made(funded_at=now - dt.timedelta(days=50), funding_late_at=now - dt.timedelta(days=51))

    assert indicators.late_funding_rate(now) == Decimal("33.3333")


def test_k1_no_show_rate_among_decided_attendances(now):
    # given attendances on past shifts: 3 attended, 1 no-show, 1 cancelled (not counted)
    worked_engagement(hours=[(180, 0), (180, 0), NO_SHOW, (120, 0)])
    engagement = worked_engagement(hours=[(60, 0)])
    Attendance.objects.filter(engagement=engagement).update(status=AttendanceStatus.CANCELLED)
    # and a no-show on a shift 40 days ago (outside the window)
    old = worked_engagement(hours=[NO_SHOW])
    Attendance.objects.filter(engagement=old).update(
        shift=JobFactory(published=True, shifts=[(timezone.localdate() - dt.timedelta(days=40), "18:00", "21:00")])
        .shifts.get())

    # then 1 of 4
    assert indicators.no_show_rate(now) == Decimal("25.0000")


def test_k4_compliance_flags_counts_the_last_7_days(now):
    job = JobFactory()
    for days in (0, 3, 6, 8):
        flag = JobFlag.objects.create(job=job, code="deposit", severity="block", message="押金")
        JobFlag.objects.filter(pk=flag.pk).update(created_at=now - dt.timedelta(days=days, minutes=1))

    assert indicators.compliance_flags(now) == Decimal(3)


def test_k4_payout_failure_rate(now):
    # given four payouts this month, one failed, and a failed one two months ago
    for status in ("paid", "failed", "sent", "queued"):
        payout_made(settlement_made(), at=now - dt.timedelta(days=1), status=status)
    payout_made(settlement_made(), at=now - dt.timedelta(days=60), status="failed")

    assert indicators.payout_failure_rate(now) == Decimal("25.0000")


def test_k4_error_rate_is_errors_per_hour_over_24_hours(now):
    hour = now.replace(minute=0, second=0)
    ServerErrorCount.objects.create(hour=hour - dt.timedelta(hours=1), count=30)
    ServerErrorCount.objects.create(hour=hour - dt.timedelta(hours=5), count=6)
    ServerErrorCount.objects.create(hour=hour - dt.timedelta(hours=30), count=500)

    # (operations counts server errors and registers this measure with risk at start-up)
    assert indicators.MEASURES["error_rate"](now) == Decimal("1.5000")


def test_k5_backup_age_counts_only_backups_whose_restore_check_passed(now):
    checked = BackupRecord.objects.create(kind="backup", ok=True, started_at=now - dt.timedelta(hours=30))
    BackupRecord.objects.create(kind="restore_check", ok=True, started_at=now - dt.timedelta(hours=29),
                                backup=checked)
    unchecked = BackupRecord.objects.create(kind="backup", ok=True, started_at=now - dt.timedelta(hours=2))
    BackupRecord.objects.create(kind="restore_check", ok=False, started_at=now - dt.timedelta(hours=1),
                                backup=unchecked)

    assert indicators.backup_age(now) == Decimal("30.0000")


def test_k5_no_verified_backup_is_a_breach(now):
    assert indicators.backup_age(now) == indicators.NO_VERIFIED_BACKUP_HOURS
    assert indicators.level_for(indicator("backup_age"), indicators.backup_age(now)) == "breach"


@pytest.mark.parametrize(("value", "level"), [("2.99", "ok"), ("3", "warning"), ("4.99", "warning"),
                                              ("5", "breach"), ("80", "breach")])
def test_k1_levels_when_higher_is_worse(value, level):
    kri = KeyRiskIndicator(code="x", name="x", warning_at=Decimal(3), breach_at=Decimal(5), higher_is_worse=True)
    assert indicators.level_for(kri, Decimal(value)) == level


@pytest.mark.parametrize(("value", "level"), [("99", "ok"), ("95", "warning"), ("90.5", "warning"),
                                              ("90", "breach"), ("0", "breach")])
def test_k1_levels_when_lower_is_worse(value, level):
    kri = KeyRiskIndicator(code="x", name="x", warning_at=Decimal(95), breach_at=Decimal(90),
                           higher_is_worse=False)
    assert indicators.level_for(kri, Decimal(value)) == level


def test_k1_a_new_breach_alerts_the_owner_once(now):
    # given the error rate owned by an operations member, breached for three hours in a row
    owner = StaffFactory(role="operations")
    KeyRiskIndicator.objects.filter(code="error_rate").update(owner=owner)
    ServerErrorCount.objects.create(hour=now.replace(minute=0, second=0) - dt.timedelta(hours=1), count=24 * 20)

    # when beat measures three times
    for hours in (0, 1, 2):
        indicators.kri_measure_all(now + dt.timedelta(minutes=hours))

    # then three breach readings, one alert to the owner and none to anyone else
    readings = KRIReading.objects.filter(indicator__code="error_rate").order_by("measured_at")
    assert [r.level for r in readings] == ["breach"] * 3
    assert [r.alerted_at is not None for r in readings] == [True, False, False]
    alerts = Notification.objects.filter(subject__contains="Server errors per hour")
    assert list(alerts.values_list("recipient", flat=True)) == [owner.pk]


def test_k1_a_breach_after_recovery_alerts_again_and_without_owner_the_managers(now):
    # given an indicator without owner that breaches, recovers, then breaches again
    managers = [StaffFactory(role="manager"), StaffFactory(role="manager")]
    StaffFactory(role="finance")
    kri = indicator("compliance_flags")
    for value in ("60", "10", "70"):
        indicators.MEASURES["compliance_flags"], original = (lambda _now, v=value: Decimal(v)), \
            indicators.MEASURES["compliance_flags"]
        try:
            indicators.kri_measure(kri, now)
        finally:
            indicators.MEASURES["compliance_flags"] = original

    # then each manager is alerted twice, nobody else
    alerts = Notification.objects.filter(subject__contains=kri.name)
    assert sorted(alerts.values_list("recipient", flat=True)) == sorted([m.pk for m in managers] * 2)


def test_k1_breaches_fail_the_daily_check_probe_and_are_listed(now):
    # given the latest error-rate reading is a breach, an older dispute-rate breach has recovered
    error_rate, dispute_rate = indicator("error_rate"), indicator("dispute_rate")
    KRIReading.objects.create(indicator=error_rate, value=Decimal("12"), level="breach", measured_at=now)
    KRIReading.objects.create(indicator=dispute_rate, value=Decimal("9"), level="breach",
                              measured_at=now - dt.timedelta(hours=2))
    KRIReading.objects.create(indicator=dispute_rate, value=Decimal("1"), level="ok", measured_at=now)

    # when the daily check runs
    result = health.system_probes(now)["key_risk_indicators"]

    # then it fails naming the breached indicator only
    assert result["level"] == "failing" and result["value"] == 1
    assert error_rate.name in result["detail"] and dispute_rate.name not in result["detail"]


def test_i21_k1_the_breach_alert_reads_in_chinese_with_numbers_as_people_write_them(now):
    # given a manager reading Chinese and the error rate measured at 20 per hour (limit 10)
    manager = StaffFactory(role="manager", language="zh-hans")
    kri = indicator("error_rate")
    indicators.MEASURES["error_rate"], original = (lambda _now: Decimal("20.0000")), indicators.MEASURES["error_rate"]
    try:
        indicators.kri_measure(kri, now)
    finally:
        indicators.MEASURES["error_rate"] = original

    # then the alert names the indicator in Chinese and writes 20 and 10, never 2E+1 / 1E+1
    alert = Notification.objects.get(recipient=manager)
    assert alert.subject == "关键风险指标超限：每小时服务器错误数（24 小时）"
    assert alert.body.startswith("每小时服务器错误数（24 小时）") and "20 /小时" in alert.body and "10" in alert.body
    assert "E+" not in alert.subject + alert.body and "Server errors" not in alert.body


def test_i21_k1_the_register_page_and_daily_check_write_plain_numbers(now, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    kri = indicator("dispute_rate")
    KRIReading.objects.create(indicator=kri, value=Decimal("20.0000"), level="breach", measured_at=now)
    detail = health.probe_key_risk_indicators()["detail"]
    assert "付款争议率" in detail and "20 %" in detail and "E+" not in detail

    from django.test import Client
    from django.urls import reverse

    from tests.conftest import login_with_mfa

    page = login_with_mfa(Client(), StaffFactory(role="manager")).get(reverse("risk:register")).content.decode()
    assert "付款争议率（每 100 份已付款结算单中的争议数，30 天）" in page and "20 %" in page
    assert "E+" not in page and "Payment dispute rate" not in page


def test_k1_no_breach_leaves_the_probe_ok(now):
    KRIReading.objects.create(indicator=indicator("error_rate"), value=Decimal("2"), level="warning",
                              measured_at=now)
    assert health.probe_key_risk_indicators()["level"] == "ok"


def test_k1_managers_edit_thresholds_in_the_admin_and_inconsistent_ones_are_refused():
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import login_with_mfa

    # given the dispute-rate indicator and a manager
    kri = indicator("dispute_rate")
    manager = StaffFactory(role="manager")
    client = login_with_mfa(Client(), manager)
    url = reverse("admin:risk_keyriskindicator_change", args=[kri.pk])
    form = {"name": kri.name, "unit": "%", "higher_is_worse": "on", "owner": manager.pk, "risk": ""}

    # when they set a warning above the breach, then sensible thresholds
    refused = client.post(url, {**form, "warning_at": "8", "breach_at": "6"})
    saved = client.post(url, {**form, "warning_at": "4", "breach_at": "6"})

    # then only the sensible ones are stored, with the owner
    assert refused.status_code == 200 and "the warning comes at or below the breach" in refused.content.decode()
    assert saved.status_code == 302
    kri.refresh_from_db()
    assert (kri.warning_at, kri.breach_at, kri.owner) == (Decimal(4), Decimal(6), manager)
    # and finance reads but does not change them
    finance = login_with_mfa(Client(), StaffFactory(role="finance"))
    assert finance.post(url, {**form, "warning_at": "1", "breach_at": "2"}).status_code == 403
