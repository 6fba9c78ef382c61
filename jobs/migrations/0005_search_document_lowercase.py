"""The search document is stored lower-cased (jobs.services.search_document_for)."""

from django.db import migrations
from django.db.models.functions import Lower


def lowercase(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Job.objects.update(search_document=Lower("search_document"))


class Migration(migrations.Migration):
    dependencies = [("jobs", "0004_labels")]
    operations = [migrations.RunPython(lowercase, migrations.RunPython.noop)]
