"""`field__any_of=[...]`: membership in a long list of ids as one array
parameter on PostgreSQL (`= ANY(%s)`) instead of an IN list of one placeholder
per value. A payout chunk asks about a thousand ids at a time, and building and
splitting a thousand-placeholder query costs more than the database does.
Elsewhere (SQLite) it is a plain IN."""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        values = [self.lhs.output_field.get_db_prep_value(v, connection, prepared=False) for v in value]
        return "%s", [values]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)
        values = rhs_params[0]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations look only at their own class lookups
