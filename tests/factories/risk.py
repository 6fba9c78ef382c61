"""Factories for the risk app: credit scores (above), sanctions and appeals (below)."""

# ---------------------------------------------------------------- credit events and scores (K3.1) — H1
import datetime as dt  # noqa: E402
import itertools  # noqa: E402

from django.utils import timezone  # noqa: E402

from core.models import CreditEvent  # noqa: E402

_event_keys = itertools.count(1)


def credit_event(subject, kind, *, value=None, days_ago: float = 0, at: dt.datetime | None = None,
                 reverses=None) -> CreditEvent:
    """A credit event written directly (no rescore): `subject` is a student User/StudentProfile or an Employer."""
    from employers.models import Employer

    if isinstance(subject, Employer):
        subject_kind, subject_id = "employer", subject.pk
    else:
        subject_kind, subject_id = "student", getattr(subject, "user_id", None) or subject.pk
    return CreditEvent.objects.create(
        key=f"test:{next(_event_keys)}", subject_kind=subject_kind, subject_id=subject_id, kind=kind,
        reason=f"test {kind}", value=value, reverses=reverses,
        occurred_at=at or (timezone.now() - dt.timedelta(days=days_ago)))


# ---------------------------------------------------------------- sanctions and appeals (E4.2) — H2
from risk.sanctions import appeal_file as _appeal_file  # noqa: E402
from risk.sanctions import violation_record as _violation_record  # noqa: E402


def sanction_of(subject, *, actor, category="other", reason="Confirmed violation of the rules.", **kwargs):
    """Impose the next rung on a student (StudentProfile or student User) or an Employer through the ladder."""
    from employers.models import Employer

    if isinstance(subject, Employer):
        kind, subject_id = "employer", subject.pk
    else:
        kind, subject_id = "student", getattr(subject, "user_id", None) or subject.pk
    return _violation_record(subject_kind=kind, subject_id=subject_id, category=category, reason=reason,
                             actor=actor, **kwargs)


def appeal_of(sanction, *, user, text="This is a mistake: I was there on time."):
    return _appeal_file(sanction_id=sanction.pk, user=user, text=text)
