"""The back office leaves finance (its models are backoffice's now): state only.

The tables stay where they are (`finance_*`, kept by `db_table` in backoffice.models);
backoffice migration 0001 takes the models into its state and re-points their
content types, so permissions and history rows follow. Nothing in the database
changes here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0008_back_office_roles'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='auditengagement',
                    name='auditor',
                ),
                migrations.RemoveField(
                    model_name='auditfinding',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='auditfinding',
                    name='closed_by',
                ),
                migrations.RemoveField(
                    model_name='auditfinding',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='budget',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='expenseapproval',
                    name='approver',
                ),
                migrations.RemoveField(
                    model_name='expenseapproval',
                    name='claim',
                ),
                migrations.RemoveField(
                    model_name='expenseclaim',
                    name='claimant',
                ),
                migrations.RemoveField(
                    model_name='expensereceipt',
                    name='claim',
                ),
                migrations.RemoveField(
                    model_name='monthlyreconciliation',
                    name='signed_off_by',
                ),
                migrations.DeleteModel(
                    name='AdjustmentRequest',
                ),
                migrations.DeleteModel(
                    name='AuditEngagement',
                ),
                migrations.DeleteModel(
                    name='AuditFinding',
                ),
                migrations.DeleteModel(
                    name='Budget',
                ),
                migrations.DeleteModel(
                    name='ExpenseApproval',
                ),
                migrations.DeleteModel(
                    name='ExpenseClaim',
                ),
                migrations.DeleteModel(
                    name='ExpenseReceipt',
                ),
                migrations.DeleteModel(
                    name='MonthlyReconciliation',
                ),
            ],
        ),
    ]
