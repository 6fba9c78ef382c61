"""Moderation's beat tasks: thin wrappers around the services."""

import logging

from celery import shared_task

from .decision_checks import decision_check_sample

logger = logging.getLogger(__name__)


@shared_task
def decision_check_sample_task() -> dict:
    """Monday 09:00 Shanghai: sample last week's decisions for a second look (P2.3)."""
    result = decision_check_sample()
    if result.unassigned:
        # No other active moderator could take these: a manager assigns them or adds a moderator.
        logger.warning("decision-check week %s: %s decisions left unassigned", result.week, len(result.unassigned))
    return {"week": result.week.isoformat(), "created": len(result.created),
            "assigned_late": len(result.assigned_late), "unassigned": len(result.unassigned)}
