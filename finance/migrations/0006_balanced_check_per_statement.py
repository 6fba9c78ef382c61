"""The database's balance check (DESIGN: Money) per INSERT statement instead of
per entry row, and room on the accounts' pages for their running balances.

Migration 0002 checked, at commit, for every entry row, the sum of all the
entries of its transaction — a posting of n entries cost n sums of n rows, which
made a 1,000-payout posting slow (issue 6, `payout_batch_100k_s`). Now one
statement-level trigger sums, once per INSERT statement, every transaction the
statement wrote to and refuses any that does not balance. `finance.ledger`
writes a transaction's entries in one statement, so the rule is the same for the
service, and stricter for anyone else: entries written one side at a time are
refused at once rather than at commit.

fillfactor 70 on the accounts leaves space on each page, so updating a running
balance (a column no index covers) is a heap-only update that rewrites no index."""

from django.db import migrations

CREATE = """
DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_ledgerentry;
DROP FUNCTION IF EXISTS finance_check_balanced();

CREATE OR REPLACE FUNCTION finance_check_balanced_statement() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT e.transaction_id, SUM(e.amount_fen) AS total INTO bad
        FROM finance_ledgerentry e
        WHERE e.transaction_id IN (SELECT DISTINCT n.transaction_id FROM new_entries n)
        GROUP BY e.transaction_id HAVING SUM(e.amount_fen) <> 0
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', bad.transaction_id, bad.total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER finance_entry_balanced AFTER INSERT ON finance_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION finance_check_balanced_statement();

ALTER TABLE finance_ledgeraccount SET (fillfactor = 70);
"""

DROP = """
DROP TRIGGER IF EXISTS finance_entry_balanced ON finance_ledgerentry;
DROP FUNCTION IF EXISTS finance_check_balanced_statement();
ALTER TABLE finance_ledgeraccount RESET (fillfactor);

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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("finance", "0005_escrow_refunds")]
    operations = [migrations.RunPython(forwards, backwards)]
