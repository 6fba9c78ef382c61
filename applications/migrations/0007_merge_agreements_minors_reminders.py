# Merges the branches of this session (issues 17-23); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0005_minor_worker_check'),
        ('applications', '0005_service_agreements'),
        ('applications', '0006_calendar_feed'),
    ]

    operations = [
    ]
