"""Staff checking a registration before it may act is "vetting" (资质审核; S1.2, E1.2), so that
"review" means only the mutual ratings after an engagement: the policy's target is renamed in
place (RenameField keeps its value) and the reason templates' context is relabelled (the stored
value "registration" is kept)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0014_calendar_year_confirmation"),
    ]

    operations = [
        migrations.RenameField(model_name="policy", old_name="registration_review_working_days",
                               new_name="vetting_working_days"),
        migrations.AlterField(
            model_name="policy", name="vetting_working_days",
            field=models.PositiveSmallIntegerField(
                default=2, help_text="Target for staff to vet a submitted registration (S1.2, E1.2).",
                verbose_name="vetting target (working days)"),
        ),
        migrations.AlterField(
            model_name="reasontemplate", name="context",
            field=models.CharField(choices=[("registration", "Registration vetting"), ("job", "Jobs"),
                                            ("application", "Applications")],
                                   db_index=True, max_length=24, verbose_name="used for"),
        ),
    ]
