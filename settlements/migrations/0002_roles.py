"""Grant the settlement permissions to the staff roles (accounts.roles): finance
reads settlements and payout methods (masked); customer service gets none."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("settlements", "0001_initial"), ("core", "0005_policy_commission_percent")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
