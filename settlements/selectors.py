"""Reads for settlements: each side's statements, one statement with its lines,
a student's payout methods, and the engagements whose statement is due."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from applications.models import (
    HOURS_FINAL,
    ApplicationStatus,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    Engagement,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    LossClaim,
)
from core.policy import get_policy
from employers.models import Employer
from jobs.models import Job

from .income_tax import LossSetOff, loss_setoff
from .models import (
    RECOMPUTABLE,
    EmployerWithholding,
    Payout,
    PayoutMethod,
    Settlement,
    SettlementAdjustment,
    SettlementLine,
    SettlementStatus,
    TaxWithholding,
)
from .statement import LineKind, SetOffMonth, half_up

ENDED = (EngagementStatus.COMPLETED, EngagementStatus.CANCELLED_BY_STUDENT, EngagementStatus.CANCELLED_BY_EMPLOYER,
         EngagementStatus.RELEASED)
# From funding on a statement's amounts are what the ledger moved: they never change.
FROZEN = (SettlementStatus.FUNDED, SettlementStatus.PAYING, SettlementStatus.PAID)


# ------------------------------------------------------------------ statements
def student_settlements(*, student: User) -> QuerySet[Settlement]:
    """The student's statements, newest first, with the job and employer for the list."""
    return (Settlement.objects.filter(student=student)
            .select_related("engagement__job", "employer").order_by("-created_at", "-id"))


def employer_settlements(*, user: User) -> QuerySet[Settlement]:
    """The statements of the user's employer, newest first, with the job and the student's name."""
    return (Settlement.objects.filter(employer__members__user=user)
            .select_related("engagement__job", "student__student_profile").order_by("-created_at", "-id"))


def _with_lines(queryset: QuerySet[Settlement], *, commission: bool) -> QuerySet[Settlement]:
    lines = SettlementLine.objects.order_by("order")
    if not commission:  # the commission is the employer's business (F1), not a deduction from the student
        lines = lines.exclude(kind=LineKind.COMMISSION)
    return queryset.prefetch_related(Prefetch("lines", queryset=lines))


def settlement_for_student(*, student: User, pk: int) -> Settlement | None:
    """One of the student's own statements with its lines (no commission line), else None."""
    return _with_lines(student_settlements(student=student), commission=False).filter(pk=pk).first()


def settlement_for_employer(*, user: User, pk: int) -> Settlement | None:
    """One statement of the user's employer with every line, commission included, else None."""
    return _with_lines(employer_settlements(user=user), commission=True).filter(pk=pk).first()


def settlement_tax_withholding(settlement: Settlement) -> TaxWithholding | None:
    """The income tax withheld from the settlement's own pay (not a dispute's extra pay), if credited yet."""
    return TaxWithholding.objects.filter(settlement=settlement, adjustment__isnull=True).first()


def settlement_employer_withholding(settlement: Settlement) -> EmployerWithholding | None:
    """What the employer withholds from the settlement's own pay, when the policy named it
    the withholding agent at the crediting (docs/tax.md, method 2)."""
    return EmployerWithholding.objects.filter(settlement=settlement, adjustment__isnull=True).first()


def student_tax_years(*, student: User) -> list[int]:
    """The years in which income tax was computed on the student's pay, newest first."""
    return sorted(set(TaxWithholding.objects.filter(student=student).values_list("year", flat=True)), reverse=True)


# ------------------------------------------------------------------ loss set-offs (S3.2, 工资支付暂行规定 art. 16)
def loss_claims_to_set_off(*, engagement_id: int, student_id: int, employer_id: int) -> list[LossClaim]:
    """The loss claims the statement of an engagement sets off, oldest decision first:
    agreed or upheld claims of this student towards this employer with an amount
    still outstanding — this engagement's own, and what earlier statements could
    not set off (their engagement's statement is funded, or it ended without one).
    The month's limits decide how much of them this statement takes."""
    carried = (Q(engagement__settlement__status__in=FROZEN)
               | Q(engagement__status__in=[s for s in ENDED if s != EngagementStatus.COMPLETED],
                   engagement__settlement__isnull=True))
    return list(LossClaim.objects.filter(
        engagement__student_id=student_id, engagement__employer_id=employer_id,
        status__in=[LossClaim.Status.AGREED, LossClaim.Status.UPHELD], decided_amount_fen__gt=F("offset_fen"))
        .filter(Q(engagement_id=engagement_id) | carried).order_by("decided_at", "pk"))


def setoff_month_before(*, settlement_id: int | None, student_id: int, employer_id: int,
                        month: dt.date, hourly_minimum_fen: int | None) -> SetOffMonth:
    """What the month held before a statement, for the art. 16 limits: the funded
    (or advanced, paid) statements of the same student and employer for the same
    month. Statements not funded yet do not count: their amounts can still change,
    and each is checked again against the funded ones when it is funded."""
    month_funded = Settlement.objects.filter(student_id=student_id, employer_id=employer_id, pay_month=month,
                                             status__in=FROZEN)
    if settlement_id is not None:
        month_funded = month_funded.exclude(pk=settlement_id)
    totals = (month_funded
              .aggregate(pay=Sum(F("wages_fen") + F("allowances_fen")), counted=Sum("counted_pay_fen"),
                         minutes=Sum("worked_minutes"), setoff=Sum("losses_fen")))
    return SetOffMonth(hourly_minimum_fen=hourly_minimum_fen, earlier_pay_fen=totals["pay"] or 0,
                       earlier_counted_fen=totals["counted"] or 0, earlier_minutes=totals["minutes"] or 0,
                       earlier_setoff_fen=-(totals["setoff"] or 0))


def settlement_setoff(settlement: Settlement) -> LossSetOff | None:
    """The art. 16 limits as applied to the statement, rebuilt from its stored figures
    (None when it set off no loss): for the statement's explanation and the check."""
    if not settlement.setoff_claimed_fen:
        return None
    return loss_setoff(
        pay_fen=settlement.setoff_earlier_pay_fen + settlement.wages_fen + settlement.allowances_fen,
        claimed_fen=settlement.setoff_claimed_fen,
        minutes_worked=settlement.setoff_earlier_minutes + settlement.worked_minutes,
        hourly_minimum_fen=settlement.hourly_minimum_fen, already_set_off_fen=settlement.setoff_earlier_fen,
        minimum_wage_pay_fen=settlement.setoff_earlier_counted_fen + settlement.counted_pay_fen,
        available_fen=settlement.gross_fen)


# ------------------------------------------------------------------ payout methods
def payout_methods_for(*, student: User) -> QuerySet[PayoutMethod]:
    """The student's current payout methods, the default first."""
    return PayoutMethod.objects.filter(student=student, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id")


def payout_method_for(*, student: User, pk: int) -> PayoutMethod | None:
    return payout_methods_for(student=student).filter(pk=pk).first()


# ------------------------------------------------------------------ what the sweep prepares
def hours_not_final_q(now: dt.datetime) -> Q:
    """An attendance row whose hours can still change: waiting or disputed hours, an
    open no-show contest or one still possible, a dispute window still running.
    The same test completes engagements (applications.sweeps.engagements_complete_due)."""
    return (Q(hours_status__in=[HoursStatus.PENDING, HoursStatus.DISPUTED])
            | Q(contest_status=ContestStatus.OPEN)
            | Q(status=AttendanceStatus.NO_SHOW, contest_status=ContestStatus.NONE, contest_due_at__gt=now)
            | Q(dispute_due_at__gt=now, hours_status__in=[HoursStatus.CONFIRMED, HoursStatus.AUTO_CONFIRMED]))


def engagements_due_for_statement(*, now: dt.datetime) -> QuerySet[Engagement]:
    """Ended engagements whose hours are final and whose statement is missing,
    still a draft, or ready but older than an item or an hours change since.

    Completed engagements always get a statement; cancelled or released ones
    when something is owed: hours worked before the end (they must be paid)
    or compensation. Set-based: one query, indexed by engagement status and the
    attendance/item/settlement foreign keys.

    Cost: an anti-join of the ended engagements against their settlements, so it
    grows with every engagement ever ended (a hash anti-join, well under a second
    for a million on PostgreSQL). When settlements are paid and closed (later
    steps), a partial index on the open ones, or skipping engagements whose
    settlement is closed, keeps it bounded by the open work instead."""
    unsettled = Attendance.objects.filter(engagement=OuterRef("pk")).filter(hours_not_final_q(now))
    worked = Attendance.objects.filter(engagement=OuterRef("pk"), hours_status__in=HOURS_FINAL).filter(
        Q(confirmed_minutes__gt=0) | Q(overtime_minutes__gt=0))
    owed_item = EngagementItem.objects.filter(engagement=OuterRef("pk"), amount_fen__gt=0)
    newer_item = EngagementItem.objects.filter(engagement=OuterRef("engagement_id"),
                                               created_at__gt=OuterRef("computed_at"))
    newer_hours = Attendance.objects.filter(engagement=OuterRef("engagement_id"),
                                            updated_at__gt=OuterRef("computed_at"))
    up_to_date = Settlement.objects.filter(engagement=OuterRef("pk")).filter(
        ~Q(status__in=RECOMPUTABLE)
        | Q(status=SettlementStatus.READY, computed_at__isnull=False) & ~Exists(newer_item) & ~Exists(newer_hours))
    return (Engagement.objects.filter(status__in=ENDED)
            .filter(Q(status=EngagementStatus.COMPLETED) | Exists(worked) | Exists(owed_item))
            .exclude(Exists(unsettled)).exclude(Exists(up_to_date)))


# ------------------------------------------------------------------ what the employer's escrow must keep (E5.1, E5.2)
def _with_commission(pay_fen: int, commission_percent: int) -> int:
    return pay_fen + half_up(pay_fen * commission_percent, 100)


def engagement_estimate_fen(*, job: Job, now: dt.datetime, commission_percent: int | None = None) -> int:
    """The estimated employer total of one more student on `job` (E5.1 prefunding):
    the pay of the shifts still to come at the job's equivalent hourly rate
    (jobs.models.Job.scheduled_pay_fen), with the commission on top. One query
    for the shifts (none if they are prefetched)."""
    percent = get_policy().commission_percent if commission_percent is None else commission_percent
    minutes = sum(shift.minutes for shift in job.shifts.all() if shift.ends_at > now)
    return _with_commission(job.scheduled_pay_fen(minutes), percent)


def employer_must_prefund(employer: Employer) -> bool:
    """E5.1: an employer below the policy's credit tier holds the pay in escrow before it hires."""
    return employer.credit_tier < get_policy().prefund_below_tier


def employer_reserved_fen(employer_id: int, *, commission_percent: int | None = None) -> int:
    """The estimated pay, with commission, of the work the employer's hired students
    have agreed and not been settled for yet (no statement or a draft): the scheduled
    minutes of their shifts not cancelled or missed, at each job's equivalent hourly
    pay. Escrow keeps it back from refunds whatever the employer's tier (issue 23,
    E5.1): the work is agreed, its statement will charge it. One query (two without
    the percent)."""
    percent = get_policy().commission_percent if commission_percent is None else commission_percent
    unsettled = (Q(engagements__settlement__isnull=True)
                 | Q(engagements__settlement__status=SettlementStatus.DRAFT))
    counted = ~Q(engagements__attendances__status__in=[AttendanceStatus.CANCELLED, AttendanceStatus.NO_SHOW])
    jobs = (Job.objects.filter(employer_id=employer_id).only("pk", "hourly_pay_fen")
            .annotate(minutes=Sum("engagements__attendances__scheduled_minutes", filter=unsettled & counted))
            .filter(minutes__gt=0))
    return sum(_with_commission(job.scheduled_pay_fen(job.minutes), percent) for job in jobs)


@dataclass(frozen=True)
class Commitments:
    """What the employer's escrow must keep, in parts (the funding page shows them)."""

    owed_fen: int  # ready statements, unrecovered advances, adjustments waiting for funding
    reserved_fen: int  # hired students' unsettled work (employer_reserved_fen)
    offers_fen: int  # open offers, for an employer that must prefund

    @property
    def total_fen(self) -> int:
        return self.owed_fen + self.reserved_fen + self.offers_fen


def employer_commitments(employer_id: int, *, credit_tier: int | None = None,
                         now: dt.datetime | None = None) -> Commitments:
    """Money the employer's escrow must keep (E5.1, E5.2): the employer totals of
    its ready statements and of the advances the guarantee fund made for it and
    has not recovered, the extra pay (with commission) of dispute adjustments
    waiting for funding, the estimated pay with commission of its engagements not
    settled yet (employer_reserved_fen, every employer: issue 23) and — for an
    employer that must prefund — of its open offers (the shifts still to come).

    Queries whatever the numbers: settlements, adjustments, the policy, the
    employer's credit tier (unless given), engagements per job; for a prefunding
    employer also offers per job and their shifts."""

    now = now or timezone.now()
    owed = Settlement.objects.filter(employer_id=employer_id).aggregate(
        ready=Sum("employer_total_fen", filter=Q(status=SettlementStatus.READY)),
        advanced=Sum("employer_total_fen", filter=Q(advanced_fen__gt=0, recovered_at__isnull=True)
                     & ~Q(status=SettlementStatus.READY)))
    adjustments = SettlementAdjustment.objects.filter(
        employer_id=employer_id, status=SettlementAdjustment.Status.AWAITING_FUNDING,
    ).aggregate(total=Sum(F("amount_fen") + F("commission_fen")))["total"]
    owed_fen = (owed["ready"] or 0) + (owed["advanced"] or 0) + (adjustments or 0)
    policy = get_policy()
    percent = policy.commission_percent
    reserved_fen = employer_reserved_fen(employer_id, commission_percent=percent)
    if credit_tier is None:
        credit_tier = Employer.objects.filter(pk=employer_id).values_list("credit_tier", flat=True).get()
    offers_fen = 0
    if credit_tier < policy.prefund_below_tier:
        offers = (Job.objects.filter(employer_id=employer_id)
                  .annotate(offers=Count("applications", filter=Q(applications__status=ApplicationStatus.OFFERED)))
                  .filter(offers__gt=0).prefetch_related("shifts"))
        offers_fen = sum(job.offers * engagement_estimate_fen(job=job, now=now, commission_percent=percent)
                         for job in offers)
    return Commitments(owed_fen=owed_fen, reserved_fen=reserved_fen, offers_fen=offers_fen)


def employer_committed_fen(employer_id: int, *, credit_tier: int | None = None,
                           now: dt.datetime | None = None) -> int:
    """The total the employer's escrow must keep (employer_commitments)."""
    return employer_commitments(employer_id, credit_tier=credit_tier, now=now).total_fen


def advances_outstanding(*, employer_id: int | None = None) -> dict[str, int]:
    """How many advances of the guarantee fund are not recovered yet, and their
    total (what the fund is owed); for one employer or all. One query."""
    rows = Settlement.objects.filter(advanced_fen__gt=0, recovered_at__isnull=True)
    if employer_id is not None:
        rows = rows.filter(employer_id=employer_id)
    totals = rows.aggregate(count=Count("pk"), advanced=Sum("advanced_fen"), owed=Sum("employer_total_fen"))
    return {"count": totals["count"], "advanced_fen": totals["advanced"] or 0, "owed_fen": totals["owed"] or 0}


def employer_unpaid_statements(*, employer_id: int) -> QuerySet[Settlement]:
    """The employer's statements still waiting for its money: ready ones (by due
    date) and advanced ones not yet recovered. One query with the job."""
    return (Settlement.objects.filter(employer_id=employer_id)
            .filter(Q(status=SettlementStatus.READY) | Q(advanced_fen__gt=0, recovered_at__isnull=True))
            .select_related("engagement__job").order_by("funding_due_at", "id"))


# ------------------------------------------------------------------ finance's payout run (F3.2, issue 23)
@dataclass(frozen=True)
class PayoutRunSummary:
    count: int
    total_fen: int


def payouts_due_summary(*, now: dt.datetime | None = None) -> PayoutRunSummary:
    """What a batch built now would take: the funded settlements and dispute adjustments
    due by `now` (the builder skips students without a payout method). Two queries."""
    now = now or timezone.now()
    settlements = Settlement.objects.filter(status=SettlementStatus.FUNDED, payout_due_at__lte=now).aggregate(
        n=Count("pk"), total=Sum("student_total_fen"))
    adjustments = SettlementAdjustment.objects.filter(status=SettlementAdjustment.Status.FUNDED,
                                                      payout_due_at__lte=now).aggregate(
        n=Count("pk"), total=Sum("amount_fen"))
    return PayoutRunSummary(count=settlements["n"] + adjustments["n"],
                            total_fen=(settlements["total"] or 0) + (adjustments["total"] or 0))


def payout_batch_outstanding(*, batch_id: int) -> PayoutRunSummary:
    """The batch's lines "confirm as paid" would pay: queued or sent. One query."""
    totals = Payout.objects.filter(batch_id=batch_id, status__in=[Payout.Status.QUEUED, Payout.Status.SENT]) \
        .aggregate(n=Count("pk"), total=Sum("amount_fen"))
    return PayoutRunSummary(count=totals["n"], total_fen=totals["total"] or 0)
