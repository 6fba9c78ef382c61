"""Grant the payout permissions to the staff roles (accounts.roles): finance reads
payouts and batches and executes batches (files, confirm, failed lines)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("settlements", "0003_payouts")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
