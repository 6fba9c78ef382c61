"""Settlement-side integrity checks (F3.3), registered with `finance.hooks` in
SettlementsConfig.ready() and run by `finance.services.integrity_run`.

- every paid settlement owing pay has exactly one paid payout of its own, and
  no settlement that is not paid has a paid payout;
- every paid adjustment has exactly one paid payout, and no other has one;
- every funded, paying or paid settlement that moved money has exactly one of
  the postings `settlement:<pk>:wages` (the escrow paid it) or
  `settlement:<pk>:advance` (the guarantee fund did), for the right amount;
  every funded, paying or paid adjustment its `adjustment:<pk>:fund`;
- income tax (docs/tax.md): each payment's withholding row agrees with the
  settlement's (adjustment's) `tax_fen` and with the tax its funding posting
  credited to tax payable; each month is remitted once, for the month's tax;
- loss set-offs (《工资支付暂行规定》 art. 16, docs/tax.md): each funded statement
  set off exactly what the limits allow from its stored figures; a month's
  funded statements of one student and employer set off at most 20 % of the
  month's pay together; each loss claim's `offset_fen` is what the funded
  statements' lines set off of it, never more than agreed or decided.

Set-based: each check is one grouped query (a join on the unique payout and
posting keys), whatever the number of settlements; at most PROBLEM_LIMIT rows of
each kind are reported."""

from django.db.models import CharField, Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Concat

from applications.models import LossClaim
from finance.ledger import IntegrityProblem
from finance.models import AccountKind, LedgerEntry, LedgerTransaction

from .income_tax import SET_OFF_MAX_PERCENT
from .models import Payout, Settlement, SettlementAdjustment, SettlementStatus, TaxRemittance, TaxWithholding
from .selectors import settlement_setoff
from .statement import LineKind

PROBLEM_LIMIT = 100
MONEY_MOVED = (SettlementStatus.FUNDED, SettlementStatus.PAYING, SettlementStatus.PAID)
ADJUSTMENT_MOVED = (SettlementAdjustment.Status.FUNDED, SettlementAdjustment.Status.PAYING,
                    SettlementAdjustment.Status.PAID)


def _paid(prefix: str) -> Q:
    return Q(**{f"{prefix}status": Payout.Status.PAID})


def payouts_exactly_once_check() -> list[IntegrityProblem]:
    problems = []
    own_paid = _paid("payouts__") & Q(payouts__adjustment__isnull=True)
    settlements_wrong = (Settlement.objects.filter(status=SettlementStatus.PAID, student_total_fen__gt=F("tax_fen"))
                         .annotate(n=Count("payouts", filter=own_paid)).exclude(n=1).order_by("pk")
                         .values_list("pk", "n")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("settlement_paid_once", f"paid settlement {pk} has {n} paid payouts")
                 for pk, n in settlements_wrong]
    stray = (Payout.objects.filter(status=Payout.Status.PAID, adjustment__isnull=True)
             .exclude(settlement__status=SettlementStatus.PAID).order_by("pk")
             .values_list("pk", "settlement_id", "settlement__status")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("settlement_paid_once", f"payout {pk} is paid but settlement {sid} is {status}")
                 for pk, sid, status in stray]
    adjustments_wrong = (SettlementAdjustment.objects.filter(status=SettlementAdjustment.Status.PAID,
                                                             amount_fen__gt=F("tax_fen"))
                         .annotate(n=Count("payouts", filter=_paid("payouts__"))).exclude(n=1).order_by("pk")
                         .values_list("pk", "n")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("adjustment_paid_once", f"paid adjustment {pk} has {n} paid payouts")
                 for pk, n in adjustments_wrong]
    stray = (Payout.objects.filter(status=Payout.Status.PAID, adjustment__isnull=False)
             .exclude(adjustment__status=SettlementAdjustment.Status.PAID).order_by("pk")
             .values_list("pk", "adjustment_id", "adjustment__status")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("adjustment_paid_once", f"payout {pk} is paid but adjustment {aid} is {status}")
                 for pk, aid, status in stray]
    return problems


def _posted_debits(prefix: str, suffix: str) -> Subquery:
    """The debits of the posting keyed `<prefix><outer pk><suffix>` (NULL if none):
    an index look-up on the unique key per row, inside one query."""
    key = Concat(Value(prefix), Cast(OuterRef("pk"), output_field=CharField()), Value(suffix),
                 output_field=CharField())
    return Subquery(LedgerEntry.objects.filter(transaction__key=key, amount_fen__gt=0).order_by()
                    .values("transaction_id").annotate(total=Sum("amount_fen")).values("total")[:1])


def funding_postings_check() -> list[IntegrityProblem]:
    problems = []
    # The annotations are named for the postings: `advance` is Settlement's transition.
    settlements = (Settlement.objects.filter(status__in=MONEY_MOVED, employer_total_fen__gt=0)
                   .annotate(wages_posted=_posted_debits("settlement:", ":wages"),
                             advance_posted=_posted_debits("settlement:", ":advance"))
                   .filter(Q(wages_posted__isnull=True, advance_posted__isnull=True)
                           | Q(wages_posted__isnull=False, advance_posted__isnull=False)
                           | (Q(wages_posted__isnull=False) & ~Q(wages_posted=F("employer_total_fen")))
                           | (Q(advance_posted__isnull=False) & ~Q(advance_posted=F("advanced_fen"))))
                   .order_by("pk").values_list("pk", "status", "wages_posted", "advance_posted",
                                               "employer_total_fen", "advanced_fen")
                   [:PROBLEM_LIMIT])
    for pk, status, wages, advance, employer_total, advanced in settlements:
        if wages is None and advance is None:
            detail = f"{status} settlement {pk} has no wages or advance posting"
        elif wages is not None and advance is not None:
            detail = f"settlement {pk} has both a wages and an advance posting"
        elif wages is not None:
            detail = f"settlement {pk}: wages posting moved {wages}, the employer total is {employer_total}"
        else:
            detail = f"settlement {pk}: advance posting moved {advance}, the advance is {advanced}"
        problems.append(IntegrityProblem("settlement_funded_once", detail))
    adjustments = (SettlementAdjustment.objects.filter(status__in=ADJUSTMENT_MOVED)
                   .annotate(posted=_posted_debits("adjustment:", ":fund"))
                   .filter(Q(posted__isnull=True) | ~Q(posted=F("amount_fen") + F("commission_fen")))
                   .order_by("pk").values_list("pk", "status", "posted")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("adjustment_funded_once", f"{status} adjustment {pk}: fund posting moved {posted}")
                 for pk, status, posted in adjustments]
    return problems


def _posted_tax(prefix: str, outer: str, suffix: str) -> Subquery:
    """The tax the posting keyed `<prefix><outer><suffix>` credited to tax payable (NULL if none)."""
    key = Concat(Value(prefix), Cast(OuterRef(outer), output_field=CharField()), Value(suffix),
                 output_field=CharField())
    return Subquery(LedgerEntry.objects.filter(transaction__key=key, account__kind=AccountKind.TAX_PAYABLE)
                    .order_by().values("transaction_id").annotate(total=Sum("amount_fen")).values("total")[:1])


def income_tax_check() -> list[IntegrityProblem]:
    """Each withholding row's tax is the tax on its settlement (adjustment) and the
    credit to tax payable of the funding (advance) posting; each remittance moved
    its month's tax, once."""
    from django.db.models import Case, When
    from django.db.models.functions import Coalesce

    problems = []
    posted = Case(
        When(adjustment__isnull=False, then=_posted_tax("adjustment:", "adjustment_id", ":fund")),
        default=Coalesce(_posted_tax("settlement:", "settlement_id", ":wages"),
                         _posted_tax("settlement:", "settlement_id", ":advance")))
    own = Case(When(adjustment__isnull=False, then=F("adjustment__tax_fen")), default=F("settlement__tax_fen"))
    rows = (TaxWithholding.objects.annotate(posted=Coalesce(posted, Value(0)), own=own)
            .exclude(posted=-F("tax_fen"), own=F("tax_fen")).order_by("pk")
            .values_list("pk", "tax_fen", "posted", "own")[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("income_tax_withheld",
                                  f"withholding {pk}: tax {tax}, posted to tax payable {-posted}, on its pay {own}")
                 for pk, tax, posted, own in rows]
    untaxed = (Settlement.objects.filter(tax_fen__gt=0, tax_withholdings__isnull=True).order_by("pk")
               .values_list("pk", flat=True)[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("income_tax_withheld", f"settlement {pk} withheld tax without a withholding row")
                 for pk in untaxed]
    for remittance in TaxRemittance.objects.order_by("year", "month")[:PROBLEM_LIMIT]:
        month_tax = (TaxWithholding.objects.filter(year=remittance.year, month=remittance.month)
                     .aggregate(t=Sum("tax_fen"))["t"] or 0)
        moved = (LedgerEntry.objects.filter(transaction__key=remittance.ledger_key, amount_fen__gt=0)
                 .aggregate(t=Sum("amount_fen"))["t"])
        if moved != remittance.amount_fen or month_tax != remittance.amount_fen:
            problems.append(IntegrityProblem(
                "income_tax_remitted", f"remittance {remittance.year}-{remittance.month:02d}: recorded "
                f"{remittance.amount_fen}, posted {moved}, withheld in the month {month_tax}"))
    stray = (LedgerTransaction.objects.filter(kind="tax_remit").exclude(
        key__in=TaxRemittance.objects.values("ledger_key")).values_list("key", flat=True)[:PROBLEM_LIMIT])
    problems += [IntegrityProblem("income_tax_remitted", f"posting {key} has no remittance record") for key in stray]
    return problems


def loss_setoff_check() -> list[IntegrityProblem]:
    """Loss set-offs within 《工资支付暂行规定》 art. 16, and booked on their claims."""
    problems = []
    with_losses = (Settlement.objects.filter(status__in=MONEY_MOVED, pay_month__isnull=False)
                   .filter(Q(setoff_claimed_fen__gt=0) | Q(losses_fen__lt=0)).order_by("pk")[:PROBLEM_LIMIT * 10])
    for settlement in with_losses:
        setoff = settlement_setoff(settlement)
        allowed = setoff.deductible_fen if setoff else 0
        if -settlement.losses_fen != allowed:
            problems.append(IntegrityProblem("settlement_loss_setoff", (
                f"settlement {settlement.pk} set off {-settlement.losses_fen} fen, the limits allow {allowed}")))
    # 5 × set-off ≤ pay is set-off ≤ ⌊pay × 20 %⌋ for whole fen.
    months = (Settlement.objects.filter(status__in=MONEY_MOVED, pay_month__isnull=False)
              .values("student_id", "employer_id", "pay_month")
              .annotate(pay=Sum(F("wages_fen") + F("allowances_fen")), setoff=-Sum("losses_fen"))
              .filter(setoff__gt=0).order_by("student_id", "employer_id", "pay_month"))
    problems += [IntegrityProblem("settlement_loss_setoff", (
        f"student {m['student_id']} set off {m['setoff']} fen of {m['pay']} fen paid by employer "
        f"{m['employer_id']} in {m['pay_month']:%Y-%m}: more than {SET_OFF_MAX_PERCENT}%"))
        for m in months if m["setoff"] * 100 > m["pay"] * SET_OFF_MAX_PERCENT][:PROBLEM_LIMIT]
    booked = Sum("setoff_lines__amount_fen", filter=Q(setoff_lines__kind=LineKind.LOSS,
                                                      setoff_lines__settlement__status__in=MONEY_MOVED))
    claims = (LossClaim.objects.annotate(booked=booked)
              .filter(Q(offset_fen__gt=0) | Q(booked__lt=0)).order_by("pk")
              .values_list("pk", "offset_fen", "booked", "decided_amount_fen")[:PROBLEM_LIMIT * 10])
    for pk, offset, lines, decided in claims:
        if offset != -(lines or 0) or offset > (decided or 0):
            problems.append(IntegrityProblem("loss_claim_offset", (
                f"loss claim {pk} records {offset} fen set off, its funded lines {-(lines or 0)} "
                f"(decided {decided})")))
    return problems[:PROBLEM_LIMIT * 3]
