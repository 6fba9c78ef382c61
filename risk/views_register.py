"""/credit/risk-register/ (K1): the 5×5 heat map and the register, for managers,
finance and auditors (read; managers edit in the admin). Thin: selectors, render."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.access import staff_page

from . import register
from .indicators import kri_latest

VIEW_PERMISSION = "risk.view_riskitem"


def _scale_param(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number in register.SCALE else None


@staff_page(VIEW_PERMISSION)  # staff who passed the second factor (K1, J3), like the back office
@require_safe
def risk_register(request):
    """The heat map (open risks by likelihood × impact), the indicators and the list."""
    likelihood, impact = _scale_param(request.GET.get("likelihood")), _scale_param(request.GET.get("impact"))
    today = timezone.localdate()
    items = list(register.register_items(likelihood=likelihood, impact=impact))
    for item in items:
        item.band = register.rating_band(item.rating)
        item.overdue = register.is_review_overdue(item, today)
    return render(request, "risk/register_home.html", {
        "heat_map": register.heat_map(), "items": items, "likelihood": likelihood, "impact": impact,
        "filtered": likelihood is not None or impact is not None, "band_labels": register.BAND_LABELS,
        "indicators": kri_latest() if request.user.has_perm("risk.view_keyriskindicator") else [],
        "can_edit": request.user.has_perm("risk.change_riskitem"),
    })
