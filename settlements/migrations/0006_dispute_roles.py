"""Grant the payment-dispute permissions to the staff roles (accounts.roles):
finance and customer service read and decide disputes (S4.3) and read the
adjustments they create.

A no-op now: each app declares its roles' permissions in its AppConfig and one post_migrate
receiver grants them after every migrate, on a fresh database too (accounts.roles); a data
migration must not import live code. Kept because databases have it recorded."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("settlements", "0005_funding_due_guarantee_disputes")]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
