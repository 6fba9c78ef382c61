"""Grant the case permissions to the staff roles and seed reasons employers start
from when they reject an application (E3.2).

Role permissions are no longer granted here: each app declares them in its AppConfig and one
post_migrate receiver grants them after every migrate (accounts.roles); a data migration must
not import live code."""

from django.db import migrations

REASONS = [
    ("岗位已招满", "感谢您的申请。本岗位名额已满，欢迎关注我们的其他岗位。"),
    ("时间安排不匹配", "您可工作的时间与本岗位班次不一致。"),
    ("技能或证书要求不符", "本岗位需要的技能或证书与您目前的情况不符。"),
    ("工作地点较远", "工作地点与您的意向区域相距较远，通勤不便。"),
]


def seed(apps, schema_editor):
    ReasonTemplate = apps.get_model("core", "ReasonTemplate")
    for title, text in REASONS:
        ReasonTemplate.objects.get_or_create(context="application", title=title, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial"), ("core", "0003_policy_cancel_notice_hours_and_more"),
                    ("accounts", "0003_studentprofile_credit_tier")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
