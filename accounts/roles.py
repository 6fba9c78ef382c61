"""Staff roles (P1) as groups, and the one sync that gives each group its permissions.

The role names live in core.roles (every app, core too, must see them); accounts defines the
groups themselves (ROLE_LABELS). Each app declares in its AppConfig which of ITS OWN
permissions each role gets:

    class JobsConfig(AppConfig):
        role_permissions = {MODERATOR: ["jobs.view_job", "jobs.moderate_job", ...], ...}

After every migrate (post_migrate, connected in AccountsConfig.ready) `role_groups_sync` runs
for each app, right after django.contrib.auth has created that app's permissions: it creates
any missing role group and makes the groups' permissions of that app exactly the declared ones.
It adds what is missing and takes back what is no longer declared, so the declarations are
the truth: a permission given to a role group by hand in the admin is gone after the next
migrate (declare it instead). Groups other than the roles are never touched. Data migrations
do not grant role permissions (they must not import live code); the sync does, also on a
fresh database."""

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, router
from django.utils.translation import gettext_lazy as _

from core.roles import AUDITOR, CUSTOMER_SERVICE, FINANCE, MANAGER, MODERATOR, OPERATIONS

__all__ = ["AUDITOR", "CUSTOMER_SERVICE", "FINANCE", "MANAGER", "MODERATOR", "OPERATIONS", "ROLE_LABELS",
           "STAFF_ROLES", "app_role_permissions", "declared_role_permissions", "role_groups_sync"]

ROLE_LABELS = {
    MODERATOR: _("Moderator"),
    CUSTOMER_SERVICE: _("Customer service"),
    OPERATIONS: _("Operations"),
    FINANCE: _("Finance"),
    AUDITOR: _("Auditor"),
    MANAGER: _("Manager"),
}
STAFF_ROLES: tuple[str, ...] = tuple(ROLE_LABELS)


def app_role_permissions(app_config: AppConfig) -> dict[str, set[str]]:
    """The app's declaration, role → dotted permission names; refuses a role that is not a
    staff role and a permission of another app (the app that owns a permission grants it)."""
    declared: dict[str, list[str]] = getattr(app_config, "role_permissions", {})
    result: dict[str, set[str]] = {}
    for role, perms in declared.items():
        if role not in ROLE_LABELS:
            raise ImproperlyConfigured(f"{app_config.label}: {role!r} is not a staff role (accounts.roles)")
        foreign = [dotted for dotted in perms if dotted.split(".", 1)[0] != app_config.label]
        if foreign:
            raise ImproperlyConfigured(f"{app_config.label} grants permissions of another app: {foreign}")
        result[role] = set(perms)
    return result


def declared_role_permissions() -> dict[str, set[str]]:
    """Every installed app's declarations together: role → dotted permission names (P1)."""
    result: dict[str, set[str]] = {role: set() for role in STAFF_ROLES}
    for app_config in global_apps.get_app_configs():
        for role, perms in app_role_permissions(app_config).items():
            result[role] |= perms
    return result


def role_groups_sync(*, app_config: AppConfig, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the missing role groups and make their permissions of this app exactly the ones
    the app declares (P1); idempotent. `apps` is the migrated state post_migrate passes.

    A declared permission that does not exist in that state is skipped (a migrate back to an
    older state); on the latest state every one exists (tests/accounts/test_roles.py)."""
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    if not router.allow_migrate_model(using, Group):
        return
    groups = {group.name: group for group in Group.objects.using(using).filter(name__in=STAFF_ROLES)}
    for role in STAFF_ROLES:
        if role not in groups:
            groups[role] = Group.objects.using(using).create(name=role)

    label = app_config.label
    declared = {role: {dotted.split(".", 1)[1] for dotted in perms}
                for role, perms in app_role_permissions(app_config).items()}
    permission_ids = dict(Permission.objects.using(using)
                          .filter(content_type__app_label=label, codename__in=set().union(*declared.values()))
                          .values_list("codename", "pk"))
    wanted = {(groups[role].pk, permission_ids[codename])
              for role, codenames in declared.items() for codename in codenames if codename in permission_ids}

    Through = Group.permissions.through
    held = {(group_id, permission_id): pk for pk, group_id, permission_id in (
        Through.objects.using(using)
        .filter(group__in=list(groups.values()), permission__content_type__app_label=label)
        .values_list("pk", "group_id", "permission_id"))}
    Through.objects.using(using).bulk_create(
        [Through(group_id=group_id, permission_id=permission_id) for group_id, permission_id in wanted - held.keys()])
    stale = [pk for pair, pk in held.items() if pair not in wanted]
    if stale:
        Through.objects.using(using).filter(pk__in=stale).delete()


def role_groups_sync_receiver(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps,
                              **kwargs) -> None:
    """post_migrate, once per app (the signal's sender), after auth's create_permissions."""
    role_groups_sync(app_config=sender, apps=apps, using=using)
