"""Adjusting transactions (F1): the ledger is never edited; a correction is a
balanced transaction one finance staff member proposes and ANOTHER approves
(four eyes) before it is posted through `finance.ledger.transaction_post`
with the key `adjustment:<pk>`, or rejected with a note."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.notifications import notify
from core.transitions import lock_row, run_transition
from finance.ledger import transaction_post
from finance.models import LedgerAccount

from .models import AdjustmentRequest, BackofficeAction

REQUEST_PERMISSION = "backoffice.add_adjustmentrequest"
APPROVE_PERMISSION = "backoffice.approve_adjustmentrequest"
MAX_LINES = 20
MAX_AMOUNT_FEN = 10**13


class OwnAdjustment(NotPermitted):
    default_message = _("Another finance staff member must approve an adjusting transaction you requested.")


def adjustment_key(pk: int) -> str:
    return f"adjustment:{pk}"


def _clean_lines(lines) -> list[list]:
    """[(code, fen), ...] → [[code, fen], ...]: known accounts, non-zero integer fen, summing to zero."""
    cleaned = []
    for code, amount in lines or []:
        code = (code or "").strip()
        if not code:
            continue
        if type(amount) is not int or amount == 0:  # noqa: E721
            raise DomainError(_("Every line needs an amount other than zero."), field="lines")
        if abs(amount) > MAX_AMOUNT_FEN:
            raise DomainError(_("This amount is too large."), field="lines")
        cleaned.append([code, amount])
    if len(cleaned) < 2:
        raise DomainError(_("An adjusting transaction needs at least two lines."), field="lines")
    if len(cleaned) > MAX_LINES:
        raise DomainError(_("At most %(n)d lines.") % {"n": MAX_LINES}, field="lines")
    known = set(LedgerAccount.objects.filter(code__in=[c for c, _a in cleaned]).values_list("code", flat=True))
    unknown = sorted({c for c, _a in cleaned} - known)
    if unknown:
        raise DomainError(_("No ledger account has the code %(codes)s.") % {"codes": ", ".join(unknown)},
                          field="lines")
    if sum(a for _c, a in cleaned) != 0:
        raise DomainError(_("The debits and credits must balance (the amounts must sum to zero)."), field="lines")
    return cleaned


@transaction.atomic
def adjustment_request(*, actor, memo: str, lines) -> AdjustmentRequest:
    """A finance staff member proposes a balanced correcting transaction; nothing moves yet."""
    if not (actor is not None and actor.is_active and actor.has_perm(REQUEST_PERMISSION)):
        raise NotPermitted()
    if not (memo or "").strip():
        raise DomainError(_("Say what the adjustment corrects."), field="memo")
    cleaned = _clean_lines(lines)
    request = AdjustmentRequest.objects.create(memo=memo.strip()[:300], lines=cleaned, requested_by=actor)
    history_record(subject=request, transition=BackofficeAction.REQUEST, from_state="",
                   to_state=request.status, actor=actor, reason=request.memo)
    link = reverse("admin:backoffice_adjustmentrequest_change", args=[request.pk])
    transaction.on_commit(lambda: staff_role_notify(
        role="finance", subject=_("An adjusting transaction waits for a second finance approval"), link=link))
    return request


def _decider(request_id: int, actor) -> AdjustmentRequest:
    if not (actor is not None and actor.is_active and actor.has_perm(APPROVE_PERMISSION)):
        raise NotPermitted()
    try:
        request = lock_row(AdjustmentRequest, request_id)
    except AdjustmentRequest.DoesNotExist:
        raise InvalidTransition() from None
    if request.status != AdjustmentRequest.Status.REQUESTED:
        raise InvalidTransition()
    if request.requested_by_id == actor.pk:
        raise OwnAdjustment()
    return request


@transaction.atomic
def adjustment_approve(*, request_id: int, actor) -> AdjustmentRequest:
    """Another finance member approves: the lines are posted as `adjustment:<pk>` (once)."""
    request = _decider(request_id, actor)
    accounts = {a.code: a for a in LedgerAccount.objects.filter(code__in=[c for c, _a in request.lines])}
    key = adjustment_key(request.pk)
    transaction_post(key=key, kind="adjustment", actor=actor, source=request,
                     memo=f"adjustment {request.pk}: {request.memo}",
                     lines=[(accounts[code], int(amount)) for code, amount in request.lines])
    run_transition(request, "post", actor=actor, by=actor, key=key)
    requester = request.requested_by
    transaction.on_commit(lambda: notify(recipient=requester, subject=_("Your adjusting transaction was posted"),
                                         body=request.memo, link="", email=False))
    return request


@transaction.atomic
def adjustment_reject(*, request_id: int, actor, note: str) -> AdjustmentRequest:
    if not (note or "").strip():
        raise ReasonRequired()
    request = _decider(request_id, actor)
    run_transition(request, "reject", actor=actor, note=note.strip()[:300], by=actor,
                   reason=note.strip()[:2000])
    requester = request.requested_by
    transaction.on_commit(lambda: notify(recipient=requester, subject=_("Your adjusting transaction was rejected"),
                                         body=request.decision_note, link="", email=False))
    return request
