"""`field__any_of=[...]`: membership in a long list of ids as one array
parameter on PostgreSQL (`= ANY(%s)`) instead of an IN list of one placeholder
per value. A payout chunk asks about a thousand ids at a time, and building and
splitting a thousand-placeholder query costs more than the database does.
Elsewhere (SQLite) it is a plain IN."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Field, ForeignObject, Lookup

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

# django-stubs types SQL parameters as a tuple of str | int; this lookup's one right-hand
# parameter is a list (a PostgreSQL array), hence the override ignores and the cast below.


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(  # type: ignore[override]
        self, value: Iterable[object], connection: BaseDatabaseWrapper
    ) -> tuple[str, list[list[Any]]]:
        values = [self.lhs.output_field.get_db_prep_value(v, connection, prepared=False) for v in value]
        return "%s", [values]

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)
        values = cast("list[Any]", rhs_params[0])
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations look only at their own class lookups
