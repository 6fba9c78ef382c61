"""The bank's or Alipay's result file for an executed payout batch (F3.2): each
line names a payout and says paid, failed or still pending. The file is checked
whole before anything is applied; then failed lines go through `payout_fail`,
paid ones are confirmed together, and the batch closes once nothing of it is
outstanding — the same steps finance takes by hand (`payout_execution`)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import NotPermitted
from core.history import history_record
from core.money import format_fen
from core.transitions import lock_row

from .exports import ResultFileInvalid, ResultLine, result_file_parse
from .models import Payout, PayoutBatch, SettlementAction
from .payout_execution import (
    EXECUTE_PERMISSION,
    OUTSTANDING,
    payout_batch_close,
    payout_fail,
    payout_lines_confirm,
    payouts_outstanding_locked,
)


@dataclass(frozen=True)
class ResultImportSummary:
    paid: int  # lines marked paid now
    failed: int  # lines marked failed now (money back in the payable)
    pending: int  # lines the bank still processes: left outstanding
    unchanged: int  # lines already recorded as the file says (a file imported twice)
    outstanding: int  # payouts of the batch still queued or sent afterwards
    batch_confirmed: bool


DEFAULT_FAILURE_REASON = _("Refused by the bank or Alipay (result file)")


def _result_plan(lines: list[ResultLine], *, batch: PayoutBatch) -> list[tuple[ResultLine, Payout]]:
    """Each line with the payout it names, once the whole file holds; else
    ResultFileInvalid lists every row that does not (nothing is applied)."""
    by_id = {p.pk: p for p in Payout.objects.filter(pk__in={ln.payout_id for ln in lines if ln.payout_id})}
    by_id.update({p.pk: p for p in Payout.objects.filter(ledger_key__in={ln.ledger_key for ln in lines
                                                                           if ln.ledger_key})})
    by_key = {p.ledger_key: p for p in by_id.values()}
    errors: list[str] = []
    seen: dict[int, int] = {}  # payout → the row that named it first
    plan: list[tuple[ResultLine, Payout]] = []
    for line in lines:
        payout = by_id.get(line.payout_id) if line.payout_id else by_key.get(line.ledger_key)
        if payout is None:
            errors.append(_("Row %(row)d: no payout “%(ref)s”.") % {"row": line.row, "ref": line.reference})
            continue
        error = _result_reference_error(line, payout, batch=batch, seen=seen)
        if error is None:
            seen[payout.pk] = line.row
            error = _result_record_error(line, payout)
        if error is None:
            plan.append((line, payout))
        else:
            errors.append(error)
    if errors:
        raise ResultFileInvalid(errors)
    return plan


def _result_reference_error(line: ResultLine, payout: Payout, *, batch: PayoutBatch,
                            seen: dict[int, int]) -> str | None:
    """A line naming a payout of another batch, or one an earlier line named."""
    if payout.batch_id != batch.pk:
        return (_("Row %(row)d: payout %(id)d belongs to batch %(other)d, not to this one.")
                % {"row": line.row, "id": payout.pk, "other": payout.batch_id})
    if payout.pk in seen:
        return (_("Row %(row)d: payout %(id)d is listed twice (also row %(first)d).")
                % {"row": line.row, "id": payout.pk, "first": seen[payout.pk]})
    return None


def _result_record_error(line: ResultLine, payout: Payout) -> str | None:
    """A line whose amount differs from the payout's, or whose result contradicts the
    one recorded (paid, now failed; failed, now paid)."""
    if line.amount_fen is not None and line.amount_fen != payout.amount_fen:
        return (_("Row %(row)d: payout %(id)d is %(amount)s, the file says %(file)s.")
                % {"row": line.row, "id": payout.pk, "amount": format_fen(payout.amount_fen),
                   "file": format_fen(line.amount_fen)})
    contradicts = ((line.status == "failed" and payout.status == Payout.Status.PAID)
                   or (line.status == "success" and payout.status == Payout.Status.FAILED))
    if contradicts:
        return (_("Row %(row)d: payout %(id)d is recorded as %(status)s; the file says otherwise.")
                % {"row": line.row, "id": payout.pk, "status": payout.get_status_display()})
    return None


@transaction.atomic
def payout_batch_import_results(*, batch_id: int, file: UploadedFile, actor: User) -> ResultImportSummary:
    """Apply the bank's or Alipay's result file to a batch (F3.2).

    Every line must name a payout of this batch (by the remark written in the
    batch file, its id or its ledger key), once, with success (成功), failed
    (失败) or pending (处理中); otherwise nothing is applied and the error lists
    the rows. Failed lines go through payout_fail with the file's reason; success
    lines are marked paid (one posting); once no payout of the batch is
    outstanding the batch is confirmed. A line already recorded as the file says
    changes nothing, so importing a file twice is harmless; a line contradicting
    what was recorded (paid but now failed) refuses the file."""
    if not (actor.is_active and actor.has_perm(EXECUTE_PERMISSION)):
        raise NotPermitted()
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise ResultFileInvalid([_("The file is larger than the upload limit.")])
    lines = result_file_parse(data=file.read(), file_name=(getattr(file, "name", "") or "result")[:255])
    batch = lock_row(PayoutBatch, batch_id)
    plan = _result_plan(lines, batch=batch)

    unchanged = sum(1 for line, payout in plan if line.status != "pending" and payout.status not in OUTSTANDING)
    failing = [(line, payout) for line, payout in plan if line.status == "failed" and payout.status in OUTSTANDING]
    for line, payout in failing:
        payout_fail(payout_id=payout.pk, actor=actor, reason=line.reason or str(DEFAULT_FAILURE_REASON))
    now = timezone.now()
    succeeded = [payout.pk for line, payout in plan if line.status == "success" and payout.status in OUTSTANDING]
    paid = payout_lines_confirm(batch=batch, payouts=payouts_outstanding_locked(batch, succeeded), actor=actor,
                                now=now)
    outstanding = batch.payouts.filter(status__in=OUTSTANDING).count()
    if batch.status != PayoutBatch.Status.CONFIRMED and not outstanding:
        payout_batch_close(batch=batch, actor=actor, now=now,
                           reason=f"result file: {paid} paid, {len(failing)} failed")
    summary = ResultImportSummary(paid=paid, failed=len(failing),
                                  pending=sum(1 for line, _p in plan if line.status == "pending"),
                                  unchanged=unchanged, outstanding=outstanding,
                                  batch_confirmed=batch.status == PayoutBatch.Status.CONFIRMED)
    if paid or failing:
        history_record(subject=batch, transition=SettlementAction.IMPORT_RESULTS, from_state=batch.status,
                       to_state=batch.status, actor=actor,
                       reason=f"{paid} paid, {len(failing)} failed, {outstanding} outstanding")
    return summary
