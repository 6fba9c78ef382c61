"""Grant the payment-dispute permissions to the staff roles (accounts.roles):
finance and customer service read and decide disputes (S4.3) and read the
adjustments they create."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("settlements", "0005_funding_due_guarantee_disputes")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
