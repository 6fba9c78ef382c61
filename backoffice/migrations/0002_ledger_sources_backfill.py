"""Fill `finance.LedgerTransaction.source` for the transactions posted before it
existed, from their idempotency keys — the one and last time anything reads
what a key says (F3.3, F4). Every posting since names its source itself.

The key formats as they were (`:reversal` appended for a reversing transaction,
which documents the same record):
  bank-line:<bank transaction id>        the bank statement line (by its ledger_key)
  receivable-settle:<line>               the bank statement line
  settlement:<s>:wages|advance|recover   the settlement
  payout-chunk:<batch>:…, batch:<batch>:paid:…   the payout batch
  payout:<…>:failed                      the payout (by its ledger_key)
  refund:<r>, refund:<r>:paid            the escrow refund
  dispute:<d>:refund                     the payment dispute
  adjustment:<a>:fund                    the settlement adjustment
  posting-fee:job:<j>                    the job
  expense_claim:<c>:booked|paid          the expense claim
  adjustment:<a>                         the adjusting transaction request
  guarantee:contribution:<token>         none (the platform's own money)
A key whose record no longer exists is left without a source.

On PostgreSQL the ledger's append-only trigger refuses updates of transactions
(finance migration 0002); it is switched off for these updates and on again in
the same database transaction, after their deferred foreign-key checks ran."""

import re

from django.db import migrations
from django.db.models import Case, IntegerField, Value, When

BY_PK = [
    (re.compile(r"^receivable-settle:(\d+)$"), "finance.BankStatementLine"),
    (re.compile(r"^settlement:(\d+):"), "settlements.Settlement"),
    (re.compile(r"^payout-chunk:(\d+):"), "settlements.PayoutBatch"),
    (re.compile(r"^batch:(\d+):paid"), "settlements.PayoutBatch"),
    (re.compile(r"^refund:(\d+)(?::paid)?$"), "finance.EscrowRefund"),
    (re.compile(r"^dispute:(\d+):refund$"), "settlements.PaymentDispute"),
    (re.compile(r"^adjustment:(\d+):fund$"), "settlements.SettlementAdjustment"),
    (re.compile(r"^posting-fee:job:(\d+)$"), "jobs.Job"),
    (re.compile(r"^expense_claim:(\d+):"), "backoffice.ExpenseClaim"),
    (re.compile(r"^adjustment:(\d+)$"), "backoffice.AdjustmentRequest"),
]
# Keys that name a record by the record's own `ledger_key`: (pattern, model, ledger_key of the match).
BY_LEDGER_KEY = [
    (re.compile(r"^(bank-line:.+)$"), "finance.BankStatementLine"),
    (re.compile(r"^(payout:.+):failed$"), "settlements.Payout"),
]
TRIGGER = "finance_transaction_append_only"
CHUNK = 1000


def _base(key: str) -> str:
    while key.endswith(":reversal"):
        key = key[: -len(":reversal")]
    return key


def backfill(apps, schema_editor):
    LedgerTransaction = apps.get_model("finance", "LedgerTransaction")
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    wanted: dict[str, dict[int, object]] = {}  # model label → {transaction pk: record pk or ledger_key}
    by_key: dict[str, dict[int, str]] = {}
    rows = LedgerTransaction.objects.using(db).filter(source_type__isnull=True).values_list("pk", "key")
    for pk, key in rows.iterator(chunk_size=5000):
        base = _base(key)
        for pattern, label in BY_PK:
            match = pattern.match(base)
            if match:
                wanted.setdefault(label, {})[pk] = int(match.group(1))
                break
        else:
            for pattern, label in BY_LEDGER_KEY:
                match = pattern.match(base)
                if match:
                    by_key.setdefault(label, {})[pk] = match.group(1)
                    break
    for label, keys in by_key.items():
        model = apps.get_model(label)
        found = dict(model.objects.using(db).filter(ledger_key__in=set(keys.values())).values_list("ledger_key", "pk"))
        wanted.setdefault(label, {}).update({pk: found[k] for pk, k in keys.items() if k in found})
    if not any(wanted.values()):
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    table = schema_editor.quote_name(LedgerTransaction._meta.db_table)
    if postgres:
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
    for label, targets in wanted.items():
        model = apps.get_model(label)
        existing = set()
        ids = sorted(set(targets.values()))
        for start in range(0, len(ids), CHUNK):
            existing |= set(model.objects.using(db).filter(pk__in=ids[start:start + CHUNK])
                            .values_list("pk", flat=True))
        content_type, _created = ContentType.objects.using(db).get_or_create(
            app_label=model._meta.app_label, model=model._meta.model_name)
        pairs = sorted((pk, target) for pk, target in targets.items() if target in existing)
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start:start + CHUNK]
            LedgerTransaction.objects.using(db).filter(pk__in=[pk for pk, _t in chunk]).update(
                source_type=content_type,
                source_id=Case(*[When(pk=pk, then=Value(target)) for pk, target in chunk],
                               output_field=IntegerField()))
    if postgres:
        # The new source_type foreign key is checked at commit (deferred); run those checks now, as
        # PostgreSQL alters no table with trigger events pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):

    dependencies = [
        ("backoffice", "0001_from_finance"),
        ("finance", "0010_ledger_transaction_source"),
        ("settlements", "0006_dispute_roles"),
        ("jobs", "0005_search_document_lowercase"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
