# Issue 20: a student may sign up with a mobile number only, so an account may have no e-mail
# address; a mobile number is unique once verified (an unverified one holds nothing).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_merge_vetting_guardian_phone'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='email',
            field=models.EmailField(blank=True, max_length=254, null=True, unique=True, verbose_name='e-mail address'),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=models.CharField(blank=True, db_index=True, max_length=16, null=True, verbose_name='mobile number'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('phone_verified', True)), fields=('phone',), name='user_verified_phone_unique'),
        ),
    ]
