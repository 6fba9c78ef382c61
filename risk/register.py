"""The risk register (K1): selectors for the register page and its 5×5 heat map,
the services the admin saves through, and the weekly reminder to owners whose
review date has passed."""

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import history_record
from core.models import HistoryEntry
from core.notifications import notify

from .models import RiskAction, RiskItem

SCALE = range(1, 6)


def rating_band(rating: int) -> str:
    """The colour band of a likelihood × impact rating (1–25)."""
    if rating >= 15:
        return "critical"
    if rating >= 10:
        return "high"
    if rating >= 5:
        return "medium"
    return "low"


BAND_LABELS = {"critical": _("Critical"), "high": _("High"), "medium": _("Medium"), "low": _("Low")}


# ------------------------------------------------------------------ selectors
def register_items(*, likelihood: int | None = None, impact: int | None = None, include_closed: bool = False):
    """The register's rows, worst first, optionally one heat-map cell."""
    items = RiskItem.objects.select_related("owner")
    if not include_closed:
        items = items.filter(status=RiskItem.Status.OPEN)
    if likelihood in SCALE:
        items = items.filter(likelihood=likelihood)
    if impact in SCALE:
        items = items.filter(impact=impact)
    return items.order_by("-likelihood", "-impact", "review_on", "id")


def heat_map() -> list[list[dict]]:
    """Rows from impact 5 down to 1, each with the cells for likelihood 1 to 5:
    the count of open risks there, the rating and its band. One grouped query."""
    counts = {(row["likelihood"], row["impact"]): row["n"] for row in
              RiskItem.objects.filter(status=RiskItem.Status.OPEN).values("likelihood", "impact")
              .annotate(n=Count("pk")).order_by()}
    return [[{"likelihood": likelihood, "impact": impact, "rating": likelihood * impact,
              "band": rating_band(likelihood * impact), "count": counts.get((likelihood, impact), 0)}
             for likelihood in SCALE] for impact in reversed(SCALE)]


def is_review_overdue(item: RiskItem, today: dt.date | None = None) -> bool:
    return item.status == RiskItem.Status.OPEN and item.review_on < (today or timezone.localdate())


# ------------------------------------------------------------------ services
@transaction.atomic
def risk_item_save(*, item: RiskItem, actor, changed: list[str] | None = None) -> RiskItem:
    """Create or change a register entry (the admin), with a history row."""
    created = item.pk is None
    item.save()
    history_record(subject=item, transition=RiskAction.CREATE if created else RiskAction.CHANGE,
                   from_state="", to_state=item.status, actor=actor,
                   reason="" if created else ", ".join(changed or []))
    return item


def risk_review_reminders_send(*, today: dt.date | None = None) -> int:
    """Weekly: each owner of an open risk whose review date has passed is told,
    once per review date (a history row marks the reminder; a new review date
    gets a new reminder). Returns how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    for item in RiskItem.objects.filter(status=RiskItem.Status.OPEN, review_on__lt=today).select_related("owner"):
        with transaction.atomic():
            item = RiskItem.objects.select_for_update().select_related("owner").get(pk=item.pk)
            marker = item.review_on.isoformat()
            already = HistoryEntry.objects.filter(
                content_type__app_label="risk", content_type__model="riskitem", object_id=str(item.pk),
                transition=RiskAction.REVIEW_REMINDED, to_state=marker).exists()
            if already or item.review_on >= today:
                continue
            notify(recipient=item.owner, subject=_("Risk review overdue: %(title)s") % {"title": item.title},
                   body=_("The review of “%(title)s” was due on %(date)s. Review its likelihood, impact and "
                          "response plan and set the next review date.") % {"title": item.title, "date": marker},
                   link=reverse("risk:register"))
            history_record(subject=item, transition=RiskAction.REVIEW_REMINDED, from_state=item.status,
                           to_state=marker, reason="review date passed")
            sent += 1
    return sent
