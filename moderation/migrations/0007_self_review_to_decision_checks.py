"""A moderator's second look at a sample of another moderator's decisions is a "decision
check" (P2.3), so that "review" means only the mutual ratings after an engagement. The table,
its rows and its content type are renamed in place (RenameModel), the columns keep their data
(RenameField; their index is rebuilt), and the permissions are renamed in place too, so role groups and users who
held them keep them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# old codename → (new codename, new name)
PERMISSIONS = {
    "add_decisionreview": ("add_decisioncheck", "Can add decision check"),
    "change_decisionreview": ("change_decisioncheck", "Can change decision check"),
    "delete_decisionreview": ("delete_decisioncheck", "Can delete decision check"),
    "view_decisionreview": ("view_decisioncheck", "Can view decision check"),
    "review_decision": ("check_decision", "Can check sampled moderation decisions"),
    "view_selfreview_report": ("view_decisioncheck_report", "Can see every decision check and the agreement rates"),
}
OLD_NAMES = {
    "add_decisionreview": "Can add self-review of a decision",
    "change_decisionreview": "Can change self-review of a decision",
    "delete_decisionreview": "Can delete self-review of a decision",
    "view_decisionreview": "Can view self-review of a decision",
    "review_decision": "Can re-review sampled moderation decisions",
    "view_selfreview_report": "Can see every self-review and the agreement rates",
}


def _rename(apps, old_model: str, new_model: str, renames: dict[str, tuple[str, str]]) -> None:
    """The content type too: `migrate` renames it right after RenameModel (contenttypes'
    pre_migrate hook), a migration run without the migrate command's signals does not."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    if not ContentType.objects.filter(app_label="moderation", model=new_model).exists():
        ContentType.objects.filter(app_label="moderation", model=old_model).update(model=new_model)
    for old, (new, name) in renames.items():
        Permission.objects.filter(content_type__app_label="moderation", codename=old).update(codename=new, name=name)


def forwards(apps, schema_editor):
    _rename(apps, "decisionreview", "decisioncheck", PERMISSIONS)


def backwards(apps, schema_editor):
    _rename(apps, "decisioncheck", "decisionreview",
            {new: (old, OLD_NAMES[old]) for old, (new, _name) in PERMISSIONS.items()})


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("moderation", "0006_review_reports_into_reports"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="decisionreview", name="self_review_by_another_moderator"),
        # The index names the old columns: dropped before the rename and built again after it
        # (SQLite rebuilds the table on a rename from a state that must not name a missing column).
        migrations.RemoveIndex(model_name="decisionreview", name="moderation__reviewe_d67aaa_idx"),
        migrations.RenameModel(old_name="DecisionReview", new_name="DecisionCheck"),
        migrations.RenameField(model_name="decisioncheck", old_name="reviewer", new_name="checker"),
        migrations.RenameField(model_name="decisioncheck", old_name="reviewed_at", new_name="checked_at"),
        migrations.AddIndex(model_name="decisioncheck",
                            index=models.Index(fields=["checker", "checked_at"], name="moderation__checker_e743fa_idx")),
        migrations.AddConstraint(
            model_name="decisioncheck",
            constraint=models.CheckConstraint(condition=models.Q(("checker", models.F("decider")), _negated=True),
                                              name="decision_check_by_another_moderator"),
        ),
        migrations.AlterModelOptions(
            name="decisioncheck",
            options={"ordering": ["-week", "id"],
                     "permissions": [("check_decision", "Can check sampled moderation decisions"),
                                     ("view_decisioncheck_report",
                                      "Can see every decision check and the agreement rates")],
                     "verbose_name": "decision check", "verbose_name_plural": "decision checks"},
        ),
        migrations.AlterField(
            model_name="decisioncheck", name="checker",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="decision_checks", to=settings.AUTH_USER_MODEL,
                                    verbose_name="checker"),
        ),
        migrations.AlterField(
            model_name="decisioncheck", name="checked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="verdict recorded at"),
        ),
        migrations.AlterField(
            model_name="decisioncheck", name="decision",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="decision_check",
                                       to="core.historyentry", verbose_name="decision"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
