from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0006_policy_funding_guarantee_disputes"),
    ]

    operations = [
        migrations.AddField(
            model_name="policy",
            name="review_window_days",
            field=models.PositiveSmallIntegerField(
                default=7,
                help_text="S5.1, E6.1: both sides review each other within this window; their reviews are shown "
                "when both have written one or when it closes.",
                verbose_name="reviews can be written for (days after the engagement completes)",
            ),
        ),
    ]
