"""Create the staff role groups (P1) with their permissions.

A no-op now: each app declares its roles' permissions in its AppConfig and one post_migrate
receiver grants them after every migrate, on a fresh database too (accounts.roles); a data
migration must not import live code. Kept because databases have it recorded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
