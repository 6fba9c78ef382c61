"""Refunds of unused prefunding (E5.1, F3): an employer's owner asks for escrow
money no work needs back; finance approves, pays it in a bank file, and
confirms it.

    requested ──approve──▶ approved ──confirm paid──▶ paid
        │                      └──────fail──────────▶ failed (money back in escrow)
        └──reject──▶ rejected (nothing moved)

Postings: approve `refund:<pk>` Dr employer escrow, Cr payouts in transit;
paid `refund:<pk>:paid` Dr payouts in transit, Cr the settlement bank account;
fail reverses `refund:<pk>`. Every service locks the refund row and checks its
state first, so a double click moves no money twice; what an employer may take
back is its escrow less what settlements still need (`finance.hooks`), checked
again under the escrow account's lock when finance approves."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalDataAccess
from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.money import format_fen, yuan_decimal
from core.notifications import notify
from core.transitions import lock_row, run_transition
from employers.models import Employer, EmployerMember

from . import hooks
from .ledger import employer_escrow, platform_account, transaction_post, transaction_reverse
from .models import AccountKind, EscrowRefund, FinanceAction, LedgerAccount

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import User

EXECUTE_PERMISSION = "finance.execute_escrowrefund"
EXPORT_REASON = "escrow refund export"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}
ACCOUNT_DIGITS = re.compile(r"^\d{8,30}$")


class RefundNotAvailable(DomainError):
    default_message = _("The amount is more than you can take back.")


class RefundNotOwner(NotPermitted):
    default_message = _("Only an owner of the organisation can ask for a refund.")


# ------------------------------------------------------------------ reading
def refund_key(refund_pk: int) -> str:
    return f"refund:{refund_pk}"


def _escrow_balance(employer_id: int) -> int:
    account = LedgerAccount.objects.filter(code=f"employer:{employer_id}:{AccountKind.EMPLOYER_ESCROW}").first()
    return account.balance if account else 0


def _pending_fen(employer_id: int, *, exclude_pk: int | None = None) -> int:
    """Requests not decided yet: their money is still in escrow but spoken for."""
    rows = EscrowRefund.objects.filter(employer_id=employer_id, status=EscrowRefund.Status.REQUESTED)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return rows.aggregate(s=Sum("amount_fen"))["s"] or 0


def refund_available_fen(*, employer_id: int) -> int:
    """What the employer may still ask back: escrow less what settlements and
    engagements need (E5.1) less requests waiting for finance; never below zero."""
    available = _escrow_balance(employer_id) - hooks.escrow_committed_fen(employer_id) - _pending_fen(employer_id)
    return max(available, 0)


def refunds_for_employer(*, employer_id: int) -> QuerySet[EscrowRefund]:
    return EscrowRefund.objects.filter(employer_id=employer_id).order_by("-created_at", "-id")


# ------------------------------------------------------------------ helpers
def _normalise_name(name: str) -> str:
    """Company names are written with full- or half-width brackets and stray spaces."""
    return re.sub(r"\s+", "", str(name)).replace("（", "(").replace("）", ")")


def _notify_employer(refund: EscrowRefund, subject: StrOrPromise, body: StrOrPromise) -> None:
    link = reverse("finance:refunds")
    owners = EmployerMember.objects.filter(employer_id=refund.employer_id,
                                           role=EmployerMember.Role.OWNER).select_related("user")
    for member in owners:
        notify(recipient=member.user, subject=subject, body=body, link=link)


def _ensure_executor(actor: User | None) -> None:
    if not (actor is not None and actor.is_active and actor.has_perm(EXECUTE_PERMISSION)):
        raise NotPermitted()


def _locked(refund_id: int) -> EscrowRefund:
    return lock_row(EscrowRefund, refund_id)


def _amounts(refund: EscrowRefund) -> dict[str, str]:
    return {"amount": format_fen(refund.amount_fen)}


# ------------------------------------------------------------------ services
@transaction.atomic
def refund_request(*, employer_id: int, actor: User, amount_fen: int, account_holder: str, bank_name: str,
                   account_number: str) -> EscrowRefund:
    """An owner asks for unused escrow back (E5.1).

    Preconditions: the actor is an owner of the employer; 0 < amount ≤ escrow
    less what settlements still need less requests waiting; the receiving
    account is in the employer's registered name (no refunds to third parties)
    and its number has 8–30 digits. Effects: a requested refund, a history row,
    finance told in-site. Nothing moves in the ledger until finance approves."""
    if not EmployerMember.objects.filter(user=actor, employer_id=employer_id,
                                         role=EmployerMember.Role.OWNER).exists():
        raise RefundNotOwner()
    employer = Employer.objects.get(pk=employer_id)
    if type(amount_fen) is not int or amount_fen <= 0:  # noqa: E721 - bool and float are refused too
        raise DomainError(_("Enter an amount above zero."), field="amount")
    holder = (account_holder or "").strip()
    if _normalise_name(holder) != _normalise_name(employer.name):
        raise DomainError(_("The receiving account must be in the organisation's registered name: %(name)s.")
                          % {"name": employer.name}, field="account_holder")
    number = re.sub(r"[\s-]", "", account_number or "")
    if not ACCOUNT_DIGITS.match(number):
        raise DomainError(_("Enter the account number: 8 to 30 digits."), field="account_number")
    if not (bank_name or "").strip():
        raise DomainError(_("Enter the bank."), field="bank_name")
    # The escrow row lock serialises requests and approvals of one employer.
    LedgerAccount.objects.select_for_update().filter(pk=employer_escrow(employer_id).pk).first()
    available = refund_available_fen(employer_id=employer_id)
    if amount_fen > available:
        raise RefundNotAvailable(_("You can take back at most %(available)s now: the rest of your escrow pays "
                                   "statements and work already agreed.") % {"available": format_fen(available)},
                                 field="amount")
    refund = EscrowRefund.objects.create(employer_id=employer_id, amount_fen=amount_fen, account_holder=holder,
                                         bank_name=bank_name.strip()[:60], account_number=number,
                                         requested_by=actor)
    history_record(subject=refund, transition=FinanceAction.REQUEST, from_state="", to_state=refund.status, actor=actor,
                   reason=format_fen(amount_fen))
    _notify_employer(refund, _("Refund of %(amount)s requested") % _amounts(refund),
                     _("We received your request to refund %(amount)s from escrow. Finance reviews it, usually "
                       "within a working day.") % _amounts(refund))
    staff_role_notify(role="finance", subject=_("An employer asks for an escrow refund"),
                      link=reverse("admin:finance_escrowrefund_change", args=[refund.pk]))
    return refund


@transaction.atomic
def refund_approve(*, refund_id: int, actor: User) -> EscrowRefund:
    """Finance approves a requested refund (E5.1, F3).

    Re-checks, holding the employer's escrow lock, that the amount is still free
    (settlements funded since the request come first). Effects: posting
    `refund:<pk>` Dr escrow, Cr payouts in transit; status approved; the owner
    told. A second click finds the refund approved and raises InvalidTransition."""
    _ensure_executor(actor)
    refund = _locked(refund_id)
    if refund.status != EscrowRefund.Status.REQUESTED:
        raise InvalidTransition()
    escrow, clearing = employer_escrow(refund.employer_id), platform_account(AccountKind.PAYOUT_CLEARING)
    # Both accounts locked now, in id order like every posting, so the check below holds until we post.
    list(LedgerAccount.objects.select_for_update().filter(pk__in=[escrow.pk, clearing.pk]).order_by("pk"))
    available = (_escrow_balance(refund.employer_id) - hooks.escrow_committed_fen(refund.employer_id)
                 - _pending_fen(refund.employer_id, exclude_pk=refund.pk))
    if refund.amount_fen > available:
        raise RefundNotAvailable(_("The employer can take back at most %(available)s now; reject this request "
                                   "or wait.") % {"available": format_fen(max(available, 0))})
    transaction_post(key=refund_key(refund.pk), kind="escrow_refund", actor=actor, source=refund,
                     memo=f"escrow refund {refund.pk} to employer {refund.employer_id}",
                     lines=[(escrow, refund.amount_fen), (clearing, -refund.amount_fen)])
    run_transition(refund, "approve", actor=actor, now=timezone.now(), by=actor)
    _notify_employer(refund, _("Refund of %(amount)s approved") % _amounts(refund),
                     _("Finance approved your refund of %(amount)s. It is sent to your bank account in the next "
                       "refund transfer.") % _amounts(refund))
    return refund


@transaction.atomic
def refund_reject(*, refund_id: int, actor: User, reason: str) -> EscrowRefund:
    """Finance refuses a requested refund, with a reason the owner sees; nothing moves."""
    _ensure_executor(actor)
    if not (reason or "").strip():
        raise ReasonRequired()
    refund = _locked(refund_id)
    if refund.status != EscrowRefund.Status.REQUESTED:
        raise InvalidTransition()
    run_transition(refund, "reject", actor=actor, note=reason.strip(), now=timezone.now(), by=actor,
                   reason=reason.strip())
    _notify_employer(refund, _("Refund of %(amount)s rejected") % _amounts(refund),
                     _("Finance rejected your refund of %(amount)s: %(reason)s")
                     % {**_amounts(refund), "reason": refund.reason})
    return refund


@transaction.atomic
def refund_confirm_paid(*, refund_id: int, actor: User) -> EscrowRefund:
    """The bank executed the transfer: posting `refund:<pk>:paid` Dr payouts in
    transit, Cr the settlement bank account; status paid; the owner told."""
    _ensure_executor(actor)
    refund = _locked(refund_id)
    if refund.status != EscrowRefund.Status.APPROVED:
        raise InvalidTransition()
    transaction_post(key=f"{refund_key(refund.pk)}:paid", kind="escrow_refund_paid", actor=actor, source=refund,
                     memo=f"escrow refund {refund.pk} paid",
                     lines=[(platform_account(AccountKind.PAYOUT_CLEARING), refund.amount_fen),
                            (platform_account(AccountKind.BANK_CLEARING), -refund.amount_fen)])
    run_transition(refund, "mark_paid", actor=actor, now=timezone.now())
    _notify_employer(refund, _("Refund of %(amount)s paid") % _amounts(refund),
                     _("Your refund of %(amount)s has been sent to %(account)s.")
                     % {**_amounts(refund), "account": refund.account_masked})
    return refund


@transaction.atomic
def refund_fail(*, refund_id: int, actor: User, reason: str) -> EscrowRefund:
    """The bank refused the transfer: `refund:<pk>` is reversed (the money is back
    in escrow); status failed with the reason; the owner told to ask again."""
    _ensure_executor(actor)
    if not (reason or "").strip():
        raise ReasonRequired()
    refund = _locked(refund_id)
    if refund.status != EscrowRefund.Status.APPROVED:
        raise InvalidTransition()
    transaction_reverse(original_key=refund_key(refund.pk), actor=actor,
                        memo=f"escrow refund {refund.pk} failed: {reason.strip()}"[:300])
    run_transition(refund, "fail", actor=actor, note=reason.strip(), now=timezone.now(), reason=reason.strip())
    _notify_employer(refund, _("Refund of %(amount)s failed") % _amounts(refund),
                     _("The bank could not transfer your refund of %(amount)s (%(reason)s). The money is back in "
                       "your escrow; check the account details and ask again.")
                     % {**_amounts(refund), "reason": refund.reason})
    return refund


# ------------------------------------------------------------------ the bank file
@transaction.atomic
def refunds_export(*, actor: User, refund_ids: list[int] | None = None) -> bytes:
    """The bank bulk-transfer file (批量代发) of approved refunds: 序号, 收款账号,
    收款户名, 收款银行, 金额(元), 备注 — the columns of the payout bank file.

    Without `refund_ids`: every approved refund not in a file yet; with them, those
    of them still approved (a download again). Marks `exported_at`; the file holds
    full account numbers, so its writing is logged as a personal data access."""
    _ensure_executor(actor)
    rows = EscrowRefund.objects.select_for_update().filter(status=EscrowRefund.Status.APPROVED)
    rows = rows.filter(pk__in=refund_ids) if refund_ids is not None else rows.filter(exported_at__isnull=True)
    refunds = list(rows.order_by("pk"))
    PersonalDataAccess.objects.create(
        staff=actor, subject=None, item=PersonalDataAccess.Item.DATA_EXPORT, reason=EXPORT_REASON,
        subject_label=f"escrow refunds {','.join(str(r.pk) for r in refunds) or '-'}"[:200])
    now = timezone.now()
    EscrowRefund.objects.filter(pk__in=[r.pk for r in refunds], exported_at__isnull=True).update(
        exported_at=now, updated_at=now)
    for refund in refunds:
        history_record(subject=refund, transition=FinanceAction.EXPORT, from_state=refund.status, to_state=refund.status,
                       actor=actor)
    import xlsxwriter

    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet("refunds")
    text = workbook.add_format({"num_format": "@"})
    headers = ["序号", "收款账号", "收款户名", "收款银行", "金额(元)", "备注"]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header)
    for row, refund in enumerate(refunds, start=1):
        values = [str(row), refund.account_number, refund.account_holder, refund.bank_name, yuan_decimal(refund.amount_fen),
                  _g("Jianzhi escrow refund %(id)s") % {"id": refund.pk}]
        for col, value in enumerate(values):
            sheet.write_string(row, col, value, text)
    sheet.set_column(0, len(headers) - 1, 20)
    workbook.close()
    return output.getvalue()
