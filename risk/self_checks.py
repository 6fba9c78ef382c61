"""The yearly self-check of user-data protection, recorded in the risk register.

《网络招聘服务管理规定》 (人社部令第44号, in force 2021-03-01) makes an online recruitment platform
responsible for protecting its users' personal information, and PIPL art. 54 asks a personal
information handler to audit its compliance regularly (docs/recruitment-rules.md). Each January
beat records last year's check: the figures from the data (accounts, consents, staff reveals and
exports, deletion requests) as a legal risk owned by a manager, who reviews it by 31 January and
writes the conclusions in the entry's response plan. Recorded once per year, however often it runs."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import personal_data_year_figures
from core.history import history_record
from core.roles import MANAGER

from .models import DataProtectionSelfCheck, RiskAction, RiskCategory, RiskItem


def _findings_text(year: int, figures: dict[str, int]) -> str:
    lines = [
        _("Figures for %(year)d, counted from the platform's records:") % {"year": year},
        _("Accounts: %(n)d") % {"n": figures["accounts"]},
        _("Consents given: %(given)d; withdrawn: %(withdrawn)d") % {
            "given": figures["consents_given"], "withdrawn": figures["consents_withdrawn"]},
        _("Personal data revealed to staff: %(n)d times, by %(staff)d staff members") % {
            "n": figures["staff_reveals"], "staff": figures["staff_who_revealed"]},
        _("Personal data exports: %(n)d") % {"n": figures["staff_exports"]},
        _("Deletion requests: %(received)d received, %(completed)d completed, %(open)d still open") % {
            "received": figures["deletions_received"], "completed": figures["deletions_completed"],
            "open": figures["deletions_open"]},
    ]
    return "\n".join(lines)


def data_protection_self_check_record(*, year: int | None = None, today: dt.date | None = None):
    """Record the self-check of `year` (default: last year) once; returns it, or None when no
    active manager exists to own it (the daily check shows the risk register's owners)."""
    today = today or timezone.localdate()
    year = year or today.year - 1
    existing = DataProtectionSelfCheck.objects.filter(year=year).first()
    if existing is not None:
        return existing
    owner = get_user_model().objects.filter(groups__name=MANAGER, is_active=True).order_by("pk").first()
    if owner is None:
        return None
    figures = personal_data_year_figures(year)
    # An open deletion request past the year's end is a finding in itself: rate it higher.
    likelihood = 3 if figures["deletions_open"] else 2
    try:
        # The entry is written in the platform's language, whatever a previous task left active.
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            item = RiskItem.objects.create(
                title=_("User data protection self-check %(year)d") % {"year": year},
                category=RiskCategory.LEGAL, description=_findings_text(year, figures),
                likelihood=likelihood, impact=4, owner=owner,
                response_plan=_("The owner reviews the figures, checks the access log's reasons and the open "
                                "deletion requests, and records the conclusions here."),
                review_on=dt.date(year + 1, 1, 31),
            )
            check = DataProtectionSelfCheck.objects.create(year=year, risk_item=item, findings=figures)
            history_record(subject=item, transition=RiskAction.SELF_CHECK, from_state="", to_state=item.status,
                           actor=None, reason=str(year))
    except IntegrityError:  # another worker recorded the same year first
        return DataProtectionSelfCheck.objects.get(year=year)
    return check
