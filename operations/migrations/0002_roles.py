"""Grant this app's new permissions to the staff roles (accounts.roles).

A no-op now: each app declares its roles' permissions in its AppConfig and one post_migrate
receiver grants them after every migrate, on a fresh database too (accounts.roles); a data
migration must not import live code. Kept because databases have it recorded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_staff_and_operations")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
