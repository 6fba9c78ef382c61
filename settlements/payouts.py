"""Paying students exactly once (S4.2, F3.2): the day's payout batch, finance's
confirmation, and a failed line going back to the student's payable.

Exactly once rests on three things together: the database allows one live
payout per settlement (a partial unique constraint), every posting has a
unique ledger key, and every transition locks its rows and checks the state
first — so concurrent builders, a redelivered task or a double click on
"confirm" move no money twice."""

import datetime as dt

from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, ReasonRequired
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.working_days import working_days_after
from finance.ledger import platform_account, student_payable, transaction_post, transaction_reverse
from finance.models import AccountKind

from .models import Payout, PayoutBatch, PayoutMethod, Settlement, SettlementStatus

# Settlements locked per transaction while building a batch: one query for the
# rows, one for the methods, one bulk insert and a ledger posting each — a few
# seconds at most, so no lock is held long and a crash loses one chunk at most.
PAYOUT_CHUNK = 1000


class BatchAlreadyConfirmed(DomainError):
    default_message = _("This batch has been confirmed as paid already.")


class PayoutNotOutstanding(DomainError):
    default_message = _("Only a payout that is queued or sent can be marked failed.")


def payout_key(settlement_pk: int, attempt: int) -> str:
    """The first attempt is `payout:<settlement>`; a retry after a failure gets its own key."""
    return f"payout:{settlement_pk}" if attempt == 1 else f"payout:{settlement_pk}:attempt{attempt}"


def _my_pay_link() -> str:
    return reverse("settlements:student_home")


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


def _build_chunk(*, batch: PayoutBatch, now: dt.datetime, after: int) -> tuple[int, int, int]:
    """Lock up to PAYOUT_CHUNK due settlements (skipping rows another builder holds),
    queue a payout for each whose student has a method. Returns (last pk seen,
    payouts created, their total)."""
    rows = list(Settlement.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=SettlementStatus.FUNDED, payout_due_at__lte=now, pk__gt=after)
                .order_by("pk").values_list("pk", "student_id", "student_total_fen")[:PAYOUT_CHUNK])
    if not rows:
        return 0, 0, 0
    ids = [pk for pk, _student, _amount in rows]
    methods = {m.student_id: m for m in PayoutMethod.objects.filter(
        student_id__in={student for _pk, student, _amount in rows}, is_default=True, removed_at__isnull=True)}
    failed = dict(Payout.objects.filter(settlement_id__in=ids, status=Payout.Status.FAILED)
                  .order_by().values_list("settlement_id").annotate(n=Count("pk")).values_list("settlement_id", "n"))
    payouts, without_method = [], []
    for pk, student_id, amount in rows:
        method = methods.get(student_id)
        if method is None:
            without_method.append(pk)
            continue
        attempt = failed.get(pk, 0) + 1
        payouts.append(Payout(settlement_id=pk, batch=batch, student_id=student_id, attempt=attempt,
                              amount_fen=amount, method=method, method_kind=method.kind, bank_name=method.bank_name,
                              account_masked=method.account_masked, account_number=method.account_number,
                              account_holder=method.account_holder, ledger_key=payout_key(pk, attempt)))
    if without_method:
        _ask_for_method(without_method, now)
    if not payouts:
        return ids[-1], 0, 0
    Payout.objects.bulk_create(payouts)
    clearing = platform_account(AccountKind.PAYOUT_CLEARING)
    for payout in payouts:
        transaction_post(key=payout.ledger_key, kind="payout", memo=f"payout of settlement {payout.settlement_id}",
                         lines=[(student_payable(payout.student_id), payout.amount_fen),
                                (clearing, -payout.amount_fen)])
    paying = [p.settlement_id for p in payouts]
    # Queryset update: the FSM field is protected, and these rows are locked by us.
    Settlement.objects.filter(pk__in=paying).update(status=SettlementStatus.PAYING, updated_at=now)
    return ids[-1], len(payouts), sum(p.amount_fen for p in payouts)


def payout_batch_build(*, now: dt.datetime | None = None, actor=None) -> PayoutBatch | None:
    """Build the day's payout batch (S4.2, F3.2): every funded settlement due by
    `now`, in chunks of PAYOUT_CHUNK, each chunk one transaction.

    Effects per settlement: a Payout with a snapshot of the student's default
    method; posting `payout:<settlement>` Dr the student's payable, Cr payouts in
    transit; status paying. Students without a method are skipped and asked (once)
    to add one. Returns the batch, or None if nothing was due. Concurrent builders
    lock disjoint rows (skip_locked), and the one-live-payout constraint backs it."""
    now = now or timezone.now()
    batch, after = None, 0
    while True:
        with transaction.atomic():
            if batch is None:
                batch = PayoutBatch.objects.create(created_by=actor)
            after, count, total = _build_chunk(batch=batch, now=now, after=after)
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


@transaction.atomic
def payout_batch_confirm(*, batch_id: int, actor) -> PayoutBatch:
    """Finance confirms the bank and Alipay executed the batch (F3.2).

    Effects per outstanding (queued or sent) payout: posting `payout:<pk>:paid`
    Dr payouts in transit, Cr the settlement bank account; payout and
    settlement paid; the student told. Lines marked failed before stay failed.
    A second confirmation (double click, two tabs) finds the batch confirmed
    under its row lock and pays nothing."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == PayoutBatch.Status.CONFIRMED:
        raise BatchAlreadyConfirmed()
    now = timezone.now()
    # S4.3: the student may dispute the payment for P2 working days after receiving it.
    dispute_until = working_days_after(now, get_policy().dispute_working_days)
    clearing, bank = platform_account(AccountKind.PAYOUT_CLEARING), platform_account(AccountKind.BANK_CLEARING)
    payouts = list(batch.payouts.select_for_update().filter(status__in=[Payout.Status.QUEUED, Payout.Status.SENT])
                   .order_by("pk"))
    settlements = {s.pk: s for s in Settlement.objects.select_for_update().select_related("student")
                   .filter(pk__in=[p.settlement_id for p in payouts])}
    for payout in payouts:
        transaction_post(key=f"payout:{payout.pk}:paid", kind="payout_paid", memo=f"payout {payout.pk} paid",
                         lines=[(clearing, payout.amount_fen), (bank, -payout.amount_fen)], actor=actor)
        payout.mark_paid(now=now)
        settlement = settlements[payout.settlement_id]
        settlement.mark_paid(now=now, dispute_until=dispute_until)
    if payouts:
        Payout.objects.bulk_update(payouts, ["status", "paid_at", "updated_at"])
    for payout in payouts:
        settlement = settlements[payout.settlement_id]
        settlement.save(update_fields=["status", "paid_at", "dispute_window_ends_at", "updated_at"])
        history_record(subject=settlement, transition="mark_paid", from_state=SettlementStatus.PAYING,
                       to_state=settlement.status, actor=actor, reason=f"payout {payout.pk}")
        notify(recipient=settlement.student, subject=_("You have been paid %(amount)s") % {
            "amount": format_fen(payout.amount_fen)},
            body=_("Your pay of %(amount)s has been sent to %(account)s.") % {
                "amount": format_fen(payout.amount_fen), "account": payout.account_masked},
            link=reverse("settlements:student_statement", args=[settlement.pk]))
    was = batch.status
    batch.confirm(now=now, by=actor)
    batch.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    history_record(subject=batch, transition="confirm", from_state=was, to_state=batch.status, actor=actor,
                   reason=f"{len(payouts)} payouts paid")
    return batch


@transaction.atomic
def payout_fail(*, payout_id: int, actor, reason: str) -> Payout:
    """The bank or Alipay refused one line (F3.2): the payout posting is reversed,
    so the money is back in the student's payable; the payout is failed, the
    settlement funded again and due once the student fixes their details, and the
    student is asked to. Only a queued or sent payout can fail."""
    if not (reason or "").strip():
        raise ReasonRequired()
    # Lock order as in payout_batch_confirm (batch, payout, settlement): no deadlock between the two.
    batch_id = Payout.objects.values_list("batch_id", flat=True).get(pk=payout_id)
    PayoutBatch.objects.select_for_update().filter(pk=batch_id).first()
    payout = Payout.objects.select_for_update().get(pk=payout_id)
    settlement = Settlement.objects.select_for_update().select_related("student").get(pk=payout.settlement_id)
    if payout.status not in (Payout.Status.QUEUED, Payout.Status.SENT):
        raise PayoutNotOutstanding()
    now = timezone.now()
    transaction_reverse(original_key=payout.ledger_key, memo=f"payout {payout.pk} failed: {reason}"[:300],
                        actor=actor)
    payout.fail(now=now, reason=reason.strip())
    payout.save(update_fields=["status", "failed_at", "failure_reason", "updated_at"])
    settlement.payout_fail(now=now)
    settlement.save(update_fields=["status", "payout_failed_at", "payout_due_at", "updated_at"])
    history_record(subject=settlement, transition="payout_fail", from_state=SettlementStatus.PAYING,
                   to_state=settlement.status, actor=actor, reason=reason.strip())
    PayoutBatch.objects.filter(pk=payout.batch_id).update(
        payout_count=F("payout_count") - 1, total_fen=F("total_fen") - payout.amount_fen)
    notify(recipient=settlement.student, subject=_("We could not pay you: please check your payout details"),
           body=_("The transfer of %(amount)s to %(account)s failed. Please check or change your payout method; "
                  "we pay you again in the next batch after that.") % {
               "amount": format_fen(payout.amount_fen), "account": payout.account_masked},
           link=reverse("settlements:payout_methods"))
    return payout


def payouts_reschedule_for_student(*, student_id: int) -> int:
    """After the student changed their payout method: settlements whose payout
    failed are due again now (the next batch). Returns how many."""
    return Settlement.objects.filter(student_id=student_id, status=SettlementStatus.FUNDED,
                                     payout_due_at__isnull=True).update(payout_due_at=timezone.now(),
                                                                         updated_at=timezone.now())
