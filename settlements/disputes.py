"""Payment disputes (S4.3): a student questions a payment within P2 working days
of receiving it; the employer answers within its window; staff decide. A
decision in the student's favour creates an adjustment — extra pay that the
employer's escrow funds (commission on top) and the payout batch pays like a
statement — and staff may refund commission the platform overcharged; that
money moves in `dispute_money`.

Opening a dispute and closing it (decided or withdrawn) are signalled
(`settlements.signals`): customer service keeps a ticket for each dispute,
keyed `payment_dispute:<pk>`, without settlements knowing of it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import CUSTOMER_SERVICE
from accounts.services import staff_role_notify
from core.credit import credit_event_record
from core.errors import DomainError, InvalidUpload, NotPermitted, ReasonRequired
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.uploads import clean_upload
from core.working_days import working_days_after
from employers.services import ensure_employer_member

# The old import path of the money a decision moves.
from .dispute_money import (  # noqa: F401
    FUND_BATCH,
    adjustment_commission_fen,
    adjustment_fund,
    adjustments_fund_ready,
    dispute_money_apply,
    fund_key,
    refund_key,
)
from .models import PaymentDispute, Settlement, SettlementAction, SettlementStatus
from .signals import payment_dispute_closed, payment_dispute_opened

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Staff who decide disputes (finance and customer service, accounts.roles): the
# model's change permission — the admin itself never edits a dispute.
DECIDE_PERMISSION = "settlements.change_paymentdispute"

Status, Outcome = PaymentDispute.Status, PaymentDispute.Outcome
LIVE = (Status.OPEN, Status.ANSWERED)


class DisputeWindowClosed(DomainError):
    default_message = _("Disputes about this payment are closed.")


class DisputeAlreadyOpen(DomainError):
    default_message = _("You already have a dispute about this payment open. Wait for its decision, or withdraw "
                        "it, before opening another.")


class NothingToDispute(DomainError):
    default_message = _("Only a payment you have received can be disputed.")


class DisputeNotLive(DomainError):
    default_message = _("This dispute has already been decided or withdrawn.")


def dispute_key(dispute_pk: int) -> str:
    """The dispute's identity outside settlements: customer service keys its ticket
    by it, the credit event of a lost dispute is `<key>:lost`."""
    return f"payment_dispute:{dispute_pk}"


def _day(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def dispute_window_closed_message(settlement: Settlement) -> str:
    """Why a received payment can no longer be disputed, and since when (S4.3).
    Only for a settlement whose window was set (on payment): callers check it."""
    if settlement.dispute_window_ends_at is None:
        raise ValueError(f"settlement {settlement.pk} has no dispute window")
    return _("Disputes about this payment closed on %(date)s: the platform's rules (S4.3) allow %(days)s working "
             "days after you receive your pay. If something is still wrong, please contact customer service.") % {
        "date": _day(settlement.dispute_window_ends_at), "days": get_policy().dispute_working_days}


def dispute_window_open(settlement: Settlement, now: dt.datetime | None = None) -> bool:
    """A received payment may be disputed until `dispute_window_ends_at` (P2 working days, S4.3)."""
    now = now or timezone.now()
    return (settlement.status == SettlementStatus.PAID and settlement.dispute_window_ends_at is not None
            and now <= settlement.dispute_window_ends_at)


# ------------------------------------------------------------------ links and notices
def _student_link(dispute: PaymentDispute) -> str:
    return reverse("settlements:student_statement", args=[dispute.settlement_id]) + f"#dispute-{dispute.pk}"


def _employer_link(dispute: PaymentDispute) -> str:
    return reverse("settlements:employer_dispute", args=[dispute.pk])


def _tell_employer(dispute: PaymentDispute, *, subject: StrOrPromise, body: StrOrPromise,
                   link: str | None = None) -> None:
    for member in dispute.employer.members.select_related("user").filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=link or _employer_link(dispute))


# ------------------------------------------------------------------ the student opens one
@transaction.atomic
def dispute_open(*, settlement_id: int, student: User, kind: str, description: str, claimed_fen: int = 0,
                 evidence: File[bytes] | None = None) -> PaymentDispute:
    """The student disputes a payment they received (S4.3).

    Preconditions: the student's own settlement, paid, with something on it;
    now is within its window (`dispute_window_ends_at`, P2 working days after
    payment — DisputeWindowClosed says since when otherwise); no other live
    dispute on it; a description. Evidence (image or PDF) is optional.
    Effects: the dispute, open, with the employer's answer due
    `dispute_response_working_days` working days later; `payment_dispute_opened`
    sent (customer service opens its ticket); the employer's members told; a
    history row."""
    settlement = lock_row(Settlement, settlement_id, related=("employer", "engagement__job"))
    if settlement.student_id != student.pk:
        raise NotPermitted()
    if settlement.status != SettlementStatus.PAID or not (
            settlement.student_total_fen or settlement.lines.exists()):
        raise NothingToDispute()
    now = timezone.now()
    if not dispute_window_open(settlement, now):
        raise DisputeWindowClosed(dispute_window_closed_message(settlement) if settlement.dispute_window_ends_at
                                  else None)
    if kind not in PaymentDispute.Kind.values:
        raise DomainError(_("Choose what is wrong."), field="kind")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe what is wrong with the payment."), field="description")
    if type(claimed_fen) is not int or claimed_fen < 0:  # noqa: E721 - money is int fen, never a float or bool
        raise DomainError(_("Give the missing amount as a positive sum in yuan, or leave it empty."),
                          field="claimed_fen")
    if PaymentDispute.objects.filter(settlement=settlement, status__in=LIVE).exists():
        raise DisputeAlreadyOpen()
    dispute = PaymentDispute(
        settlement=settlement, student=student, employer=settlement.employer, kind=kind,
        description=description[:3000], claimed_fen=claimed_fen,
        employer_response_due_at=working_days_after(now, get_policy().dispute_response_working_days))
    if evidence:
        try:
            dispute.evidence = clean_upload(evidence, folder="evidence")
        except InvalidUpload as error:
            error.field = "evidence"
            raise
    try:
        with transaction.atomic():
            dispute.save()
    except IntegrityError:  # the one-live-dispute constraint: a concurrent request opened one first
        raise DisputeAlreadyOpen() from None
    history_record(subject=dispute, transition=SettlementAction.OPEN, from_state="", to_state=dispute.status,
                   actor=student, reason=dispute.get_kind_display())
    job = settlement.engagement.job.title
    payment_dispute_opened.send(sender=PaymentDispute, dispute=dispute, key=dispute_key(dispute.pk), user=student,
                                job_title=job, summary=description)
    _tell_employer(dispute, subject=_("A student disputes a payment for %(job)s") % {"job": job}, body=_(
        "%(kind)s: %(text)s — please answer by %(due)s; customer service decides after hearing you.") % {
        "kind": dispute.get_kind_display(), "text": description[:500], "due": date_format(
            timezone.localtime(dispute.employer_response_due_at), "DATETIME_FORMAT")})
    staff_role_notify(role=CUSTOMER_SERVICE, subject=_("A student disputes a payment"),
                      link=reverse("admin:settlements_paymentdispute_change", args=[dispute.pk]))
    return dispute


# ------------------------------------------------------------------ the employer answers
@transaction.atomic
def dispute_answer(*, dispute_id: int, actor: User, text: str) -> PaymentDispute:
    """A member of the settlement's employer answers an open dispute (S4.3), on time
    or late — staff read the answer either way. The student is told."""
    dispute = lock_row(PaymentDispute, dispute_id, related=("student",))
    ensure_employer_member(actor, dispute.employer_id)
    if dispute.status != Status.OPEN:
        raise DomainError(_("This dispute has already been answered, decided or withdrawn."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your answer."), field="text")
    run_transition(dispute, "answer", actor=actor, now=timezone.now(), by=actor, text=text[:3000])
    notify(recipient=dispute.student, subject=_("The employer answered your payment dispute"), body=text[:1000],
           link=_student_link(dispute))
    return dispute


# ------------------------------------------------------------------ the student withdraws
@transaction.atomic
def dispute_withdraw(*, dispute_id: int, student: User) -> PaymentDispute:
    """The student withdraws their open or answered dispute; `payment_dispute_closed`
    is sent (its ticket is resolved) and the employer told."""
    dispute = lock_row(PaymentDispute, dispute_id, related=("employer",))
    if dispute.student_id != student.pk:
        raise NotPermitted()
    if dispute.status not in LIVE:
        raise DisputeNotLive()
    run_transition(dispute, "withdraw", actor=student, now=timezone.now())
    payment_dispute_closed.send(sender=PaymentDispute, dispute=dispute, key=dispute_key(dispute.pk), actor=student,
                                outcome=str(_("Withdrawn by the student.")))
    _tell_employer(dispute, subject=_("The student withdrew their payment dispute"),
                   body=_("Nothing changes on the statement."))
    return dispute


# ------------------------------------------------------------------ staff decide
def _refund_cap_fen(settlement: Settlement) -> int:
    refunded = (PaymentDispute.objects.filter(settlement=settlement, status=Status.DECIDED)
                .aggregate(total=Sum("refund_fen"))["total"] or 0)
    return max(settlement.commission_fen - refunded, 0)


def _decision_check(*, actor: User, outcome: str, decision: str, adjustment_fen: int, refund_fen: int) -> str:
    """What staff may decide before anything is locked: their permission, the decision
    text (returned trimmed), the outcome and the amounts (whole fen, not negative)."""
    if not (actor.is_active and actor.has_perm(DECIDE_PERMISSION)):
        raise NotPermitted()
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_("Write the decision both sides will read."), field="decision")
    if outcome not in Outcome.values:
        raise DomainError(_("Choose the outcome."), field="outcome")
    for name, value in (("adjustment_fen", adjustment_fen), ("refund_fen", refund_fen)):
        if type(value) is not int or value < 0:  # noqa: E721
            raise DomainError(_("Amounts are positive sums in yuan."), field=name)
    return decision


def _decision_money_check(settlement: Settlement, *, outcome: str, adjustment_fen: int,
                          refund_fen: int) -> None:
    """No change moves no money; a correction moves some, its refund at most the
    statement's commission less refunds decided before (S4.3)."""
    if outcome == Outcome.NO_CHANGE and (adjustment_fen or refund_fen):
        raise DomainError(_("A decision of no change moves no money: leave the amounts empty."),
                          field="adjustment_fen")
    if outcome == Outcome.ADJUSTED:
        if not (adjustment_fen or refund_fen):
            raise DomainError(_("A correction needs extra pay for the student or a refund to the employer."),
                              field="adjustment_fen")
        cap = _refund_cap_fen(settlement)
        if refund_fen > cap:
            raise DomainError(_("At most %(cap)s of commission can be refunded on this statement.") % {
                "cap": format_fen(cap)}, field="refund_fen")


def _decision_text(decision: str, *, adjustment_fen: int, refund_fen: int) -> str:
    """The decision as both sides read it, with the money it moves."""
    money = []
    if adjustment_fen:
        money.append(str(_("extra pay of %(amount)s for the student") % {"amount": format_fen(adjustment_fen)}))
    if refund_fen:
        money.append(str(_("%(amount)s of commission refunded to the employer's escrow") % {
            "amount": format_fen(refund_fen)}))
    return decision if not money else f"{decision}\n\n{'; '.join(money)}"


@transaction.atomic
def dispute_decide(*, dispute_id: int, actor: User, outcome: str, decision: str, adjustment_fen: int = 0,
                   refund_fen: int = 0) -> PaymentDispute:
    """Staff decide a live dispute (S4.3) with a decision both sides read.

    Preconditions: `settlements.change_paymentdispute`; decision text; outcome
    "no change" moves no money; "corrected" needs extra pay for the student
    and/or a commission refund to the employer, the refund at most the
    statement's commission less refunds decided before.
    Effects: extra pay becomes a SettlementAdjustment (commission on top at the
    statement's percent) funded from escrow at once if the money is there, else
    by the sweep; a refund posts `dispute:<pk>:refund` (both moved by
    `dispute_money`); `payment_dispute_closed` sent (customer service resolves
    its ticket); both sides told; extra pay records a credit event against the
    employer."""
    decision = _decision_check(actor=actor, outcome=outcome, decision=decision, adjustment_fen=adjustment_fen,
                               refund_fen=refund_fen)
    dispute = lock_row(PaymentDispute, dispute_id, related=("student", "employer"))
    if dispute.status not in LIVE:
        raise DisputeNotLive()
    settlement = lock_row(Settlement, dispute.settlement_id, related=("engagement__job",))
    _decision_money_check(settlement, outcome=outcome, adjustment_fen=adjustment_fen, refund_fen=refund_fen)
    run_transition(dispute, "decide", actor=actor, note=f"{Outcome(outcome).label}: {decision}"[:500],
                   now=timezone.now(), by=actor, outcome=outcome, decision=decision[:3000],
                   adjustment_fen=adjustment_fen, refund_fen=refund_fen)
    adjustment = dispute_money_apply(dispute=dispute, settlement=settlement, actor=actor)
    if adjustment is not None:
        credit_event_record(key=f"{dispute_key(dispute.pk)}:lost", subject_kind="employer",
                            subject_id=dispute.employer_id, kind="payment_dispute_lost",
                            reason=decision[:500], source=dispute)
    payment_dispute_closed.send(sender=PaymentDispute, dispute=dispute, key=dispute_key(dispute.pk), actor=actor,
                                outcome=decision)
    body = _decision_text(decision, adjustment_fen=adjustment_fen, refund_fen=refund_fen)
    notify(recipient=dispute.student, subject=_("Your payment dispute was decided"), body=body,
           link=_student_link(dispute))
    _tell_employer(dispute, subject=_("A payment dispute for %(job)s was decided") % {
        "job": settlement.engagement.job.title}, body=body)
    if adjustment is not None:
        adjustment_fund(adjustment_id=adjustment.pk)
    return dispute


# ------------------------------------------------------------------ evidence access by staff
def dispute_evidence_access_record(*, staff: User, dispute: PaymentDispute, reason: str) -> None:
    """Log staff opening a dispute's evidence (J3.2).

    Not `accounts.services.personal_data_access_record`: that one requires
    `accounts.reveal_personal_data` (ID numbers and documents), which the staff
    deciding disputes (finance, customer service) do not hold."""
    from accounts.models import PersonalDataAccess

    if not (staff.is_active and staff.has_perm(DECIDE_PERMISSION)):
        raise NotPermitted()
    if not (reason or "").strip():
        raise ReasonRequired()
    PersonalDataAccess.objects.create(staff=staff, subject=dispute.student, subject_label=str(dispute)[:200],
                                      item=PersonalDataAccess.Item.CASE_EVIDENCE, reason=reason.strip())


# ------------------------------------------------------------------ reads for the pages
def disputes_of_settlement(settlement: Settlement) -> QuerySet[PaymentDispute]:
    """A statement's disputes, newest first, with their adjustment (for the statement pages)."""
    return settlement.disputes.select_related("adjustment").order_by("-created_at", "-id")


def disputes_for_employer(*, user: User) -> QuerySet[PaymentDispute]:
    """The payment disputes about the user's employer's statements, live ones first, then newest."""
    live_first = Case(When(status__in=LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (PaymentDispute.objects.filter(employer__members__user=user)
            .select_related("settlement__engagement__job", "student__student_profile", "adjustment")
            .order_by(live_first, "-created_at", "-id"))


def dispute_for_employer(*, user: User, pk: int) -> PaymentDispute | None:
    return disputes_for_employer(user=user).filter(pk=pk).first()


def dispute_for_student(*, student: User, pk: int) -> PaymentDispute | None:
    return PaymentDispute.objects.filter(student=student, pk=pk).select_related("settlement").first()


def answer_overdue(dispute: PaymentDispute, now: dt.datetime | None = None) -> bool:
    """The employer has not answered and its window has passed (shown to staff and on the pages)."""
    return dispute.status == Status.OPEN and dispute.employer_response_due_at < (now or timezone.now())
