"""Reads compiled to SQL once per process: the busiest pages' queries (S2.1, the student dashboard).

On the pages every visitor opens first, building a queryset and compiling it to
SQL costs several times what PostgreSQL spends answering it (the student's profile:
1.4 ms of Python against 0.1 ms in the database). A read whose shape is the same on
every request is therefore compiled once per process and database; what changes per
request (the user, the time, a position) is a `Slot` among the compiled parameters,
filled in by `bind`. The SQL still comes from the ORM, so it follows the models.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import RawSQL


class Slot:
    """A placeholder among compiled parameters, filled per call by `bind`."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def sql(self, output_field: Field) -> RawSQL:
        """The slot as an SQL expression, usable as a filter's value or in an annotation."""
        return RawSQL("%s", (self,), output_field=output_field)


def bind(params: tuple, values: Mapping[Slot, Any]) -> tuple:
    """The compiled parameters with every slot replaced by its value."""
    return tuple(values[param] if isinstance(param, Slot) else param for param in params)


class CompiledQuery:
    """A queryset built and compiled on first use (per database), run as raw SQL after.

    `build` returns the queryset with Slots where the per-call values go. `objects`
    returns model instances as the queryset would (only() fields deferred, annotations
    as attributes, field converters applied): Django's raw() does the mapping."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._compiled: dict[str, tuple[type[Model], str, tuple]] = {}

    def sql(self, *, using: str = "default") -> tuple[type[Model], str, tuple]:
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self._build().using(using)
            sql, params = queryset.query.get_compiler(using).as_sql()
            compiled = self._compiled[using] = (queryset.model, sql, tuple(params))
        return compiled

    def objects(self, values: Mapping[Slot, Any], *, using: str = "default") -> list[Model]:
        model, sql, params = self.sql(using=using)
        return list(model._default_manager.db_manager(using).raw(sql, bind(params, values)))

    def first(self, values: Mapping[Slot, Any], *, using: str = "default") -> Model | None:
        rows = self.objects(values, using=using)
        return rows[0] if rows else None

