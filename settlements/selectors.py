"""Reads for settlements: each side's statements, one statement with its lines,
a student's payout methods, and the engagements whose statement is due."""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from applications.models import (
    HOURS_FINAL,
    Attendance,
    AttendanceStatus,
    ContestStatus,
    Engagement,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
)

from .models import RECOMPUTABLE, PayoutMethod, Settlement, SettlementLine, SettlementStatus
from .statement import LineKind

ENDED = (EngagementStatus.COMPLETED, EngagementStatus.CANCELLED_BY_STUDENT, EngagementStatus.CANCELLED_BY_EMPLOYER,
         EngagementStatus.RELEASED)


# ------------------------------------------------------------------ statements
def student_settlements(*, student) -> QuerySet[Settlement]:
    """The student's statements, newest first, with the job and employer for the list."""
    return (Settlement.objects.filter(student=student)
            .select_related("engagement__job", "employer").order_by("-created_at", "-id"))


def employer_settlements(*, user) -> QuerySet[Settlement]:
    """The statements of the user's employer, newest first, with the job and the student's name."""
    return (Settlement.objects.filter(employer__members__user=user)
            .select_related("engagement__job", "student__student_profile").order_by("-created_at", "-id"))


def _with_lines(queryset: QuerySet[Settlement], *, commission: bool) -> QuerySet[Settlement]:
    lines = SettlementLine.objects.order_by("order")
    if not commission:  # the commission is the employer's business (F1), not a deduction from the student
        lines = lines.exclude(kind=LineKind.COMMISSION)
    return queryset.prefetch_related(Prefetch("lines", queryset=lines))


def settlement_for_student(*, student, pk: int) -> Settlement | None:
    """One of the student's own statements with its lines (no commission line), else None."""
    return _with_lines(student_settlements(student=student), commission=False).filter(pk=pk).first()


def settlement_for_employer(*, user, pk: int) -> Settlement | None:
    """One statement of the user's employer with every line, commission included, else None."""
    return _with_lines(employer_settlements(user=user), commission=True).filter(pk=pk).first()


# ------------------------------------------------------------------ payout methods
def payout_methods_for(*, student) -> QuerySet[PayoutMethod]:
    """The student's current payout methods, the default first."""
    return PayoutMethod.objects.filter(student=student, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id")


def payout_method_for(*, student, pk: int) -> PayoutMethod | None:
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
