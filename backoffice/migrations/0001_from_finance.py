"""The back office's models, taken over from finance with their tables (state only).

finance migration 0009 dropped them from finance's state; here they enter
backoffice's with `db_table` set to the old `finance_*` names, so no table, row,
index or constraint changes. Their content types are re-pointed in place
(django_content_type.app_label finance → backoffice): the content type ids stay,
so every permission (with its role groups), history row and access-log row that
points at them by content type keeps pointing at the same thing; only the
permission's dotted name changes (`finance.view_expenseclaim` →
`backoffice.view_expenseclaim`, accounts.roles)."""

import core.uploads
import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

MOVED = ["adjustmentrequest", "auditengagement", "auditfinding", "budget", "expenseapproval", "expenseclaim",
         "expensereceipt", "monthlyreconciliation"]


def _move_content_types(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:  # a fresh database: the content types are created after migrating
            continue
        stray = ContentType.objects.using(db).filter(app_label=target, model=model).first()
        if stray is not None:
            # A permissions sync created the target before this ran: keep the old rows (they are the
            # ones role groups and history point at), bring over what only the stray one has.
            codenames = set(Permission.objects.using(db).filter(content_type=old).values_list("codename", flat=True))
            Permission.objects.using(db).filter(content_type=stray, codename__in=codenames).delete()
            Permission.objects.using(db).filter(content_type=stray).update(content_type=old)
            stray.delete()
        old.app_label = target
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="finance", target="backoffice")


def content_types_back(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="backoffice", target="finance")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('finance', '0009_back_office_leaves'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AdjustmentRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('memo', models.CharField(max_length=300, verbose_name='what it corrects')),
                        ('lines', models.JSONField(verbose_name='lines')),
                        ('status', django_fsm.FSMField(choices=[('requested', 'Waiting for approval'), ('posted', 'Approved and posted'), ('rejected', 'Rejected')], db_index=True, default='requested', max_length=50, protected=True, verbose_name='status')),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                        ('decision_note', models.TextField(blank=True, verbose_name='decision note')),
                        ('ledger_key', models.CharField(blank=True, editable=False, max_length=120)),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'verbose_name': 'adjusting transaction',
                        'verbose_name_plural': 'adjusting transactions',
                        'db_table': 'finance_adjustmentrequest',
                        'ordering': ['-created_at', '-id'],
                        'permissions': [('approve_adjustmentrequest', 'Can approve adjusting transactions')],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='AuditEngagement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('kind', models.CharField(choices=[('internal', 'Internal audit'), ('external', 'External audit')], max_length=8, verbose_name='kind')),
                        ('period_start', models.DateField(verbose_name='period from')),
                        ('period_end', models.DateField(verbose_name='period until')),
                        ('scope', models.TextField(max_length=4000, verbose_name='scope')),
                        ('external_firm', models.CharField(blank=True, max_length=200, verbose_name='audit firm')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('fieldwork', 'Fieldwork'), ('reported', 'Report issued'), ('closed', 'Closed')], default='planned', max_length=10, verbose_name='status')),
                        ('report_summary', models.TextField(blank=True, verbose_name='audit report summary')),
                        ('auditor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='auditor (platform user)')),
                    ],
                    options={
                        'verbose_name': 'audit',
                        'verbose_name_plural': 'audits',
                        'db_table': 'finance_auditengagement',
                        'ordering': ['-period_end', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('title', models.CharField(max_length=200, verbose_name='finding')),
                        ('description', models.TextField(max_length=4000, verbose_name='what was found')),
                        ('severity', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High'), ('critical', 'Critical')], max_length=8, verbose_name='severity')),
                        ('due_on', models.DateField(verbose_name='rectify by')),
                        ('rectification', models.TextField(blank=True, verbose_name='rectification steps')),
                        ('evidence', models.TextField(blank=True, help_text='What shows it was fixed: links, documents.', verbose_name='evidence')),
                        ('status', django_fsm.FSMField(choices=[('open', 'Open'), ('rectifying', 'Being rectified'), ('closed', 'Closed')], db_index=True, default='open', max_length=50, protected=True, verbose_name='status')),
                        ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='escalated as overdue at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by')),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='findings', to='backoffice.auditengagement')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                    ],
                    options={
                        'verbose_name': 'audit finding',
                        'verbose_name_plural': 'audit findings',
                        'db_table': 'finance_auditfinding',
                        'ordering': ['due_on', 'id'],
                        'permissions': [('close_auditfinding', 'Can close audit findings')],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='Budget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('category', models.CharField(choices=[('salaries', 'Salaries'), ('office', 'Office'), ('promotion', 'Promotion'), ('maintenance', 'Technical maintenance')], max_length=12, verbose_name='category')),
                        ('period_start', models.DateField(verbose_name='from')),
                        ('period_end', models.DateField(verbose_name='until')),
                        ('amount_fen', models.BigIntegerField(verbose_name='budget (fen)')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='set by')),
                    ],
                    options={
                        'verbose_name': 'budget',
                        'verbose_name_plural': 'budgets',
                        'db_table': 'finance_budget',
                        'ordering': ['-period_start', 'category'],
                    },
                ),
                migrations.CreateModel(
                    name='ExpenseClaim',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('category', models.CharField(choices=[('salaries', 'Salaries'), ('office', 'Office'), ('promotion', 'Promotion'), ('maintenance', 'Technical maintenance')], max_length=12, verbose_name='category')),
                        ('spent_on', models.DateField(verbose_name='spent on')),
                        ('amount_fen', models.BigIntegerField(verbose_name='amount (fen)')),
                        ('description', models.TextField(max_length=2000, verbose_name='what it was for')),
                        ('status', django_fsm.FSMField(choices=[('submitted', 'Waiting for the department head'), ('head_approved', 'Waiting for the second approver'), ('approved', 'Waiting for finance'), ('booked', 'Booked, to be paid'), ('paid', 'Paid'), ('rejected', 'Rejected')], db_index=True, default='submitted', max_length=50, protected=True, verbose_name='status')),
                        ('needs_second_approval', models.BooleanField(default=False, verbose_name='needs a second approver')),
                        ('ledger_key', models.CharField(blank=True, editable=False, max_length=120)),
                        ('booked_at', models.DateTimeField(blank=True, null=True, verbose_name='booked at')),
                        ('paid_at', models.DateTimeField(blank=True, null=True, verbose_name='paid at')),
                        ('rejection_reason', models.TextField(blank=True, verbose_name='why it was rejected')),
                        ('claimant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='expense_claims', to=settings.AUTH_USER_MODEL, verbose_name='claimed by')),
                    ],
                    options={
                        'verbose_name': 'expense claim',
                        'verbose_name_plural': 'expense claims',
                        'db_table': 'finance_expenseclaim',
                        'ordering': ['-created_at', '-id'],
                        'permissions': [('approve_as_head', 'Can approve expense claims as department head or second approver'), ('approve_as_finance', 'Can approve, book and pay expense claims as finance')],
                    },
                    bases=(django_fsm.FSMModelMixin, models.Model),
                ),
                migrations.CreateModel(
                    name='ExpenseApproval',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stage', models.CharField(choices=[('head', 'Department head'), ('second', 'Second approver'), ('finance', 'Finance')], max_length=8, verbose_name='stage')),
                        ('approved', models.BooleanField(verbose_name='approved')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                        ('approver', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approver')),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='approvals', to='backoffice.expenseclaim')),
                    ],
                    options={
                        'verbose_name': 'expense approval',
                        'verbose_name_plural': 'expense approvals',
                        'db_table': 'finance_expenseapproval',
                        'ordering': ['at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ExpenseReceipt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(storage=core.uploads.private_storage, upload_to='receipts/', verbose_name='receipt')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='receipts', to='backoffice.expenseclaim')),
                    ],
                    options={
                        'verbose_name': 'receipt',
                        'verbose_name_plural': 'receipts',
                        'db_table': 'finance_expensereceipt',
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyReconciliation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(unique=True, verbose_name='month (first day)')),
                        ('figures', models.JSONField(default=dict, verbose_name='figures')),
                        ('bank_closing_fen', models.BigIntegerField(blank=True, null=True, verbose_name='bank statement closing balance (fen)')),
                        ('difference_fen', models.BigIntegerField(blank=True, null=True, verbose_name='difference (fen)')),
                        ('prepared_at', models.DateTimeField(verbose_name='prepared at')),
                        ('signed_off_at', models.DateTimeField(blank=True, null=True, verbose_name='signed off at')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                        ('signed_off_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signed off by')),
                    ],
                    options={
                        'verbose_name': 'monthly reconciliation',
                        'verbose_name_plural': 'monthly reconciliations',
                        'db_table': 'finance_monthlyreconciliation',
                        'ordering': ['-month'],
                        'permissions': [('sign_off_reconciliation', 'Can sign off the monthly reconciliation')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='auditengagement',
                    constraint=models.CheckConstraint(condition=models.Q(('period_end__gte', models.F('period_start'))), name='audit_period_order'),
                ),
                migrations.AddConstraint(
                    model_name='budget',
                    constraint=models.UniqueConstraint(fields=('category', 'period_start', 'period_end'), name='one_budget_per_period'),
                ),
                migrations.AddConstraint(
                    model_name='budget',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gte', 0)), name='budget_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='budget',
                    constraint=models.CheckConstraint(condition=models.Q(('period_end__gte', models.F('period_start'))), name='budget_period_order'),
                ),
                migrations.AddConstraint(
                    model_name='expenseclaim',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_fen__gt', 0)), name='claim_amount_positive'),
                ),
                migrations.AddConstraint(
                    model_name='expenseapproval',
                    constraint=models.UniqueConstraint(fields=('claim', 'approver'), name='one_decision_per_approver'),
                ),
                migrations.AddConstraint(
                    model_name='expenseapproval',
                    constraint=models.UniqueConstraint(fields=('claim', 'stage'), name='one_decision_per_stage'),
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_back),
        # Granted role permissions with live code once; each app declares them in its AppConfig now
        # and one post_migrate receiver grants them (accounts.roles).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
