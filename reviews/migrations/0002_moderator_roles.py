"""Grant the review permissions to the staff roles (accounts.roles): moderators read
reviews and decide reports of abusive or false ones (S5.1, G3)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
