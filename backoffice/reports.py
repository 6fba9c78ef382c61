"""Finance staff's reports (F3.3): settlements by period, the daily
reconciliation of the ledger against imported bank statements, and the trial
balance. Reads only; every figure is a grouped query. Downloads are XLSX
(XlsxWriter with formula, URL and number conversion off) and CSV (UTF-8 with a
byte-order mark, so Excel opens Chinese text correctly).

Settlement figures come from `settlements.reports`, imported lazily: finance
never imports settlements at module level (settlements imports finance)."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import YuanCell
from core.money import yuan_decimal as yuan  # noqa: F401  (re-exported: backoffice.invoices, tests)
from finance.models import CREDIT_NORMAL, AccountKind, BankStatementLine, EscrowRefund, LedgerEntry

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}
CSV_BOM = "\ufeff"
DIFFERENCE_LIMIT = 500


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local dates start..end inclusive as aware datetimes [start 00:00, end+1 00:00)."""
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def last_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


# ------------------------------------------------------------------ files
def to_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """A workbook of (sheet name, headers, rows); ints are numbers, amounts (YuanCell)
    numbers of yuan formatted "0.00" (issue 23: 求和 must add them up), the rest text,
    never a formula (formula and URL conversion off)."""
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "0.00"})
    for name, headers, rows in sheets:
        sheet = workbook.add_worksheet(name[:31])
        for col, header in enumerate(headers):
            sheet.write_string(0, col, str(header), bold)
        for row_number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, YuanCell):
                    sheet.write_number(row_number, col, value.fen / 100, money)
                elif isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(row_number, col, value)
                else:
                    sheet.write_string(row_number, col, str(value))
        sheet.set_column(0, len(headers) - 1, 22)
    workbook.close()
    return output.getvalue()


def _csv_cell(value) -> str:
    text = str(value)
    # A text cell Excel would read as a formula is quoted (CSV formula injection).
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(h) for h in headers])
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


# ------------------------------------------------------------------ settlements by period
@dataclass
class ReportRow:
    key: str
    label: str
    count: int | None
    amount_fen: int


@dataclass
class SettlementReport:
    date_from: dt.date
    date_to: dt.date
    rows: list[ReportRow]

    def row(self, key: str) -> ReportRow:
        return next(r for r in self.rows if r.key == key)


def _revenue_booked(kind: str, start: dt.datetime, end: dt.datetime) -> int:
    """Net credits on the revenue accounts of `kind` posted in [start, end)."""
    total = (LedgerEntry.objects.filter(account__kind=kind, transaction__created_at__gte=start,
                                        transaction__created_at__lt=end).aggregate(s=Sum("amount_fen"))["s"])
    return -(total or 0)


def settlement_report(*, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None) -> SettlementReport:
    """Settlements by period (F3.3): funded, paid, pending, overdue, disputed,
    advances, and the posting fees and commissions booked in the ledger."""
    from settlements.reports import settlement_figures

    start, end = day_bounds(date_from, date_to)
    figures = settlement_figures(start=start, end=end, now=now)
    labels = {
        "funded": _("Settlements funded (employer totals)"),
        "paid": _("Settlements paid (student totals)"),
        "pending": _("Waiting for the employer's payment now"),
        "overdue": _("Of those, past the funding due date"),
        "advances": _("Advanced by the guarantee fund"),
        "disputed": _("Payment disputes opened (amounts claimed)"),
        "adjustments_paid": _("Dispute adjustments paid"),
    }
    rows = [ReportRow(key, labels[key], *figures[key]) for key in labels]
    rows += [
        ReportRow("posting_fees", _("Posting fees booked"), None,
                  _revenue_booked(AccountKind.REVENUE_POSTING_FEES, start, end)),
        ReportRow("commissions", _("Commissions booked"), None,
                  _revenue_booked(AccountKind.REVENUE_COMMISSIONS, start, end)),
    ]
    return SettlementReport(date_from=date_from, date_to=date_to, rows=rows)


def _settlement_table(report: SettlementReport) -> tuple[list[str], list[list]]:
    headers = [_("Figure"), _("Count"), _("Amount (yuan)")]
    rows = [[r.label, "" if r.count is None else r.count, YuanCell(r.amount_fen)] for r in report.rows]
    return headers, rows


def settlement_report_xlsx(report: SettlementReport) -> bytes:
    headers, rows = _settlement_table(report)
    period = [[_("Period"), f"{report.date_from:%Y-%m-%d} – {report.date_to:%Y-%m-%d}", ""]]
    return to_xlsx([("settlements", headers, period + rows)])


def settlement_report_csv(report: SettlementReport) -> bytes:
    headers, rows = _settlement_table(report)
    return to_csv(headers, [[_("Period"), f"{report.date_from:%Y-%m-%d} – {report.date_to:%Y-%m-%d}", ""], *rows])


# ------------------------------------------------------------------ daily reconciliation
@dataclass
class Reconciliation:
    day: dt.date
    lines_count: int = 0
    lines_fen: int = 0
    matched_count: int = 0
    matched_fen: int = 0
    unmatched_count: int = 0
    unmatched_fen: int = 0
    ignored_count: int = 0
    ignored_fen: int = 0
    ledger_in_fen: int = 0          # BANK_CLEARING debits of the matched lines' postings
    other_in_fen: int = 0           # other BANK_CLEARING debits posted that day (guarantee contributions …)
    payouts_count: int = 0
    payouts_fen: int = 0
    refunds_count: int = 0
    refunds_fen: int = 0
    ledger_out_payouts_fen: int = 0
    ledger_out_refunds_fen: int = 0
    ledger_out_other_fen: int = 0
    differences: list[tuple[str, str, int]] = field(default_factory=list)  # (what, reference, fen)

    @property
    def balanced(self) -> bool:
        return not self.differences


def _bank_entries():
    return LedgerEntry.objects.filter(account__kind=AccountKind.BANK_CLEARING).order_by()


def reconciliation_for(*, day: dt.date) -> Reconciliation:
    """Money in: the statement lines of value date `day` (matched, waiting,
    ignored) against the BANK_CLEARING debits of their postings; money out: the
    payouts and refunds confirmed paid that day against the BANK_CLEARING credits
    posted that day. Every mismatch is listed (at most DIFFERENCE_LIMIT)."""
    from settlements.reports import payouts_paid_figure

    start, end = day_bounds(day, day)
    rec = Reconciliation(day=day)
    lines = BankStatementLine.objects.filter(booked_on=day).order_by()
    S = BankStatementLine.Status
    by_status = {row["status"]: row for row in lines.values("status").annotate(n=Count("pk"), s=Sum("amount_fen"))}

    def get(statuses):
        return (sum(by_status.get(s, {}).get("n", 0) for s in statuses),
                sum(by_status.get(s, {}).get("s", 0) or 0 for s in statuses))

    rec.lines_count, rec.lines_fen = get(list(S))
    rec.matched_count, rec.matched_fen = get([S.MATCHED, S.MANUAL])
    rec.unmatched_count, rec.unmatched_fen = get([S.UNMATCHED])
    rec.ignored_count, rec.ignored_fen = get([S.IGNORED])
    matched = dict(lines.filter(status__in=[S.MATCHED, S.MANUAL]).values_list("ledger_key", "amount_fen"))
    posted = dict(_bank_entries().filter(amount_fen__gt=0, transaction__key__in=list(matched))
                  .values("transaction__key").annotate(s=Sum("amount_fen")).values_list("transaction__key", "s"))
    rec.ledger_in_fen = sum(posted.values())
    for key, amount in matched.items():
        if posted.get(key) != amount:
            rec.differences.append((_("Matched line without its posting, or a different amount"), key,
                                    amount - (posted.get(key) or 0)))
    for line in lines.filter(status=S.UNMATCHED).order_by("pk")[:DIFFERENCE_LIMIT]:
        rec.differences.append((_("Money in waiting for manual matching"), line.transaction_id, line.amount_fen))
    rec.other_in_fen = (_bank_entries().filter(amount_fen__gt=0, transaction__created_at__gte=start,
                                               transaction__created_at__lt=end)
                        .exclude(transaction__key__startswith="bank-line:").aggregate(s=Sum("amount_fen"))["s"] or 0)

    rec.payouts_count, rec.payouts_fen = payouts_paid_figure(start=start, end=end)
    refunds = EscrowRefund.objects.order_by().filter(status=EscrowRefund.Status.PAID, paid_at__gte=start,
                                                     paid_at__lt=end).aggregate(n=Count("pk"), s=Sum("amount_fen"))
    rec.refunds_count, rec.refunds_fen = refunds["n"] or 0, refunds["s"] or 0
    credits = (_bank_entries().filter(amount_fen__lt=0, transaction__created_at__gte=start,
                                      transaction__created_at__lt=end)
               .aggregate(refunds=Sum("amount_fen", filter=Q(transaction__kind="escrow_refund_paid")),
                          payouts=Sum("amount_fen", filter=Q(transaction__kind__startswith="payout")),
                          all=Sum("amount_fen")))
    rec.ledger_out_refunds_fen = -(credits["refunds"] or 0)
    rec.ledger_out_payouts_fen = -(credits["payouts"] or 0)
    rec.ledger_out_other_fen = -(credits["all"] or 0) - rec.ledger_out_refunds_fen - rec.ledger_out_payouts_fen
    if rec.payouts_fen != rec.ledger_out_payouts_fen:
        rec.differences.append((_("Payouts confirmed vs the bank account's credits"), "payouts",
                                rec.payouts_fen - rec.ledger_out_payouts_fen))
    if rec.refunds_fen != rec.ledger_out_refunds_fen:
        rec.differences.append((_("Refunds paid vs the bank account's credits"), "refunds",
                                rec.refunds_fen - rec.ledger_out_refunds_fen))
    return rec


def reconciliation_summary(rec: Reconciliation) -> list[list]:
    return [
        [_("Statement lines (all)"), rec.lines_count, YuanCell(rec.lines_fen)],
        [_("Matched to an employer"), rec.matched_count, YuanCell(rec.matched_fen)],
        [_("Waiting for manual matching"), rec.unmatched_count, YuanCell(rec.unmatched_fen)],
        [_("Ignored"), rec.ignored_count, YuanCell(rec.ignored_fen)],
        [_("Ledger: bank account debits of the matched lines"), "", YuanCell(rec.ledger_in_fen)],
        [_("Ledger: other money in posted that day"), "", YuanCell(rec.other_in_fen)],
        [_("Payouts confirmed paid"), rec.payouts_count, YuanCell(rec.payouts_fen)],
        [_("Ledger: bank account credits for payouts"), "", YuanCell(rec.ledger_out_payouts_fen)],
        [_("Refunds paid"), rec.refunds_count, YuanCell(rec.refunds_fen)],
        [_("Ledger: bank account credits for refunds"), "", YuanCell(rec.ledger_out_refunds_fen)],
        [_("Ledger: other money out posted that day"), "", YuanCell(rec.ledger_out_other_fen)],
    ]


def reconciliation_xlsx(rec: Reconciliation) -> bytes:
    return to_xlsx([
        ("summary", [_("Figure"), _("Count"), _("Amount (yuan)")], reconciliation_summary(rec)),
        ("differences", [_("Difference"), _("Reference"), _("Amount (yuan)")],
         [[what, ref, YuanCell(fen)] for what, ref, fen in rec.differences]),
    ])


# ------------------------------------------------------------------ trial balance
@dataclass
class TrialBalanceRow:
    kind: str
    label: str
    debits_fen: int
    credits_fen: int

    @property
    def balance_fen(self) -> int:
        """Readable: credits − debits for credit-normal kinds, debits − credits otherwise."""
        net = self.debits_fen - self.credits_fen
        return -net if self.kind in CREDIT_NORMAL else net


@dataclass
class TrialBalance:
    at: dt.date
    rows: list[TrialBalanceRow]

    @property
    def debits_fen(self) -> int:
        return sum(r.debits_fen for r in self.rows)

    @property
    def credits_fen(self) -> int:
        return sum(r.credits_fen for r in self.rows)


def trial_balance(*, at: dt.date) -> TrialBalance:
    """Every account kind's total debits and credits posted up to the end of
    `at`, and its balance; the grand totals are equal in a sound ledger. One
    grouped query over the entries."""
    _start, end = day_bounds(at, at)
    sums = {row["account__kind"]: row for row in
            LedgerEntry.objects.filter(transaction__created_at__lt=end).order_by().values("account__kind")
            .annotate(debits=Sum("amount_fen", filter=Q(amount_fen__gt=0)),
                      credits=Sum("amount_fen", filter=Q(amount_fen__lt=0)))}
    rows = [TrialBalanceRow(kind=kind, label=str(label), debits_fen=(sums.get(kind, {}).get("debits") or 0),
                            credits_fen=-(sums.get(kind, {}).get("credits") or 0))
            for kind, label in AccountKind.choices]
    return TrialBalance(at=at, rows=rows)


def _trial_table(tb: TrialBalance) -> tuple[list[str], list[list]]:
    headers = [_("Account"), _("Debits (yuan)"), _("Credits (yuan)"), _("Balance (yuan)")]
    rows = [[r.label, YuanCell(r.debits_fen), YuanCell(r.credits_fen), YuanCell(r.balance_fen)] for r in tb.rows]
    rows.append([_("Total"), YuanCell(tb.debits_fen), YuanCell(tb.credits_fen), ""])
    return headers, rows


def trial_balance_xlsx(tb: TrialBalance) -> bytes:
    headers, rows = _trial_table(tb)
    return to_xlsx([("trial balance", headers, rows)])


def trial_balance_csv(tb: TrialBalance) -> bytes:
    headers, rows = _trial_table(tb)
    return to_csv(headers, rows)
