"""The patrol (J2.3): expire live jobs whose deadline or last shift has
passed, and ask employers to confirm jobs that have not been updated for a
while. Set-based sweeps in bounded batches, run by a Celery beat task."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HistoryEntry
from core.notifications import notify
from core.policy import get_policy
from employers.models import EmployerMember

from ..models import LIVE_STATUSES, Job, JobAction, JobStatus, PatrolRun

SWEEP_BATCH_SIZE = 500  # rows per transaction: short locks; the task loops until done


def jobs_expire_due(*, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Expire live jobs whose application deadline or last shift has passed.

    Set-based and idempotent: each batch is one UPDATE guarded by the status,
    plus one bulk insert of history rows; running twice expires nothing twice."""
    now = now or timezone.now()
    content_type = ContentType.objects.get_for_model(Job)
    due = (Job.objects.filter(status__in=LIVE_STATUSES)
           .filter(_due(now)).order_by("pk").values_list("pk", "status"))
    total = 0
    while True:
        with transaction.atomic():
            batch = list(due[:batch_size])
            if not batch:
                break
            ids = [pk for pk, _status in batch]
            updated = Job.objects.filter(pk__in=ids, status__in=LIVE_STATUSES).update(
                status=JobStatus.EXPIRED, updated_at=now)
            HistoryEntry.objects.bulk_create([
                HistoryEntry(content_type=content_type, object_id=str(pk), transition=JobAction.EXPIRE,
                             from_state=status, to_state=JobStatus.EXPIRED, reason="patrol")
                for pk, status in batch
            ])
            total += updated
    return total


def _due(now: dt.datetime) -> Q:
    return Q(application_deadline__lt=now) | Q(last_shift_end__lt=now)


def jobs_flag_stale(*, now: dt.datetime | None = None) -> int:
    """Ask employers to confirm live jobs not updated for `stale_job_days` (J2.3).

    Each stale job is flagged once (stale_notified_at); each employer gets one
    notification per sweep listing its jobs."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=get_policy().stale_job_days)
    with transaction.atomic():
        stale = list(Job.objects.select_for_update(skip_locked=True)
                     .filter(status=JobStatus.PUBLISHED, content_updated_at__lt=cutoff, stale_notified_at__isnull=True)
                     .values_list("pk", "employer_id", "title"))
        if not stale:
            return 0
        Job.objects.filter(pk__in=[pk for pk, *_ in stale]).update(stale_notified_at=now)
        by_employer: dict[int, list[str]] = {}
        for _pk, employer_id, title in stale:
            by_employer.setdefault(employer_id, []).append(title)
        for member in EmployerMember.objects.filter(employer_id__in=by_employer).select_related("user"):
            titles = by_employer[member.employer_id]
            notify(recipient=member.user, subject=_("Please check that your jobs are still accurate"),
                   body=_("These jobs have not been updated for a while. Confirm or edit them:\n%(titles)s")
                   % {"titles": "\n".join(f"· {t}" for t in titles)},
                   link=reverse("jobs:employer_jobs"))
    return len(stale)


def jobs_patrol(*, now: dt.datetime | None = None) -> PatrolRun:
    """One patrol: expire what is due, flag what is stale, record the counts."""
    now = now or timezone.now()
    expired = jobs_expire_due(now=now)
    stale = jobs_flag_stale(now=now)
    return PatrolRun.objects.create(expired=expired, stale_flagged=stale)
