"""Alerts by the channels each user chose (issue 20).

Every alert lands in the in-site inbox; e-mail and SMS follow the user's
preference for that kind of event, or the defaults: SMS for what is time-critical
(an offer with its deadline, shift reminders, a proposed change of time or place,
a cancellation by the other side, a payout paid or failed, a sanction), e-mail for
everything. SMS go only to a verified number; outside urgent cases they wait for
the end of the quiet hours (22:00–08:00 Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from .models import AlertKind, AlertPreference, Notification
from .notifications import notify
from .sms import SmsTemplate, sms_send

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User
    from django_stubs_ext import StrOrPromise

DEFAULT_SMS = frozenset({AlertKind.OFFER, AlertKind.SHIFT_REMINDER, AlertKind.SCHEDULE_CHANGE,
                         AlertKind.CANCELLATION, AlertKind.PAYOUT, AlertKind.SANCTION})
SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET_FROM, QUIET_UNTIL = dt.time(22, 0), dt.time(8, 0)


@dataclass(frozen=True)
class Channels:
    email: bool
    sms: bool


def alert_channels(user: User, kind: str) -> Channels:
    preference = AlertPreference.objects.filter(user=user, kind=kind).first()
    if preference is not None:
        return Channels(email=preference.email, sms=preference.sms)
    return Channels(email=True, sms=kind in DEFAULT_SMS)


def alert_channels_all(user: User) -> dict[str, Channels]:
    """Every kind's channels for the preferences page (one query)."""
    chosen = {p.kind: Channels(email=p.email, sms=p.sms) for p in AlertPreference.objects.filter(user=user)}
    return {kind: chosen.get(kind, Channels(email=True, sms=kind in DEFAULT_SMS)) for kind in AlertKind.values}


def alert_preferences_set(*, user: User, choices: dict[str, Channels]) -> None:
    """Store the user's channels per kind (the preferences page)."""
    for kind, channels in choices.items():
        AlertKind(kind)  # an unknown kind is a programming error
        AlertPreference.objects.update_or_create(user=user, kind=kind,
                                                 defaults={"email": channels.email, "sms": channels.sms})


def quiet_hours_end(now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours if `now` falls in them (22:00–08:00 Shanghai), else None."""
    local = now.astimezone(SHANGHAI)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, QUIET_UNTIL, tzinfo=SHANGHAI)


def _absolute(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link.startswith("/") else link


def alert_send(*, recipient: User, kind: str, subject: StrOrPromise, body: StrOrPromise, link: str = "",
               urgent: bool = False, now: dt.datetime | None = None) -> Notification:
    """The inbox row (and e-mail) through core.notifications, and an SMS when chosen."""
    channels = alert_channels(recipient, kind)
    notification = notify(recipient=recipient, subject=subject, body=body, link=link, email=channels.email)
    phone = getattr(recipient, "phone", None)
    if channels.sms and phone and getattr(recipient, "phone_verified", False):
        with translation.override("zh-hans"):  # SMS are in Chinese
            text = str(subject)[:60]
        hold = None if urgent else quiet_hours_end(now or timezone.now())
        sms_send(phone=phone, template=SmsTemplate.ALERT, params={"subject": text, "link": _absolute(link)},
                 recipient=recipient, send_after=hold)
    return notification
