"""Students aged 16–17 after the hire (docs/minors.md): before the first shift the
employer confirms the health check before taking up the post (《未成年工特殊保护规定》
art. 6(1)) and the registration with the labour administration (art. 9); the platform
keeps the confirmation, and check-in waits for it."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError
from core.history import history_record
from core.notifications import notify
from core.transitions import lock_row
from employers.services import ensure_employer_member

from ..models import ApplicationsAction, Engagement, MinorWorkerCheck
from .shared import engagement_link

TEXT_FIELDS = ("health_check_place", "health_check_reference", "registration_place", "registration_reference")


class MinorChecksMissing(DomainError):
    default_message = _("The employer has not yet confirmed the health check and the registration required for "
                        "students aged 16–17 (Provisions on the Special Protection of Juvenile Workers arts. 6 "
                        "and 9), so check-in is not open yet. Ask the employer to confirm them on the "
                        "engagement page.")


def minor_checks_required(engagement: Engagement) -> bool:
    """Is this a minor's engagement still without the employer's confirmation?"""
    profile = getattr(engagement.student, "student_profile", None)
    if profile is None or not profile.is_minor_worker:
        return False
    return not MinorWorkerCheck.objects.filter(engagement_id=engagement.pk).exists()


def ensure_minor_checks(engagement: Engagement) -> None:
    """Check-in (by QR code or by hand) to a minor's shift waits for the confirmation."""
    if minor_checks_required(engagement):
        raise MinorChecksMissing()


@transaction.atomic
def minor_checks_confirm(*, engagement_id: int, actor: User, health_check_date: dt.date, health_check_place: str,
                         health_check_reference: str, registration_date: dt.date, registration_place: str,
                         registration_reference: str) -> MinorWorkerCheck:
    """The employer confirms a minor's health check (art. 6) and registration (art. 9).

    Preconditions: a member of the engagement's employer; an active engagement of a
    student aged 16–17; every place and reference given; neither date in the future.
    Effects: the confirmation is kept (a correction replaces it, the history row of
    each keeps what was said), check-in opens, the student is told."""
    engagement = lock_row(Engagement, engagement_id, related=("job", "student__student_profile"))
    ensure_employer_member(actor, engagement.employer_id)
    profile = getattr(engagement.student, "student_profile", None)
    if profile is None or not profile.is_minor_worker:
        raise DomainError(_("Only the engagement of a student aged 16–17 needs this confirmation."))
    if not engagement.is_active:
        raise DomainError(_("This engagement has ended."))
    values = {name: (value or "").strip() for name, value in (
        ("health_check_place", health_check_place), ("health_check_reference", health_check_reference),
        ("registration_place", registration_place), ("registration_reference", registration_reference))}
    for name in TEXT_FIELDS:
        if not values[name]:
            raise DomainError(_("This field is required."), field=name)
    today = timezone.localdate()
    for name, day in (("health_check_date", health_check_date), ("registration_date", registration_date)):
        if day is None or day > today:
            raise DomainError(_("Give the date it was done; it cannot be in the future."), field=name)
    check, _created = MinorWorkerCheck.objects.update_or_create(engagement=engagement, defaults={
        **values, "health_check_date": health_check_date, "registration_date": registration_date,
        "confirmed_by": actor, "confirmed_at": timezone.now()})
    history_record(subject=engagement, transition=ApplicationsAction.MINOR_CHECKS, from_state=engagement.status,
                   to_state=engagement.status, actor=actor,
                   reason=f"{health_check_date} {values['health_check_place']} {values['health_check_reference']}; "
                          f"{registration_date} {values['registration_place']} {values['registration_reference']}")
    notify(recipient=engagement.student,
           subject=_("%(job)s: the employer confirmed your health check and registration") % {
               "job": engagement.job.title},
           body=_("You can check in to your shifts."), link=engagement_link(engagement, for_student=True))
    return check
