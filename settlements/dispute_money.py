"""The money a decided payment dispute moves (S4.3, E5.1, F1): a commission
refund to the employer's escrow, and extra pay for the student — a
SettlementAdjustment that the employer's escrow funds (commission on top) and
the payout batch then pays like a statement. `disputes.dispute_decide` decides;
this module moves the money it decided.

Ledger postings: `dispute:<pk>:refund` (Dr commission revenue, Cr escrow) and
`adjustment:<pk>:fund` (Dr escrow, Cr student payable the extra pay less the
income tax withheld, Cr tax payable the tax, Cr commission revenue)."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.history import history_record
from core.models import Notification
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after
from finance.ledger import (
    InsufficientBalance,
    employer_escrow,
    platform_account,
    transaction_post,
)
from finance.models import AccountKind

from .models import PaymentDispute, Settlement, SettlementAction, SettlementAdjustment
from .statement import half_up
from .withholding import adjustment_tax_withhold, pay_credit_lines

# Adjustments selected per query by the funding sweep; each is funded in its own
# short transaction (the adjustment's row, then two or three ledger accounts).
FUND_BATCH = 200


def fund_key(adjustment_pk: int) -> str:
    return f"adjustment:{adjustment_pk}:fund"


def refund_key(dispute_pk: int) -> str:
    return f"dispute:{dispute_pk}:refund"


def adjustment_commission_fen(*, amount_fen: int, commission_percent: int) -> int:
    """The commission on extra pay, at the statement's percent, rounded as statements round it."""
    return half_up(amount_fen * commission_percent, 100)


# ------------------------------------------------------------------ what a decision moves
def dispute_money_apply(*, dispute: PaymentDispute, settlement: Settlement,
                        actor: User) -> SettlementAdjustment | None:
    """Move what the decided dispute says (S4.3), inside the decision's transaction.

    Precondition: the dispute was just decided, its amounts checked by
    `dispute_decide` (which holds the dispute's and the settlement's locks).
    Effects: a commission refund posts `dispute:<pk>:refund` — Dr commission
    revenue, Cr the employer's escrow; extra pay becomes a SettlementAdjustment
    awaiting funding, with commission on top at the statement's percent (a
    history row). Returns the adjustment, if any, for the caller to fund with
    `adjustment_fund` once both sides are told."""
    if dispute.refund_fen:
        transaction_post(key=refund_key(dispute.pk), kind="dispute_refund", actor=actor, source=dispute,
                         memo=f"commission refund on payment dispute {dispute.pk}", lines=[
                             (platform_account(AccountKind.REVENUE_COMMISSIONS), dispute.refund_fen),
                             (employer_escrow(dispute.employer_id), -dispute.refund_fen)])
    if not dispute.adjustment_fen:
        return None
    adjustment = SettlementAdjustment.objects.create(
        settlement=settlement, dispute=dispute, student_id=dispute.student_id, employer_id=dispute.employer_id,
        amount_fen=dispute.adjustment_fen, commission_fen=adjustment_commission_fen(
            amount_fen=dispute.adjustment_fen, commission_percent=settlement.commission_percent))
    history_record(subject=adjustment, transition=SettlementAction.CREATE, from_state="",
                   to_state=adjustment.status, actor=actor, reason=f"payment dispute {dispute.pk}")
    return adjustment


# ------------------------------------------------------------------ funding the extra pay
def _tell_employer_short(adjustment: SettlementAdjustment, short_fen: int) -> None:
    """At most once a day per adjustment: how much the employer still has to pay in."""
    dispute = adjustment.dispute
    link = (reverse("settlements:employer_dispute", args=[dispute.pk]) if dispute else
            reverse("settlements:employer_statement", args=[adjustment.settlement_id])) + "#adjustment"
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    if Notification.objects.filter(link=link, created_at__gte=start).exists():
        return
    subject = _("Please pay %(amount)s into escrow for a correction of pay") % {"amount": format_fen(short_fen)}
    body = _("A payment dispute was decided in the student's favour: %(amount)s of extra pay (commission "
             "included) is due from your escrow, which is short by %(short)s. Pay by bank transfer quoting your "
             "reference; the student is paid once it arrives.") % {
        "amount": format_fen(adjustment.amount_fen + adjustment.commission_fen), "short": format_fen(short_fen)}
    for member in adjustment.employer.members.select_related("user").filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=link)


@transaction.atomic
def adjustment_fund(*, adjustment_id: int) -> SettlementAdjustment:
    """Fund a decided adjustment from the employer's escrow (S4.3, E5.1), once.

    Precondition: awaiting funding (any other status returns the row unchanged;
    the ledger key is unique too). Effects: posts `adjustment:<pk>:fund` — Dr
    escrow amount + commission, Cr the student's payable the amount, Cr
    commission revenue the commission; funded, payout due P1 working days later
    (S4.2). If escrow is short it stays awaiting funding and the employer is
    told (once a day at most); the sweep retries."""
    # Only the adjustment's row is locked; its employer, student and dispute load when needed.
    adjustment = lock_row(SettlementAdjustment, adjustment_id)
    if adjustment.status != SettlementAdjustment.Status.AWAITING_FUNDING:
        return adjustment
    now = timezone.now()
    try:
        with transaction.atomic():  # escrow short: the tax withheld is undone with the posting
            tax = adjustment_tax_withhold(adjustment, now=now)
            lines = [(employer_escrow(adjustment.employer_id), adjustment.amount_fen + adjustment.commission_fen),
                     *pay_credit_lines(student_id=adjustment.student_id, student_total_fen=adjustment.amount_fen,
                                       tax_fen=tax),
                     (platform_account(AccountKind.REVENUE_COMMISSIONS), -adjustment.commission_fen)]
            transaction_post(key=fund_key(adjustment.pk), kind="adjustment_fund", source=adjustment,
                             memo=f"adjustment {adjustment.pk} of settlement {adjustment.settlement_id}",
                             lines=[(account, amount) for account, amount in lines if amount])
    except InsufficientBalance as short:
        adjustment.tax_fen = 0
        _tell_employer_short(adjustment, short.needed_fen)
        return adjustment
    run_transition(adjustment, "fund", note=format_fen(adjustment.amount_fen + adjustment.commission_fen), now=now,
                   payout_due_at=working_days_after(now, get_policy().payout_working_days))
    if adjustment.net_fen == 0:  # the whole extra pay was withheld as tax: nothing to pay out
        run_transition(adjustment, "close_withheld", note=format_fen(adjustment.tax_fen), now=now)
        return adjustment
    notify(recipient=adjustment.student, subject=_("Extra pay of %(amount)s is on its way") % {
        "amount": format_fen(adjustment.amount_fen)},
        body=_("The employer's payment for the correction has arrived; you are paid by %(due)s.") % {
            "due": date_format(timezone.localtime(adjustment.payout_due_at), "DATE_FORMAT")},
        link=reverse("settlements:student_statement", args=[adjustment.settlement_id]))
    return adjustment


def adjustments_fund_ready(*, limit: int = 5000) -> int:
    """Try to fund every adjustment awaiting funding, oldest first; returns how many
    were funded. Walks a primary-key cursor (one short of money is visited once
    per run); each is funded in its own transaction."""
    funded, after, seen = 0, 0, 0
    waiting = SettlementAdjustment.Status.AWAITING_FUNDING
    while seen < limit:
        ids = list(SettlementAdjustment.objects.filter(status=waiting, pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:min(FUND_BATCH, limit - seen)])
        if not ids:
            break
        for adjustment_id in ids:
            if adjustment_fund(adjustment_id=adjustment_id).status != waiting:
                funded += 1
        seen += len(ids)
        after = ids[-1]
    return funded
