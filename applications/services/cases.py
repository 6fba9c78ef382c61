"""Cases raised from an engagement: a student's report of an unlawful or
unreasonable demand (S3.3) and an employer's claim for a loss the student
caused (S3.2). Staff decide; only an agreed or decided loss becomes money."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_record
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.uploads import clean_upload
from employers.services import ensure_employer_member

from ..models import ApplicationsAction, DemandReport, EngagementItem, EngagementStatus, LossClaim
from .engagements import engagement_release
from .shared import (
    EMPLOYER,
    STUDENT,
    credit_record,
    engagement_link,
    engagement_locked,
    required_reason,
    tell_members,
)


# ------------------------------------------------------------------ unlawful demands (S3.3)
@transaction.atomic
def demand_report_file(*, engagement_id: int, student: User, kind: str, description: str, evidence=None,
                       refuses_and_leaves: bool = False) -> DemandReport:
    """The student reports an unlawful or unreasonable demand (S3.3): a moderation
    case due within the policy's hours. Refusing the demand costs the student
    nothing once the report is confirmed."""
    description = required_reason(description)
    engagement = engagement_locked(engagement_id)
    if engagement.student_id != student.pk:
        raise NotPermitted()
    if kind not in DemandReport.Kind.values:
        raise DomainError(_("Choose what happened."), field="kind")
    if evidence:
        evidence = clean_upload(evidence, folder="evidence")
    report = DemandReport.objects.create(
        engagement=engagement, kind=kind, description=description[:3000], evidence=evidence or "",
        refuses_and_leaves=refuses_and_leaves,
        due_at=timezone.now() + dt.timedelta(hours=get_policy().demand_report_hours))
    history_record(subject=report, transition=ApplicationsAction.FILE, from_state="", to_state=report.status,
                   actor=student, reason=description)
    staff_role_notify(role="moderator", subject=_("A student reports an unlawful demand"),
                      link=reverse("admin:applications_demandreport_change", args=[report.pk]))
    return report


@transaction.atomic
def demand_report_accept(*, pk: int, actor: User, reason: str) -> DemandReport:
    """Staff confirm the report: a credit event against the employer; a student
    who refused the demand is released without penalty (S3.3)."""
    reason = required_reason(reason)
    report = lock_row(DemandReport, pk, related=("engagement__job",))
    run_transition(report, "accept", actor=actor, note=reason, check_permission=True, by=actor, reason=reason)
    engagement = engagement_locked(report.engagement_id)
    credit_record(key=f"demand_report:{report.pk}:confirmed", subject_kind=EMPLOYER,
                  subject_id=engagement.employer_id, kind=f"violation_{report.kind}",
                  reason=_("Confirmed report: %(kind)s") % {"kind": report.get_kind_display()}, source=report)
    if report.refuses_and_leaves and engagement.is_active:
        engagement_release(engagement, actor=actor, reason=str(_("Your report was confirmed; you may leave this job "
                                                                 "without penalty (S3.3).")))
    notify(recipient=engagement.student, subject=_("Your report was confirmed"), body=reason,
           link=engagement_link(engagement, for_student=True))
    tell_members(engagement.employer_id,
                 subject=_("A report about %(job)s was confirmed") % {"job": engagement.job.title},
                 body=reason, link=engagement_link(engagement, for_student=False))
    return report


@transaction.atomic
def demand_report_dismiss(*, pk: int, actor: User, reason: str) -> DemandReport:
    """Staff could not confirm the report; the student is told why (S3.3)."""
    reason = required_reason(reason)
    report = lock_row(DemandReport, pk, related=("engagement__job",))
    run_transition(report, "dismiss", actor=actor, note=reason, check_permission=True, by=actor, reason=reason)
    notify(recipient=report.engagement.student, subject=_("Your report could not be confirmed"), body=reason,
           link=engagement_link(report.engagement, for_student=True))
    return report


# ------------------------------------------------------------------ losses (S3.2)
@transaction.atomic
def loss_claim_file(*, engagement_id: int, actor: User, amount_fen: int, description: str,
                    evidence) -> LossClaim:
    """The employer claims a loss the student caused (S3.2), with evidence. Nothing
    is deducted: the student answers, and only an agreed or decided amount is charged."""
    description = required_reason(description)
    engagement = engagement_locked(engagement_id)
    ensure_employer_member(actor, engagement.employer_id)
    if engagement.status not in (EngagementStatus.ACTIVE, EngagementStatus.COMPLETED):
        raise InvalidTransition()
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError(_("Give the amount of the loss."), field="amount_fen")
    if not evidence:
        raise DomainError(_("Attach evidence of the loss."), field="evidence")
    claim = LossClaim.objects.create(engagement=engagement, amount_fen=amount_fen, description=description[:3000],
                                     evidence=clean_upload(evidence, folder="evidence"), filed_by=actor)
    history_record(subject=claim, transition=ApplicationsAction.FILE, from_state="", to_state=claim.status,
                   actor=actor, reason=description)
    notify(recipient=engagement.student,
           subject=_("%(job)s: the employer claims a loss") % {"job": engagement.job.title},
           body=_("Read the claim and answer it; nothing is deducted from your pay unless you agree or staff decide."),
           link=engagement_link(engagement, for_student=True))
    return claim


def _loss_item(claim: LossClaim) -> None:
    EngagementItem.objects.get_or_create(source_key=f"loss_claim:{claim.pk}", defaults={
        "engagement_id": claim.engagement_id, "kind": EngagementItem.Kind.LOSS,
        "amount_fen": -int(claim.decided_amount_fen or 0),
        "description": str(_("Compensation for a loss (claim %(n)s)")) % {"n": claim.pk}})


@transaction.atomic
def loss_claim_answer(*, claim_id: int, student: User, agree: bool, answer: str) -> LossClaim:
    """The student agrees to the claimed amount (it becomes an item) or contests it (staff decide) (S3.2)."""
    answer = required_reason(answer)
    claim = lock_row(LossClaim, claim_id, related=("engagement__job",))
    if claim.engagement.student_id != student.pk:
        raise NotPermitted()
    run_transition(claim, "agree" if agree else "contest", actor=student, note=answer, answer=answer[:3000])
    if agree:
        _loss_item(claim)
    else:
        staff_role_notify(role="moderator", subject=_("A student contests a loss claim"),
                          link=reverse("admin:applications_lossclaim_change", args=[claim.pk]))
    tell_members(claim.engagement.employer_id, subject=_("The student answered your loss claim"), body=answer,
                 link=engagement_link(claim.engagement, for_student=False))
    return claim


@transaction.atomic
def loss_claim_decide(*, pk: int, actor: User, uphold: bool, reason: str, amount_fen: int | None = None) -> LossClaim:
    """Staff decide a contested claim; an upheld amount (≤ the claim) becomes a visible item."""
    reason = required_reason(reason)
    if not actor.has_perm("applications.decide_case"):
        raise NotPermitted()
    claim = lock_row(LossClaim, pk, related=("engagement__job", "engagement__student"))
    if uphold:
        amount = claim.amount_fen if amount_fen is None else int(amount_fen)
        if not 0 < amount <= claim.amount_fen:
            raise DomainError(_("The amount must be more than 0 and at most the amount claimed."), field="amount_fen")
        run_transition(claim, "uphold", actor=actor, note=reason, by=actor, amount_fen=amount, reason=reason)
        _loss_item(claim)
        credit_record(key=f"loss_claim:{claim.pk}:upheld", subject_kind=STUDENT,
                      subject_id=claim.engagement.student_id, kind="loss_caused",
                      reason=_("Caused a loss to the employer: %(reason)s") % {"reason": reason}, source=claim)
    else:
        run_transition(claim, "dismiss", actor=actor, note=reason, by=actor, reason=reason)
    for recipient in [claim.engagement.student]:
        notify(recipient=recipient, subject=_("The loss claim was decided"), body=reason,
               link=engagement_link(claim.engagement, for_student=True))
    return claim


def loss_claim_setoff_record(*, claim_id: int, amount_fen: int, note: str) -> LossClaim:
    """Settlements funded a statement that sets `amount_fen` of the claim off against
    pay (S3.2, 《工资支付暂行规定》 art. 16): the claim's `offset_fen` grows by it, never
    beyond the agreed or decided amount; the rest stays owed. Call inside the
    funding's transaction (with the posting), after locking the student's row."""
    claim = lock_row(LossClaim, claim_id)
    if claim.status not in (LossClaim.Status.AGREED, LossClaim.Status.UPHELD):
        raise InvalidTransition()
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= claim.outstanding_fen:
        raise ValueError(f"set-off of {amount_fen!r} fen exceeds what loss claim {claim.pk} has outstanding")
    claim.offset_fen += amount_fen
    claim.save(update_fields=["offset_fen", "updated_at"])
    history_record(subject=claim, transition=ApplicationsAction.SET_OFF, from_state=claim.status,
                   to_state=claim.status, reason=f"{format_fen(amount_fen)} ({note}); "
                   f"{format_fen(claim.outstanding_fen)} still owed")
    return claim
