"""Building the day's payout batch (S4.2, S4.3, F3.2): every funded settlement
and dispute adjustment that is due becomes a queued payout, chunk by chunk.
Finance then executes the batch (`payout_execution`: files, confirmation, a
failed line) and may import the bank's result file (`payout_results`).

Exactly once rests on three things together: the database allows one live
payout per settlement and per adjustment (partial unique constraints), every
posting has a unique ledger key, and every transition locks its rows and checks
the state first — so concurrent builders, a redelivered task or a double click
on "confirm" move no money twice.

The ledger, per batch:
  build    one posting per chunk of up to PAYOUT_CHUNK payouts,
           `payout-chunk:<batch>:<first settlement>` (`…:adj<first adjustment>` for
           adjustments): Dr each student's payable (summed per student),
           Cr payouts in transit the chunk's total — in parts of at most
           POSTING_STUDENTS students (`<key>`, `<key>:2` …) when the chunk pays more.
  fail     `<payout ledger_key>:failed`: Dr payouts in transit, Cr the student's
           payable, the line's amount.
  paid     one posting per confirmation, `batch:<batch>:paid:<first payout>`:
           Dr payouts in transit, Cr the settlement bank account, the lines' total.
A payout's `ledger_key` (`payout:<settlement>`, `payout:<settlement>:attempt<n>`,
`payout:adj<adjustment>[:attempt<n>]`) stays its unique identity and the prefix
of its own failure posting; its money moves in its chunk's posting (payouts
built before the chunked postings have a posting under the key itself)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, Count, F, Q
from django.db.models.expressions import CombinedExpression
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.crypto import mask
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from finance.ledger import accounts_for_students, platform_account, transaction_post
from finance.models import AccountKind

from .models import (
    Payout,
    PayoutBatch,
    PayoutMethod,
    Settlement,
    SettlementAction,
    SettlementAdjustment,
    SettlementStatus,
)

# The old import path of finance's execution of a batch and of the bank's result file.
from .payout_execution import (  # noqa: F401
    EXECUTE_PERMISSION,
    OUTSTANDING,
    BatchAlreadyConfirmed,
    PayoutNotOutstanding,
    payout_batch_confirm,
    payout_batch_mark_exported,
    payout_fail,
    payouts_reschedule_for_student,
)
from .payout_results import DEFAULT_FAILURE_REASON, ResultImportSummary, payout_batch_import_results  # noqa: F401

# Settlements locked per transaction while building a batch: one query for the
# rows, one for the methods, one bulk insert and one ledger posting — a few
# seconds at most, so no lock is held long and a crash loses one chunk at most.
PAYOUT_CHUNK = 1000
POSTING_STUDENTS = 1000  # students per ledger posting (see _post_chunk)


def payout_key(settlement_pk: int, attempt: int) -> str:
    """The first attempt is `payout:<settlement>`; a retry after a failure gets its own key."""
    return f"payout:{settlement_pk}" if attempt == 1 else f"payout:{settlement_pk}:attempt{attempt}"


def adjustment_payout_key(adjustment_pk: int, attempt: int) -> str:
    """A dispute's extra pay (S4.3): `payout:adj<adjustment>`, retries `…:attempt<n>`."""
    return f"payout:adj{adjustment_pk}" if attempt == 1 else f"payout:adj{adjustment_pk}:attempt{attempt}"


def _ask_for_method(settlement_ids: list[int], now: dt.datetime) -> None:
    """Students owed money without a payout method are asked once to add one."""
    rows = (Settlement.objects.filter(pk__in=settlement_ids, payout_method_requested_at__isnull=True)
            .select_related("student"))
    told = set()
    for settlement in rows:
        if settlement.student_id not in told:
            told.add(settlement.student_id)
            notify(recipient=settlement.student, subject=_("Add a payout method to receive your pay"),
                   body=_("Your pay is ready to be paid out. Add a bank card or Alipay account in your own "
                          "name so we can pay you."), link=reverse("settlements:payout_methods"))
    Settlement.objects.filter(pk__in=[s.pk for s in rows]).update(payout_method_requested_at=now)


@dataclass(frozen=True, slots=True)
class _Method:
    """The snapshot of a student's default payout method a payout keeps."""

    pk: int
    student_id: int
    kind: str
    bank_name: str
    account_number: str
    account_holder: str

    @property
    def account_masked(self) -> str:  # as PayoutMethod.account_masked
        value = self.account_number or ""
        if "@" in value:
            local, domain = value.split("@", 1)
            return f"{local[:1]}***@{domain}"
        return mask(value, keep_start=0, keep_end=4)


@dataclass(slots=True)
class _Line:
    """A payout to insert (plain values: a chunk has a thousand of them)."""

    batch_id: int
    settlement_id: int
    adjustment_id: int | None
    student_id: int
    attempt: int
    amount_fen: int
    ledger_key: str
    method: _Method


def _default_methods(student_ids: Iterable[int]) -> dict[int, _Method]:
    rows = PayoutMethod.objects.filter(student_id__any_of=sorted(set(student_ids)), is_default=True,
                                       removed_at__isnull=True)
    return {row[1]: _Method(*row) for row in rows.values_list("pk", "student_id", "kind", "bank_name",
                                                              "account_number", "account_holder")}


_INSERT_PAYOUTS = """
INSERT INTO {payout} (created_at, updated_at, batch_id, status, failure_reason, settlement_id, adjustment_id,
                      student_id, attempt, amount_fen, ledger_key, account_masked, method_id, method_kind, bank_name,
                      account_number, account_holder)
SELECT %s, %s, %s, %s, '', v.settlement_id, v.adjustment_id, m.student_id, v.attempt, v.amount_fen, v.ledger_key,
       v.account_masked, m.id, m.kind, m.bank_name, m.account_number, m.account_holder
FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::bigint[], %s::text[], %s::text[], %s::bigint[])
     AS v(settlement_id, adjustment_id, attempt, amount_fen, ledger_key, account_masked, method_id)
JOIN {method} m ON m.id = v.method_id
ORDER BY v.settlement_id, v.adjustment_id
"""


def _insert_payouts(payouts: list[_Line], *, now: dt.datetime) -> None:
    """Insert the chunk's payouts, each with the snapshot of the student's method.
    PostgreSQL: one INSERT … SELECT that copies the method's encrypted account
    number as it is stored (no encrypt round trip, no model instances: most of the
    time of building a 100,000-line batch otherwise); elsewhere bulk_create."""
    if connection.vendor != "postgresql":
        Payout.objects.bulk_create([Payout(
            batch_id=p.batch_id, settlement_id=p.settlement_id, adjustment_id=p.adjustment_id,
            student_id=p.student_id, attempt=p.attempt, amount_fen=p.amount_fen, ledger_key=p.ledger_key,
            method_id=p.method.pk, method_kind=p.method.kind, bank_name=p.method.bank_name,
            account_masked=p.method.account_masked, account_number=p.method.account_number,
            account_holder=p.method.account_holder) for p in payouts])
        return
    (batch_id,) = {p.batch_id for p in payouts}
    columns = ([p.settlement_id for p in payouts], [p.adjustment_id for p in payouts], [p.attempt for p in payouts],
               [p.amount_fen for p in payouts], [p.ledger_key for p in payouts],
               [p.method.account_masked for p in payouts], [p.method.pk for p in payouts])
    sql = _INSERT_PAYOUTS.format(payout=connection.ops.quote_name(Payout._meta.db_table),
                                 method=connection.ops.quote_name(PayoutMethod._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, batch_id, Payout.Status.QUEUED, *columns])
        if cursor.rowcount != len(payouts):
            raise RuntimeError(f"inserted {cursor.rowcount} of {len(payouts)} payouts")


def _post_chunk(*, key: str, batch: PayoutBatch, payouts: list[_Line], memo: str) -> None:
    """The chunk's posting: Dr each student's payable (summed per student), Cr
    payouts in transit. Split into parts of at most POSTING_STUDENTS students
    (`<key>`, `<key>:2`, `<key>:3` …, students in id order, so accounts are still
    locked in id order), which bounds the rows one posting locks and writes."""
    owed: dict[int, int] = defaultdict(int)
    for payout in payouts:
        owed[payout.student_id] += payout.amount_fen
    accounts = accounts_for_students(owed)
    clearing = platform_account(AccountKind.PAYOUT_CLEARING)
    students = sorted(owed)
    for part, start in enumerate(range(0, len(students), POSTING_STUDENTS), start=1):
        lines = [(accounts[student_id], owed[student_id]) for student_id in students[start:start + POSTING_STUDENTS]]
        transaction_post(key=key if part == 1 else f"{key}:{part}", kind="payout", memo=memo, source=batch,
                         lines=[*lines, (clearing, -sum(amount for _account, amount in lines))])


@dataclass(frozen=True)
class _Payable:
    """What a payout pays: a settlement's pay, or a dispute's extra pay (S4.3).
    Everything the chunk builder does differently for the two is read from here."""

    model: type[Settlement] | type[SettlementAdjustment]
    funded: str
    paying: str
    settlement_field: str  # the settlement it belongs to ("id": a settlement is its own)
    amount: F | CombinedExpression  # what a payout pays: the net, the pay less the income tax withheld
    payout_field: str  # the Payout column that names it
    own_payouts: Q  # its payouts among the payouts naming it
    ledger_key: Callable[[int, int], str]  # its payout's key per attempt
    chunk_tag: str  # the chunk posting's key: `payout-chunk:<batch>:<tag><first>`
    noun: str  # the chunk posting's memo

    def payout_line(self, *, batch_id: int, pk: int, settlement_id: int, student_id: int, amount_fen: int,
                    attempt: int, method: _Method) -> _Line:
        return _Line(batch_id=batch_id, settlement_id=settlement_id,
                     adjustment_id=pk if self.model is SettlementAdjustment else None, student_id=student_id,
                     attempt=attempt, amount_fen=amount_fen, ledger_key=self.ledger_key(pk, attempt), method=method)


SETTLEMENTS = _Payable(
    model=Settlement, funded=SettlementStatus.FUNDED, paying=SettlementStatus.PAYING, settlement_field="id",
    amount=F("student_total_fen") - F("tax_fen"), payout_field="settlement_id", own_payouts=Q(adjustment__isnull=True),
    ledger_key=payout_key, chunk_tag="", noun="settlements")
ADJUSTMENTS = _Payable(
    model=SettlementAdjustment, funded=SettlementAdjustment.Status.FUNDED,
    paying=SettlementAdjustment.Status.PAYING, settlement_field="settlement_id",
    amount=F("amount_fen") - F("tax_fen"),
    payout_field="adjustment_id", own_payouts=Q(), ledger_key=adjustment_payout_key, chunk_tag="adj", noun="adjustments")


def _build_chunk(payable: _Payable, *, batch: PayoutBatch, now: dt.datetime, after: int) -> tuple[int, int, int]:
    """Lock up to PAYOUT_CHUNK due payables of one kind (skipping rows another builder
    holds), queue a payout for each whose student has a method. Returns (last pk
    seen, payouts created, their total). A fixed number of queries whatever the
    chunk's size: the rows, the methods, the failed attempts, one insert, the
    posting, one status update."""
    rows = list(payable.model.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=payable.funded, payout_due_at__lte=now, pk__gt=after).order_by("pk")
                .values_list("pk", payable.settlement_field, "student_id", payable.amount)[:PAYOUT_CHUNK])
    if not rows:
        return 0, 0, 0
    ids = [row[0] for row in rows]
    methods = _default_methods(row[2] for row in rows)
    failed = dict(Payout.objects.filter(payable.own_payouts, **{f"{payable.payout_field}__any_of": ids},
                                        status=Payout.Status.FAILED)
                  .order_by().values_list(payable.payout_field).annotate(n=Count("pk"))
                  .values_list(payable.payout_field, "n"))
    payouts, paying, without_method = [], [], []
    for pk, settlement_id, student_id, amount in rows:
        method = methods.get(student_id)
        if method is None:
            without_method.append(settlement_id)
            continue
        paying.append(pk)
        payouts.append(payable.payout_line(batch_id=batch.pk, pk=pk, settlement_id=settlement_id,
                                           student_id=student_id, amount_fen=amount,
                                           attempt=failed.get(pk, 0) + 1, method=method))
    if without_method:
        _ask_for_method(without_method, now)
    if not payouts:
        return ids[-1], 0, 0
    _insert_payouts(payouts, now=now)
    _post_chunk(key=f"payout-chunk:{batch.pk}:{payable.chunk_tag}{paying[0]}", batch=batch, payouts=payouts,
                memo=f"payout batch {batch.pk}: {len(payouts)} {payable.noun} from {paying[0]}")
    # Queryset update: the FSM field is protected, and these rows are locked by us. Set-based on
    # purpose (a chunk is a thousand rows): the batch's history row records the build.
    payable.model.objects.filter(pk__any_of=paying).update(status=payable.paying, updated_at=now)
    return ids[-1], len(payouts), sum(p.amount_fen for p in payouts)


def payout_batch_build(*, now: dt.datetime | None = None, actor: User | None = None) -> PayoutBatch | None:
    """Build the day's payout batch (S4.2, S4.3, F3.2): every funded settlement
    and every funded dispute adjustment due by `now`, in chunks of PAYOUT_CHUNK,
    each chunk one transaction.

    Effects per line: a Payout with a snapshot of the student's default method;
    the settlement (adjustment) paying; per chunk one posting Dr the students'
    payables, Cr payouts in transit. Students without a method are skipped and
    asked (once) to add one. Returns the batch, or None if nothing was due.
    Concurrent builders lock disjoint rows (skip_locked), and the one-live-payout
    constraints back it. A batch a crashed run left behind is finished first
    (payout_batches_finish_orphaned)."""
    now = now or timezone.now()
    payout_batches_finish_orphaned(actor=actor)
    batch = None
    try:
        for payable in (SETTLEMENTS, ADJUSTMENTS):
            after = 0
            while True:
                with transaction.atomic():
                    if batch is None:
                        batch = PayoutBatch.objects.create(created_by=actor)
                        _builder_lock(batch.pk)
                    after, count, total = _build_chunk(payable, batch=batch, now=now, after=after)
                    if count:
                        PayoutBatch.objects.filter(pk=batch.pk).update(payout_count=F("payout_count") + count,
                                                                       total_fen=F("total_fen") + total)
                if not after:
                    break
        assert batch is not None  # the first chunk's transaction created it
        return _batch_finish(batch.pk, actor=actor)
    finally:
        if batch is not None:
            _builder_unlock(batch.pk)


# The run building a batch holds a PostgreSQL session advisory lock on it (this class and the
# batch id) until the batch is finished; a run that dies (worker killed, connection dropped)
# loses its session and with it the lock, which tells the next run the batch is orphaned.
_BUILDER_LOCK_CLASS = 0x4A5A0001


def _builder_lock(batch_pk: int, *, wait: bool = True) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite (`make run`): one worker process, no concurrent builders
    function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_BUILDER_LOCK_CLASS, batch_pk])
        row = cursor.fetchone()
    return wait or bool(row and row[0])


def _builder_unlock(batch_pk: int) -> None:
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_BUILDER_LOCK_CLASS, batch_pk])
    except DatabaseError:  # the connection is gone, and the session's locks with it
        pass


def _batch_finish(batch_pk: int, *, actor: User | None) -> PayoutBatch | None:
    """Record the build and tell finance; a batch that paid nothing is removed."""
    # A fresh read, not refresh_from_db: django-fsm's FSMModelMixin.refresh_from_db lifts the
    # field's protection class-wide for a moment, which races with other threads.
    batch = PayoutBatch.objects.get(pk=batch_pk)
    if batch.payout_count == 0:
        batch.delete()
        return None
    history_record(subject=batch, transition=SettlementAction.BUILD, from_state="", to_state=batch.status,
                   actor=actor, reason=f"{batch.payout_count} payouts, {format_fen(batch.total_fen)}")
    staff_notify_batch(batch)
    return batch


def payout_batches_finish_orphaned(*, actor: User | None = None) -> int:
    """Finish the batches whose building run died after committing some chunks (a killed
    worker, a dropped connection: found by the chaos test, tests/chaos): their payouts and
    postings stand, but the build was never recorded and finance never told. A batch is
    orphaned when it has no build record and no live run holds its builder lock; each is
    finished once (under that lock, the record checked again). Returns how many."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import Cast

    from core.models import HistoryEntry

    built = HistoryEntry.objects.filter(content_type=ContentType.objects.get_for_model(PayoutBatch),
                                        transition=SettlementAction.BUILD,
                                        object_id=Cast(OuterRef("pk"), output_field=CharField()))
    finished = 0
    orphans = PayoutBatch.objects.filter(status=PayoutBatch.Status.OPEN, payout_count__gt=0).exclude(Exists(built))
    for pk in orphans.values_list("pk", flat=True):
        if not _builder_lock(pk, wait=False):
            continue  # a live run is building it
        try:
            if PayoutBatch.objects.filter(pk=pk).exclude(Exists(built)).exists():
                finished += _batch_finish(pk, actor=actor) is not None
        finally:
            _builder_unlock(pk)
    return finished


def staff_notify_batch(batch: PayoutBatch) -> None:
    from accounts.services import staff_role_notify

    staff_role_notify(role="finance", subject=_("A payout batch is ready to be executed"),
                      link=reverse("admin:settlements_payoutbatch_change", args=[batch.pk]))


