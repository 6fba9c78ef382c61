"""Grant this app's new permissions to the staff roles (accounts.roles)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("support", "0003_customer_service")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
