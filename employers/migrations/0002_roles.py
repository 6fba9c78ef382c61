"""Grant the staff roles (P1) the employer permissions now that they exist.

A no-op now: each app declares its roles' permissions in its AppConfig and one post_migrate
receiver grants them after every migrate, on a fresh database too (accounts.roles); a data
migration must not import live code. Kept because databases have it recorded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0001_initial"),
        ("accounts", "0002_staff_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
