"""Invoices for employers' fees (F1, E5): the employer pays posting fees and
commission; it asks for a VAT invoice (发票) for the fees of a period, finance
issues the invoice outside the platform and records its number, date and amount
here (or refuses, with a reason), and the employer reads each fee with its
invoice status and downloads a fee statement.

A fee line is an entry on a revenue account of the ledger (posting fees,
commissions) in a transaction that also moves one of the employer's accounts —
the ledger knows the employer, never the job or the settlement; what a line was
for is read from the transaction's source (`LedgerTransaction.source`). A refund
of commission is a line too, with a negative amount. A line is on at most one
live invoice request: the database refuses a second (`fee_line_on_one_live_invoice`),
and a refused request releases its lines in the same transaction.

    invoice_request  (employer member, verified employer) ──▶ requested
    invoice_issue    (finance: number, date, amount)      ──▶ issued
    invoice_refuse   (finance: reason, lines released)     ──▶ refused"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalDataAccess
from accounts.services import staff_role_notify
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.transitions import lock_row, run_transition
from employers.selectors import employer_member_list, employer_membership_get, employer_tax_identity
from finance.models import AccountKind, LedgerEntry

from .models import ISSUE_INVOICE_PERMISSION, InvoiceAction, InvoiceLine, InvoiceRequest
from .reports import day_bounds, to_xlsx, yuan

FEE_KINDS = [AccountKind.REVENUE_POSTING_FEES, AccountKind.REVENUE_COMMISSIONS]
# 数电发票 numbers have 20 digits; the older paper and electronic invoices 8 (with a separate code).
INVOICE_NUMBER = re.compile(r"^\d{8,20}$")
STATEMENT_DOWNLOAD_REASON = "fee statement download"


class NotVerified(DomainError):
    default_message = _("Only a real-name verified organisation can ask for a VAT invoice: the invoice's title "
                        "and taxpayer number are those the verification confirmed.")


class NothingToInvoice(DomainError):
    default_message = _("There are no fees to invoice in this period.")

    def __init__(self, message=None):
        super().__init__(message, field="period_start")


class AlreadyInvoiced(DomainError):
    default_message = _("Every fee of this period is on an invoice already (requested or issued).")

    def __init__(self, message=None):
        super().__init__(message, field="period_start")


# ------------------------------------------------------------------ reading the fee lines
def employer_fee_entries(*, employer_id: int, start: dt.date | None = None,
                         end: dt.date | None = None) -> QuerySet[LedgerEntry]:
    """The employer's fee lines: entries on a revenue account in transactions that
    also move one of the employer's accounts, posted start..end (local dates,
    inclusive). From the employer's own entries (their account index), so the
    platform's revenue accounts are never scanned whole."""
    touching = LedgerEntry.objects.filter(account__employer_id=employer_id).values("transaction_id")
    entries = LedgerEntry.objects.filter(account__kind__in=FEE_KINDS, transaction_id__in=touching)
    if start is not None and end is not None:
        since, until = day_bounds(start, end)
        entries = entries.filter(transaction__created_at__gte=since, transaction__created_at__lt=until)
    return entries


def _live_line_of_entry():
    return InvoiceLine.objects.filter(entry_id=OuterRef("pk"), released_at__isnull=True)


ROW_FIELDS = ("pk", "amount_fen", "account__kind", "transaction__kind", "transaction__created_at",
              "transaction__source_type__app_label", "transaction__source_type__model", "transaction__source_id")


def fee_line_rows(*, employer_id: int, start: dt.date, end: dt.date, newest_first: bool = True) -> QuerySet:
    """The period's fee lines as rows (one query; page them, then `fee_lines_describe`)."""
    order = ("-transaction__created_at", "-pk") if newest_first else ("transaction__created_at", "pk")
    return (employer_fee_entries(employer_id=employer_id, start=start, end=end)
            .order_by(*order).values(*ROW_FIELDS))


@dataclass(frozen=True)
class FeeLine:
    entry_id: int
    posted_at: dt.datetime
    kind: str  # "posting_fee" | "commission"
    description: str
    amount_fen: int  # what the employer was charged; negative for a refund
    invoice_id: int | None = None
    invoice_status: str = ""  # "" not invoiced, else InvoiceRequest.Status
    invoice_number: str = ""
    invoice_date: dt.date | None = None

    @property
    def kind_label(self) -> str:
        return gettext("Posting fee") if self.kind == "posting_fee" else gettext("Commission")

    @property
    def status_label(self) -> str:
        if self.invoice_status == InvoiceRequest.Status.ISSUED:
            return gettext("Invoiced")
        if self.invoice_status == InvoiceRequest.Status.REQUESTED:
            return gettext("Invoice requested")
        if self.invoice_status == InvoiceRequest.Status.REFUSED:
            return gettext("Invoice refused")
        return gettext("Not invoiced")


# What each kind of source a fee is posted for says about it: the title of its job.
_SOURCE_TITLES = {
    ("jobs", "job"): ("jobs.Job", "title"),
    ("settlements", "settlement"): ("settlements.Settlement", "engagement__job__title"),
    ("settlements", "settlementadjustment"): ("settlements.SettlementAdjustment",
                                              "settlement__engagement__job__title"),
    ("settlements", "paymentdispute"): ("settlements.PaymentDispute", "settlement__engagement__job__title"),
}


def _job_titles(rows) -> dict[tuple[str, str, int], str]:
    """The job title behind each row's source: one query per kind of source present."""
    from django.apps import apps

    wanted: dict[tuple[str, str], set[int]] = {}
    for row in rows:
        kind = (row["transaction__source_type__app_label"], row["transaction__source_type__model"])
        if kind in _SOURCE_TITLES and row["transaction__source_id"] is not None:
            wanted.setdefault(kind, set()).add(row["transaction__source_id"])
    titles = {}
    for kind, ids in wanted.items():
        label, path = _SOURCE_TITLES[kind]
        for pk, title in apps.get_model(label).objects.filter(pk__in=ids).values_list("pk", path):
            titles[(*kind, pk)] = title
    return titles


def _describe(row: dict, job: str | None) -> str:
    """What a fee was for, in words the employer reads on the page and the statement."""
    source = row["transaction__source_type__model"]
    is_fee = row["account__kind"] == AccountKind.REVENUE_POSTING_FEES
    if job is None:
        text = gettext("Posting fee") if is_fee else gettext("Commission")
    elif source == "job":
        text = gettext("Posting fee for “%(job)s”") % {"job": job}
    elif source == "settlementadjustment":
        text = gettext("Commission on extra pay for “%(job)s” (payment dispute)") % {"job": job}
    elif source == "paymentdispute":
        text = gettext("Commission refunded after a payment dispute on “%(job)s”") % {"job": job}
    else:
        text = gettext("Commission on the pay for “%(job)s”") % {"job": job}
    if (row["transaction__kind"] or "").endswith("_reversal"):
        text = gettext("Cancelled: %(what)s") % {"what": text}
    return text


def fee_lines_describe(rows, *, invoices: dict | None = None) -> list[FeeLine]:
    """Rows of `fee_line_rows` (a page of them) as FeeLines with what each was for and
    its live invoice: one query for the invoices (none when `invoices` is given:
    entry id → InvoiceRequest), one per kind of source present for the job titles."""
    rows = list(rows)
    if invoices is None:
        invoices = {line.entry_id: line.invoice for line in InvoiceLine.objects.filter(
            entry_id__in=[row["pk"] for row in rows], released_at__isnull=True).select_related("invoice")}
    titles = _job_titles(rows)
    lines = []
    for row in rows:
        invoice = invoices.get(row["pk"])
        job = titles.get((row["transaction__source_type__app_label"], row["transaction__source_type__model"],
                          row["transaction__source_id"]))
        lines.append(FeeLine(
            entry_id=row["pk"], posted_at=row["transaction__created_at"],
            kind="posting_fee" if row["account__kind"] == AccountKind.REVENUE_POSTING_FEES else "commission",
            description=_describe(row, job), amount_fen=-row["amount_fen"],
            invoice_id=invoice.pk if invoice else None, invoice_status=invoice.status if invoice else "",
            invoice_number=invoice.invoice_number if invoice else "",
            invoice_date=invoice.invoice_date if invoice else None))
    return lines


@dataclass(frozen=True)
class FeeTotals:
    total_fen: int
    on_invoices_fen: int  # on a live request (requested or issued)

    @property
    def not_invoiced_fen(self) -> int:
        return self.total_fen - self.on_invoices_fen


def fee_totals(*, employer_id: int, start: dt.date, end: dt.date) -> FeeTotals:
    """The period's fees, and how much of them is on a live invoice request (one query)."""
    sums = employer_fee_entries(employer_id=employer_id, start=start, end=end).aggregate(
        total=Sum("amount_fen"), invoiced=Sum("amount_fen", filter=Q(Exists(_live_line_of_entry()))))
    return FeeTotals(total_fen=-(sums["total"] or 0), on_invoices_fen=-(sums["invoiced"] or 0))


def invoice_requests_for(*, employer_id: int) -> QuerySet[InvoiceRequest]:
    return InvoiceRequest.objects.filter(employer_id=employer_id).order_by("-created_at", "-id")


def invoice_request_for_member(*, user, pk: int) -> InvoiceRequest | None:
    """The request if the user is a member of its employer (else None: a 404)."""
    membership = employer_membership_get(user=user)
    if membership is None:
        return None
    return (InvoiceRequest.objects.filter(pk=pk, employer_id=membership.employer_id).select_related("employer")
            .first())


# ------------------------------------------------------------------ the fee statement (XLSX)
@dataclass(frozen=True)
class FeeStatement:
    title: str
    tax_number: str
    heading: str  # the period, or the invoice request it lists
    lines: list[FeeLine]

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


def fee_statement(*, employer, start: dt.date, end: dt.date) -> FeeStatement:
    """Every fee line of the period, oldest first, with its invoice status."""
    rows = fee_line_rows(employer_id=employer.pk, start=start, end=end, newest_first=False)
    return FeeStatement(title=employer.name, tax_number=employer.uscc,
                        heading=f"{start:%Y-%m-%d} – {end:%Y-%m-%d}", lines=fee_lines_describe(rows))


def invoice_statement(*, invoice: InvoiceRequest) -> FeeStatement:
    """The fee lines one invoice request covers (清单), with the title and taxpayer number it was asked under."""
    lines = {line.entry_id: line for line in invoice.lines.all()}
    rows = LedgerEntry.objects.filter(pk__in=list(lines)).order_by("transaction__created_at", "pk").values(*ROW_FIELDS)
    heading = gettext("Invoice request %(id)s: fees %(start)s – %(end)s") % {
        "id": invoice.pk, "start": f"{invoice.period_start:%Y-%m-%d}", "end": f"{invoice.period_end:%Y-%m-%d}"}
    return FeeStatement(title=invoice.title, tax_number=invoice.tax_number, heading=heading,
                        lines=fee_lines_describe(rows, invoices={pk: invoice for pk in lines}))


def fee_statement_xlsx(statement: FeeStatement) -> bytes:
    """Sheet 1: who and which period, the totals; sheet 2: a row per fee line (amounts in yuan).
    Text stays text (backoffice.reports.to_xlsx: formulas, URLs and numbers off)."""
    on_invoices = sum(line.amount_fen for line in statement.lines if line.invoice_status in (
        InvoiceRequest.Status.REQUESTED, InvoiceRequest.Status.ISSUED))
    summary = [
        [gettext("Organisation (invoice title)"), statement.title],
        [gettext("Taxpayer identification number"), statement.tax_number],
        [gettext("Period"), statement.heading],
        [gettext("Fees (yuan)"), yuan(statement.total_fen)],
        [gettext("On invoices (yuan)"), yuan(on_invoices)],
        [gettext("Not yet invoiced (yuan)"), yuan(statement.total_fen - on_invoices)],
        [gettext("Generated at"), f"{timezone.localtime():%Y-%m-%d %H:%M}"],
    ]
    headers = [gettext("Date"), gettext("What it was for"), gettext("Kind"), gettext("Amount (yuan)"), gettext("Invoice"),
               gettext("Invoice number"), gettext("Invoice date")]
    rows = [[f"{timezone.localtime(line.posted_at):%Y-%m-%d}", line.description, line.kind_label,
             yuan(line.amount_fen), line.status_label, line.invoice_number,
             f"{line.invoice_date:%Y-%m-%d}" if line.invoice_date else ""] for line in statement.lines]
    return to_xlsx([(gettext("Fee statement"), [gettext("Item"), gettext("Value")], summary), (gettext("Fee lines"), headers, rows)])


def fee_statement_download_record(*, user, employer, what: str) -> None:
    """Each download of a fee statement is written to the access log, like every export (J3.2)."""
    PersonalDataAccess.objects.create(staff=user, subject=None, item=PersonalDataAccess.Item.DATA_EXPORT,
                                      reason=STATEMENT_DOWNLOAD_REASON,
                                      subject_label=f"fee statement of {employer.name}: {what}"[:200])


# ------------------------------------------------------------------ services
def _employer_link() -> str:
    return reverse("backoffice:employer_fees")


def _tell_employer(invoice: InvoiceRequest, *, subject, body) -> None:
    for member in employer_member_list(employer=invoice.employer).filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=_employer_link())


@transaction.atomic
def invoice_request(*, employer_id: int, actor, period_start: dt.date, period_end: dt.date) -> InvoiceRequest:
    """A member of a verified employer asks for a VAT invoice for the fees of a period (F1, E5).

    Preconditions: the actor is a member of the employer; the employer is real-name
    verified (E1.3); the period ends by today and after it starts; the period has
    fees not on a live invoice request, adding up to more than nothing.
    Effects: the request, with the organisation's name and unified social credit
    code as title and taxpayer number and the sum of those fees as its amount; a
    line per fee (the database refuses a fee already on a live request, also when
    two requests race); a history row; finance is told."""
    membership = employer_membership_get(user=actor)
    if membership is None or membership.employer_id != employer_id or not actor.is_active:
        raise NotPermitted()
    if period_end < period_start:
        raise DomainError(_("The period must start before it ends."), field="period_end")
    if period_end > timezone.localdate():
        raise DomainError(_("The period cannot end after today."), field="period_end")
    identity = employer_tax_identity(employer_id=employer_id)
    if identity is None:
        raise NotVerified()
    entries = employer_fee_entries(employer_id=employer_id, start=period_start, end=period_end)
    open_lines = list(entries.exclude(Exists(_live_line_of_entry())).order_by("pk").values_list("pk", "amount_fen"))
    if not open_lines:
        raise AlreadyInvoiced() if entries.exists() else NothingToInvoice()
    amount_fen = -sum(amount for _pk, amount in open_lines)
    if amount_fen <= 0:
        raise NothingToInvoice(_("The fees of this period not yet invoiced add up to nothing (refunds cancel "
                                 "them)."))
    title, tax_number = identity
    invoice = InvoiceRequest.objects.create(employer_id=employer_id, period_start=period_start,
                                            period_end=period_end, title=title, tax_number=tax_number,
                                            amount_fen=amount_fen, requested_by=actor)
    try:
        with transaction.atomic():
            InvoiceLine.objects.bulk_create([InvoiceLine(invoice=invoice, entry_id=pk, amount_fen=-amount)
                                             for pk, amount in open_lines])
    except IntegrityError:  # another request took these fees first (F1: never invoiced twice)
        raise AlreadyInvoiced() from None
    history_record(subject=invoice, transition=InvoiceAction.REQUESTED, from_state="", to_state=invoice.status,
                   actor=actor, reason=f"{period_start:%Y-%m-%d} – {period_end:%Y-%m-%d} {format_fen(amount_fen)}")
    link = reverse("admin:backoffice_invoicerequest_change", args=[invoice.pk])
    transaction.on_commit(lambda: staff_role_notify(
        role="finance", subject=_("An employer asks for a VAT invoice for its fees"), link=link))
    return invoice


def _decider(pk: int, actor) -> InvoiceRequest:
    if not (actor is not None and actor.is_active and actor.has_perm(ISSUE_INVOICE_PERMISSION)):
        raise NotPermitted()
    return lock_row(InvoiceRequest, pk)


@transaction.atomic
def invoice_issue(*, pk: int, actor, invoice_number: str, invoice_date: dt.date, amount_fen: int) -> InvoiceRequest:
    """Finance records the VAT invoice it issued outside the platform (F1).

    Preconditions: the actor may issue invoices; the request waits for finance;
    the number has 8 to 20 digits and is not recorded on another request; the
    date is not in the future nor before the fees' period; the invoice's amount
    is exactly the request's. Effects: issued with number and date; history;
    the employer's members are told."""
    invoice = _decider(pk, actor)
    number = re.sub(r"\s", "", invoice_number or "")
    if not INVOICE_NUMBER.match(number):
        raise DomainError(_("Enter the invoice number as printed: 8 to 20 digits."), field="invoice_number")
    if InvoiceRequest.objects.filter(invoice_number=number).exclude(pk=invoice.pk).exists():
        raise DomainError(_("This invoice number is recorded on another request already."), field="invoice_number")
    if invoice_date > timezone.localdate():
        raise DomainError(_("The invoice date cannot be in the future."), field="invoice_date")
    if invoice_date < invoice.period_start:
        raise DomainError(_("The invoice cannot be dated before the fees it covers."), field="invoice_date")
    if amount_fen != invoice.amount_fen:
        raise DomainError(_("The invoice's amount must be the request's: %(amount)s.") % {
            "amount": format_fen(invoice.amount_fen)}, field="amount")
    try:
        with transaction.atomic():
            run_transition(invoice, "issue", actor=actor, note=number, action=InvoiceAction.ISSUED,
                           check_permission=True, by=actor, number=number, date=invoice_date)
    except IntegrityError:  # the same number recorded concurrently
        raise DomainError(_("This invoice number is recorded on another request already."),
                          field="invoice_number") from None
    _tell_employer(invoice, subject=_("Your VAT invoice was issued"), body=_(
        "Finance issued the VAT invoice for your fees of %(start)s – %(end)s: number %(number)s, dated "
        "%(date)s, %(amount)s.") % {"start": f"{invoice.period_start:%Y-%m-%d}",
                                    "end": f"{invoice.period_end:%Y-%m-%d}", "number": number,
                                    "date": f"{invoice_date:%Y-%m-%d}", "amount": format_fen(invoice.amount_fen)})
    return invoice


@transaction.atomic
def invoice_refuse(*, pk: int, actor, reason: str) -> InvoiceRequest:
    """Finance refuses a request with a reason (F1): refused, its fee lines released
    (they may be asked for again) in the same transaction; history; the employer's
    members are told why."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    invoice = _decider(pk, actor)
    run_transition(invoice, "refuse", actor=actor, note=reason[:500], action=InvoiceAction.REFUSED,
                   check_permission=True, by=actor, reason=reason[:2000])
    InvoiceLine.objects.filter(invoice=invoice, released_at__isnull=True).update(released_at=invoice.decided_at)
    _tell_employer(invoice, subject=_("Your VAT invoice request was refused"), body=_(
        "Finance did not issue the invoice for your fees of %(start)s – %(end)s: %(reason)s. The fees can be "
        "asked for again.") % {"start": f"{invoice.period_start:%Y-%m-%d}",
                               "end": f"{invoice.period_end:%Y-%m-%d}", "reason": reason})
    return invoice
