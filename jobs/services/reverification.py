"""The six-monthly re-verification of employers, for their jobs (2026 notice on online
recruitment information; docs/recruitment-rules.md). Employers keep the vetting and its
dates (`employers.services`); this sweep sits above them so that a lapse also pauses the
employer's live jobs in the same transaction. Hired students are unaffected: engagements,
shifts and pay go on; only new applications, hiring and posting wait for re-verification."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.transitions import run_transition
from employers.services import employer_vetting_lapse, employers_due_to_lapse, employers_reverify_remind

from ..models import Job, JobStatus


def employers_reverification_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat (daily): remind employers before their re-verification date (30 and 7 days, once
    each), then lapse those past it and pause their published jobs (each a `pause` transition
    with its history row, by the platform). Idempotent: a lapsed employer is not selected again."""
    now = now or timezone.now()
    reminded = employers_reverify_remind(now=now)
    lapsed = paused = 0
    for employer_id in employers_due_to_lapse(now=now):
        with transaction.atomic():
            if employer_vetting_lapse(employer_id=employer_id, now=now) is None:
                continue
            lapsed += 1
            for job in Job.objects.select_for_update().filter(employer_id=employer_id, status=JobStatus.PUBLISHED):
                run_transition(job, "pause", actor=None, note="employer re-verification due")
                paused += 1
    return {"reminded": reminded, "lapsed": lapsed, "paused": paused}
