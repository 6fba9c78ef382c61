"""Funding settlements from the employer's escrow (E5.1, F1, S4.2): a ready
statement's money moves, once, from escrow to what the platform owes the
student and to its commission revenue; the payout is then due P1 working days
later (Chinese calendar). A sweep retries every ready settlement, so money
arriving in escrow later funds it without anyone's click."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after
from employers.models import Employer
from finance.ledger import (
    InsufficientBalance,
    account_balance,
    employer_escrow,
    platform_account,
    transaction_post,
)
from finance.models import AccountKind
from jobs.models import Job

from .models import Settlement, SettlementStatus
from .selectors import employer_committed_fen, employer_must_prefund, engagement_estimate_fen
from .services import settlement_setoff_record, settlement_setoff_settle
from .withholding import pay_credit_lines, settlement_tax_withhold

# Settlements selected per query by the sweep; each is then funded in its own
# short transaction (a lock on the settlement, then on the two or three ledger
# accounts), so a batch takes well under a second and a crash loses nothing.
FUND_BATCH = 200


class PrefundRequired(DomainError):
    """E5.1: an employer below the prefunding credit tier hires only with the pay in escrow."""

    default_message = _("Your credit tier requires the pay to be in escrow before you hire.")

    def __init__(self, *, short_fen: int):
        super().__init__(_("Your credit tier requires the pay to be in escrow before you hire: pay in %(amount)s "
                           "more (see Funding).") % {"amount": format_fen(short_fen)})
        # The page that says how to pay in, for views that link to it.
        self.short_fen, self.link = short_fen, reverse("funding:page")


def wages_key(settlement_pk: int) -> str:
    return f"settlement:{settlement_pk}:wages"


def _tell_employer_short(settlement: Settlement, short_fen: int, today: dt.date) -> None:
    """At most once a day per settlement: how much the employer still has to pay in."""
    if settlement.funding_short_notified_on == today:
        return
    settlement.funding_short_notified_on = today
    subject = _("Please pay %(amount)s into escrow for a statement") % {"amount": format_fen(short_fen)}
    body = _("The statement for %(job)s is ready, but your escrow is short by %(amount)s. Pay by bank transfer "
             "quoting your reference; the students are paid once it arrives.") % {
        "job": settlement.engagement.job.title, "amount": format_fen(short_fen)}
    link = reverse("settlements:employer_statement", args=[settlement.pk])
    for member in settlement.employer.members.select_related("user"):
        notify(recipient=member.user, subject=subject, body=body, link=link)


def settlement_fund(*, settlement_id: int) -> Settlement:
    """Move a ready settlement's money out of escrow (E5.1), once.

    Precondition: status ready (any other status returns the row unchanged, so a
    redelivered sweep or a second worker funds nothing twice — the settlement
    row is locked and the ledger key is unique too).
    Effects: withholds income tax (settlements.withholding, docs/tax.md); posts
    `settlement:<pk>:wages` — Dr employer escrow for the employer total, Cr the
    student's payable for the student total less the tax, Cr tax payable for the
    tax, Cr commission revenue
    for the commission (losses set off are already netted into both totals, see
    settlements.statement; the set-off is first checked again against the month's
    funded statements, services.settlement_setoff_settle, and booked on its loss
    claims with the posting); status funded, `payout_due_at` P1 working days later
    (S4.2) — or paid at once when the tax took the whole pay. If escrow is short the settlement stays ready with
    `funding_short_fen`, and the employer is told the amount (once a day).
    A statement owing nothing is closed as paid without a posting."""
    return _settlement_fund(settlement_id)[0]


@transaction.atomic
def _settlement_fund(settlement_id: int) -> tuple[Settlement, bool]:
    """settlement_fund, telling also whether this call funded (or closed) it —
    not another worker before it."""
    settlement = lock_row(Settlement, settlement_id, related=("employer", "engagement__job"))
    if settlement.status != SettlementStatus.READY:
        return settlement, False
    now = timezone.now()
    # The loss set-off against what is funded now (工资支付暂行规定 art. 16): may change the totals.
    settlement_setoff_settle(settlement, now=now)
    if settlement.employer_total_fen == 0:
        run_transition(settlement, "close_nothing_owed", now=now,
                       dispute_until=working_days_after(now, get_policy().dispute_working_days))
        return settlement, True
    try:
        # A savepoint: when escrow is short, the tax withheld is undone with the posting.
        with transaction.atomic():
            tax = settlement_tax_withhold(settlement, now=now)
            lines = [(employer_escrow(settlement.employer_id), settlement.employer_total_fen),
                     *pay_credit_lines(student_id=settlement.student_id,
                                       student_total_fen=settlement.student_total_fen, tax_fen=tax),
                     (platform_account(AccountKind.REVENUE_COMMISSIONS), -settlement.commission_fen)]
            transaction_post(key=wages_key(settlement.pk), kind="settlement_wages", source=settlement,
                             memo=f"settlement {settlement.pk} of engagement {settlement.engagement_id}",
                             lines=[(account, amount) for account, amount in lines if amount])
            settlement_setoff_record(settlement)
    except InsufficientBalance as short:
        settlement.tax_fen = 0
        settlement.funding_short_fen = short.needed_fen
        _tell_employer_short(settlement, short.needed_fen, timezone.localdate(now))
        settlement.save(update_fields=["funding_short_fen", "funding_short_notified_on", "updated_at"])
        return settlement, False
    policy = get_policy()
    run_transition(settlement, "fund", note=format_fen(settlement.employer_total_fen), now=now,
                   payout_due_at=working_days_after(now, policy.payout_working_days))
    if settlement.net_fen == 0:  # the whole pay was withheld as tax: nothing to pay out
        run_transition(settlement, "close_withheld", note=format_fen(settlement.tax_fen), now=now,
                       dispute_until=working_days_after(now, policy.dispute_working_days))
    return settlement, True


def settlements_fund_ready(*, limit: int = 5000) -> int:
    """Try to fund every ready settlement, oldest first; returns how many were funded.

    Set-based selection walking a primary-key cursor (a settlement that stays
    short is visited once per run); each is funded in its own transaction."""
    funded, after, seen = 0, 0, 0
    while seen < limit:
        ids = list(Settlement.objects.filter(status=SettlementStatus.READY, pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:min(FUND_BATCH, limit - seen)])
        if not ids:
            break
        for settlement_id in ids:
            if _settlement_fund(settlement_id)[1]:
                funded += 1
        seen += len(ids)
        after = ids[-1]
    return funded


def prefund_check(*, employer: Employer, job: Job, extra_fen: int | None = None) -> None:
    """E5.1: before an employer below `policy.prefund_below_tier` hires, its escrow
    must hold what it has already committed (employer_committed_fen) plus
    `extra_fen`, the estimated pay of this engagement with commission (computed
    from the job's shifts still to come when not given). Raises PrefundRequired
    with the amount to pay in; employers at or above the tier fund after the
    hours are confirmed, as every statement does."""
    if not employer_must_prefund(employer):
        return
    if extra_fen is None:
        extra_fen = engagement_estimate_fen(job=job, now=timezone.now())
    committed = employer_committed_fen(employer.pk, credit_tier=employer.credit_tier)
    available = account_balance(employer_escrow(employer.pk)) - committed
    if available < extra_fen:
        raise PrefundRequired(short_fen=extra_fen - available)
