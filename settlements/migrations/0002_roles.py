"""Grant the settlement permissions to the staff roles (accounts.roles): finance
reads settlements and payout methods (masked); customer service gets none.

A no-op now: each app declares its roles' permissions in its AppConfig and one post_migrate
receiver grants them after every migrate, on a fresh database too (accounts.roles); a data
migration must not import live code. Kept because databases have it recorded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("settlements", "0001_initial"), ("core", "0005_policy_commission_percent")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
