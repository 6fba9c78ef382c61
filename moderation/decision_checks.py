"""Moderation decision checks (P2.3): every week a random sample of last week's
moderation decisions is read again by a different moderator, who agrees or
disagrees; the agreement rate per week and per moderator is reported and feeds
the staff appraisal (P3).

A decision is a history row (`core.HistoryEntry`) written by a staff member
for one of the transitions in `DECISIONS`. This module holds the model and
its services: sampling (idempotent per week, seeded so a week's sample is
reproducible), recording a check, and the agreement figures."""

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import HistoryEntry
from core.notifications import notify

# models.py defines the vocabulary before it imports this module (which holds DecisionCheck).
from .models import ModerationAction

# How many decisions are re-read each week. Ten is a morning's work for the
# moderators together, yet over a month it shows a moderator who drifts.
SAMPLE_SIZE = 10

# pg_advisory_xact_lock key of the sampler (any constant no other code uses).
SAMPLER_LOCK_KEY = 2_300_880_001

MODERATOR_ROLE = "moderator"  # accounts.roles.MODERATOR (the group whose members check)
CHECK_PERMISSION = "moderation.check_decision"
REPORT_PERMISSION = "moderation.view_decisioncheck_report"

# The staff decisions of the platform: (app label, model) → the history transitions that are a decision
# on that record. Employers' and students' own actions (submit, edit, withdraw …) are not decisions.
DECISIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("jobs", "job"): ("approve", "reject", "request_changes", "take_down", "revision_approve", "revision_reject"),
    ("accounts", "studentprofile"): ("approve", "reject", "request_info"),
    ("employers", "employer"): ("approve", "reject", "request_info"),
    ("accounts", "studentverification"): ("approve", "reject"),
    ("employers", "employerverification"): ("approve", "reject"),
    ("moderation", "report"): (ModerationAction.CONFIRM, ModerationAction.DISMISS),
    ("applications", "demandreport"): ("accept", "dismiss"),
    ("applications", "lossclaim"): ("uphold", "dismiss"),
    ("applications", "attendance"): ("contest_decided", "resolve_hours"),
}


def decision_filter() -> Q:
    """A filter on HistoryEntry selecting staff decisions (with an actor)."""
    content_types = ContentType.objects.get_for_models(
        *[m for m in (_model(label) for label in DECISIONS) if m is not None])
    by_label = {(ct.app_label, ct.model): ct for ct in content_types.values()}
    parts = [Q(content_type_id=by_label[label].pk, transition__in=names)
             for label, names in DECISIONS.items() if label in by_label]
    return reduce(or_, parts, Q(pk__in=[])) & Q(actor__isnull=False)


def _model(label: tuple[str, str]):
    from django.apps import apps

    try:
        return apps.get_model(*label)
    except LookupError:
        return None


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week `day` falls in."""
    return day - dt.timedelta(days=day.weekday())


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DecisionCheck(models.Model):
    """One sampled decision read again by another moderator (P2.3).

    `week` is the Monday of the week the decision was made in. `agrees` stays
    empty until the checker records a verdict; a disagreement carries notes."""

    history_actions = ModerationAction

    decision = models.OneToOneField(HistoryEntry, on_delete=models.PROTECT, related_name="decision_check",
                                    verbose_name=_("decision"))
    decider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("decided by"))
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="decision_checks", verbose_name=_("checker"))
    week = models.DateField(_("week of the decision (Monday)"), db_index=True)
    agrees = models.BooleanField(_("agrees with the decision"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    checked_at = models.DateTimeField(_("verdict recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sampled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision check")
        verbose_name_plural = _("decision checks")
        ordering = ["-week", "id"]
        permissions = [("check_decision", _("Can check sampled moderation decisions")),
                       ("view_decisioncheck_report", _("Can see every decision check and the agreement rates"))]
        constraints = [models.CheckConstraint(condition=~Q(checker=F("decider")),
                                              name="decision_check_by_another_moderator")]
        indexes = [models.Index(fields=["checker", "checked_at"])]

    def __str__(self) -> str:
        return f"{self.week:%Y-%m-%d} #{self.decision_id}"

    @property
    def state(self) -> str:
        if self.agrees is None:
            return "pending"
        return "agreed" if self.agrees else "disagreed"


# ------------------------------------------------------------------ sampling
@dataclass
class SampleResult:
    week: dt.date
    created: list = field(default_factory=list)       # new DecisionCheck rows
    assigned_late: list = field(default_factory=list)  # earlier unassigned rows now given a checker
    unassigned: list = field(default_factory=list)     # rows no moderator could take (reported)


def _active_moderators() -> list:
    from accounts.models import User

    return list(User.objects.filter(groups__name=MODERATOR_ROLE, is_active=True).order_by("pk").distinct())


class _RoundRobin:
    """Hands out moderators in turn, skipping the one who made the decision."""

    def __init__(self, moderators: list):
        self.moderators, self.next = moderators, 0

    def pick(self, *, not_user_id: int):
        for offset in range(len(self.moderators)):
            index = (self.next + offset) % len(self.moderators)
            if self.moderators[index].pk != not_user_id:
                self.next = index + 1
                return self.moderators[index]
        return None


@transaction.atomic
def decision_check_sample(*, week: dt.date | None = None, size: int = SAMPLE_SIZE,
                       seed: int | None = None) -> SampleResult:
    """Draw the week's sample of decisions and assign each to another moderator (P2.3).

    `week` is a Monday (default: last week's). The draw is seeded by the week
    (or `seed`), so it is reproducible. Idempotent: if the week was sampled
    already, no new rows are drawn. Rows left unassigned by an earlier run (no
    other moderator was active) are assigned first, if someone is available
    now; those still without a checker are in `unassigned` (the task logs
    them, the agreement report shows them). Each checker is told in their
    inbox."""
    week = week_of(week or (timezone.localdate() - dt.timedelta(days=7)))
    result = SampleResult(week=week)
    # Serialise concurrent runs (a beat retry overlapping a manual run): one sampler at a time.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SAMPLER_LOCK_KEY])
    robin = _RoundRobin(_active_moderators())
    # Rows drawn earlier (this week or before) that nobody could take then: give them out first.
    for check in (DecisionCheck.objects.select_for_update()
                   .filter(checker__isnull=True, agrees__isnull=True, week__lte=week).order_by("week", "pk")):
        check.checker = robin.pick(not_user_id=check.decider_id)
        if check.checker is None:
            result.unassigned.append(check)
            continue
        check.save(update_fields=["checker"])
        history_record(subject=check, transition=ModerationAction.ASSIGN, from_state="unassigned",
                       to_state="pending", reason=str(check.checker))
        result.assigned_late.append(check)
    if not DecisionCheck.objects.filter(week=week).exists():
        candidates = list(
            HistoryEntry.objects.filter(decision_filter(), created_at__gte=_local_midnight(week),
                                        created_at__lt=_local_midnight(week + dt.timedelta(days=7)))
            .order_by("pk").values_list("pk", "actor_id"))
        rng = random.Random(seed if seed is not None else week.toordinal())
        for decision_id, decider_id in sorted(rng.sample(candidates, min(size, len(candidates)))):
            checker = robin.pick(not_user_id=decider_id)
            check = DecisionCheck.objects.create(decision_id=decision_id, decider_id=decider_id,
                                                   checker=checker, week=week)
            history_record(subject=check, transition=ModerationAction.SAMPLE, from_state="",
                           to_state="pending" if checker else "unassigned")
            result.created.append(check)
            if checker is None:
                result.unassigned.append(check)
    _tell_checkers([r for r in result.created + result.assigned_late if r.checker_id])
    return result


def _tell_checkers(checks: list) -> None:
    counts: dict = {}
    for check in checks:
        counts.setdefault(check.checker_id, [check.checker, 0])[1] += 1
    link = reverse("admin:moderation_decisioncheck_changelist")
    for checker, count in counts.values():
        notify(recipient=checker, subject=_("Decisions to check this week"),
               body=_("%(count)s decisions of other moderators are waiting for your second look.")
               % {"count": count}, link=link, email=False)


# ------------------------------------------------------------------ recording a check
@transaction.atomic
def decision_check_record(*, check_id: int, actor, agrees: bool, notes: str = "") -> DecisionCheck:
    """The assigned moderator records whether they agree with the decision (P2.3).

    Preconditions: the actor may re-check decisions, is the assigned checker
    and not the decider; the check has no verdict yet; a disagreement says
    why. Effects: the verdict, a history row, and on a disagreement the
    original decider is told (in-site) so they can look at it again."""
    if not (actor and actor.is_active and actor.has_perm(CHECK_PERMISSION)):
        raise NotPermitted()
    check = (DecisionCheck.objects.select_for_update(of=("self",))
              .select_related("decider", "decision").filter(pk=check_id).first())
    if check is None or check.checker_id != actor.pk:
        raise NotPermitted(_("This decision was given to another moderator to check."))
    if check.decider_id == actor.pk:
        raise NotPermitted(_("You cannot check your own decision."))
    if check.agrees is not None:
        raise InvalidTransition(_("This decision has already been checked."))
    notes = (notes or "").strip()
    if not agrees and not notes:
        raise ReasonRequired(_("Say why you disagree."))
    check.agrees, check.notes, check.checked_at = bool(agrees), notes, timezone.now()
    check.save(update_fields=["agrees", "notes", "checked_at"])
    history_record(subject=check, transition=ModerationAction.AGREE if agrees else ModerationAction.DISAGREE,
                   from_state="pending", to_state=check.state, actor=actor, reason=notes)
    if not agrees and check.decider.is_active:
        notify(recipient=check.decider, subject=_("A colleague disagreed with one of your decisions"),
               body=_("%(action)s — %(notes)s") % {"action": check.decision, "notes": notes},
               link=reverse("admin:moderation_decisioncheck_change", args=[check.pk]), email=False)
    return check


# ------------------------------------------------------------------ agreement figures
def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def decision_check_agreement(*, start: dt.date, end: dt.date) -> dict:
    """Agreement rates of the checks of decisions made between `start` and
    `end` (dates, both included): per week, and per moderator whose decisions
    were checked. Checks without a verdict yet are left out. Two queries."""
    checked = DecisionCheck.objects.filter(
        agrees__isnull=False, decision__created_at__gte=_local_midnight(start),
        decision__created_at__lt=_local_midnight(end + dt.timedelta(days=1)))
    figures = {"checked": Count("pk"), "agreed": Count("pk", filter=Q(agrees=True))}
    by_week = [{**row, "rate": _rate(row["agreed"], row["checked"])}
               for row in checked.values("week").annotate(**figures).order_by("-week")]
    by_moderator = [{**row, "rate": _rate(row["agreed"], row["checked"])}
                    for row in checked.values("decider_id", "decider__email").annotate(**figures)
                    .order_by("decider__email")]
    return {"by_week": by_week, "by_moderator": by_moderator}


def agreement_by_decider(*, start: dt.date, end: dt.date) -> dict[int, tuple[int, int]]:
    """decider id → (checks with a verdict, agreements) for decisions made in the period; one query."""
    rows = (DecisionCheck.objects.filter(agrees__isnull=False,
                                          decision__created_at__gte=_local_midnight(start),
                                          decision__created_at__lt=_local_midnight(end + dt.timedelta(days=1)))
            .values("decider_id").annotate(checked=Count("pk"), agreed=Count("pk", filter=Q(agrees=True)))
            .order_by())
    return {row["decider_id"]: (row["checked"], row["agreed"]) for row in rows}
