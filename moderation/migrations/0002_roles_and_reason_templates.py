"""Grant the staff roles (P1) the moderation permissions, and start the job
reason templates moderators pick from (staff edit them in the admin after).

Role permissions are no longer granted here: each app declares them in its AppConfig and one
post_migrate receiver grants them after every migrate (accounts.roles); a data migration must
not import live code."""

from django.db import migrations

JOB_REASON_TEMPLATES = [
    # title, text (shown to the employer)
    ("歧视性要求", "岗位要求中含有性别、年龄、民族、户籍、婚育或外貌等与工作无关的限制，违反《就业促进法》和平台规则（J1.4），"
                 "请删除相关表述后重新提交。"),
    ("向学生收费", "岗位以押金、培训费、服装费、保证金等名义向学生收取费用，平台禁止此类行为（G2），请删除后重新提交。"),
    ("薪酬信息不完整", "请写明基本工资、加班费、奖金规则、补贴、结算周期和发薪日期（J1.2），让学生清楚知道能拿到多少钱、何时拿到。"),
    ("工作时间或地点不明确", "请写明具体的工作日期、上下班时间和详细地址（J1.3）。"),
    ("站外联系方式", "岗位内容中含有电话、微信、QQ 或外部链接。为保护学生，请通过平台沟通，删除这些联系方式后重新提交。"),
    ("信息失实", "经核实，岗位信息与实际情况不符（G3、J1.1），现予下架。如有异议请联系客服。"),
    ("长期未更新", "该岗位长期未更新且未确认仍然有效（J2.3），请核对信息后重新提交。"),
]


def grant_and_seed(apps, schema_editor):
    ReasonTemplate = apps.get_model("core", "ReasonTemplate")
    if not ReasonTemplate.objects.filter(context="job").exists():
        ReasonTemplate.objects.bulk_create([ReasonTemplate(context="job", title=title, text=text)
                                            for title, text in JOB_REASON_TEMPLATES])


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("accounts", "0002_staff_roles"),
        ("jobs", "0003_seed_reference_data"),
        ("core", "0002_reason_templates_job_policy"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_and_seed, migrations.RunPython.noop)]
