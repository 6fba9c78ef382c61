"""Grant the back-office permissions (issue 9) to the staff roles (accounts.roles)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("finance", "0007_back_office")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
