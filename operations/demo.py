"""Demo data for operations (P2.1), used by `manage.py seed_demo` last: a
campaign with a few visits, today's system check, and the reports of the last
two weeks, so the operations pages are not empty on a first visit. Idempotent."""

import datetime as dt

from django.utils import timezone

from .campaigns import campaign_visit_record
from .health import daily_check_run_unless_signed
from .models import Campaign
from .reports import last_week_start, weekly_report_build

DEMO_CAMPAIGN_CODE = "fudan-poster"


def seed_operations() -> None:
    today = timezone.localdate()
    campaign, created = Campaign.objects.get_or_create(code=DEMO_CAMPAIGN_CODE, defaults={
        "name": "复旦食堂海报", "channel": "复旦大学邯郸校区食堂海报", "audience": Campaign.Audience.STUDENTS,
        "starts_on": today - dt.timedelta(days=14), "ends_on": today + dt.timedelta(days=30),
        "budget_fen": 80_000})
    if created:
        for _visit in range(12):
            campaign_visit_record(code=campaign.code)
    # The demo does not confirm 2027's make-up working days: the State Council's 2027 notice
    # could not be vendored (docs/calendar.md), so today's check shows that line failing
    # with what operations must do, as production would.
    daily_check_run_unless_signed()
    last = last_week_start()
    for week_start in (last - dt.timedelta(days=7), last):
        weekly_report_build(week_start=week_start)
