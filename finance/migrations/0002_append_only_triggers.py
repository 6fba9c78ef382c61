"""On PostgreSQL the database itself keeps the ledger append-only and balanced
(DESIGN: Money): updates and deletes of entries and transactions raise, and a
deferred constraint trigger refuses, at commit, any transaction whose entries
do not sum to zero. Other databases rely on the model layer (finance.models).
It also granted the finance and auditor roles read access to the ledger; the roles' permissions
are declared in each app's AppConfig and granted after migrate now (accounts.roles)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION finance_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finance_entry_append_only BEFORE UPDATE OR DELETE ON finance_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION finance_refuse_change();
CREATE TRIGGER finance_transaction_append_only BEFORE UPDATE OR DELETE ON finance_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION finance_refuse_change();

CREATE OR REPLACE FUNCTION finance_check_balanced() RETURNS trigger AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount_fen), 0) INTO total FROM finance_ledgerentry
        WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER finance_entry_balanced AFTER INSERT ON finance_ledgerentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finance_check_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_ledgerentry;
DROP TRIGGER IF EXISTS finance_entry_append_only ON finance_ledgerentry;
DROP TRIGGER IF EXISTS finance_transaction_append_only ON finance_ledgertransaction;
DROP FUNCTION IF EXISTS finance_check_balanced();
DROP FUNCTION IF EXISTS finance_refuse_change();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        # Granted role permissions with live code once; each app declares them in its AppConfig now
        # and one post_migrate receiver grants them (accounts.roles).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
