"""Factories for settlements (S4): engagements whose work is over with the hours
a test names, valid bank card numbers, and payout methods.

`worked_engagement` writes attendance and engagement states directly (queryset
updates bypass the protected FSM fields) so statement tests state the hours
they need in one line; the rules that produce those states are tested in
tests/applications."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from stdnum import luhn

from applications.models import (
    Attendance,
    AttendanceStatus,
    Engagement,
    EngagementItem,
    EngagementStatus,
    HoursStatus,
    LossClaim,
)
from core.crypto import keyed_hash
from jobs.models import MinimumWage
from settlements.models import PayoutMethod
from tests.factories.accounts import StudentProfileFactory
from tests.factories.applications import EngagementFactory
from tests.factories.jobs import JobFactory


def card_number(prefix: str = "622202", length: int = 19) -> str:
    """A bank card number of `length` digits that passes the Luhn check."""
    body = (prefix + "1234567890123456789")[:length - 1]
    return body + luhn.calc_check_digit(body)


def past_shifts(n: int, *, days_ago: int = 20, start: str = "18:00", end: str = "21:00") -> list:
    """n consecutive daily shifts that ended long ago (hours windows passed)."""
    first = timezone.localdate() - dt.timedelta(days=days_ago)
    return [(first + dt.timedelta(days=i), start, end) for i in range(n)]


# One attendance outcome per shift: (confirmed minutes, overtime minutes), "no_show" or "cancelled".
NO_SHOW, CANCELLED = "no_show", "cancelled"


def worked_engagement(*, hours: list, status: str = EngagementStatus.COMPLETED, student=None, days_ago: int = 20,
                      **job_kwargs) -> Engagement:
    """An engagement on a job with one past shift per entry of `hours` (the first
    `days_ago` days ago), each shift's hours final as given, and the engagement in
    `status` (completed by default)."""
    job = JobFactory(published=True, shifts=past_shifts(len(hours), days_ago=days_ago), **job_kwargs)
    kwargs = {"application__job": job}
    if student is not None:
        kwargs["application__student"] = student
    engagement = EngagementFactory(**kwargs)
    rows = list(Attendance.objects.filter(engagement=engagement).order_by("shift__date", "shift__start_time"))
    for row, outcome in zip(rows, hours, strict=True):
        if outcome == NO_SHOW:
            fields = {"status": AttendanceStatus.NO_SHOW, "hours_status": HoursStatus.NONE, "confirmed_minutes": 0}
        elif outcome == CANCELLED:
            fields = {"status": AttendanceStatus.CANCELLED, "hours_status": HoursStatus.NONE, "confirmed_minutes": 0}
        else:
            minutes, overtime = outcome
            fields = {"status": AttendanceStatus.ATTENDED, "hours_status": HoursStatus.CONFIRMED,
                      "confirmed_minutes": minutes, "overtime_minutes": overtime,
                      "hours_confirmed_at": row.shift.ends_at, "dispute_due_at": row.shift.ends_at}
        Attendance.objects.filter(pk=row.pk).update(**fields)
    ended = timezone.now() - dt.timedelta(days=1)
    Engagement.objects.filter(pk=engagement.pk).update(
        status=status, ended_at=ended, completed_at=ended if status == EngagementStatus.COMPLETED else None)
    engagement.refresh_from_db()
    return engagement


class PayoutMethodFactory(DjangoModelFactory):
    """A student's bank card in their own name (the number passes the Luhn check)."""

    class Meta:
        model = PayoutMethod

    student = factory.LazyFunction(lambda: StudentProfileFactory(approved=True).user)
    kind = PayoutMethod.Kind.BANK_CARD
    bank_name = "中国工商银行"
    account_number = factory.Sequence(lambda n: card_number(prefix=f"6222{n:06d}"))
    account_hash = factory.LazyAttribute(lambda o: keyed_hash(f"{o.kind}:{o.account_number}"))
    account_holder = factory.LazyAttribute(lambda o: o.student.student_profile.real_name)
    is_default = True


# A city whose minimum hourly wage (¥10.00) is far below the jobs' pay, so the art. 16
# floor does not bind and a statement test sees the 20 % cap alone.
LOW_MINIMUM_CITY = "低薪测试市"


def low_minimum_city(hourly_min_fen: int = 1000) -> str:
    MinimumWage.objects.get_or_create(city=LOW_MINIMUM_CITY, effective_from=dt.date(2020, 1, 1), defaults={
        "province": "测试省", "hourly_min_fen": hourly_min_fen})
    return LOW_MINIMUM_CITY


def agreed_loss(engagement: Engagement, amount_fen: int, description: str = "打碎杯子") -> LossClaim:
    """A loss claim the student agreed to, with its item, as applications' services leave
    them (loss_claim_file + loss_claim_answer, tested in tests/applications)."""
    claim = LossClaim.objects.create(engagement=engagement, amount_fen=amount_fen, description=description,
                                     evidence="loss-evidence/test.png", status=LossClaim.Status.AGREED,
                                     student_answer="是我的责任", decided_amount_fen=amount_fen,
                                     decided_at=timezone.now())
    EngagementItem.objects.create(engagement=engagement, kind=EngagementItem.Kind.LOSS, amount_fen=-amount_fen,
                                  description=f"Compensation for a loss (claim {claim.pk})",
                                  source_key=f"loss_claim:{claim.pk}")
    return claim
