"""The lawyer's check of a contract or rule is a "legal opinion" (K2), so that "review" means
only the mutual ratings after an engagement. The table, its rows and its content type are
renamed in place (RenameModel), the columns keep their data (RenameField), and the model's
permissions are renamed in place too, so role groups and users who held them keep them."""

from django.db import migrations, models

import core.uploads

ACTIONS = ("add", "change", "delete", "view")


def rename_permissions(apps, schema_editor, old: str, new: str, label: str) -> None:
    """The content type too: `migrate` renames it right after RenameModel (contenttypes'
    pre_migrate hook), a migration run without the migrate command's signals does not."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    if not ContentType.objects.filter(app_label="risk", model=new).exists():
        ContentType.objects.filter(app_label="risk", model=old).update(model=new)
    for action in ACTIONS:
        Permission.objects.filter(content_type__app_label="risk", codename=f"{action}_{old}").update(
            codename=f"{action}_{new}", name=f"Can {action} {label}")


def forwards(apps, schema_editor):
    rename_permissions(apps, schema_editor, "legalreview", "legalopinion", "legal opinion")


def backwards(apps, schema_editor):
    rename_permissions(apps, schema_editor, "legalopinion", "legalreview", "legal review")


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("risk", "0005_key_risk_indicators_seed"),
    ]

    operations = [
        migrations.RenameModel(old_name="LegalReview", new_name="LegalOpinion"),
        migrations.RenameField(model_name="legalopinion", old_name="reviewer", new_name="counsel"),
        migrations.RenameField(model_name="legalopinion", old_name="reviewed_on", new_name="given_on"),
        migrations.AlterModelOptions(
            name="legalopinion",
            options={"ordering": ["-created_at", "-id"], "verbose_name": "legal opinion",
                     "verbose_name_plural": "legal opinions"},
        ),
        migrations.AlterField(
            model_name="legalopinion", name="counsel",
            field=models.CharField(max_length=200, verbose_name="given by (lawyer or counsel)"),
        ),
        migrations.AlterField(
            model_name="legalopinion", name="given_on",
            field=models.DateField(blank=True, null=True, verbose_name="given on"),
        ),
        migrations.AlterField(
            model_name="legalopinion", name="subject",
            field=models.CharField(choices=[("contract", "Contract"), ("policy_change", "Policy or rule change"),
                                            ("terms", "User terms or privacy notice"),
                                            ("other", "Other key decision")],
                                   max_length=16, verbose_name="subject of the opinion"),
        ),
        migrations.AlterField(
            model_name="legalopinion", name="outcome",
            field=models.CharField(choices=[("pending", "Opinion awaited"), ("approved", "Approved"),
                                            ("changes", "Approved with changes"), ("rejected", "Rejected")],
                                   default="pending", max_length=10, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="legalopinion", name="document",
            field=models.FileField(blank=True, storage=core.uploads.private_storage, upload_to="legal-opinions/",
                                   verbose_name="document"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
