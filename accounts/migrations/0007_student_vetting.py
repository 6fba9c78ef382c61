"""Staff checking a student's registration before the student may apply is "vetting"
(资质审核; S1.2), so that "review" means only the mutual ratings after an engagement. The
columns are renamed in place (RenameField keeps every row's state, reason and who decided),
and the permission is renamed in place too, so role groups and users who held it keep it."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

APP, MODEL = "accounts", "studentprofile"
OLD = ("review_studentprofile", "Can review student registrations and verifications")
NEW = ("vet_studentprofile", "Can vet student registrations and verify students")


def _rename_permission(apps, old: tuple[str, str], new: tuple[str, str]) -> None:
    """In place; should the new one exist already (a permission sync ran first), its holders
    gain it from the old one, which goes."""
    Permission = apps.get_model("auth", "Permission")
    scope = {"content_type__app_label": APP, "content_type__model": MODEL}
    old_perm = Permission.objects.filter(codename=old[0], **scope).first()
    if old_perm is None:
        return
    new_perm = Permission.objects.filter(codename=new[0], **scope).first()
    if new_perm is None:
        old_perm.codename, old_perm.name = new
        old_perm.save(update_fields=["codename", "name"])
        return
    for group in apps.get_model("auth", "Group").objects.filter(permissions=old_perm):
        group.permissions.add(new_perm)
    for user in apps.get_model(*settings.AUTH_USER_MODEL.split(".")).objects.filter(user_permissions=old_perm):
        user.user_permissions.add(new_perm)
    old_perm.delete()


def forwards(apps, schema_editor):
    _rename_permission(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _rename_permission(apps, NEW, OLD)


STATUSES = [("draft", "Not yet submitted"), ("submitted", "Waiting for vetting"),
            ("info_requested", "More information requested"), ("approved", "Approved"), ("rejected", "Rejected")]


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_staff_second_factor_reset"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameField(model_name="studentprofile", old_name="review_status", new_name="vetting_status"),
        migrations.RenameField(model_name="studentprofile", old_name="review_reason", new_name="vetting_reason"),
        migrations.RenameField(model_name="studentprofile", old_name="reviewed_at", new_name="vetted_at"),
        migrations.RenameField(model_name="studentprofile", old_name="reviewed_by", new_name="vetted_by"),
        migrations.AlterField(
            model_name="studentprofile", name="vetting_status",
            field=django_fsm.FSMField(choices=STATUSES, db_index=True, default="draft", max_length=50,
                                      protected=True, verbose_name="vetting status"),
        ),
        migrations.AlterField(
            model_name="studentprofile", name="vetted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="vetted at"),
        ),
        migrations.AlterField(
            model_name="studentprofile", name="vetted_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="vetted by"),
        ),
        migrations.AlterModelOptions(
            name="studentprofile",
            options={"permissions": [NEW], "verbose_name": "student", "verbose_name_plural": "students"},
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
