"""`seed_demo` leaves jobs in every state of the moderation machine (E2.2, J2),
a report and a verification step for the moderator, and is safe to run again."""

import pytest
from django.core.management import call_command

from jobs.models import Job, JobRevision, JobStatus
from moderation.models import Report, VerificationStep

pytestmark = pytest.mark.django_db


def test_e2_2_seed_demo_creates_jobs_in_every_state_once():
    # when
    call_command("seed_demo", verbosity=0)
    counts = (Job.objects.count(), JobRevision.objects.count(), Report.objects.count(),
              VerificationStep.objects.count())
    call_command("seed_demo", verbosity=0)
    # then: every state but draft (nothing to moderate there), the pending job carries its flag,
    # one live job waits with a revision, and the second run adds nothing
    assert set(Job.objects.values_list("status", flat=True)) == set(JobStatus.values) - {JobStatus.DRAFT}
    pending = Job.objects.get(status=JobStatus.PENDING_REVIEW)
    assert pending.flags.filter(resolved_at__isnull=True, code="gender").exists()
    assert JobRevision.objects.get(status=JobRevision.Status.PENDING).job.status == JobStatus.PUBLISHED
    assert Job.objects.filter(status=JobStatus.PUBLISHED).values("city").distinct().count() >= 3
    assert (Job.objects.count(), JobRevision.objects.count(), Report.objects.count(),
            VerificationStep.objects.count()) == counts
