"""Moderation's beat tasks: thin wrappers around the services."""

import logging

from celery import shared_task

from .self_review import self_review_sample

logger = logging.getLogger(__name__)


@shared_task
def self_review_sample_task() -> dict:
    """Monday 09:00 Shanghai: sample last week's decisions for a second look (P2.3)."""
    result = self_review_sample()
    if result.unassigned:
        # No other active moderator could take these: a manager assigns them or adds a moderator.
        logger.warning("self-review week %s: %s decisions left unassigned", result.week, len(result.unassigned))
    return {"week": result.week.isoformat(), "created": len(result.created),
            "assigned_late": len(result.assigned_late), "unassigned": len(result.unassigned)}
