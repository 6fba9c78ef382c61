"""The audit pack (F4): one XLSX for an engagement's period — the trial balance
at period end, income and expenses, the settlement summary, the integrity
checks (the latest recorded in the period and a fresh run), and a reproducible
random sample of transactions with their entries and linked documents.

Reads only (the download's history row is written by the admin view through
`backoffice.audits.audit_pack_download_record`). XlsxWriter with formulas, URLs and
numbers off, like backoffice.reports."""

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models import EXPENSE_KINDS, AccountKind, IntegrityRun, LedgerEntry

from . import reports
from .audits import transaction_documents, transaction_sample
from .models import AuditEngagement

REVENUE_KINDS = [AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS]
SHEETS = ["engagement", "trial balance", "income and expenses", "settlements", "integrity", "sample"]


def income_and_expenses(engagement: AuditEngagement) -> list[tuple[str, str, int]]:
    """(section, account label, fen): credits to each revenue account and debits to
    each expense account posted in the period, from the ledger entries (one query)."""
    start, end = reports.day_bounds(engagement.period_start, engagement.period_end)
    kinds = [*REVENUE_KINDS, *EXPENSE_KINDS.values()]
    sums = {row["account__kind"]: row for row in LedgerEntry.objects.filter(
        account__kind__in=kinds, transaction__created_at__gte=start, transaction__created_at__lt=end)
        .order_by().values("account__kind").annotate(credits=Sum("amount_fen", filter=Q(amount_fen__lt=0)),
                                                     debits=Sum("amount_fen", filter=Q(amount_fen__gt=0)))}
    rows = [(_("Income"), str(AccountKind(kind).label), -(sums.get(kind, {}).get("credits") or 0))
            for kind in REVENUE_KINDS]
    rows += [(_("Expenses"), str(AccountKind(kind).label), sums.get(kind, {}).get("debits") or 0)
             for kind in EXPENSE_KINDS.values()]
    return rows


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "") or ""
    return f"{base.rstrip('/')}{url}" if url else ""


def audit_pack_build(*, engagement: AuditEngagement) -> bytes:
    from finance.services import integrity_checks_run

    start, end = reports.day_bounds(engagement.period_start, engagement.period_end)
    period = f"{engagement.period_start:%Y-%m-%d} – {engagement.period_end:%Y-%m-%d}"
    sheets = []
    auditor = engagement.external_firm or (str(engagement.auditor) if engagement.auditor_id else "")
    sheets.append(("engagement", [_("Field"), _("Value")], [
        [_("Audit"), engagement.title], [_("Kind"), str(engagement.get_kind_display())], [_("Period"), period],
        [_("Scope"), engagement.scope], [_("Auditor"), auditor],
        [_("Status"), str(engagement.get_status_display())],
        [_("Generated at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"],
    ]))

    tb = reports.trial_balance(at=engagement.period_end)
    headers, rows = reports._trial_table(tb)
    sheets.append(("trial balance", headers, rows))

    ie = income_and_expenses(engagement)
    income = sum(fen for section, _label, fen in ie if section == _("Income"))
    expenses = sum(fen for section, _label, fen in ie if section == _("Expenses"))
    ie_rows = [[section, label, reports.YuanCell(fen)] for section, label, fen in ie]
    ie_rows += [[_("Income"), _("Total"), reports.YuanCell(income)], [_("Expenses"), _("Total"), reports.YuanCell(expenses)],
                ["", _("Income less expenses"), reports.YuanCell(income - expenses)]]
    sheets.append(("income and expenses", [_("Section"), _("Account"), _("Amount (yuan)")], ie_rows))

    settlement = reports.settlement_report(date_from=engagement.period_start, date_to=engagement.period_end)
    s_headers, s_rows = reports._settlement_table(settlement)
    sheets.append(("settlements", s_headers, [[_("Period"), period, ""], *s_rows]))

    integrity_rows = []
    latest = IntegrityRun.objects.filter(ran_at__gte=start, ran_at__lt=end).order_by("-ran_at").first()
    if latest is None:
        integrity_rows.append([_("Latest recorded check in the period"), _("none"), "", ""])
    else:
        when = f"{timezone.localtime(latest.ran_at):%Y-%m-%d %H:%M}"
        integrity_rows.append([_("Latest recorded check in the period"), when, latest.problem_count, ""])
        integrity_rows += [["", "", p.get("check", ""), p.get("detail", "")] for p in latest.problems]
    fresh = integrity_checks_run()
    integrity_rows.append([_("Fresh check now"), f"{timezone.localtime():%Y-%m-%d %H:%M}", len(fresh), ""])
    integrity_rows += [["", "", p.check, p.detail] for p in fresh]
    sheets.append(("integrity", [_("Check"), _("At"), _("Problems / check"), _("Detail")], integrity_rows))

    sample_rows = []
    for txn in transaction_sample(engagement):
        docs = transaction_documents(txn)
        entries = list(txn.entries.all())
        first = [txn.key, txn.kind, txn.memo, f"{timezone.localtime(txn.created_at):%Y-%m-%d %H:%M}"]
        for i, entry in enumerate(entries):
            sample_rows.append([*(first if i == 0 else ["", "", "", ""]), entry.account.code,
                                reports.YuanCell(entry.amount_fen), "", ""])
        for what, url in docs:
            sample_rows.append(["", "", "", "", "", "", what, _absolute(url)])
    sheets.append(("sample", [_("Transaction key"), _("Kind"), _("Memo"), _("Posted at"), _("Account"),
                              _("Amount (yuan, debit +)"), _("Document"), _("Link")], sample_rows))
    return reports.to_xlsx(sheets)
