# Merges the branches of this session (issues 17-23); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0015_site_domain_and_name'),
        ('core', '0015_vetting_words'),
    ]

    operations = [
    ]
