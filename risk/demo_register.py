"""Demo risk register for `manage.py seed_demo` (K1, K2, K4): a handful of risks
spread over the heat map (one with its review overdue), owners on two
indicators, a legal opinion and two contingency plans. Safe to run again: a
register that already has risks is left alone. The lead wires it into seed_demo."""

import datetime as dt

from django.utils import timezone

from .models import ContingencyPlan, KeyRiskIndicator, LegalOpinion, RiskItem
from .register import risk_item_save

RISKS = [
    # title, category, likelihood, impact, response plan, review in (days; negative = overdue)
    ("Employers fund statements late", "credit", 4, 3,
     "Funding reminders, the guarantee fund advances, repeat offenders lose posting rights.", 30),
    ("Fraudulent job posts (deposits, MLM)", "legal", 3, 5,
     "Compliance screen on every post, moderator review, reports acted on within a working day.", 14),
    ("Database lost or corrupted", "technical", 1, 5,
     "Nightly encrypted backups with a restore check; quarterly restore rehearsal (docs/backups.md).", -3),
    ("Seasonal drop in demand after exams", "market", 4, 2,
     "Campaigns with partner employers before the holidays; watch the weekly report.", 60),
    ("Payout provider outage on payday", "technical", 2, 4,
     "Switch the batch to the second bank; tell students through the inbox.", 45),
]


def seed_register(*, manager) -> None:
    if RiskItem.objects.exists():
        return
    today = timezone.localdate()
    for title, category, likelihood, impact, plan, review_in in RISKS:
        risk_item_save(item=RiskItem(title=title, category=category, description=title, likelihood=likelihood,
                                     impact=impact, owner=manager, response_plan=plan,
                                     review_on=today + dt.timedelta(days=review_in)), actor=manager)
    KeyRiskIndicator.objects.filter(code__in=["backup_age", "error_rate"], owner__isnull=True).update(owner=manager)
    LegalOpinion.objects.create(subject=LegalOpinion.Subject.TERMS, title="User agreement and privacy notice v2",
                                summary="Consent wording checked against PIPL art. 14; retention periods stated.",
                                counsel="Counsel (demo)", outcome=LegalOpinion.Outcome.APPROVED,
                                given_on=today - dt.timedelta(days=20), recorded_by=manager)
    ContingencyPlan.objects.create(
        title="Restore the database from backup", category="technical",
        trigger="The production database is lost, corrupted or unreachable for more than an hour.",
        steps="Follow docs/backups.md, 'Restoring for real'.", owner=manager,
        last_tested_on=today - dt.timedelta(days=40))
    ContingencyPlan.objects.create(
        title="A large employer stops paying", category="credit",
        trigger="An employer's statements are late beyond the guarantee cap.",
        steps="Advance from the guarantee fund up to the cap, suspend posting, recover through the courts.",
        owner=manager)
