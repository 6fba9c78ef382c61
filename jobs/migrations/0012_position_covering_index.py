# S2.1 "near me": the position index also holds published_at and id, so a page of the jobs
# nearest a student is chosen from the index alone (an index-only scan; jobs.selectors._joined_late).
# The new index is built before the old one is dropped: the list never runs without one.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0011_job_position"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["status", "latitude", "longitude", "published_at", "id"],
                               name="job_position_covering"),
        ),
        migrations.RemoveIndex(model_name="job", name="job_status_position"),
    ]
