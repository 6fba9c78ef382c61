# Merges the branches of this session (issues 17-23); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_guardian_consent_and_minors_audit'),
        ('accounts', '0007_student_vetting'),
        ('accounts', '0007_user_phone'),
    ]

    operations = [
    ]
