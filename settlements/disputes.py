"""Payment disputes (S4.3): a student questions a payment within P2 working days
of receiving it; the employer answers within its window; staff decide. A
decision in the student's favour creates an adjustment — extra pay that the
employer's escrow funds (commission on top) and the payout batch pays like a
statement — and staff may refund commission the platform overcharged.

Each dispute opens one customer-service ticket (source key
`payment_dispute:<pk>`), which the decision resolves. Ledger postings:
`adjustment:<pk>:fund` (Dr escrow, Cr student payable, Cr commission revenue)
and `dispute:<pk>:refund` (Dr commission revenue, Cr escrow)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.roles import CUSTOMER_SERVICE
from accounts.services import staff_role_notify
from core.credit import credit_event_record
from core.errors import DomainError, InvalidUpload, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import Notification
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.uploads import clean_upload
from core.working_days import working_days_after
from employers.services import ensure_employer_member
from finance.ledger import (
    InsufficientBalance,
    employer_escrow,
    platform_account,
    student_payable,
    transaction_post,
)
from finance.models import AccountKind

from .models import PaymentDispute, Settlement, SettlementAdjustment, SettlementStatus
from .statement import half_up

# Staff who decide disputes (finance and customer service, accounts.roles): the
# model's change permission — the admin itself never edits a dispute.
DECIDE_PERMISSION = "settlements.change_paymentdispute"
# Adjustments selected per query by the funding sweep; each is funded in its own
# short transaction (the adjustment's row, then two or three ledger accounts).
FUND_BATCH = 200

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


def ticket_key(dispute_pk: int) -> str:
    return f"payment_dispute:{dispute_pk}"


def fund_key(adjustment_pk: int) -> str:
    return f"adjustment:{adjustment_pk}:fund"


def refund_key(dispute_pk: int) -> str:
    return f"dispute:{dispute_pk}:refund"


def _day(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def dispute_window_closed_message(settlement: Settlement):
    """Why a received payment can no longer be disputed, and since when (S4.3)."""
    return _("Disputes about this payment closed on %(date)s: the platform's rules (S4.3) allow %(days)s working "
             "days after you receive your pay. If something is still wrong, please contact customer service.") % {
        "date": _day(settlement.dispute_window_ends_at), "days": get_policy().dispute_working_days}


def dispute_window_open(settlement: Settlement, now: dt.datetime | None = None) -> bool:
    """A received payment may be disputed until `dispute_window_ends_at` (P2 working days, S4.3)."""
    now = now or timezone.now()
    return (settlement.status == SettlementStatus.PAID and settlement.dispute_window_ends_at is not None
            and now <= settlement.dispute_window_ends_at)


def adjustment_commission_fen(*, amount_fen: int, commission_percent: int) -> int:
    """The commission on extra pay, at the statement's percent, rounded as statements round it."""
    return half_up(amount_fen * commission_percent, 100)


# ------------------------------------------------------------------ links and notices
def _student_link(dispute: PaymentDispute) -> str:
    return reverse("settlements:student_statement", args=[dispute.settlement_id]) + f"#dispute-{dispute.pk}"


def _employer_link(dispute: PaymentDispute) -> str:
    return reverse("settlements:employer_dispute", args=[dispute.pk])


def _tell_employer(dispute: PaymentDispute, *, subject, body, link: str | None = None) -> None:
    for member in dispute.employer.members.select_related("user").filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=link or _employer_link(dispute))


# ------------------------------------------------------------------ the student opens one
@transaction.atomic
def dispute_open(*, settlement_id: int, student, kind: str, description: str, claimed_fen: int = 0,
                 evidence=None) -> PaymentDispute:
    """The student disputes a payment they received (S4.3).

    Preconditions: the student's own settlement, paid, with something on it;
    now is within its window (`dispute_window_ends_at`, P2 working days after
    payment — DisputeWindowClosed says since when otherwise); no other live
    dispute on it; a description. Evidence (image or PDF) is optional.
    Effects: the dispute, open, with the employer's answer due
    `dispute_response_working_days` working days later; a customer-service
    ticket linked to it; the employer's members told; a history row."""
    settlement = (Settlement.objects.select_for_update().select_related("employer", "engagement__job")
                  .get(pk=settlement_id))
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
    history_record(subject=dispute, transition="open", from_state="", to_state=dispute.status, actor=student,
                   reason=dispute.get_kind_display())
    from support.models import Ticket
    from support.services import ticket_open

    job = settlement.engagement.job.title
    ticket_open(user=student, category=Ticket.Category.DISPUTE, linked=dispute, source_key=ticket_key(dispute.pk),
                subject=_("Payment dispute: %(job)s") % {"job": job}, body=description)
    _tell_employer(dispute, subject=_("A student disputes a payment for %(job)s") % {"job": job}, body=_(
        "%(kind)s: %(text)s — please answer by %(due)s; customer service decides after hearing you.") % {
        "kind": dispute.get_kind_display(), "text": description[:500], "due": date_format(
            timezone.localtime(dispute.employer_response_due_at), "DATETIME_FORMAT")})
    staff_role_notify(role=CUSTOMER_SERVICE, subject=_("A student disputes a payment"),
                      link=reverse("admin:settlements_paymentdispute_change", args=[dispute.pk]))
    return dispute


# ------------------------------------------------------------------ the employer answers
@transaction.atomic
def dispute_answer(*, dispute_id: int, actor, text: str) -> PaymentDispute:
    """A member of the settlement's employer answers an open dispute (S4.3), on time
    or late — staff read the answer either way. The student is told."""
    dispute = PaymentDispute.objects.select_for_update().select_related("student").get(pk=dispute_id)
    ensure_employer_member(actor, dispute.employer_id)
    if dispute.status != Status.OPEN:
        raise DomainError(_("This dispute has already been answered, decided or withdrawn."))
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your answer."), field="text")
    before = dispute.status
    dispute.answer(now=timezone.now(), by=actor, text=text[:3000])
    dispute.save(update_fields=["status", "employer_response", "employer_responded_at", "employer_responded_by",
                                "updated_at"])
    history_record(subject=dispute, transition="answer", from_state=before, to_state=dispute.status, actor=actor)
    notify(recipient=dispute.student, subject=_("The employer answered your payment dispute"), body=text[:1000],
           link=_student_link(dispute))
    return dispute


# ------------------------------------------------------------------ the student withdraws
@transaction.atomic
def dispute_withdraw(*, dispute_id: int, student) -> PaymentDispute:
    """The student withdraws their open or answered dispute; its ticket is resolved
    and the employer told."""
    dispute = PaymentDispute.objects.select_for_update().select_related("employer").get(pk=dispute_id)
    if dispute.student_id != student.pk:
        raise NotPermitted()
    if dispute.status not in LIVE:
        raise DisputeNotLive()
    before = dispute.status
    dispute.withdraw(now=timezone.now())
    dispute.save(update_fields=["status", "decided_at", "updated_at"])
    history_record(subject=dispute, transition="withdraw", from_state=before, to_state=dispute.status,
                   actor=student)
    from support.services import ticket_resolve_for_case

    ticket_resolve_for_case(source_key=ticket_key(dispute.pk), actor=student,
                            resolution=str(_("Withdrawn by the student.")))
    _tell_employer(dispute, subject=_("The student withdrew their payment dispute"),
                   body=_("Nothing changes on the statement."))
    return dispute


# ------------------------------------------------------------------ staff decide
def _refund_cap_fen(settlement: Settlement) -> int:
    refunded = (PaymentDispute.objects.filter(settlement=settlement, status=Status.DECIDED)
                .aggregate(total=Sum("refund_fen"))["total"] or 0)
    return max(settlement.commission_fen - refunded, 0)


@transaction.atomic
def dispute_decide(*, dispute_id: int, actor, outcome: str, decision: str, adjustment_fen: int = 0,
                   refund_fen: int = 0) -> PaymentDispute:
    """Staff decide a live dispute (S4.3) with a decision both sides read.

    Preconditions: `settlements.change_paymentdispute`; decision text; outcome
    "no change" moves no money; "corrected" needs extra pay for the student
    and/or a commission refund to the employer, the refund at most the
    statement's commission less refunds decided before.
    Effects: extra pay becomes a SettlementAdjustment (commission on top at the
    statement's percent) funded from escrow at once if the money is there, else
    by the sweep; a refund posts `dispute:<pk>:refund`; the ticket is resolved;
    both sides told; extra pay records a credit event against the employer."""
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
    dispute = PaymentDispute.objects.select_for_update().select_related("student", "employer").get(pk=dispute_id)
    if dispute.status not in LIVE:
        raise DisputeNotLive()
    settlement = Settlement.objects.select_for_update().select_related("engagement__job").get(
        pk=dispute.settlement_id)
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
    now = timezone.now()
    before = dispute.status
    dispute.decide(now=now, by=actor, outcome=outcome, decision=decision[:3000], adjustment_fen=adjustment_fen,
                   refund_fen=refund_fen)
    dispute.save(update_fields=["status", "outcome", "decision", "decided_by", "decided_at", "adjustment_fen",
                                "refund_fen", "updated_at"])
    history_record(subject=dispute, transition="decide", from_state=before, to_state=dispute.status, actor=actor,
                   reason=f"{dispute.get_outcome_display()}: {decision}"[:500])
    if refund_fen:
        transaction_post(key=refund_key(dispute.pk), kind="dispute_refund", actor=actor, source=dispute,
                         memo=f"commission refund on payment dispute {dispute.pk}", lines=[
                             (platform_account(AccountKind.REVENUE_COMMISSIONS), refund_fen),
                             (employer_escrow(dispute.employer_id), -refund_fen)])
    adjustment = None
    if adjustment_fen:
        adjustment = SettlementAdjustment.objects.create(
            settlement=settlement, dispute=dispute, student_id=dispute.student_id, employer_id=dispute.employer_id,
            amount_fen=adjustment_fen, commission_fen=adjustment_commission_fen(
                amount_fen=adjustment_fen, commission_percent=settlement.commission_percent))
        history_record(subject=adjustment, transition="create", from_state="", to_state=adjustment.status,
                       actor=actor, reason=f"payment dispute {dispute.pk}")
        credit_event_record(key=f"{ticket_key(dispute.pk)}:lost", subject_kind="employer",
                            subject_id=dispute.employer_id, kind="payment_dispute_lost",
                            reason=decision[:500], source=dispute)
    from support.services import ticket_resolve_for_case

    ticket_resolve_for_case(source_key=ticket_key(dispute.pk), actor=actor, resolution=decision)
    money = []
    if adjustment_fen:
        money.append(str(_("extra pay of %(amount)s for the student") % {"amount": format_fen(adjustment_fen)}))
    if refund_fen:
        money.append(str(_("%(amount)s of commission refunded to the employer's escrow") % {
            "amount": format_fen(refund_fen)}))
    body = decision if not money else f"{decision}\n\n{'; '.join(money)}"
    notify(recipient=dispute.student, subject=_("Your payment dispute was decided"), body=body,
           link=_student_link(dispute))
    _tell_employer(dispute, subject=_("A payment dispute for %(job)s was decided") % {
        "job": settlement.engagement.job.title}, body=body)
    if adjustment is not None:
        adjustment_fund(adjustment_id=adjustment.pk)
    return dispute


# ------------------------------------------------------------------ funding the extra pay
def _tell_employer_short(adjustment: SettlementAdjustment, short_fen: int) -> None:
    """At most once a day per adjustment: how much the employer still has to pay in."""
    dispute = adjustment.dispute
    link = (_employer_link(dispute) if dispute else
            reverse("settlements:employer_statement", args=[adjustment.settlement_id])) + "#adjustment"
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    if Notification.objects.filter(link=link, created_at__gte=start).exists():
        return
    subject = _("Please pay %(amount)s into escrow for a correction of pay") % {"amount": format_fen(short_fen)}
    body = _("A payment dispute was decided in the student's favour: %(amount)s of extra pay (commission "
             "included) is due from your escrow, which is short by %(short)s. Pay by bank transfer quoting your "
             "reference; the student is paid once it arrives.") % {
        "amount": format_fen(adjustment.amount_fen + adjustment.commission_fen), "short": format_fen(short_fen)}
    for member in adjustment.employer.members.select_related("user").filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=link)


@transaction.atomic
def adjustment_fund(*, adjustment_id: int) -> SettlementAdjustment:
    """Fund a decided adjustment from the employer's escrow (S4.3, E5.1), once.

    Precondition: awaiting funding (any other status returns the row unchanged;
    the ledger key is unique too). Effects: posts `adjustment:<pk>:fund` — Dr
    escrow amount + commission, Cr the student's payable the amount, Cr
    commission revenue the commission; funded, payout due P1 working days later
    (S4.2). If escrow is short it stays awaiting funding and the employer is
    told (once a day at most); the sweep retries."""
    adjustment = (SettlementAdjustment.objects.select_for_update(of=("self",))
                  .select_related("employer", "student", "dispute").get(pk=adjustment_id))
    if adjustment.status != SettlementAdjustment.Status.AWAITING_FUNDING:
        return adjustment
    lines = [(employer_escrow(adjustment.employer_id), adjustment.amount_fen + adjustment.commission_fen),
             (student_payable(adjustment.student_id), -adjustment.amount_fen),
             (platform_account(AccountKind.REVENUE_COMMISSIONS), -adjustment.commission_fen)]
    try:
        transaction_post(key=fund_key(adjustment.pk), kind="adjustment_fund", source=adjustment,
                         memo=f"adjustment {adjustment.pk} of settlement {adjustment.settlement_id}",
                         lines=[(account, amount) for account, amount in lines if amount])
    except InsufficientBalance as short:
        _tell_employer_short(adjustment, short.needed_fen)
        return adjustment
    now = timezone.now()
    before = adjustment.status
    adjustment.fund(now=now, payout_due_at=working_days_after(now, get_policy().payout_working_days))
    adjustment.save(update_fields=["status", "funded_at", "payout_due_at", "updated_at"])
    history_record(subject=adjustment, transition="fund", from_state=before, to_state=adjustment.status,
                   reason=format_fen(adjustment.amount_fen + adjustment.commission_fen))
    notify(recipient=adjustment.student, subject=_("Extra pay of %(amount)s is on its way") % {
        "amount": format_fen(adjustment.amount_fen)},
        body=_("The employer's payment for the correction has arrived; you are paid by %(due)s.") % {
            "due": _day(adjustment.payout_due_at)},
        link=reverse("settlements:student_statement", args=[adjustment.settlement_id]))
    return adjustment


def adjustments_fund_ready(*, limit: int = 5000) -> int:
    """Try to fund every adjustment awaiting funding, oldest first; returns how many
    were funded. Walks a primary-key cursor (one short of money is visited once
    per run); each is funded in its own transaction."""
    funded, after, seen = 0, 0, 0
    waiting = SettlementAdjustment.Status.AWAITING_FUNDING
    while seen < limit:
        ids = list(SettlementAdjustment.objects.filter(status=waiting, pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:min(FUND_BATCH, limit - seen)])
        if not ids:
            break
        for adjustment_id in ids:
            if adjustment_fund(adjustment_id=adjustment_id).status != waiting:
                funded += 1
        seen += len(ids)
        after = ids[-1]
    return funded


# ------------------------------------------------------------------ evidence access by staff
def dispute_evidence_access_record(*, staff, dispute: PaymentDispute, reason: str) -> None:
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
def disputes_of_settlement(settlement: Settlement):
    """A statement's disputes, newest first, with their adjustment (for the statement pages)."""
    return settlement.disputes.select_related("adjustment").order_by("-created_at", "-id")


def disputes_for_employer(*, user):
    """The payment disputes about the user's employer's statements, live ones first, then newest."""
    from django.db.models import Case, IntegerField, Value, When

    live_first = Case(When(status__in=LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (PaymentDispute.objects.filter(employer__members__user=user)
            .select_related("settlement__engagement__job", "student__student_profile", "adjustment")
            .order_by(live_first, "-created_at", "-id"))


def dispute_for_employer(*, user, pk: int) -> PaymentDispute | None:
    return disputes_for_employer(user=user).filter(pk=pk).first()


def dispute_for_student(*, student, pk: int) -> PaymentDispute | None:
    return PaymentDispute.objects.filter(student=student, pk=pk).select_related("settlement").first()


def answer_overdue(dispute: PaymentDispute, now: dt.datetime | None = None) -> bool:
    """The employer has not answered and its window has passed (shown to staff and on the pages)."""
    return dispute.status == Status.OPEN and dispute.employer_response_due_at < (now or timezone.now())
