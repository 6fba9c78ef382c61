# The part of a loss claim set off against pay so far (S3.2, 工资支付暂行规定 art. 16): the rest stays owed.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0007_merge_agreements_minors_reminders'),
    ]

    operations = [
        migrations.AddField(
            model_name='lossclaim',
            name='offset_fen',
            field=models.PositiveIntegerField(default=0, verbose_name='set off against pay (fen)'),
        ),
        migrations.AddConstraint(
            model_name='lossclaim',
            constraint=models.CheckConstraint(condition=models.Q(('offset_fen', 0), ('offset_fen__lte', models.F('decided_amount_fen')), _connector='OR'), name='loss_claim_offset_within_decided'),
        ),
    ]
