"""ReviewReport's rows are moderation reports now (moderation 0006 copied them): the table goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0002_moderator_roles'),
        ('moderation', '0006_review_reports_into_reports'),
    ]

    operations = [
        migrations.DeleteModel(
            name='ReviewReport',
        ),
    ]
