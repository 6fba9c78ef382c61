"""Seed the key risk indicators (K1, K4, K5) so every installation measures them
from the start; managers change thresholds and owners in the admin afterwards.
Codes match risk.indicators.MEASURES."""

from decimal import Decimal

from django.db import migrations

INDICATORS = [
    # code, name, unit, warning at, breach at, higher is worse
    ("dispute_rate", "Payment dispute rate (disputes per 100 paid statements, 30 days)", "%", "3", "5", True),
    ("late_funding_rate", "Late-funding rate (statements funded late, 30 days)", "%", "5", "10", True),
    ("no_show_rate", "No-show rate (no-shows among attended shifts, 30 days)", "%", "5", "10", True),
    ("compliance_flags", "Compliance flags raised on jobs (7 days)", "flags", "20", "50", True),
    ("payout_failure_rate", "Payout failure rate (failed payouts, 30 days)", "%", "1", "3", True),
    ("error_rate", "Server errors per hour (24 hours)", "/h", "1", "10", True),
    ("backup_age", "Hours since the last backup that passed its restore check", "h", "26", "48", True),
]


def seed(apps, schema_editor):
    KeyRiskIndicator = apps.get_model("risk", "KeyRiskIndicator")
    for code, name, unit, warning, breach, higher in INDICATORS:
        KeyRiskIndicator.objects.get_or_create(code=code, defaults={
            "name": name, "unit": unit, "warning_at": Decimal(warning), "breach_at": Decimal(breach),
            "higher_is_worse": higher})


def unseed(apps, schema_editor):
    apps.get_model("risk", "KeyRiskIndicator").objects.filter(
        code__in=[row[0] for row in INDICATORS], readings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0004_back_office_roles")]
    operations = [migrations.RunPython(seed, unseed)]
