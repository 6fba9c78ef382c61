"""Bring every database's lexicon up to the seed in jobs.lexicon (J1.4, G2).

0003 seeds only an empty table, so terms added to the seed later never reached
an existing database. This adds every seed term the table lacks, refreshes the
explanations of seed terms staff never edited (their text is still one of the
old seed texts), and retires the two old seed patterns re2 cannot compile
(lookaround), whose replacements are in the new seed. Staff-added and
staff-edited rows are left alone. Safe to re-run; later seed changes add a
migration that calls `sync` again."""

from django.db import migrations

OLD_SEED_EXPLANATIONS = {
    "可能属于危险或繁重劳动：请确认并勾选“危险作业”，此类岗位不向16–17岁学生开放。",
    "招聘条件不得设置健康状况（如乙肝病原携带）限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置外貌、身高或体重限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置婚姻或生育状况限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置宗教信仰限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置年龄（法定最低年龄以外）限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置性别限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置户籍或地域限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "招聘条件不得设置民族限制（《就业促进法》第三条、第二十七条至第三十一条）。",
    "用人单位不得以任何名义向学生收取费用（《就业服务与就业管理规定》第十四条）。",
    "疑似兼职诈骗常见话术，平台禁止发布。",
    "请勿在信息中留联系方式或外链：沟通与报名须在平台内进行，以保护学生。",
}
RETIRED_PATTERNS = [r"(?<!\d)1[3-9]\d{9}(?!\d)", r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"]


def sync(apps, schema_editor):
    from jobs.lexicon import TERMS

    ComplianceTerm = apps.get_model("jobs", "ComplianceTerm")
    existing = {(t.category, t.pattern): t for t in ComplianceTerm.objects.all()}
    missing = []
    for category, severity, pattern, is_regex, zh, en in TERMS:
        row = existing.get((category, pattern))
        if row is None:
            missing.append(ComplianceTerm(category=category, severity=severity, pattern=pattern, is_regex=is_regex,
                                          explanation=zh, explanation_en=en))
        elif row.explanation in OLD_SEED_EXPLANATIONS and (row.explanation, row.explanation_en) != (zh, en):
            row.explanation, row.explanation_en = zh, en
            row.save(update_fields=["explanation", "explanation_en", "updated_at"])
    ComplianceTerm.objects.bulk_create(missing, ignore_conflicts=True)
    ComplianceTerm.objects.filter(pattern__in=RETIRED_PATTERNS, explanation__in=OLD_SEED_EXPLANATIONS).update(
        active=False)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0006_lexicon_re2_categories")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
