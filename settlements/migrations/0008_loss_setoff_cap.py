# The set-off cap of 工资支付暂行规定 art. 16 (S3.2): each statement's month figures, and the loss claim of a loss line.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0008_loss_claim_offset'),
        ('settlements', '0007_income_tax_withholding'),
    ]

    operations = [
        migrations.AddField(
            model_name='settlement',
            name='pay_month',
            field=models.DateField(blank=True, null=True, verbose_name='pay for the month of'),
        ),
        migrations.AddField(
            model_name='settlement',
            name='worked_minutes',
            field=models.PositiveIntegerField(default=0, verbose_name='normal minutes worked'),
        ),
        migrations.AddField(
            model_name='settlement',
            name='counted_pay_fen',
            field=models.BigIntegerField(default=0, verbose_name='wages counting towards the minimum wage (fen)'),
        ),
        migrations.AddField(
            model_name='settlement',
            name='hourly_minimum_fen',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='local minimum hourly wage (fen)'),
        ),
        migrations.AddField(
            model_name='settlement',
            name='setoff_claimed_fen',
            field=models.BigIntegerField(default=0, verbose_name='losses outstanding before this statement (fen)'),
        ),
        migrations.AddField(
            model_name='settlement',
            name='setoff_earlier_pay_fen',
            field=models.BigIntegerField(default=0, verbose_name="the month's earlier pay (fen)"),
        ),
        migrations.AddField(
            model_name='settlement',
            name='setoff_earlier_counted_fen',
            field=models.BigIntegerField(default=0, verbose_name="the month's earlier wages counting towards the minimum wage (fen)"),
        ),
        migrations.AddField(
            model_name='settlement',
            name='setoff_earlier_minutes',
            field=models.PositiveIntegerField(default=0, verbose_name="the month's earlier normal minutes"),
        ),
        migrations.AddField(
            model_name='settlement',
            name='setoff_earlier_fen',
            field=models.BigIntegerField(default=0, verbose_name='set off earlier in the month (fen)'),
        ),
        migrations.AddField(
            model_name='settlementline',
            name='loss_claim',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='setoff_lines', to='applications.lossclaim', verbose_name='loss claim'),
        ),
        migrations.AddConstraint(
            model_name='settlement',
            constraint=models.CheckConstraint(condition=models.Q(('setoff_claimed_fen__gte', models.F('losses_fen') * -1)), name='settlement_setoff_within_claimed'),
        ),
    ]
