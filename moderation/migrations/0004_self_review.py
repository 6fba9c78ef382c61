"""Self-review of moderation decisions (P2.3). Moderators re-review, managers read every
review and the rates: moderation declares those permissions in its AppConfig, and one
post_migrate receiver grants them after every migrate (accounts.roles); this migration
granted them once."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_customer_service'),
        ('moderation', '0003_report_targets_employer_student_review'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DecisionReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week', models.DateField(db_index=True, verbose_name='week of the decision (Monday)')),
                ('agrees', models.BooleanField(blank=True, null=True, verbose_name='agrees with the decision')),
                ('notes', models.TextField(blank=True, max_length=4000, verbose_name='notes')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='sampled at')),
                ('decider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('decision', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='self_review', to='core.historyentry', verbose_name='decision')),
                ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='decision_reviews', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
            ],
            options={
                'verbose_name': 'self-review of a decision',
                'verbose_name_plural': 'self-reviews of decisions',
                'ordering': ['-week', 'id'],
                'permissions': [('review_decision', 'Can re-review sampled moderation decisions'), ('view_selfreview_report', 'Can see every self-review and the agreement rates')],
                'indexes': [models.Index(fields=['reviewer', 'reviewed_at'], name='moderation__reviewe_d67aaa_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('reviewer', models.F('decider')), _negated=True), name='self_review_by_another_moderator')],
            },
        ),
        # Granted role permissions once; each app declares them in its AppConfig now and one
        # post_migrate receiver grants them (accounts.roles).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
