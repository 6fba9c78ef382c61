"""Create the staff role groups (P1) with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
