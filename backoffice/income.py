"""Income and expenses by category and period (F1), read from the ledger only:
income is the revenue accounts' credits (posting fees, commissions), expenses
the expense accounts' debits, both by the month their transaction was posted.
There are no manual figures: a correction is an adjusting transaction
(`backoffice.adjustments`). Downloads: XLSX with a column per month."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models import EXPENSE_KINDS, AccountKind, LedgerEntry

from .expenses import budgets_overview
from .models import ExpenseCategory
from .reports import YuanCell, day_bounds, to_xlsx

INCOME_KINDS = [AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS]
EXPENSE_ROWS = [(category, EXPENSE_KINDS[category]) for category in ExpenseCategory.values]


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month from start's to end's, inclusive."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@dataclass
class IncomeRow:
    key: str
    label: str
    by_month: dict[dt.date, int]

    @property
    def total_fen(self) -> int:
        return sum(self.by_month.values())


@dataclass
class IncomeStatement:
    start: dt.date
    end: dt.date
    months: list[dt.date]
    income: list[IncomeRow]
    expenses: list[IncomeRow]

    @property
    def income_fen(self) -> int:
        return sum(r.total_fen for r in self.income)

    @property
    def expenses_fen(self) -> int:
        return sum(r.total_fen for r in self.expenses)

    @property
    def net_fen(self) -> int:
        return self.income_fen - self.expenses_fen


def income_statement(*, start: dt.date, end: dt.date) -> IncomeStatement:
    """Income (revenue credits) and expenses (expense debits) by month, start..end inclusive (local dates).
    One grouped query."""
    since, until = day_bounds(start, end)
    kinds = [*INCOME_KINDS, *EXPENSE_KINDS.values()]
    rows = (LedgerEntry.objects.filter(account__kind__in=kinds, transaction__created_at__gte=since,
                                       transaction__created_at__lt=until)
            .annotate(month=TruncMonth("transaction__created_at", tzinfo=timezone.get_current_timezone()))
            .order_by().values("account__kind", "month")
            .annotate(debits=Sum("amount_fen", filter=Q(amount_fen__gt=0)),
                      credits=Sum("amount_fen", filter=Q(amount_fen__lt=0))))
    sums: dict[tuple[str, dt.date], tuple[int, int]] = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        sums[(row["account__kind"], month)] = (row["debits"] or 0, -(row["credits"] or 0))
    months = months_between(start, end)
    labels = dict(AccountKind.choices)
    income = [IncomeRow(key=kind, label=str(labels[kind]),
                        by_month={m: sums.get((kind, m), (0, 0))[1] for m in months}) for kind in INCOME_KINDS]
    category_labels = dict(ExpenseCategory.choices)
    expenses = [IncomeRow(key=category, label=str(category_labels[category]),
                          by_month={m: sums.get((kind, m), (0, 0))[0] for m in months})
                for category, kind in EXPENSE_ROWS]
    return IncomeStatement(start=start, end=end, months=months, income=income, expenses=expenses)


def income_statement_xlsx(statement: IncomeStatement) -> bytes:
    """Sheet 1: income and expenses, a row per account or category, a column per month (yuan).
    Sheet 2: budget against actual spending."""
    headers = [_("Item"), *[f"{m:%Y-%m}" for m in statement.months], _("Total")]
    rows = [[_("Income")]]
    rows += [[r.label, *[YuanCell(r.by_month[m]) for m in statement.months], YuanCell(r.total_fen)]
             for r in statement.income]
    rows += [[_("Expenses")]]
    rows += [[r.label, *[YuanCell(r.by_month[m]) for m in statement.months], YuanCell(r.total_fen)]
             for r in statement.expenses]
    rows += [[_("Net"), *["" for _m in statement.months], YuanCell(statement.net_fen)]]
    budget_headers = [_("Category"), _("From"), _("Until"), _("Budget (yuan)"), _("Spent (yuan)"),
                      _("Remaining (yuan)")]
    budget_rows = [[b.budget.get_category_display(), b.budget.period_start.isoformat(),
                    b.budget.period_end.isoformat(), YuanCell(b.budget.amount_fen), YuanCell(b.spent_fen),
                    YuanCell(b.remaining_fen)] for b in budgets_overview()]
    return to_xlsx([(_("Income and expenses"), headers, rows), (_("Budget vs actual"), budget_headers, budget_rows)])
