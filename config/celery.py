"""The Celery app and beat schedule. Tasks are thin wrappers around services."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("jianzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Log events of a task carry the request id of the request that scheduled it (issue 22).
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def _django_logging(**_kwargs: object) -> None:
    """Workers and beat log as the web processes do (settings.LOGGING: JSON lines with
    LOG_FORMAT=json, personal data scrubbed) instead of Celery's own format (issue 22)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)

# Sweeps are idempotent and set-based: running one twice, or late, is harmless.
app.conf.beat_schedule = {
    "core-heartbeat": {"task": "core.tasks.beat_heartbeat", "schedule": 60.0},
    # Issue 20: text messages held by the quiet hours (22:00–08:00 Shanghai) go out once they end.
    "sms-release-held": {"task": "core.tasks.sms_release_held_task", "schedule": crontab(minute="*/5")},
    # J2.3: expire jobs past their deadline or last shift, ask about stale ones.
    "jobs-patrol": {"task": "jobs.tasks.jobs_patrol_task", "schedule": crontab(minute="*/15")},
    # docs/minors.md: the yearly audit of minors' personal data, early on 2 January.
    "accounts-minors-data-audit": {"task": "accounts.tasks.minors_data_audit_task",
                                   "schedule": crontab(month_of_year=1, day_of_month=2, hour=6, minute=30)},
    # docs/insurance.md: a lapsed cover pauses new hiring; the employer is told the next morning.
    "jobs-insurance-lapses": {"task": "jobs.tasks.insurance_lapses_task", "schedule": crontab(hour=7, minute=5)},
    # docs/recruitment-rules.md: employers re-verified every six months; reminders 30 and 7 days before,
    # then the vetting lapses and live jobs pause (hourly, so a lapse takes effect within the hour).
    "employers-reverification": {"task": "jobs.tasks.employers_reverification_task",
                                 "schedule": crontab(minute=20)},
    # E3.2, E4, J1.3: reminders, expiries, lapsed offers and changes, auto-confirmed hours, completions.
    "applications-sweep": {"task": "applications.tasks.applications_sweep_task", "schedule": crontab(minute="*/5")},
    # S4.1: statements for engagements whose hours are final (completed, or ended with hours worked).
    "settlements-prepare": {"task": "settlements.tasks.settlements_prepare_task", "schedule": crontab(minute="*/10")},
    # E5.1: fund ready statements from escrow (money may have arrived since the last try).
    "settlements-fund": {"task": "settlements.tasks.settlements_fund_ready_task", "schedule": crontab(minute="*/10")},
    # E5.1, E5.2: remind before the funding date, record lateness after it, advance from the guarantee fund.
    "settlements-funding-watch": {"task": "settlements.tasks.settlements_funding_watch_task",
                                  "schedule": crontab(minute="*/10")},
    # S4.3: extra pay decided on payment disputes, funded from escrow once the money is there.
    "adjustments-fund": {"task": "settlements.tasks.adjustments_fund_ready_task", "schedule": crontab(minute="*/10")},
    # S4.2, F3.2: the day's payout batch at 09:00 Shanghai; the task skips non-working days (调休 included).
    "payout-batch": {"task": "settlements.tasks.payout_batch_build_task", "schedule": crontab(hour=9, minute=0)},
    # S5.1, E6.1: review windows for completed engagements, invitations, the reveal when a window closes.
    "reviews-sweep": {"task": "reviews.tasks.reviews_sweep_task", "schedule": crontab(minute="*/10")},
    # The nightly full recompute of every credit score (K3.2), after the ledger check.
    "credit-scores-recompute": {"task": "risk.tasks.credit_scores_recompute_task",
                                "schedule": crontab(hour=3, minute=30)},
    # F3.3: the ledger's integrity check, nightly after the day's postings.
    "ledger-integrity": {"task": "finance.tasks.ledger_integrity_task", "schedule": crontab(hour=2, minute=30)},
    # P2.1 (operations): the daily system check before the working day, signed off by operations …
    "operations-daily-check": {"task": "operations.tasks.daily_check_task", "schedule": crontab(hour=8, minute=30)},
    # … and last week's report every Monday 08:00, e-mailed to operations and managers once.
    "operations-weekly-report": {"task": "operations.tasks.weekly_report_task",
                                 "schedule": crontab(hour=8, minute=0, day_of_week="mon")},
    # P2.2 (customer service): close resolved tickets past the reopen window; classify yesterday's tickets.
    "support-close-resolved": {"task": "support.tasks.tickets_close_resolved_task", "schedule": crontab(minute=7)},
    "support-daily-summary": {"task": "support.tasks.ticket_daily_summary_task",
                              "schedule": crontab(hour=0, minute=30)},
    # P2.3 (moderation decision checks): every Monday 09:00, last week's sample of moderation decisions for a second look.
    "moderation-decision-check": {"task": "moderation.tasks.decision_check_sample_task",
                               "schedule": crontab(hour=9, minute=0, day_of_week="mon")},
    # K5 (backups): the encrypted nightly backup, then its restore check into a scratch database.
    "core-backup": {"task": "core.tasks.backup_task", "schedule": crontab(hour=3, minute=0)},
    "core-restore-check": {"task": "core.tasks.restore_check_task", "schedule": crontab(hour=4, minute=0)},
    # K1 (risk register): key risk indicators hourly; owners reminded of overdue risk reviews weekly.
    "risk-kri-measure": {"task": "risk.tasks.kri_measure_all_task", "schedule": crontab(minute=20)},
    "risk-review-reminders": {"task": "risk.tasks.risk_review_reminders_task",
                              "schedule": crontab(hour=9, minute=15, day_of_week="mon")},
    # 《网络招聘服务管理规定》, PIPL art. 54: last year's user-data protection self-check, each 2 January
    # (every day of January, so a beat that was down on the 2nd still records it; it is recorded once).
    "risk-data-protection-self-check": {"task": "risk.tasks.data_protection_self_check_task",
                                        "schedule": crontab(hour=8, minute=30, day_of_month="2-31", month_of_year=1)},
    # F3.1, F3.3: last month's settlement-account reconciliation, prepared on the 1st at 07:00.
    "finance-monthly-reconciliation": {"task": "backoffice.tasks.monthly_reconciliation_task",
                                       "schedule": crontab(day_of_month=1, hour=7, minute=0)},
    # 国务院令第810号 art. 4: the last quarter's tax information report, generated early each day of the month after
    # the quarter (the report is due within it; a beat that was down on the 1st still writes it, once).
    "settlements-tax-info-report": {"task": "settlements.tasks.tax_info_report_task",
                                    "schedule": crontab(hour=6, minute=10, day_of_month="1-31",
                                                        month_of_year="1,4,7,10")},
    # F4 (audits): remind owners of audit findings before the due date, escalate overdue ones.
    "audit-findings-sweep": {"task": "backoffice.tasks.audit_findings_sweep_task",
                             "schedule": crontab(hour=8, minute=15)},
}

# The chaos test (tests/chaos, `make chaos`) runs the frequent sweeps every few seconds so that
# they overlap its faults (a beat killed, Redis restarted). Never set outside that test.
_CHAOS_SWEEP_ENTRIES = ("core-heartbeat", "applications-sweep", "settlements-fund", "settlements-funding-watch",
                        "sms-release-held")
if _every := float(os.environ.get("JIANZHI_CHAOS_SWEEP_SECONDS", "0") or 0):
    for _name in _CHAOS_SWEEP_ENTRIES:
        app.conf.beat_schedule[_name]["schedule"] = _every
