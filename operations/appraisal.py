"""Staff appraisal (P3): the indicators the platform measures for each staff
member over a period, the manager's appraisal that freezes them, and the
rewards and penalties recorded with it or on their own.

The indicators (all for one period, dates in Shanghai time, both ends included):

- **decisions**: moderation decisions the staff member made — history rows
  they wrote for a decision transition (`moderation.decision_checks.DECISIONS`:
  approving, rejecting, asking for changes or information, taking down,
  confirming or dismissing reports, deciding cases).
- **reversed**: those of the decisions that were later reversed. A decision
  is reversed when, within `REVERSAL_WINDOW_DAYS` after it, ANOTHER staff
  member (1) took down a job this one had approved (or whose revision it had
  approved), or (2) approved a registration, verification, job or revision
  this one had rejected; or when (3) the moderator who re-read it in the
  weekly decision check disagreed. Asking for changes or information is not a
  refusal: an approval after the user completed it is the normal course.
  The reversal rate is reversed ÷ decisions, as known when measured: an
  appraisal freezes it, so a reversal after that day is not counted in it.
- **tickets resolved**: customer-service tickets handled by them and resolved
  in the period.
- **first-answer SLA kept**: of the tickets they first answered in the period,
  the share answered by the ticket's first-answer deadline.
- **resolution target kept**: of the tickets they resolved in the period that
  had a resolution target, the share resolved by it.
- **satisfaction**: the average rating (1–5) users gave the tickets they
  resolved in the period.
- **decision-check agreement**: of their decisions in the period that another
  moderator re-read, the share the checker agreed with.

Rates are percentages with one decimal, or None when there is nothing to
divide by."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import HistoryEntry
from core.notifications import notify
from moderation.decision_checks import DecisionCheck, agreement_by_decider, decision_filter
from support.models import Ticket

from .models import APPRAISE_PERMISSION, OperationsAction, RewardOrPenalty, StaffAppraisal

RECORD_PERMISSION = "operations.add_rewardorpenalty"

# A second staff member undoing a decision more than a month later is judging
# a changed situation, not the first decision.
REVERSAL_WINDOW_DAYS = 30
APPROVALS = ("approve", "revision_approve")
REFUSALS = ("reject", "revision_reject")
TAKE_DOWN = "take_down"

MARKS = (1, 2, 3, 4, 5)


class AppraisalNotAllowed(DomainError):
    default_message = _("This appraisal cannot be recorded.")


# ------------------------------------------------------------------ periods
def last_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The calendar month before `today` (the default appraisal period)."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# ------------------------------------------------------------------ indicators
def _decision_rows(start_at, end_at, staff_ids=None):
    """Decisions and reversals per actor: one query."""
    later = HistoryEntry.objects.filter(
        content_type=OuterRef("content_type"), object_id=OuterRef("object_id"),
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + dt.timedelta(days=REVERSAL_WINDOW_DAYS),
        actor__isnull=False).exclude(actor=OuterRef("actor"))
    taken_down = Q(transition__in=APPROVALS) & Q(Exists(later.filter(transition=TAKE_DOWN)))
    approved_after_refusal = Q(transition__in=REFUSALS) & Q(Exists(later.filter(transition__in=APPROVALS)))
    disagreed = Q(Exists(DecisionCheck.objects.filter(decision=OuterRef("pk"), agrees=False)))
    decisions = HistoryEntry.objects.filter(decision_filter(), created_at__gte=start_at, created_at__lt=end_at)
    if staff_ids is not None:
        decisions = decisions.filter(actor_id__in=staff_ids)
    return {row["actor_id"]: row for row in decisions.values("actor_id").annotate(
        decisions=Count("pk"), reversed=Count("pk", filter=taken_down | approved_after_refusal | disagreed),
    ).order_by()}


def _ticket_rows(start_at, end_at, staff_ids=None):
    """Ticket figures per handler: one query."""
    answered = Q(first_responded_at__gte=start_at, first_responded_at__lt=end_at)
    resolved = Q(resolved_at__gte=start_at, resolved_at__lt=end_at)
    tickets = Ticket.objects.filter(answered | resolved, assigned_to__isnull=False)
    if staff_ids is not None:
        tickets = tickets.filter(assigned_to_id__in=staff_ids)
    return {row["assigned_to_id"]: row for row in tickets.values("assigned_to_id").annotate(
        tickets_resolved=Count("pk", filter=resolved),
        first_answers=Count("pk", filter=answered),
        first_answers_on_time=Count("pk", filter=answered & Q(first_responded_at__lte=F("first_response_due_at"))),
        resolutions_with_target=Count("pk", filter=resolved & Q(resolution_due_at__isnull=False)),
        resolutions_on_time=Count("pk", filter=resolved & Q(resolved_at__lte=F("resolution_due_at"))),
        satisfaction_count=Count("pk", filter=resolved & Q(satisfaction__isnull=False)),
        satisfaction_avg=Avg("satisfaction", filter=resolved & Q(satisfaction__isnull=False)),
    ).order_by()}


def _indicators(staff_id: int, decisions: dict, tickets: dict, agreement: dict) -> dict:
    d = decisions.get(staff_id, {})
    t = tickets.get(staff_id, {})
    checked, agreed = agreement.get(staff_id, (0, 0))
    n_decisions, n_reversed = d.get("decisions", 0), d.get("reversed", 0)
    first, first_ok = t.get("first_answers", 0), t.get("first_answers_on_time", 0)
    targeted, targeted_ok = t.get("resolutions_with_target", 0), t.get("resolutions_on_time", 0)
    average = t.get("satisfaction_avg")
    return {
        "decisions": n_decisions, "reversed": n_reversed, "reversal_rate": _rate(n_reversed, n_decisions),
        "tickets_resolved": t.get("tickets_resolved", 0),
        "first_answers": first, "first_answers_on_time": first_ok, "first_answer_sla_rate": _rate(first_ok, first),
        "resolutions_with_target": targeted, "resolutions_on_time": targeted_ok,
        "resolution_target_rate": _rate(targeted_ok, targeted),
        "satisfaction_count": t.get("satisfaction_count", 0),
        "satisfaction_avg": round(float(average), 2) if average is not None else None,
        "decision_checks": checked, "decision_checks_agreed": agreed, "decision_check_agreement_rate": _rate(agreed, checked),
    }


def empty_indicators() -> dict:
    return _indicators(0, {}, {}, {})


def staff_indicators(*, staff, start: dt.date, end: dt.date) -> dict:
    """The indicators of one staff member for the period (see the module docstring). Three queries."""
    return staff_indicators_all(start=start, end=end, staff_ids=[staff.pk])[staff.pk]


def staff_indicators_all(*, start: dt.date, end: dt.date, staff_ids=None) -> dict[int, dict]:
    """user id → indicators for every staff member who did something in the
    period (or for each of `staff_ids`): three grouped queries whatever the
    number of staff. `empty_indicators()` stands for someone absent."""
    start_at, end_at = _bounds(start, end)
    decisions = _decision_rows(start_at, end_at, staff_ids)
    tickets = _ticket_rows(start_at, end_at, staff_ids)
    agreement = agreement_by_decider(start=start, end=end)
    ids = staff_ids if staff_ids is not None else set(decisions) | set(tickets) | set(agreement)
    return {pk: _indicators(pk, decisions, tickets, agreement) for pk in ids}


# ------------------------------------------------------------------ selectors
def staff_members():
    """Every active staff account with its roles, for the appraisal list (two queries)."""
    return (User.objects.filter(kind=User.Kind.STAFF, is_staff=True, is_active=True)
            .prefetch_related("groups").order_by("email"))


def staff_member(pk: int):
    return staff_members().filter(pk=pk).first()


def appraisals_of(*, staff):
    return StaffAppraisal.objects.filter(staff=staff).select_related("appraiser").order_by("-period_end", "-id")


def rewards_and_penalties_of(*, staff):
    return RewardOrPenalty.objects.filter(staff=staff).select_related("recorded_by").order_by("-at", "-id")


# ------------------------------------------------------------------ services
def _ensure(actor, permission: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(permission)):
        raise NotPermitted()


def _staff_for_update(staff_id: int) -> User:
    staff = User.objects.select_for_update().filter(pk=staff_id, kind=User.Kind.STAFF, is_staff=True).first()
    if staff is None:
        raise AppraisalNotAllowed(_("Only staff members are appraised."))
    return staff


def _mark(value, name: str) -> int:
    try:
        mark = int(value)
    except (TypeError, ValueError):
        mark = 0
    if mark not in MARKS:
        raise DomainError(_("Give a mark from 1 to 5."), field=name)
    return mark


@transaction.atomic
def staff_appraisal_create(*, actor, staff_id: int, period_start: dt.date, period_end: dt.date, results: int,
                           attitude: int, teamwork: int, comments: str = "", outcome_kind: str = "",
                           outcome_amount_fen: int = 0, outcome_reason: str = "") -> StaffAppraisal:
    """A manager appraises a staff member for a period (P3).

    Preconditions: the actor may appraise (managers); the appraised is a staff
    member other than the actor; marks 1–5; the period is in order and ends
    by today; no appraisal of that staff member for that period yet.
    Effects: the appraisal with the period's indicators frozen into it (later
    activity never changes a saved appraisal), optionally a reward or a
    penalty recorded with it, history rows, the staff member told."""
    _ensure(actor, APPRAISE_PERMISSION)
    if staff_id == actor.pk:
        raise AppraisalNotAllowed(_("You cannot appraise yourself; another manager does."))
    if period_end < period_start:
        raise DomainError(_("The period must end after it starts."), field="period_end")
    if period_end > timezone.localdate():
        raise DomainError(_("Appraise a period that has ended."), field="period_end")
    marks = {name: _mark(value, name) for name, value in
             (("results", results), ("attitude", attitude), ("teamwork", teamwork))}
    staff = _staff_for_update(staff_id)  # serialises two managers appraising the same person
    if StaffAppraisal.objects.filter(staff=staff, period_start=period_start, period_end=period_end).exists():
        raise AppraisalNotAllowed(_("This staff member already has an appraisal for this period."))
    indicators = staff_indicators(staff=staff, start=period_start, end=period_end)
    try:
        with transaction.atomic():
            appraisal = StaffAppraisal.objects.create(
                staff=staff, period_start=period_start, period_end=period_end, indicators=indicators,
                comments=(comments or "").strip(), appraiser=actor, **marks)
    except IntegrityError:
        raise AppraisalNotAllowed(_("This staff member already has an appraisal for this period.")) from None
    history_record(subject=appraisal, transition=OperationsAction.APPRAISE, from_state="",
                   to_state="recorded", actor=actor,
                   reason=f"{marks['results']}/{marks['attitude']}/{marks['teamwork']}")
    if outcome_kind:
        reward_or_penalty_record(actor=actor, staff_id=staff.pk, kind=outcome_kind, amount_fen=outcome_amount_fen,
                                 reason=outcome_reason, appraisal=appraisal)
    notify(recipient=staff, subject=_("You have a new appraisal"),
           body=_("Your appraisal for %(start)s – %(end)s has been recorded.")
           % {"start": period_start.isoformat(), "end": period_end.isoformat()},
           link=reverse("operations:my_appraisals"))
    return appraisal


@transaction.atomic
def reward_or_penalty_record(*, actor, staff_id: int, kind: str, reason: str, amount_fen: int = 0,
                             appraisal: StaffAppraisal | None = None, suggestion=None) -> RewardOrPenalty:
    """Record a reward or a penalty for a staff member (P3), on its own or with
    an appraisal or an adopted suggestion.

    Preconditions: the actor may record them (managers); never for oneself;
    a kind, a reason, an amount of 0 or more (fen). Effects: the append-only
    record, a history row, the staff member told."""
    _ensure(actor, RECORD_PERMISSION)
    if staff_id == actor.pk:
        raise AppraisalNotAllowed(_("You cannot record a reward or a penalty for yourself."))
    if kind not in RewardOrPenalty.Kind.values:
        raise DomainError(_("Choose a reward or a penalty."), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    try:
        amount = int(amount_fen or 0)
    except (TypeError, ValueError):
        amount = -1
    if amount < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount_fen")
    staff = _staff_for_update(staff_id)
    record = RewardOrPenalty.objects.create(staff=staff, kind=kind, reason=reason, amount_fen=amount,
                                            appraisal=appraisal, suggestion=suggestion, recorded_by=actor)
    history_record(subject=record, transition=OperationsAction.RECORD, from_state="", to_state=kind,
                   actor=actor, reason=reason)
    notify(recipient=staff, subject=(_("A reward was recorded for you") if kind == RewardOrPenalty.Kind.REWARD
                                     else _("A penalty was recorded for you")),
           body=reason, link=reverse("operations:my_appraisals"))
    return record
