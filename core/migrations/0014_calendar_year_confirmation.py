"""Staff confirm each year's make-up working days (DESIGN: Deadlines; P2.1/K5), and the
operations and manager roles get the permission to (accounts.roles)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The roles as they are at this migration (a data migration must not import live code: core
# imports no app, `make lint`).
CONFIRMING_ROLES = ("operations", "manager")
CODENAMES = ("view_calendaryearconfirmation", "add_calendaryearconfirmation")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    core = apps.get_app_config("core")
    core.models_module = True
    create_permissions(core, verbosity=0, apps=apps)
    core.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="core", codename__in=CODENAMES))
    for role in CONFIRMING_ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(*permissions)


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
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
