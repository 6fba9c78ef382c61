"""Promotion campaigns (P2.1): counting visits through a campaign's tagged link
(`/?c=<code>`), remembering the code in the visitor's session, and attributing
the sign-up that follows to the campaign (first touch wins). Campaign records
themselves are kept in the admin by operations; what each brought is read by
`operations.selectors.campaign_effect`."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Campaign, CampaignSignup, CampaignVisit

SESSION_KEY = "campaign_code"
QUERY_PARAMETER = "c"
CODE_MAX_CHARS = 40


def campaign_visit_record(*, code: str, session=None) -> Campaign | None:
    """Count one visit through the campaign's link today and remember the code in
    the session (the first campaign a visitor came through keeps the credit).
    An unknown code, or one outside the campaign's dates, counts nothing."""
    code = (code or "").strip()[:CODE_MAX_CHARS]
    if not code:
        return None
    today = timezone.localdate()
    campaign = Campaign.objects.filter(code=code, starts_on__lte=today, ends_on__gte=today).only("pk", "code").first()
    if campaign is None:
        return None
    counter = CampaignVisit.objects.filter(campaign_id=campaign.pk, date=today)
    if not counter.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                CampaignVisit.objects.create(campaign_id=campaign.pk, date=today, count=1)
        except IntegrityError:  # a concurrent first visit of the day created the row
            counter.update(count=F("count") + 1)
    if session is not None and not session.get(SESSION_KEY):
        session[SESSION_KEY] = campaign.code
    return campaign


def campaign_signup_record(*, user, code: str) -> CampaignSignup | None:
    """The user signed up after arriving through the campaign's link: attribute
    the account to it, once (first touch; a second call changes nothing)."""
    campaign = Campaign.objects.filter(code=code).only("pk").first()
    if campaign is None:
        return None
    signup, _created = CampaignSignup.objects.get_or_create(user=user, defaults={"campaign": campaign})
    return signup
