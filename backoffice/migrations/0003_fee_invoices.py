"""Invoices for employers' fees (F1, E5): the request and the fee lines it covers,
each line on at most one live request (a partial unique constraint). The finance
role's permission to issue or refuse them is declared in BackofficeConfig and granted by
the post_migrate sync (accounts.roles), not here."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0002_ledger_sources_backfill'),
        ('employers', '0004_employer_sanctions'),
        ('finance', '0010_ledger_transaction_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='InvoiceRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('period_start', models.DateField(verbose_name='fees from')),
                ('period_end', models.DateField(verbose_name='fees until')),
                ('title', models.CharField(max_length=200, verbose_name='invoice title')),
                ('tax_number', models.CharField(max_length=18, verbose_name='taxpayer identification number')),
                ('amount_fen', models.BigIntegerField(verbose_name='amount (fen)')),
                ('status', django_fsm.FSMField(choices=[('requested', 'Waiting for finance'), ('issued', 'Issued'), ('refused', 'Refused')], db_index=True, default='requested', max_length=50, protected=True, verbose_name='status')),
                ('invoice_number', models.CharField(blank=True, max_length=20, verbose_name='invoice number')),
                ('invoice_date', models.DateField(blank=True, null=True, verbose_name='invoice date')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='issued or refused at')),
                ('refusal_reason', models.TextField(blank=True, verbose_name='why it was refused')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued or refused by')),
                ('employer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoice_requests', to='employers.employer', verbose_name='employer')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
            ],
            options={
                'verbose_name': 'invoice request',
                'verbose_name_plural': 'invoice requests',
                'ordering': ['-created_at', '-id'],
                'permissions': [('issue_invoicerequest', "Can issue or refuse invoices for employers' fees")],
            },
            bases=(django_fsm.FSMModelMixin, models.Model),
        ),
        migrations.CreateModel(
            name='InvoiceLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_fen', models.BigIntegerField(verbose_name='amount (fen)')),
                ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='released at')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='finance.ledgerentry', verbose_name='ledger entry')),
                ('invoice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='backoffice.invoicerequest', verbose_name='invoice request')),
            ],
            options={
                'verbose_name': 'invoiced fee line',
                'verbose_name_plural': 'invoiced fee lines',
                'ordering': ['id'],
            },
        ),
        migrations.AddConstraint(
            model_name='invoicerequest',
            constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gt', 0)), name='invoice_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='invoicerequest',
            constraint=models.CheckConstraint(condition=models.Q(('period_end__gte', models.F('period_start'))), name='invoice_period_order'),
        ),
        migrations.AddConstraint(
            model_name='invoicerequest',
            constraint=models.UniqueConstraint(condition=models.Q(('invoice_number', ''), _negated=True), fields=('invoice_number',), name='invoice_number_recorded_once'),
        ),
        migrations.AddConstraint(
            model_name='invoicerequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'issued'), _negated=True), models.Q(models.Q(('invoice_number', ''), _negated=True), ('invoice_date__isnull', False)), _connector='OR'), name='issued_invoice_has_number_and_date'),
        ),
        migrations.AddConstraint(
            model_name='invoiceline',
            constraint=models.UniqueConstraint(condition=models.Q(('released_at__isnull', True)), fields=('entry',), name='fee_line_on_one_live_invoice'),
        ),
        migrations.AddConstraint(
            model_name='invoiceline',
            constraint=models.UniqueConstraint(fields=('invoice', 'entry'), name='fee_line_once_per_invoice'),
        ),
    ]
