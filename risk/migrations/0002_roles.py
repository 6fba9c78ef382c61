"""Grant the credit and sanction permissions to the staff roles (accounts.roles)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
