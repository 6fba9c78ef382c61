"""Funding deadlines and the guarantee (E5.1, E5.2, 先行赔付).

A ready statement is due from the employer by `funding_due_at`. The watch
sweep reminds the employer shortly before, records the lateness once after
(a credit event; finance and moderators are told), and when the employer has
still not paid `guarantee_grace_working_days` working days later, the
platform's guarantee fund advances the student's pay: the settlement is funded
from the fund and paid out by the next batch like any other.

The employer still owes the money. When it arrives in escrow, recovery (run by
the funding sweep, before new statements are funded: older debt first) takes
the employer total from escrow, refills the fund with what it advanced and
books the commission.

A statement above `guarantee_cap_fen` is not advanced automatically: it is
escalated to finance, who decide the case (contact the employer, contribute to
the fund, advance it by hand with `settlement_advance`). A fund too small to
advance is escalated once too; the sweep advances as soon as it can."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import FINANCE, MODERATOR
from accounts.services import staff_role_notify
from core.credit import credit_event_record
from core.history import history_record
from core.models import Policy
from core.money import format_fen
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.working_days import working_days_after
from finance.ledger import (
    InsufficientBalance,
    employer_escrow,
    platform_account,
    transaction_post,
)
from finance.models import AccountKind

from .models import Settlement, SettlementAction, SettlementStatus
from .services import settlement_setoff_record, settlement_setoff_settle
from .withholding import pay_credit_lines, settlement_tax_withhold

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Settlements selected per query by the watch; each is then handled in its own
# short transaction (one settlement lock, at most three ledger account locks).
WATCH_BATCH = 200
RECOVERED_STATES = (SettlementStatus.FUNDED, SettlementStatus.PAYING, SettlementStatus.PAID)


def advance_key(settlement_pk: int) -> str:
    return f"settlement:{settlement_pk}:advance"


def recover_key(settlement_pk: int) -> str:
    return f"settlement:{settlement_pk}:recover"


# ------------------------------------------------------------------ helpers
def _statement_link(settlement: Settlement) -> str:
    return reverse("settlements:employer_statement", args=[settlement.pk])


def _admin_link(settlement: Settlement) -> str:
    return reverse("admin:settlements_settlement_change", args=[settlement.pk])


def _tell_employer(settlement: Settlement, *, subject: StrOrPromise, body: StrOrPromise,
                   link: str = "") -> None:
    for member in settlement.employer.members.select_related("user"):
        notify(recipient=member.user, subject=subject, body=body, link=link or _statement_link(settlement))


def _due_text(settlement: Settlement) -> str:
    return timezone.localtime(settlement.funding_due_at).strftime("%Y-%m-%d %H:%M")


def _ids(queryset: QuerySet[Settlement], after: int) -> list[int]:
    return list(queryset.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:WATCH_BATCH])


def _each(queryset: QuerySet[Settlement], handle: Callable[[int], object]) -> int:
    """Call handle(pk) for every row of queryset, walking a primary-key cursor in
    batches; returns how many calls returned True."""
    done, after = 0, 0
    while ids := _ids(queryset, after):
        for pk in ids:
            done += bool(handle(pk))
        after = ids[-1]
    return done


def _locked_ready(settlement_id: int) -> Settlement | None:
    settlement = (Settlement.objects.select_for_update(of=("self",))
                  .select_related("employer", "engagement__job", "student").get(pk=settlement_id))
    return settlement if settlement.status == SettlementStatus.READY else None


# ------------------------------------------------------------------ reminder, lateness (E5.1)
@transaction.atomic
def _remind(settlement_id: int, now: dt.datetime) -> bool:
    settlement = _locked_ready(settlement_id)
    if settlement is None or settlement.funding_reminded_at is not None:
        return False
    settlement.funding_reminded_at = now
    settlement.save(update_fields=["funding_reminded_at", "updated_at"])
    amount = format_fen(settlement.employer_total_fen)
    _tell_employer(
        settlement,
        subject=_("Reminder: pay %(amount)s into escrow by %(due)s") % {"amount": amount, "due": _due_text(settlement)},
        body=_("The statement for %(job)s is due by %(due)s: %(amount)s (the student's pay and the commission). "
               "Pay it into your escrow by bank transfer quoting your funding reference; it is taken from escrow "
               "as soon as it arrives.") % {
            "job": settlement.engagement.job.title, "due": _due_text(settlement), "amount": amount},
        link=reverse("funding:page"))
    return True


@transaction.atomic
def _mark_late(settlement_id: int, now: dt.datetime) -> bool:
    """E5.1: the employer missed the due date — recorded once, told, escalated to staff."""
    settlement = _locked_ready(settlement_id)
    if settlement is None or settlement.funding_late_at is not None:
        return False
    settlement.funding_late_at = now
    settlement.save(update_fields=["funding_late_at", "updated_at"])
    amount, job = format_fen(settlement.employer_total_fen), settlement.engagement.job.title
    history_record(subject=settlement, transition=SettlementAction.FUNDING_LATE, from_state=settlement.status,
                   to_state=settlement.status, reason=_("not funded by %(due)s") % {"due": _due_text(settlement)})
    credit_event_record(
        key=f"settlement:{settlement.pk}:late_funding", subject_kind="employer", subject_id=settlement.employer_id,
        kind="late_funding", source=settlement,
        reason=str(_("Did not pay %(amount)s for %(job)s by the due date %(due)s") % {
            "amount": amount, "job": job, "due": _due_text(settlement)}))
    _tell_employer(
        settlement,
        subject=_("Late: the pay for %(job)s was due on %(due)s") % {"job": job, "due": _due_text(settlement)},
        body=_("You have not paid %(amount)s into escrow for this statement. This is recorded against your "
               "credit. If it is still unpaid in %(days)s working days, the platform pays the student from its "
               "guarantee fund and you still owe the full amount.") % {
            "amount": amount, "days": get_policy().guarantee_grace_working_days},
        link=reverse("funding:page"))
    subject = _("Employer %(employer)s is late paying %(amount)s (settlement %(pk)s)") % {
        "employer": settlement.employer.name, "amount": amount, "pk": settlement.pk}
    for role in (FINANCE, MODERATOR):
        staff_role_notify(role=role, subject=subject, link=_admin_link(settlement))
    return True


# ------------------------------------------------------------------ the advance (E5.2)
@transaction.atomic
def settlement_advance(*, settlement_id: int, now: dt.datetime | None = None,
                       actor: User | None = None) -> Settlement:
    """The guarantee fund pays the student what the late employer owes (E5.2, 先行赔付).

    Precondition: ready with something for the student (otherwise the row is
    returned unchanged). The cap is the sweep's business: finance may call this
    for a larger statement they decided to advance.
    Effects: withholds income tax (settlements.withholding); posts
    `settlement:<pk>:advance` — Dr the guarantee fund the student total, Cr the
    student's payable that less the tax, Cr tax payable the tax; status funded with the payout due
    at once (the student is already late: the next batch pays); the student and
    the employer are told; a credit event for the employer. Raises
    InsufficientBalance (nothing changed) when the fund holds too little."""
    now = now or timezone.now()
    # Only the settlement's row is locked; its student, employer and job load when needed.
    settlement = lock_row(Settlement, settlement_id)
    if settlement.status != SettlementStatus.READY or settlement.student_total_fen <= 0:
        return settlement
    settlement_setoff_settle(settlement, now=now)  # 工资支付暂行规定 art. 16, against what is funded now
    amount = settlement.student_total_fen
    with transaction.atomic():  # a fund too small undoes the tax withheld with the posting
        tax = settlement_tax_withhold(settlement, now=now)
        transaction_post(key=advance_key(settlement.pk), kind="guarantee_advance", actor=actor, source=settlement,
                         memo=f"guarantee advance of settlement {settlement.pk}",
                         lines=[(platform_account(AccountKind.GUARANTEE_FUND), amount),
                                *pay_credit_lines(student_id=settlement.student_id, student_total_fen=amount,
                                                  tax_fen=tax)])
        settlement_setoff_record(settlement)
    run_transition(settlement, "advance", actor=actor,
                   note=_("advanced %(amount)s from the guarantee fund") % {"amount": format_fen(amount)},
                   now=now, amount_fen=amount, payout_due_at=now)
    if settlement.net_fen == 0:  # the whole pay was withheld as tax: nothing to pay out
        run_transition(settlement, "close_withheld", actor=actor, note=format_fen(settlement.tax_fen), now=now,
                       dispute_until=working_days_after(now, get_policy().dispute_working_days))
    job = settlement.engagement.job.title
    notify(recipient=settlement.student,
           subject=_("Your pay for %(job)s is paid in advance by the platform") % {"job": job},
           body=_("The employer has not paid on time, so the platform's guarantee fund pays you %(amount)s in "
                  "advance. It goes out with the next payout batch.") % {"amount": format_fen(amount)},
           link=reverse("settlements:student_statement", args=[settlement.pk]))
    _tell_employer(
        settlement,
        subject=_("The platform advanced %(amount)s to your student for %(job)s") % {
            "amount": format_fen(amount), "job": job},
        body=_("You did not pay by %(due)s, so the platform's guarantee fund paid the student. You still owe "
               "%(total)s: pay it into escrow; it is taken from there as soon as it arrives.") % {
            "due": _due_text(settlement), "total": format_fen(settlement.employer_total_fen)},
        link=reverse("funding:page"))
    credit_event_record(
        key=f"settlement:{settlement.pk}:advanced", subject_kind="employer", subject_id=settlement.employer_id,
        kind="guarantee_advanced", source=settlement,
        reason=str(_("The guarantee fund advanced %(amount)s of pay for %(job)s that the employer did not pay") % {
            "amount": format_fen(amount), "job": job}))
    return settlement


@transaction.atomic
def _escalate(settlement_id: int, now: dt.datetime, *, over_cap: bool) -> bool:
    """Tell finance once that this statement needs a decision (over the cap, or the fund is short)."""
    settlement = _locked_ready(settlement_id)
    if settlement is None or settlement.guarantee_escalated_at is not None:
        return False
    settlement.guarantee_escalated_at = now
    settlement.save(update_fields=["guarantee_escalated_at", "updated_at"])
    amount = format_fen(settlement.student_total_fen)
    if over_cap:
        subject = _("Guarantee: settlement %(pk)s (%(amount)s) is over the cap; decide whether to advance it") % {
            "pk": settlement.pk, "amount": amount}
    else:
        subject = _("Guarantee fund too small to advance settlement %(pk)s (%(amount)s); please top it up") % {
            "pk": settlement.pk, "amount": amount}
    history_record(subject=settlement, transition=SettlementAction.GUARANTEE_ESCALATE,
                   from_state=settlement.status, to_state=settlement.status, reason=subject)
    staff_role_notify(role=FINANCE, subject=subject, link=_admin_link(settlement))
    return True


def _advance_or_escalate(settlement_id: int, now: dt.datetime, policy: Policy) -> str:
    settlement = Settlement.objects.only("status", "funding_due_at", "student_total_fen").get(pk=settlement_id)
    due_at = settlement.funding_due_at  # the watch selects ready statements with a due date
    if settlement.status != SettlementStatus.READY or settlement.student_total_fen <= 0 or due_at is None:
        return ""
    if working_days_after(due_at, policy.guarantee_grace_working_days) >= now:
        return ""
    if settlement.student_total_fen > policy.guarantee_cap_fen:
        return "escalated" if _escalate(settlement_id, now, over_cap=True) else ""
    try:
        advanced = settlement_advance(settlement_id=settlement_id, now=now)
    except InsufficientBalance:
        return "escalated" if _escalate(settlement_id, now, over_cap=False) else ""
    return "advanced" if advanced.is_advanced and advanced.advanced_at == now else ""


def settlements_funding_watch(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The funding deadlines of ready statements (E5.1, E5.2): remind, record
    lateness, advance from the guarantee fund or escalate. Idempotent: each step
    is marked on the row under its lock, so a second run (or a second worker)
    repeats nothing. Selections use the partial index on ready settlements by
    due date; returns what was done."""
    now = now or timezone.now()
    policy = get_policy()
    ready = Settlement.objects.filter(status=SettlementStatus.READY, funding_due_at__isnull=False)
    counts = {"reminded": 0, "late": 0, "advanced": 0, "escalated": 0}
    counts["reminded"] = _each(
        ready.filter(funding_reminded_at__isnull=True, funding_late_at__isnull=True, funding_due_at__gte=now,
                     funding_due_at__lte=now + dt.timedelta(days=policy.funding_reminder_days)),
        lambda pk: _remind(pk, now))
    counts["late"] = _each(ready.filter(funding_due_at__lt=now, funding_late_at__isnull=True),
                           lambda pk: _mark_late(pk, now))
    # n working days are at least n calendar days: a cheap bound before the calendar check per row.
    # A statement over the cap that finance has been told of is theirs to decide: not revisited.
    candidates = (ready.filter(funding_due_at__lt=now - dt.timedelta(days=policy.guarantee_grace_working_days),
                               student_total_fen__gt=0)
                  .exclude(student_total_fen__gt=policy.guarantee_cap_fen, guarantee_escalated_at__isnull=False))
    after = 0
    while ids := _ids(candidates, after):
        for pk in ids:
            outcome = _advance_or_escalate(pk, now, policy)
            if outcome:
                counts[outcome] += 1
        after = ids[-1]
    return counts


# ------------------------------------------------------------------ recovery (E5.2)
@transaction.atomic
def settlement_recover(*, settlement_id: int) -> Settlement:
    """Take what the employer owes for an advanced statement from its escrow, once.

    Precondition: funded, paying or paid with an advance not yet recovered
    (anything else is returned unchanged). Effects: posts
    `settlement:<pk>:recover` — Dr employer escrow the employer total, Cr the
    guarantee fund what it advanced, Cr commission revenue the commission;
    `recovered_at` set. If escrow is short nothing moves and the employer is
    told the amount, at most once a day."""
    settlement = (Settlement.objects.select_for_update(of=("self",)).select_related("employer", "engagement__job")
                  .get(pk=settlement_id))
    if settlement.status not in RECOVERED_STATES or not settlement.advance_outstanding:
        return settlement
    now = timezone.now()
    lines = [(employer_escrow(settlement.employer_id), settlement.employer_total_fen),
             (platform_account(AccountKind.GUARANTEE_FUND), -settlement.advanced_fen),
             (platform_account(AccountKind.REVENUE_COMMISSIONS), -settlement.commission_fen)]
    try:
        transaction_post(key=recover_key(settlement.pk), kind="guarantee_recovery", source=settlement,
                         memo=f"recovery of the guarantee advance of settlement {settlement.pk}",
                         lines=[(account, amount) for account, amount in lines if amount])
    except InsufficientBalance as short:
        today = timezone.localdate(now)
        if settlement.funding_short_notified_on != today:
            settlement.funding_short_fen, settlement.funding_short_notified_on = short.needed_fen, today
            settlement.save(update_fields=["funding_short_fen", "funding_short_notified_on", "updated_at"])
            _tell_employer(
                settlement,
                subject=_("You still owe %(amount)s the platform advanced for you") % {
                    "amount": format_fen(settlement.employer_total_fen)},
                body=_("The platform's guarantee fund paid your student for %(job)s. Your escrow is short by "
                       "%(short)s: pay it in by bank transfer quoting your funding reference.") % {
                    "job": settlement.engagement.job.title, "short": format_fen(short.needed_fen)},
                link=reverse("funding:page"))
        return settlement
    settlement.recovered_at, settlement.funding_short_fen = now, 0
    settlement.save(update_fields=["recovered_at", "funding_short_fen", "updated_at"])
    history_record(subject=settlement, transition=SettlementAction.RECOVER, from_state=settlement.status,
                   to_state=settlement.status,
                   reason=_("advance of %(amount)s recovered from escrow") % {
                       "amount": format_fen(settlement.advanced_fen)})
    return settlement


def advances_recover_due(*, limit: int = 5000) -> int:
    """Recover every outstanding advance escrow now covers, oldest first; returns
    how many were recovered. Walks the partial index of outstanding advances."""
    recovered, after, seen = 0, 0, 0
    outstanding = Settlement.objects.filter(advanced_fen__gt=0, recovered_at__isnull=True,
                                            status__in=RECOVERED_STATES)
    while seen < limit and (ids := _ids(outstanding, after)[:limit - seen]):
        for pk in ids:
            recovered += settlement_recover(settlement_id=pk).recovered_at is not None
        seen += len(ids)
        after = ids[-1]
    return recovered


# ------------------------------------------------------------------ termination of an employer (E4.2)
def employer_wages_secure(*, employer_id: int, actor: User | None = None) -> dict[str, int]:
    """Secure the pay an employer owes when the platform ends cooperation with it (E4.2).

    Every ready (unfunded) statement of the employer is funded from its escrow
    if escrow covers it; otherwise the guarantee fund advances the student's
    pay at once (no grace period: the employer is gone). The per-case cap still
    holds: a statement above `guarantee_cap_fen`, or one the fund is too small
    for, is escalated to finance as the watch would. Each statement is handled
    in its own savepoint, so one failure changes nothing else.

    Statements prepared later (hours still open today) are not handled here:
    the ordinary sweeps take them — funded from escrow when money is there
    (`settlements_fund_ready`), otherwise reminded, marked late and advanced by
    `settlements_funding_watch` after the grace period. Returns the counts."""
    from .funding import _settlement_fund

    now = timezone.now()
    policy = get_policy()
    counts = {"funded": 0, "advanced": 0, "escalated": 0}
    ids = list(Settlement.objects.filter(employer_id=employer_id, status=SettlementStatus.READY)
               .order_by("pk").values_list("pk", flat=True))
    for settlement_id in ids:
        settlement, funded = _settlement_fund(settlement_id)
        if funded:
            counts["funded"] += 1
            continue
        if settlement.status != SettlementStatus.READY or settlement.student_total_fen <= 0:
            continue
        if settlement.student_total_fen > policy.guarantee_cap_fen:
            counts["escalated"] += _escalate(settlement_id, now, over_cap=True)
            continue
        try:
            with transaction.atomic():
                settlement_advance(settlement_id=settlement_id, now=now, actor=actor)
        except InsufficientBalance:
            counts["escalated"] += _escalate(settlement_id, now, over_cap=False)
        else:
            counts["advanced"] += 1
    return counts
