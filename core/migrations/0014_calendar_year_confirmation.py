"""Staff confirm each year's make-up working days (DESIGN: Deadlines; P2.1/K5).

It also granted the operations and manager roles the permission to; core declares that in its
AppConfig now and one post_migrate receiver grants it after every migrate (accounts.roles)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0013_notification_email_failure'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarYearConfirmation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='year')),
                ('notice', models.CharField(help_text="Title and address of the State Council General Office's notice on this year's holidays.", max_length=300, verbose_name='State Council notice')),
                ('confirmed_at', models.DateTimeField(auto_now_add=True, verbose_name='confirmed at')),
                ('confirmed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
            ],
            options={
                'verbose_name': 'calendar year confirmation',
                'verbose_name_plural': 'calendar year confirmations',
                'ordering': ['-year'],
            },
        ),
        # Granted role permissions once; each app declares them in its AppConfig now and one
        # post_migrate receiver grants them (accounts.roles).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
