"""The single "hazardous" tick becomes the minors declaration (docs/minors.md).

A job ticked hazardous keeps its meaning, closed to students aged 16–17: its
tick becomes art. 3(7) of the Provisions on the Special Protection of Juvenile
Workers (heavy physical labour), the item the old label named first ("heavy,
high-altitude or otherwise hazardous work"); the moderator sees it and the
employer may refine it on the next edit. Revisions store their fields as JSON,
so theirs are rewritten the same way. The seed lexicon then gains the venue
terms and the further art. 3 terms, and the hazard terms' explanation follows
the declaration (0007's sync, with the previous text as an old seed text)."""

from django.db import migrations, models

HAZARDOUS_BECOMES = ["heavy_physical"]  # art. 3(7)
PREVIOUS_HAZARD_EXPLANATION = "可能属于危险或繁重劳动：请确认并勾选“危险作业”，此类岗位不向16–17岁学生开放（《未成年工特殊保护规定》）。"


def tick_to_declaration(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Job.objects.filter(is_hazardous=True).update(minor_restricted_work=HAZARDOUS_BECOMES, closed_to_minors=True)
    JobRevision = apps.get_model("jobs", "JobRevision")
    for revision in JobRevision.objects.all().iterator():
        fields = revision.data.get("fields", {})
        if "is_hazardous" not in fields:
            continue
        hazardous = fields.pop("is_hazardous")
        fields["minor_restricted_work"] = list(HAZARDOUS_BECOMES) if hazardous else []
        fields["minor_restricted_venue"] = ""
        revision.save(update_fields=["data"])


def declaration_to_tick(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Job.objects.filter(closed_to_minors=True).update(is_hazardous=True)
    JobRevision = apps.get_model("jobs", "JobRevision")
    for revision in JobRevision.objects.all().iterator():
        fields = revision.data.get("fields", {})
        if "minor_restricted_work" not in fields:
            continue
        fields["is_hazardous"] = bool(fields.pop("minor_restricted_work") or fields.pop("minor_restricted_venue", ""))
        fields.pop("minor_restricted_venue", None)
        revision.save(update_fields=["data"])


def lexicon_sync(apps, schema_editor):
    from importlib import import_module

    from jobs.lexicon import HAZARD_EN, HAZARD_ZH

    import_module("jobs.migrations.0007_lexicon_sync").sync(apps, schema_editor)
    ComplianceTerm = apps.get_model("jobs", "ComplianceTerm")
    ComplianceTerm.objects.filter(category="hazard", explanation=PREVIOUS_HAZARD_EXPLANATION).update(
        explanation=HAZARD_ZH, explanation_en=HAZARD_EN)


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0007_lexicon_sync'),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='closed_to_minors',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='job',
            name='minor_restricted_venue',
            field=models.CharField(blank=True, choices=[('ktv', 'KTV or karaoke (singing and dancing entertainment venue)'), ('dance_hall', 'Dance hall or discotheque'), ('nightclub', 'Nightclub'), ('bar', 'Bar'), ('internet_cafe', 'Internet café'), ('game_arcade', 'Game arcade (electronic game machines)'), ('other_entertainment', 'Other entertainment venue unsuitable for minors')], help_text='An entertainment venue, bar or internet café may not employ students aged 16–17.', max_length=24, verbose_name='workplace closed to minors'),
        ),
        migrations.AddField(
            model_name='job',
            name='minor_restricted_work',
            field=models.JSONField(blank=True, default=list, help_text='Every item of art. 3 of the Provisions on the Special Protection of Juvenile Workers the work involves. Such jobs are not offered to students aged 16–17.', verbose_name='work minors may not do'),
        ),
        migrations.AlterField(
            model_name='complianceterm',
            name='category',
            field=models.CharField(choices=[('gender', 'Gender discrimination'), ('age', 'Age limits beyond the law'), ('ethnicity', 'Ethnicity or race'), ('religion', 'Religion'), ('household', 'Household registration or region'), ('health', 'Hepatitis B or other carrier status, disability'), ('marital', 'Marital or childbearing status'), ('appearance', 'Appearance, height or weight'), ('fee', 'Money taken from students'), ('scam', 'Known scam pattern'), ('contact', 'Contact details outside the platform'), ('misleading_pay', 'Misleading pay promises'), ('hazard', 'Hazardous work'), ('minor_venue', 'Workplace closed to minors')], max_length=16, verbose_name='category'),
        ),
        migrations.RunPython(tick_to_declaration, declaration_to_tick),
        migrations.RemoveField(
            model_name='job',
            name='is_hazardous',
        ),
        migrations.RunPython(lexicon_sync, migrations.RunPython.noop),
    ]
