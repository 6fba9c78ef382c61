# Merges the branches of this session (issues 17-23); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0009_job_insurance'),
        ('jobs', '0009_seed_synonyms_rebuild_search_document'),
    ]

    operations = [
    ]
