"""Paying students exactly once (S4.2, S4.3, F3.2): the day's payout batch,
finance's confirmation (by hand or from the bank's result file), and a failed
line going back to the student's payable.

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
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import mask
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.working_days import working_days_after
from finance.ledger import accounts_for_students, platform_account, student_payable, transaction_post
from finance.models import AccountKind

from .models import Payout, PayoutBatch, PayoutMethod, Settlement, SettlementAdjustment, SettlementStatus

# Settlements locked per transaction while building a batch: one query for the
# rows, one for the methods, one bulk insert and one ledger posting — a few
# seconds at most, so no lock is held long and a crash loses one chunk at most.
PAYOUT_CHUNK = 1000
POSTING_STUDENTS = 1000  # students per ledger posting (see _post_chunk)
OUTSTANDING = (Payout.Status.QUEUED, Payout.Status.SENT)
EXECUTE_PERMISSION = "settlements.execute_payoutbatch"


class BatchAlreadyConfirmed(DomainError):
    default_message = _("This batch has been confirmed as paid already.")


class PayoutNotOutstanding(DomainError):
    default_message = _("Only a payout that is queued or sent can be marked failed.")


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


def _default_methods(student_ids) -> dict[int, _Method]:
    rows = PayoutMethod.objects.filter(student_id__any_of=sorted(set(student_ids)), is_default=True,
                                       removed_at__isnull=True)
    return {row[1]: _Method(*row) for row in rows.values_list("pk", "student_id", "kind", "bank_name",
                                                              "account_number", "account_holder")}


def _payout(method: _Method, **fields) -> _Line:
    return _Line(method=method, adjustment_id=fields.pop("adjustment_id", None), **fields)


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


def _build_chunk(*, batch: PayoutBatch, now: dt.datetime, after: int) -> tuple[int, int, int]:
    """Lock up to PAYOUT_CHUNK due settlements (skipping rows another builder holds),
    queue a payout for each whose student has a method. Returns (last pk seen,
    payouts created, their total). A fixed number of queries whatever the chunk's size."""
    rows = list(Settlement.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=SettlementStatus.FUNDED, payout_due_at__lte=now, pk__gt=after)
                .order_by("pk").values_list("pk", "student_id", "student_total_fen")[:PAYOUT_CHUNK])
    if not rows:
        return 0, 0, 0
    ids = [pk for pk, _student, _amount in rows]
    methods = _default_methods(student for _pk, student, _amount in rows)
    failed = dict(Payout.objects.filter(settlement_id__any_of=ids, adjustment__isnull=True,
                                        status=Payout.Status.FAILED)
                  .order_by().values_list("settlement_id").annotate(n=Count("pk")).values_list("settlement_id", "n"))
    payouts, without_method = [], []
    for pk, student_id, amount in rows:
        method = methods.get(student_id)
        if method is None:
            without_method.append(pk)
            continue
        attempt = failed.get(pk, 0) + 1
        payouts.append(_payout(method, settlement_id=pk, batch_id=batch.pk, student_id=student_id, attempt=attempt,
                               amount_fen=amount, ledger_key=payout_key(pk, attempt)))
    if without_method:
        _ask_for_method(without_method, now)
    if not payouts:
        return ids[-1], 0, 0
    _insert_payouts(payouts, now=now)
    first = payouts[0].settlement_id
    _post_chunk(key=f"payout-chunk:{batch.pk}:{first}", batch=batch, payouts=payouts,
                memo=f"payout batch {batch.pk}: {len(payouts)} settlements from {first}")
    # Queryset update: the FSM field is protected, and these rows are locked by us.
    Settlement.objects.filter(pk__any_of=[p.settlement_id for p in payouts]).update(
        status=SettlementStatus.PAYING, updated_at=now)
    return ids[-1], len(payouts), sum(p.amount_fen for p in payouts)


def _build_adjustment_chunk(*, batch: PayoutBatch, now: dt.datetime, after: int) -> tuple[int, int, int]:
    """As _build_chunk, for funded dispute adjustments that are due (S4.3)."""
    rows = list(SettlementAdjustment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=SettlementAdjustment.Status.FUNDED, payout_due_at__lte=now, pk__gt=after)
                .order_by("pk").values_list("pk", "settlement_id", "student_id", "amount_fen")[:PAYOUT_CHUNK])
    if not rows:
        return 0, 0, 0
    ids = [row[0] for row in rows]
    methods = _default_methods(row[2] for row in rows)
    failed = dict(Payout.objects.filter(adjustment_id__any_of=ids, status=Payout.Status.FAILED)
                  .order_by().values_list("adjustment_id").annotate(n=Count("pk")).values_list("adjustment_id", "n"))
    payouts, without_method = [], []
    for pk, settlement_id, student_id, amount in rows:
        method = methods.get(student_id)
        if method is None:
            without_method.append(settlement_id)
            continue
        attempt = failed.get(pk, 0) + 1
        payouts.append(_payout(method, settlement_id=settlement_id, adjustment_id=pk, batch_id=batch.pk,
                               student_id=student_id, attempt=attempt, amount_fen=amount,
                               ledger_key=adjustment_payout_key(pk, attempt)))
    if without_method:
        _ask_for_method(without_method, now)
    if not payouts:
        return ids[-1], 0, 0
    _insert_payouts(payouts, now=now)
    first = payouts[0].adjustment_id
    _post_chunk(key=f"payout-chunk:{batch.pk}:adj{first}", batch=batch, payouts=payouts,
                memo=f"payout batch {batch.pk}: {len(payouts)} adjustments from {first}")
    SettlementAdjustment.objects.filter(pk__any_of=[p.adjustment_id for p in payouts]).update(
        status=SettlementAdjustment.Status.PAYING, updated_at=now)
    return ids[-1], len(payouts), sum(p.amount_fen for p in payouts)


def payout_batch_build(*, now: dt.datetime | None = None, actor=None) -> PayoutBatch | None:
    """Build the day's payout batch (S4.2, S4.3, F3.2): every funded settlement
    and every funded dispute adjustment due by `now`, in chunks of PAYOUT_CHUNK,
    each chunk one transaction.

    Effects per line: a Payout with a snapshot of the student's default method;
    the settlement (adjustment) paying; per chunk one posting Dr the students'
    payables, Cr payouts in transit. Students without a method are skipped and
    asked (once) to add one. Returns the batch, or None if nothing was due.
    Concurrent builders lock disjoint rows (skip_locked), and the one-live-payout
    constraints back it."""
    now = now or timezone.now()
    batch = None
    for build_chunk in (_build_chunk, _build_adjustment_chunk):
        after = 0
        while True:
            with transaction.atomic():
                if batch is None:
                    batch = PayoutBatch.objects.create(created_by=actor)
                after, count, total = build_chunk(batch=batch, now=now, after=after)
                if count:
                    PayoutBatch.objects.filter(pk=batch.pk).update(payout_count=F("payout_count") + count,
                                                                   total_fen=F("total_fen") + total)
            if not after:
                break
    # A fresh read, not refresh_from_db: django-fsm's FSMModelMixin.refresh_from_db lifts the
    # field's protection class-wide for a moment, which races with other threads.
    batch = PayoutBatch.objects.get(pk=batch.pk)
    if batch.payout_count == 0:
        batch.delete()
        return None
    history_record(subject=batch, transition="build", from_state="", to_state=batch.status, actor=actor,
                   reason=f"{batch.payout_count} payouts, {format_fen(batch.total_fen)}")
    staff_notify_batch(batch)
    return batch


def staff_notify_batch(batch: PayoutBatch) -> None:
    from accounts.services import staff_role_notify

    staff_role_notify(role="finance", subject=_("A payout batch is ready to be executed"),
                      link=reverse("admin:settlements_payoutbatch_change", args=[batch.pk]))


@transaction.atomic
def payout_batch_mark_exported(*, batch_id: int, actor) -> PayoutBatch:
    """Finance downloaded the batch's files: queued payouts are now with the bank."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == PayoutBatch.Status.CONFIRMED:
        return batch
    was = batch.status
    batch.export(now=timezone.now())
    batch.save(update_fields=["status", "exported_at", "updated_at"])
    batch.payouts.filter(status=Payout.Status.QUEUED).update(status=Payout.Status.SENT, updated_at=timezone.now())
    if was != batch.status:
        history_record(subject=batch, transition="export", from_state=was, to_state=batch.status, actor=actor)
    return batch


def _confirm_lines(*, batch: PayoutBatch, payouts: list[Payout], actor, now: dt.datetime) -> int:
    """Mark these outstanding payouts of the locked batch paid (F3.2): one posting
    `batch:<batch>:paid:<first payout>` Dr payouts in transit, Cr the settlement bank
    account; each payout and its settlement (or adjustment, S4.3) paid; the student
    told. The caller holds the batch lock and has locked the payouts. Returns how many."""
    if not payouts:
        return 0
    # S4.3: the student may dispute the payment for P2 working days after receiving it.
    dispute_until = working_days_after(now, get_policy().dispute_working_days)
    total = sum(p.amount_fen for p in payouts)
    transaction_post(key=f"batch:{batch.pk}:paid:{payouts[0].pk}", kind="payout_paid", source=batch,
                     memo=f"payout batch {batch.pk}: {len(payouts)} payouts paid",
                     lines=[(platform_account(AccountKind.PAYOUT_CLEARING), total),
                            (platform_account(AccountKind.BANK_CLEARING), -total)], actor=actor)
    settlements = {s.pk: s for s in Settlement.objects.select_for_update().select_related("student").filter(
        pk__in=[p.settlement_id for p in payouts if p.adjustment_id is None]).order_by("pk")}
    adjustments = {a.pk: a for a in SettlementAdjustment.objects.select_for_update().filter(
        pk__in=[p.adjustment_id for p in payouts if p.adjustment_id is not None]).order_by("pk")}
    students = {}
    if adjustments:
        from accounts.models import User

        students = User.objects.in_bulk({a.student_id for a in adjustments.values()})
    for payout in payouts:
        payout.mark_paid(now=now)
    Payout.objects.bulk_update(payouts, ["status", "paid_at", "updated_at"])
    for payout in payouts:
        if payout.adjustment_id is not None:
            subject = adjustments[payout.adjustment_id]
            was = subject.status
            subject.mark_paid(now=now)
            subject.save(update_fields=["status", "paid_at", "updated_at"])
            student = students[subject.student_id]
        else:
            subject = settlements[payout.settlement_id]
            was = subject.status
            subject.mark_paid(now=now, dispute_until=dispute_until)
            subject.save(update_fields=["status", "paid_at", "dispute_window_ends_at", "updated_at"])
            student = subject.student
        history_record(subject=subject, transition="mark_paid", from_state=was, to_state=subject.status,
                       actor=actor, reason=f"payout {payout.pk}")
        notify(recipient=student, subject=_("You have been paid %(amount)s") % {
            "amount": format_fen(payout.amount_fen)},
            body=_("Your pay of %(amount)s has been sent to %(account)s.") % {
                "amount": format_fen(payout.amount_fen), "account": payout.account_masked},
            link=reverse("settlements:student_statement", args=[payout.settlement_id]))
    return len(payouts)


def _batch_close(*, batch: PayoutBatch, actor, now: dt.datetime, reason: str) -> None:
    was = batch.status
    batch.confirm(now=now, by=actor)
    batch.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    history_record(subject=batch, transition="confirm", from_state=was, to_state=batch.status, actor=actor,
                   reason=reason)


def _outstanding(batch: PayoutBatch, payout_ids=None) -> list[Payout]:
    rows = batch.payouts.select_for_update().filter(status__in=OUTSTANDING)
    if payout_ids is not None:
        rows = rows.filter(pk__in=payout_ids)
    return list(rows.order_by("pk"))


@transaction.atomic
def payout_batch_confirm(*, batch_id: int, actor) -> PayoutBatch:
    """Finance confirms the bank and Alipay executed the batch (F3.2).

    Effects: one posting Dr payouts in transit, Cr the settlement bank account,
    the outstanding (queued or sent) lines' total; each of those payouts and its
    settlement (or adjustment) paid; the student told. Lines marked failed before
    stay failed. A second confirmation (double click, two tabs) finds the batch
    confirmed under its row lock and pays nothing."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == PayoutBatch.Status.CONFIRMED:
        raise BatchAlreadyConfirmed()
    now = timezone.now()
    paid = _confirm_lines(batch=batch, payouts=_outstanding(batch), actor=actor, now=now)
    _batch_close(batch=batch, actor=actor, now=now, reason=f"{paid} payouts paid")
    return batch


@transaction.atomic
def payout_fail(*, payout_id: int, actor, reason: str) -> Payout:
    """The bank or Alipay refused one line (F3.2): posting `<ledger_key>:failed`
    Dr payouts in transit, Cr the student's payable puts the money back; the
    payout is failed, the settlement (or adjustment, S4.3) funded again and due
    once the student fixes their details, and the student is asked to. Only a
    queued or sent payout can fail."""
    if not (reason or "").strip():
        raise ReasonRequired()
    reason = reason.strip()
    # Lock order as in payout_batch_confirm (batch, payout, settlement/adjustment): no deadlock between the two.
    batch_id = Payout.objects.values_list("batch_id", flat=True).get(pk=payout_id)
    PayoutBatch.objects.select_for_update().filter(pk=batch_id).first()
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    if payout.adjustment_id is not None:
        subject = SettlementAdjustment.objects.select_for_update().get(pk=payout.adjustment_id)
    else:
        subject = Settlement.objects.select_for_update().get(pk=payout.settlement_id)
    if payout.status not in OUTSTANDING:
        raise PayoutNotOutstanding()
    now = timezone.now()
    transaction_post(key=f"{payout.ledger_key}:failed", kind="payout_failed", source=payout,
                     memo=f"payout {payout.pk} failed: {reason}"[:300], actor=actor,
                     lines=[(platform_account(AccountKind.PAYOUT_CLEARING), payout.amount_fen),
                            (student_payable(payout.student_id), -payout.amount_fen)])
    payout.fail(now=now, reason=reason)
    payout.save(update_fields=["status", "failed_at", "failure_reason", "updated_at"])
    was = subject.status
    subject.payout_fail(now=now)
    if payout.adjustment_id is not None:
        subject.save(update_fields=["status", "payout_due_at", "updated_at"])
    else:
        subject.save(update_fields=["status", "payout_failed_at", "payout_due_at", "updated_at"])
    history_record(subject=subject, transition="payout_fail", from_state=was, to_state=subject.status,
                   actor=actor, reason=reason)
    PayoutBatch.objects.filter(pk=payout.batch_id).update(
        payout_count=F("payout_count") - 1, total_fen=F("total_fen") - payout.amount_fen)
    notify(recipient=payout.student, subject=_("We could not pay you: please check your payout details"),
           body=_("The transfer of %(amount)s to %(account)s failed. Please check or change your payout method; "
                  "we pay you again in the next batch after that.") % {
               "amount": format_fen(payout.amount_fen), "account": payout.account_masked},
           link=reverse("settlements:payout_methods"))
    return payout


def payouts_reschedule_for_student(*, student_id: int) -> int:
    """After the student changed their payout method: settlements and dispute
    adjustments whose payout failed are due again now (the next batch). Returns how many."""
    now = timezone.now()
    settlements = Settlement.objects.filter(student_id=student_id, status=SettlementStatus.FUNDED,
                                            payout_due_at__isnull=True).update(payout_due_at=now, updated_at=now)
    adjustments = SettlementAdjustment.objects.filter(
        student_id=student_id, status=SettlementAdjustment.Status.FUNDED, payout_due_at__isnull=True,
    ).update(payout_due_at=now, updated_at=now)
    return settlements + adjustments


# ------------------------------------------------------------------ the bank's result file (F3.2)
@dataclass(frozen=True)
class ResultImportSummary:
    paid: int  # lines marked paid now
    failed: int  # lines marked failed now (money back in the payable)
    pending: int  # lines the bank still processes: left outstanding
    unchanged: int  # lines already recorded as the file says (a file imported twice)
    outstanding: int  # payouts of the batch still queued or sent afterwards
    batch_confirmed: bool


DEFAULT_FAILURE_REASON = _("Refused by the bank or Alipay (result file)")


@transaction.atomic
def payout_batch_import_results(*, batch_id: int, file, actor) -> ResultImportSummary:
    """Apply the bank's or Alipay's result file to a batch (F3.2).

    Every line must name a payout of this batch (by the remark written in the
    batch file, its id or its ledger key), once, with success (成功), failed
    (失败) or pending (处理中); otherwise nothing is applied and the error lists
    the rows. Failed lines go through payout_fail with the file's reason; success
    lines are marked paid (one posting); once no payout of the batch is
    outstanding the batch is confirmed. A line already recorded as the file says
    changes nothing, so importing a file twice is harmless; a line contradicting
    what was recorded (paid but now failed) refuses the file."""
    from .exports import ResultFileInvalid, result_file_parse

    if not (actor.is_active and actor.has_perm(EXECUTE_PERMISSION)):
        raise NotPermitted()
    from django.conf import settings

    if file.size > settings.UPLOAD_MAX_BYTES:
        raise ResultFileInvalid([_("The file is larger than the upload limit.")])
    lines = result_file_parse(data=file.read(), file_name=(getattr(file, "name", "") or "result")[:255])
    batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
    by_id = {p.pk: p for p in Payout.objects.filter(pk__in={ln.payout_id for ln in lines if ln.payout_id})}
    by_id.update({p.pk: p for p in Payout.objects.filter(ledger_key__in={ln.ledger_key for ln in lines
                                                                           if ln.ledger_key})})
    by_key = {p.ledger_key: p for p in by_id.values()}
    errors, seen, plan = [], {}, []
    for line in lines:
        payout = by_id.get(line.payout_id) if line.payout_id else by_key.get(line.ledger_key)
        if payout is None:
            errors.append(_("Row %(row)d: no payout “%(ref)s”.") % {"row": line.row, "ref": line.reference})
            continue
        if payout.batch_id != batch.pk:
            errors.append(_("Row %(row)d: payout %(id)d belongs to batch %(other)d, not to this one.")
                          % {"row": line.row, "id": payout.pk, "other": payout.batch_id})
            continue
        if payout.pk in seen:
            errors.append(_("Row %(row)d: payout %(id)d is listed twice (also row %(first)d).")
                          % {"row": line.row, "id": payout.pk, "first": seen[payout.pk]})
            continue
        seen[payout.pk] = line.row
        if line.amount_fen is not None and line.amount_fen != payout.amount_fen:
            errors.append(_("Row %(row)d: payout %(id)d is %(amount)s, the file says %(file)s.")
                          % {"row": line.row, "id": payout.pk, "amount": format_fen(payout.amount_fen),
                             "file": format_fen(line.amount_fen)})
            continue
        contradicts = ((line.status == "failed" and payout.status == Payout.Status.PAID)
                       or (line.status == "success" and payout.status == Payout.Status.FAILED))
        if contradicts:
            errors.append(_("Row %(row)d: payout %(id)d is recorded as %(status)s; the file says otherwise.")
                          % {"row": line.row, "id": payout.pk, "status": payout.get_status_display()})
            continue
        plan.append((line, payout))
    if errors:
        raise ResultFileInvalid(errors)

    unchanged = sum(1 for line, payout in plan if line.status != "pending" and payout.status not in OUTSTANDING)
    failing = [(line, payout) for line, payout in plan if line.status == "failed" and payout.status in OUTSTANDING]
    for line, payout in failing:
        payout_fail(payout_id=payout.pk, actor=actor, reason=line.reason or str(DEFAULT_FAILURE_REASON))
    now = timezone.now()
    succeeded = [payout.pk for line, payout in plan if line.status == "success" and payout.status in OUTSTANDING]
    paid = _confirm_lines(batch=batch, payouts=_outstanding(batch, succeeded), actor=actor, now=now)
    outstanding = batch.payouts.filter(status__in=OUTSTANDING).count()
    if batch.status != PayoutBatch.Status.CONFIRMED and not outstanding:
        _batch_close(batch=batch, actor=actor, now=now, reason=f"result file: {paid} paid, {len(failing)} failed")
    summary = ResultImportSummary(paid=paid, failed=len(failing),
                                  pending=sum(1 for line, _p in plan if line.status == "pending"),
                                  unchanged=unchanged, outstanding=outstanding,
                                  batch_confirmed=batch.status == PayoutBatch.Status.CONFIRMED)
    if paid or failing:
        history_record(subject=batch, transition="import_results", from_state=batch.status, to_state=batch.status,
                       actor=actor, reason=f"{paid} paid, {len(failing)} failed, {outstanding} outstanding")
    return summary
