"""The quarterly tax information report (互联网平台企业涉税信息报送规定, 国务院令第810号
art. 4; 国家税务总局公告2025年第15号; docs/tax.md "The quarterly report").

- `tax_info_report_generate(year, quarter)`: writes the quarter's report once the
  quarter is over (idempotent: a quarter has one report). Its rows come from the
  withholding rows alone (`tax_exports.tax_info_rows`), so generating it again at
  any later date writes the same bytes: the stored SHA-256 proves which file
  finance reviewed and filed.
- `tax_info_reports_due(today)`: beat's sweep in the month after each quarter
  (the report is due within it): the last quarter's report, if missing.
- `tax_info_report_file(report_id, staff)`: the stored file for finance, checked
  against its hash; each download logged (full ID numbers).
- `tax_info_report_submit(report_id, actor)`: finance marks it filed with the tax
  authority (generated → submitted), after someone has downloaded it to review."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalDataAccess
from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_record
from core.roles import FINANCE
from core.transitions import lock_row, run_transition

from .models import SettlementAction, TaxInfoReport, TaxInfoReportStatus
from .tax_exports import QUARTER_MONTHS, tax_info_report_xlsx

if TYPE_CHECKING:
    from accounts.models import User

VIEW_PERMISSION = "settlements.view_taxinforeport"
SUBMIT_PERMISSION = "settlements.submit_taxinforeport"
REPORT_REASON = "quarterly tax information report (国务院令第810号 art. 4)"


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(day: dt.date) -> tuple[int, int]:
    year, quarter = quarter_of(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def report_label(year: int, quarter: int) -> str:
    """The name the access log and the review check know the report by."""
    return f"tax information report {year:04d}-Q{quarter}"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def tax_info_report_generate(*, year: int, quarter: int) -> TaxInfoReport:
    """The quarter's report, written once the quarter is over (810号 art. 4: within the
    month after it). A quarter already generated returns its report unchanged.
    Refuses a quarter not over yet: its income is not final."""
    if quarter not in QUARTER_MONTHS or year < 2000:
        raise DomainError(_("Choose a quarter."), field="quarter")
    if (year, quarter) >= quarter_of(timezone.localdate()):
        raise DomainError(_("A quarter's report is generated after the quarter has ended."), field="quarter")
    existing = TaxInfoReport.objects.filter(year=year, quarter=quarter).first()
    if existing is not None:
        return existing
    content, students, employers = tax_info_report_xlsx(year, quarter)
    try:
        with transaction.atomic():
            report = TaxInfoReport.objects.create(
                year=year, quarter=quarter, student_rows=len(students), employer_rows=len(employers),
                income_fen=sum(row.income_fen for row in students), sha256=_sha256(content),
                content=base64.b64encode(content).decode())
    except IntegrityError:  # generated concurrently
        return TaxInfoReport.objects.get(year=year, quarter=quarter)
    history_record(subject=report, transition=SettlementAction.REPORT_GENERATE, from_state="",
                   to_state=report.status)
    link = reverse("admin:settlements_taxinforeport_change", args=[report.pk])
    transaction.on_commit(lambda: staff_role_notify(
        role=FINANCE, subject=_("The quarterly tax information report is ready to review and file"), link=link))
    return report


def tax_info_reports_due(today: dt.date | None = None) -> TaxInfoReport:
    """Beat, each day of the month after a quarter: the last quarter's report (once)."""
    year, quarter = previous_quarter(today or timezone.localdate())
    return tax_info_report_generate(year=year, quarter=quarter)


def tax_info_report_file(*, report_id: int, staff: User) -> tuple[TaxInfoReport, bytes]:
    """The report's stored file for finance (full ID numbers): refused without the
    permission, checked against the hash stored when it was generated, logged."""
    if not (staff.is_active and staff.has_perm(VIEW_PERMISSION)):
        raise NotPermitted()
    report = TaxInfoReport.objects.get(pk=report_id)
    content = base64.b64decode(report.content)
    if _sha256(content) != report.sha256:
        raise DomainError(_("The stored report does not match its checksum: do not file it; tell the "
                            "platform's operations."))
    PersonalDataAccess.objects.create(staff=staff, subject=None, subject_label=report_label(report.year,
                                                                                             report.quarter),
                                      item=PersonalDataAccess.Item.DATA_EXPORT, reason=REPORT_REASON)
    return report, content


@transaction.atomic
def tax_info_report_submit(*, report_id: int, actor: User, note: str = "") -> TaxInfoReport:
    """Finance records that the report was filed with the tax authority (generated →
    submitted, once). Refused before anyone has downloaded it for review."""
    if not (actor is not None and actor.is_active and actor.has_perm(SUBMIT_PERMISSION)):
        raise NotPermitted()
    try:
        report = lock_row(TaxInfoReport, report_id)
    except TaxInfoReport.DoesNotExist:
        raise InvalidTransition() from None
    if report.status != TaxInfoReportStatus.GENERATED:
        raise InvalidTransition(_("This report was already marked submitted."))
    reviewed = PersonalDataAccess.objects.filter(subject_label=report_label(report.year, report.quarter),
                                                 reason=REPORT_REASON, accessed_at__gte=report.generated_at)
    if not reviewed.exists():
        raise DomainError(_("Download the report and check it before marking it submitted."))
    return run_transition(report, "submit", actor=actor, action=SettlementAction.REPORT_SUBMIT,
                          note=(note or "").strip()[:2000], by=actor, now=timezone.now())
