from django.db import migrations, models


def keep_the_class_only(apps, schema_editor):
    """Rows written before: "ValueError: the text…" → "ValueError" (the text may be personal data)."""
    TaskFailure = apps.get_model("operations", "TaskFailure")
    for failure in TaskFailure.objects.only("pk", "error").iterator():
        TaskFailure.objects.filter(pk=failure.pk).update(error_class=failure.error.split(":", 1)[0].strip()[:200])


class Migration(migrations.Migration):

    dependencies = [
        ("operations", "0003_server_error_counter"),
    ]

    operations = [
        migrations.AddField(
            model_name="taskfailure",
            name="error_class",
            field=models.CharField(default="", max_length=200, verbose_name="error class"),
            preserve_default=False,
        ),
        migrations.RunPython(keep_the_class_only, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="taskfailure",
            name="error",
        ),
    ]
