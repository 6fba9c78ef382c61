"""Finance-side integrity checks beyond the ledger's own (F3.3).

"The dedicated settlement account equals the sum of its parts" (F3.1): the
bank clearing account holds exactly what the platform owes through escrow,
students' payables, payouts in transit, the guarantee fund, its revenue and
the income tax withheld and not yet remitted,
less what employers owe it. One grouped query over the entries themselves (the
running balances have their own check), so each problem is reported once."""

from django.db.models import Sum

from core.money import format_fen

from .ledger import IntegrityProblem
from .models import CREDIT_NORMAL, AccountKind, LedgerEntry

# The parts, in the order the problem text lists them; receivables are subtracted.
PARTS = [AccountKind.EMPLOYER_ESCROW, AccountKind.STUDENT_PAYABLE, AccountKind.PAYOUT_CLEARING,
         AccountKind.GUARANTEE_FUND, AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS,
         AccountKind.TAX_PAYABLE, AccountKind.EMPLOYER_RECEIVABLE]


def readable_totals_by_kind() -> dict[str, int]:
    """Every account kind's readable balance from its entries (one grouped query)."""
    raw = dict(LedgerEntry.objects.order_by().values("account__kind").annotate(total=Sum("amount_fen"))
               .values_list("account__kind", "total"))
    return {kind: (-(raw.get(kind) or 0) if kind in CREDIT_NORMAL else (raw.get(kind) or 0))
            for kind in AccountKind.values}


def settlement_account_check() -> list[IntegrityProblem]:
    """BANK_CLEARING == Σ escrow + Σ payables + in transit + guarantee fund + revenues + tax payable
    − Σ receivables."""
    totals = readable_totals_by_kind()
    parts = sum(totals[kind] for kind in PARTS if kind != AccountKind.EMPLOYER_RECEIVABLE)
    expected = parts - totals[AccountKind.EMPLOYER_RECEIVABLE]
    bank = totals[AccountKind.BANK_CLEARING]
    if bank == expected:
        return []
    detail = ", ".join(f"{kind}={format_fen(totals[kind])}" for kind in PARTS)
    return [IntegrityProblem("settlement_account",
                             f"bank clearing {format_fen(bank)} ≠ parts {format_fen(expected)} ({detail})")]
