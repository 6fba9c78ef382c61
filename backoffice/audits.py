"""Audits (F4): engagements, their findings tracked to closure, and the daily
sweep that reminds owners and escalates overdue findings.

Who does what (accounts.roles):
- finance and managers record findings (`backoffice.add_auditfinding`);
- the finding's owner records the rectification steps (`start_rectifying`) and
  may add evidence while it is being rectified — only the owner;
- a holder of `backoffice.close_auditfinding` closes it with evidence. The owner
  alone cannot close their own finding: they close it only if they also hold
  `close_auditfinding` (kept simple, as the regulation asks no more);
- auditors read everything and change nothing (they hold no add/change perms).

Every step writes a history row; the owner is told when assigned, reminded once
`audit_finding_reminder_days` before the due date, and managers are told once
when an unclosed finding is overdue (`escalated_at`)."""

import datetime as dt
import random
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Case, CharField, IntegerField, Value, When
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.roles import MANAGER
from accounts.services import staff_role_notify
from core.errors import DomainError, InvalidTransition, NotPermitted
from core.history import history_for, history_record
from core.models import HistoryEntry
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from finance.models import BankStatementLine, FundingReference, LedgerTransaction

from .models import AuditEngagement, AuditFinding, BackofficeAction, ExpenseClaim
from .reports import day_bounds

ADD_PERMISSION = "backoffice.add_auditfinding"
CLOSE_PERMISSION = "backoffice.close_auditfinding"
VIEW_PERMISSION = "backoffice.view_auditengagement"
SAMPLE_SIZE = 25


class EvidenceRequired(DomainError):
    default_message = _("Describe the evidence that the finding was rectified.")

    def __init__(self, message=None):
        super().__init__(message, field="evidence")


class StepsRequired(DomainError):
    default_message = _("Describe the rectification steps.")

    def __init__(self, message=None):
        super().__init__(message, field="steps")


def _admin_url(model, pk) -> str:
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def finding_url(finding: AuditFinding) -> str:
    return _admin_url(AuditFinding, finding.pk)


# ====================================================================== findings: writes
@transaction.atomic
def audit_finding_record(*, engagement_id: int, actor, title: str, description: str, severity: str, owner,
                         due_on: dt.date) -> AuditFinding:
    """Finance or a manager records a finding of an engagement; its owner is told."""
    if not actor.has_perm(ADD_PERMISSION):
        raise NotPermitted()
    engagement = AuditEngagement.objects.select_for_update().filter(pk=engagement_id).first()
    if engagement is None:
        raise DomainError(_("This audit does not exist."))
    if engagement.status == AuditEngagement.Status.CLOSED:
        raise DomainError(_("This audit is closed: no new findings."))
    if owner is None or not owner.is_active or not owner.is_staff:
        raise DomainError(_("The owner must be an active staff member."), field="owner")
    if severity not in AuditFinding.Severity.values:
        raise DomainError(_("Choose a severity."), field="severity")
    finding = AuditFinding.objects.create(engagement=engagement, title=title, description=description,
                                          severity=severity, owner=owner, due_on=due_on)
    history_record(subject=finding, transition=BackofficeAction.RECORD, from_state="",
                   to_state=finding.status, actor=actor, reason=title)
    notify(recipient=owner, subject=_("An audit finding was assigned to you: %(title)s") % {"title": title},
           body=_("Rectify it by %(due)s and record the steps and evidence.") % {"due": due_on.isoformat()},
           link=finding_url(finding))
    return finding


def _tell_recorder(finding: AuditFinding, actor, subject) -> None:
    """Whoever recorded the finding learns of the owner's progress (in-site)."""
    recorded = history_for(finding).filter(transition=BackofficeAction.RECORD).exclude(actor=None).first()
    if recorded is not None and recorded.actor_id != actor.pk:
        notify(recipient=recorded.actor, subject=subject, body=subject, link=finding_url(finding), email=False)


def _locked(finding_id: int) -> AuditFinding:
    try:
        return lock_row(AuditFinding, finding_id)
    except AuditFinding.DoesNotExist:
        raise DomainError(_("This finding does not exist.")) from None


@transaction.atomic
def audit_finding_start_rectifying(*, finding_id: int, actor, steps: str) -> AuditFinding:
    """The owner (only) records the rectification steps: open → being rectified."""
    finding = _locked(finding_id)
    if finding.owner_id != actor.pk:
        raise NotPermitted(_("Only the finding's owner records its rectification."))
    steps = (steps or "").strip()
    if not steps:
        raise StepsRequired()
    run_transition(finding, "start_rectifying", actor=actor, note=steps[:500], steps=steps)
    _tell_recorder(finding, actor, _("Rectification started: %(title)s") % {"title": finding.title})
    return finding


@transaction.atomic
def audit_finding_evidence_add(*, finding_id: int, actor, evidence: str) -> AuditFinding:
    """The owner adds evidence while rectifying (appended, never overwritten)."""
    finding = _locked(finding_id)
    if finding.owner_id != actor.pk:
        raise NotPermitted(_("Only the finding's owner records its rectification."))
    if finding.status != AuditFinding.Status.RECTIFYING:
        raise InvalidTransition()
    evidence = (evidence or "").strip()
    if not evidence:
        raise EvidenceRequired()
    finding.evidence = f"{finding.evidence}\n{evidence}".strip()
    finding.save(update_fields=["evidence", "updated_at"])
    history_record(subject=finding, transition=BackofficeAction.EVIDENCE, from_state=finding.status,
                   to_state=finding.status, actor=actor, reason=evidence[:500])
    _tell_recorder(finding, actor, _("Evidence added: %(title)s") % {"title": finding.title})
    return finding


@transaction.atomic
def audit_finding_close(*, finding_id: int, actor, evidence: str) -> AuditFinding:
    """A holder of close_auditfinding closes the finding with evidence (see the module's rule)."""
    if not actor.has_perm(CLOSE_PERMISSION):
        raise NotPermitted()
    finding = _locked(finding_id)
    evidence = (evidence or "").strip()
    if not evidence:
        raise EvidenceRequired()
    combined = f"{finding.evidence}\n{evidence}".strip() if finding.evidence else evidence
    run_transition(finding, "close", actor=actor, note=evidence[:500], by=actor, evidence=combined)
    if finding.owner_id != actor.pk:
        notify(recipient=finding.owner, subject=_("Audit finding closed: %(title)s") % {"title": finding.title},
               body=_("It was closed with evidence."), link=finding_url(finding), email=False)
    return finding


# ====================================================================== the daily sweep
@dataclass
class SweepResult:
    reminded: int = 0
    escalated: int = 0


def audit_findings_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Remind owners once `audit_finding_reminder_days` before the due date; escalate
    overdue unclosed findings once to managers. Set-based and idempotent: a second
    run the same day (or any later day) does nothing more for the same finding."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = get_policy().audit_finding_reminder_days
    result = SweepResult()
    unclosed = AuditFinding.objects.exclude(status=AuditFinding.Status.CLOSED)
    finding_ct = apps.get_model("contenttypes", "ContentType").objects.get_for_model(AuditFinding)
    reminded_ids = (HistoryEntry.objects.filter(content_type=finding_ct, transition=BackofficeAction.REMIND)
                    .values_list("object_id", flat=True))
    with transaction.atomic():
        due_soon = list(unclosed.select_for_update(of=("self",)).select_related("owner")
                        .filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=days))
                        .annotate(pk_text=Cast("pk", CharField())).exclude(pk_text__in=reminded_ids))
        for finding in due_soon:
            history_record(subject=finding, transition=BackofficeAction.REMIND, from_state=finding.status,
                           to_state=finding.status)
            notify(recipient=finding.owner,
                   subject=_("Audit finding due on %(due)s: %(title)s") % {"due": finding.due_on.isoformat(),
                                                                          "title": finding.title},
                   body=_("Record the rectification steps and evidence before the due date."),
                   link=finding_url(finding))
        result.reminded = len(due_soon)
    with transaction.atomic():
        overdue = list(unclosed.select_for_update().filter(due_on__lt=today, escalated_at__isnull=True))
        if overdue:
            AuditFinding.objects.filter(pk__in=[f.pk for f in overdue]).update(escalated_at=now)
            for finding in overdue:
                history_record(subject=finding, transition=BackofficeAction.ESCALATE,
                               from_state=finding.status, to_state=finding.status,
                               reason=f"due {finding.due_on.isoformat()}")
                staff_role_notify(role=MANAGER, subject=_("Overdue audit finding: %(title)s (due %(due)s)") % {
                    "title": finding.title, "due": finding.due_on.isoformat()}, link=finding_url(finding))
        result.escalated = len(overdue)
    return result


# ====================================================================== selectors
def findings_queue(*, user=None, mine: bool = False):
    """Unclosed and overdue first, then by due date; `mine` keeps the user's own."""
    today = timezone.localdate()
    qs = AuditFinding.objects.select_related("engagement", "owner").annotate(
        rank=Case(When(status=AuditFinding.Status.CLOSED, then=Value(2)),
                  When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("rank", "due_on", "pk")
    if mine and user is not None:
        qs = qs.filter(owner=user)
    return qs


def owner_choices():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")


@transaction.atomic
def audit_pack_download_record(*, engagement: AuditEngagement, actor) -> None:
    """Every download of the pack is written to the engagement's history (who, when)."""
    history_record(subject=engagement, transition=BackofficeAction.PACK_DOWNLOAD,
                   from_state=engagement.status, to_state=engagement.status, actor=actor)


def engagement_transactions(engagement: AuditEngagement):
    start, end = day_bounds(engagement.period_start, engagement.period_end)
    return LedgerTransaction.objects.filter(created_at__gte=start, created_at__lt=end)


def transaction_sample(engagement: AuditEngagement, size: int = SAMPLE_SIZE) -> list[LedgerTransaction]:
    """A random sample of the period's transactions, seeded by the engagement id:
    the same engagement over the same ledger gives the same sample."""
    ids = sorted(engagement_transactions(engagement).order_by().values_list("pk", flat=True))
    chosen = sorted(random.Random(engagement.pk).sample(ids, min(size, len(ids))))
    return list(LedgerTransaction.objects.filter(pk__in=chosen).order_by("created_at", "pk")
                .prefetch_related("entries__account", "source"))


# ------------------------------------------------------------------ what a transaction documents
def _receipts(claim) -> list[tuple[str, str]]:
    """A claim's receipts: their admin page if registered, else the claim's page on the site."""
    docs = []
    for receipt in claim.receipts.order_by("pk"):
        url = _admin_url(type(receipt), receipt.pk)
        if not url:
            try:
                url = reverse("backoffice:expense_receipt", args=[claim.pk, receipt.pk])
            except NoReverseMatch:
                url = ""
        docs.append((f"{_('Receipt')} #{receipt.pk}", url))
    return docs


def _named(obj) -> tuple[str, str]:
    model = type(obj)
    return f"{capfirst(model._meta.verbose_name)} #{obj.pk}", _admin_url(model, obj.pk)


def _around(source) -> list[tuple[str, str]]:
    """What documents the source further: a bank line's funding reference, an
    expense claim's receipts, the batch a payout went out in."""
    if isinstance(source, BankStatementLine):
        ref = FundingReference.objects.filter(employer_id=source.matched_employer_id).first()
        return [] if ref is None else [(f"{_('Funding reference')} {ref.code}", _admin_url(FundingReference, ref.pk))]
    if isinstance(source, ExpenseClaim):
        return _receipts(source)
    batch = getattr(source, "batch", None)  # a payout: the batch file it was paid in
    return [_named(batch)] if isinstance(batch, models.Model) else []


def transaction_documents(txn: LedgerTransaction) -> list[tuple[str, str]]:
    """(what, admin URL) for what the transaction is for: the ledger transaction,
    its source record (`LedgerTransaction.source`, set when it was posted) and
    what documents that further. A transaction with no source links only itself."""
    docs: list[tuple[str, str]] = [(str(_("Ledger transaction")), _admin_url(LedgerTransaction, txn.pk))]
    source = txn.source
    if source is not None:
        docs += [_named(source), *_around(source)]
    seen, unique = set(), []
    for what, url in docs:
        if (what, url) not in seen:
            seen.add((what, url))
            unique.append((what, url))
    return unique
