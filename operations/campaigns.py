"""Promotion campaigns (P2.1): counting visits through a campaign's tagged link
(`/?c=<code>`), remembering the code in the visitor's session, and attributing
the sign-up that follows to the campaign (first touch wins). Campaign records
themselves are kept in the admin by operations; what each brought is read by
`operations.selectors.campaign_effect`.

Visits are unique visitors per day (P2.1): reloading the page, or a script that
requests the link a thousand times, counts once."""

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.crypto import keyed_hash

from .models import Campaign, CampaignSignup, CampaignVisit

SESSION_KEY = "campaign_code"
VISITOR_SESSION_KEY = "campaign_visitor"
QUERY_PARAMETER = "c"
CODE_MAX_CHARS = 40
# A visitor seen today is remembered a little longer than a day (time zones, the day's last minute).
VISITOR_SEEN_SECONDS = 26 * 3600


def campaign_visitor_id(request) -> str:
    """Who is visiting, as an opaque id (no personal data kept): the one remembered in
    the session; else the account; else a keyed hash of the client address (through the
    trusted proxy settings allauth uses) and browser, so a client that drops cookies is
    still one visitor. Visitors behind one address with the same browser count once."""
    session = getattr(request, "session", None)
    if session is not None and session.get(VISITOR_SESSION_KEY):
        return session[VISITOR_SESSION_KEY]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        visitor = f"u{user.pk}"
    else:
        try:
            address = get_adapter().get_client_ip(request)
        except PermissionDenied:
            address = ""
        visitor = keyed_hash(f"{address}|{request.META.get('HTTP_USER_AGENT', '')}")[:32]
    if session is not None:
        session[VISITOR_SESSION_KEY] = visitor
    return visitor


def _first_visit_today(campaign: Campaign, day, visitor: str) -> bool:
    # cache.add is atomic on the shared cache (Redis in production, the database locally).
    return cache.add(f"operations:campaign-visitor:{campaign.pk}:{day:%Y%m%d}:{visitor}", 1,
                     timeout=VISITOR_SEEN_SECONDS)


def campaign_visit_record(*, code: str, session=None, request=None) -> Campaign | None:
    """Count the visitor of `request` once a day through the campaign's link and remember
    the code in the session (the first campaign a visitor came through keeps the credit).
    An unknown code, or one outside the campaign's dates, counts nothing (and starts no
    session); without a request every call counts (the demo data)."""
    code = (code or "").strip()[:CODE_MAX_CHARS]
    if not code:
        return None
    today = timezone.localdate()
    campaign = Campaign.objects.filter(code=code, starts_on__lte=today, ends_on__gte=today).only("pk", "code").first()
    if campaign is None:
        return None
    if request is not None and not _first_visit_today(campaign, today, campaign_visitor_id(request)):
        _remember(session, campaign)
        return campaign
    counter = CampaignVisit.objects.filter(campaign_id=campaign.pk, date=today)
    if not counter.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                CampaignVisit.objects.create(campaign_id=campaign.pk, date=today, count=1)
        except IntegrityError:  # a concurrent first visit of the day created the row
            counter.update(count=F("count") + 1)
    _remember(session, campaign)
    return campaign


def _remember(session, campaign: Campaign) -> None:
    if session is not None and not session.get(SESSION_KEY):
        session[SESSION_KEY] = campaign.code


def campaign_signup_record(*, user, code: str) -> CampaignSignup | None:
    """The user signed up after arriving through the campaign's link: attribute
    the account to it, once (first touch; a second call changes nothing)."""
    campaign = Campaign.objects.filter(code=code).only("pk").first()
    if campaign is None:
        return None
    signup, _created = CampaignSignup.objects.get_or_create(user=user, defaults={"campaign": campaign})
    return signup
