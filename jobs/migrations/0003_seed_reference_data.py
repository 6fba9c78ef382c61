"""Seed the compliance lexicon and the minimum-wage table (staff maintain both
in the admin afterwards).

Role permissions are no longer granted here: each app declares them in its AppConfig and one
post_migrate receiver grants them after every migrate (accounts.roles); a data migration must
not import live code."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

# data/reference/min-hourly-wage-cn.csv (vendored from the reference data), with the Chinese city names employers write.
MINIMUM_WAGES = [
    # province, city, area note, yuan, effective from, source
    ("上海市", "上海市", "", "25", "2025-07-01", "https://www.10100.com/article/1972071"),
    ("北京市", "北京市", "", "27.7", "2025-09-01",
     "https://www.talent-spot.com/key-adjustments-in-chinese-cities.html"),
    ("重庆市", "重庆市", "一类区县（含万州等 29 个区）", "23", "2025-01-01",
     "http://www.a-zlf.com.cn/jap_shownews.asp?id=2686&smallclass=%E6%B3%95%E5%BE%8B%E6%9C%9F%E5%88%8A"),
    ("湖南省", "长沙市", "一类区（如岳麓区、芙蓉区）", "22", "2025-09-01",
     "https://www.talent-spot.com/key-adjustments-in-chinese-cities.html"),
    ("吉林省", "长春市", "", "22", "2025-12-01",
     "https://www.china-payroll.com/china-updates-minimum-wage-standards-across-multiple-provinces-2025-overview"),
    ("广东省", "珠海市", "", "19.8", "2025-03-01",
     "https://bayarea.gov.hk/en/resource/mainland-policies-measures-20250223.html"),
]


def seed(apps, schema_editor):
    from jobs.lexicon import TERMS

    ComplianceTerm = apps.get_model("jobs", "ComplianceTerm")
    MinimumWage = apps.get_model("jobs", "MinimumWage")
    if not ComplianceTerm.objects.exists():
        ComplianceTerm.objects.bulk_create([
            ComplianceTerm(category=c, severity=s, pattern=p, is_regex=r, explanation=zh, explanation_en=en)
            for c, s, p, r, zh, en in TERMS
        ], ignore_conflicts=True)
    for province, city, note, yuan, since, source in MINIMUM_WAGES:
        MinimumWage.objects.get_or_create(
            city=city, effective_from=dt.date.fromisoformat(since),
            defaults={"province": province, "area_note": note, "source": source,
                      "hourly_min_fen": int(Decimal(yuan) * 100)},
        )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_search_index"), ("core", "0002_reason_templates_job_policy")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
