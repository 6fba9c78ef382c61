"""What the upgrade tests share (django-test-migrations).

Each upgrade test rebuilds the test database from nothing to an old schema, puts rows in it and
migrates forward: about two and a half minutes each, almost all of it the round trip. The upgrades
pin different apps and their rows do not collide, so they share one round trip: each test module
registers its old schema and its seed with `@upgrade_seed(...)`, the package fixture `upgraded`
builds the database at every registered old schema at once, runs every seed, migrates forward
once, and each test then checks its own rows in the migrated database (read-only, inside the
usual rolled-back transaction). Running one test file alone runs only its own seed.

The fixture restores the database it found afterwards (the serialized rows, as a transactional
test with serialized_rollback does), so the tests after it see the usual database."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_test_migrations.migrator import Migrator

Pinned = dict[str, str | None]
Seed = Callable[[Any], dict]


def targets(pinned: Pinned) -> list[tuple[str, str | None]]:
    """Every app at its latest migration, except the pinned ones (None: none of its migrations)."""
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    return [(app, pinned.get(app, name)) for app, name in leaves.items()]


def migrate_to_old_schema(migrator: Migrator, pinned: Pinned):
    """An empty database taken to exactly the old schema, with the content types and permissions a
    live database at that schema has (the post_migrate of the migrate that took it there made them;
    the executor sends none), as the old schema's apps. Django's executor applies the old schema:
    the migrator's own "broad" plan would take in migrations planned early for later changes."""
    migrator.apply_initial_migration(("contenttypes", None))
    executor = MigrationExecutor(connection)
    executor.migrate(targets(pinned))
    old_apps = executor.loader.project_state([t for t in targets(pinned) if t[1] is not None]).apps
    for app_config in installed_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=old_apps)
    return old_apps


@dataclass
class _Upgrade:
    before: Pinned
    seed: Seed


UPGRADES: dict[str, _Upgrade] = {}


def upgrade_seed(name: str, *, before: Pinned) -> Callable[[Seed], Seed]:
    """Register an upgrade test's old schema (the pinned migrations) and the seed that puts rows in
    it through the old apps; the seed returns what its test needs to find them again."""
    def register(seed: Seed) -> Seed:
        UPGRADES[name] = _Upgrade(before, seed)
        return seed
    return register


@dataclass
class Upgraded:
    apps: Any  # the migrated database's apps (historical models at the latest migrations)
    seeded: dict[str, dict] = field(default_factory=dict)  # per upgrade: what its seed returned


@pytest.fixture(scope="package")
def upgraded(django_db_setup, django_db_blocker) -> Iterator[Upgraded]:
    """One round trip for every registered upgrade: the old schemas, every seed, then forward."""
    with django_db_blocker.unblock():
        saved = connection.creation.serialize_db_to_string()
        migrator = Migrator()
        try:
            pinned: Pinned = {}
            for upgrade in UPGRADES.values():
                # Two upgrades may pin one app only at the same migration (both seed that schema).
                clashes = {app for app, name in upgrade.before.items() if pinned.get(app, name) != name}
                assert not clashes, f"two upgrades pin {clashes} at different migrations"
                pinned.update(upgrade.before)
            old_apps = migrate_to_old_schema(migrator, pinned)
            seeded = {name: upgrade.seed(old_apps) for name, upgrade in UPGRADES.items()}
            yield Upgraded(migrator.apply_tested_migration(targets({})).apps, seeded)
        finally:
            migrator.reset()
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(saved)
            # The restored rows keep their ids; move every sequence past them, or the next test's
            # migrations insert content types and permissions at ids already taken.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(
                        no_style(), django_apps.get_models(include_auto_created=True)):
                    cursor.execute(sql)
