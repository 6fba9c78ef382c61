"""Finance executes a payout batch (F3.2, S4.2, S4.3): the batch's files were
downloaded (its queued lines are with the bank), the batch is confirmed as
paid, or one line failed and its money goes back to the student's payable.
The batch itself is built by `payouts`; the bank's result file applies these
same steps line by line (`payout_results`). The ledger keys are listed in
`payouts`.

Lock order everywhere: the batch, then its payouts, then their settlements
(or adjustments), so a confirmation and a failure never deadlock."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.alerts import alert_send
from core.errors import DomainError, ReasonRequired
from core.models import AlertKind
from core.money import format_fen
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after
from finance.ledger import platform_account, student_payable, transaction_post
from finance.models import AccountKind

from .models import Payout, PayoutBatch, Settlement, SettlementAdjustment, SettlementStatus

OUTSTANDING = (Payout.Status.QUEUED, Payout.Status.SENT)
EXECUTE_PERMISSION = "settlements.execute_payoutbatch"


class BatchAlreadyConfirmed(DomainError):
    default_message = _("This batch has been confirmed as paid already.")


class PayoutNotOutstanding(DomainError):
    default_message = _("Only a payout that is queued or sent can be marked failed.")


@transaction.atomic
def payout_batch_mark_exported(*, batch_id: int, actor: User) -> PayoutBatch:
    """Finance downloaded the batch's files: queued payouts are now with the bank.
    A second download (the other file, another copy) records nothing new."""
    batch = lock_row(PayoutBatch, batch_id)
    if batch.status == PayoutBatch.Status.CONFIRMED:
        return batch
    now = timezone.now()
    if batch.status == PayoutBatch.Status.OPEN:
        run_transition(batch, "export", actor=actor, now=now)
    # Set-based: a batch has up to a hundred thousand lines; the batch's history row records it.
    batch.payouts.filter(status=Payout.Status.QUEUED).update(status=Payout.Status.SENT, updated_at=now)
    return batch


def payout_lines_confirm(*, batch: PayoutBatch, payouts: list[Payout], actor: User, now: dt.datetime) -> int:
    """Mark these outstanding payouts of the locked batch paid (F3.2): one posting
    `batch:<batch>:paid:<first payout>` Dr payouts in transit, Cr the settlement bank
    account; each payout and its settlement (or adjustment, S4.3) paid; the student
    told. The caller holds the batch lock and has locked the payouts
    (`payouts_outstanding_locked`). Returns how many."""
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
    students: dict[int, User] = {}
    if adjustments:
        students = User.objects.in_bulk({a.student_id for a in adjustments.values()})
    # The lines themselves in one statement (set-based: a confirmation may pay a whole batch);
    # each line's settlement or adjustment records the payment in its history, naming the payout.
    for payout in payouts:
        payout.mark_paid(now=now)
    Payout.objects.bulk_update(payouts, ["status", "paid_at", "updated_at"])
    for payout in payouts:
        if payout.adjustment_id is not None:
            adjustment = adjustments[payout.adjustment_id]
            run_transition(adjustment, "mark_paid", actor=actor, note=f"payout {payout.pk}", now=now)
            student = students[adjustment.student_id]
        else:
            settlement = settlements[payout.settlement_id]
            run_transition(settlement, "mark_paid", actor=actor, note=f"payout {payout.pk}", now=now,
                           dispute_until=dispute_until)
            student = settlement.student
        alert_send(recipient=student, kind=AlertKind.PAYOUT, subject=_("You have been paid %(amount)s") % {
            "amount": format_fen(payout.amount_fen)},
            body=_("Your pay of %(amount)s has been sent to %(account)s.") % {
                "amount": format_fen(payout.amount_fen), "account": payout.account_masked},
            link=reverse("settlements:student_statement", args=[payout.settlement_id]))
    return len(payouts)


def payout_batch_close(*, batch: PayoutBatch, actor: User, now: dt.datetime, reason: str) -> None:
    """The locked batch is confirmed: nothing of it is outstanding any more."""
    run_transition(batch, "confirm", actor=actor, note=reason, now=now, by=actor)


def payouts_outstanding_locked(batch: PayoutBatch, payout_ids: Iterable[int] | None = None) -> list[Payout]:
    """The batch's queued or sent payouts (of `payout_ids`, if given), locked in id order."""
    rows = batch.payouts.select_for_update().filter(status__in=OUTSTANDING)
    if payout_ids is not None:
        rows = rows.filter(pk__in=payout_ids)
    return list(rows.order_by("pk"))


@transaction.atomic
def payout_batch_confirm(*, batch_id: int, actor: User) -> PayoutBatch:
    """Finance confirms the bank and Alipay executed the batch (F3.2).

    Effects: one posting Dr payouts in transit, Cr the settlement bank account,
    the outstanding (queued or sent) lines' total; each of those payouts and its
    settlement (or adjustment) paid; the student told. Lines marked failed before
    stay failed. A second confirmation (double click, two tabs) finds the batch
    confirmed under its row lock and pays nothing."""
    batch = lock_row(PayoutBatch, batch_id)
    if batch.status == PayoutBatch.Status.CONFIRMED:
        raise BatchAlreadyConfirmed()
    now = timezone.now()
    paid = payout_lines_confirm(batch=batch, payouts=payouts_outstanding_locked(batch), actor=actor, now=now)
    payout_batch_close(batch=batch, actor=actor, now=now, reason=f"{paid} payouts paid")
    return batch


@transaction.atomic
def payout_fail(*, payout_id: int, actor: User, reason: str) -> Payout:
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
    lock_row(PayoutBatch, batch_id)
    payout = lock_row(Payout, payout_id)
    subject: Settlement | SettlementAdjustment
    if payout.adjustment_id is not None:
        subject = lock_row(SettlementAdjustment, payout.adjustment_id)
    else:
        subject = lock_row(Settlement, payout.settlement_id)
    if payout.status not in OUTSTANDING:
        raise PayoutNotOutstanding()
    now = timezone.now()
    transaction_post(key=f"{payout.ledger_key}:failed", kind="payout_failed", source=payout,
                     memo=f"payout {payout.pk} failed: {reason}"[:300], actor=actor,
                     lines=[(platform_account(AccountKind.PAYOUT_CLEARING), payout.amount_fen),
                            (student_payable(payout.student_id), -payout.amount_fen)])
    run_transition(payout, "fail", actor=actor, note=reason, now=now, reason=reason)
    run_transition(subject, "payout_fail", actor=actor, note=reason, now=now)
    PayoutBatch.objects.filter(pk=payout.batch_id).update(
        payout_count=F("payout_count") - 1, total_fen=F("total_fen") - payout.amount_fen)
    alert_send(recipient=payout.student, kind=AlertKind.PAYOUT,
               subject=_("We could not pay you: please check your payout details"),
               body=_("The transfer of %(amount)s to %(account)s failed. Please check or change your payout "
                      "method; we pay you again in the next batch after that.") % {
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
