"""The database router: the primary for everything, the replica only for reads inside
`core.replica.using_replica()` (issue 22: staff reports and exports)."""

from typing import Any

from core.replica import replica_alias, replica_reads_active

PRIMARY = "default"


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        alias = replica_alias()
        if alias and replica_reads_active():
            return alias
        return PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Never the replica: a hot standby refuses writes, and a write must not depend
        # on what a lagging copy said.
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases are the same database (one a copy of the other).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # The replica receives the schema by streaming replication, never by migrate.
        return db == PRIMARY
