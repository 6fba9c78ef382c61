"""The employer's insurance cover for a job (docs/insurance.md): declared with a
certificate, required before submitting a job of a category the settings name
(INSURANCE_REQUIRED_CATEGORIES) or one declaring physical work under art. 3 of the
Provisions on the Special Protection of Juvenile Workers; a lapsed cover pauses new
hiring and the employer is told."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.uploads import clean_upload

from ..models import InsuranceKind, Job, JobInsurance, JobStatus, MinorRestrictedWork
from .common import _job_for_member, _tell_employer

# Art. 3 items that are physical work: a job declaring one needs cover whatever its category.
PHYSICAL_WORK = {MinorRestrictedWork.HEAVY_PHYSICAL, MinorRestrictedWork.HEAVY_LOADS,
                 MinorRestrictedWork.HEIGHT, MinorRestrictedWork.FORCED_POSTURE}


class InsuranceRequired(DomainError):
    default_message = _("This job needs work-injury or accident insurance: declare the cover on the job's page "
                        "before submitting it.")


class InsuranceLapsed(DomainError):
    default_message = _("The job's insurance cover is not in force today, so new hiring is paused. Declare the "
                        "renewed cover on the job's page.")


def insurance_required(job: Job) -> bool:
    """Does the policy require cover for this job (its category, or physical work declared)?"""
    return (job.category in settings.INSURANCE_REQUIRED_CATEGORIES
            or bool(PHYSICAL_WORK & set(job.minor_restricted_work or [])))


def insurance_of(job: Job) -> JobInsurance | None:
    return JobInsurance.objects.filter(job_id=job.pk).first()


def ensure_insured_for_submit(job: Job) -> None:
    """Submitting (J1): a job the policy names needs cover in force today or starting later."""
    if not insurance_required(job):
        return
    cover = insurance_of(job)
    if cover is None or cover.covers_until < timezone.localdate():
        raise InsuranceRequired()


def ensure_insured_for_hire(job: Job) -> None:
    """Hiring: a job the policy names needs cover in force today; a lapsed cover pauses new
    hiring (hired students are unaffected) and the employer is told once per lapse."""
    if not insurance_required(job):
        return
    cover = insurance_of(job)
    if cover is None or not cover.in_force_on(timezone.localdate()):
        raise InsuranceLapsed()


# One sweep batch: a handful of rows a day in practice; bounded all the same.
LAPSE_BATCH_SIZE = 500


def insurance_lapses_notify() -> int:
    """Daily (beat): tell the employer of each live job whose cover ended that new hiring is
    paused. Idempotent: each lapse is told once (lapse_notified_at; a renewal clears it)."""
    today = timezone.localdate()
    due = list(JobInsurance.objects.select_related("job__employer")
               .filter(covers_until__lt=today, lapse_notified_at__isnull=True,
                       job__status__in=[JobStatus.PUBLISHED, JobStatus.PAUSED])[:LAPSE_BATCH_SIZE])
    with transaction.atomic():
        JobInsurance.objects.filter(pk__in=[c.pk for c in due]).update(lapse_notified_at=timezone.now())
        for cover in due:
            _tell_employer(cover.job, subject=_("%(job)s: the insurance cover has lapsed") % {
                "job": cover.job.title}, body=_("New hiring is paused until you declare the renewed cover."))
    return len(due)


@transaction.atomic
def job_insurance_declare(*, job_id: int, actor, kind: str, insurer: str, policy_number: str,
                          covers_from: dt.date, covers_until: dt.date, certificate) -> JobInsurance:
    """A member declares (or renews) the job's cover with its certificate (docs/insurance.md).

    The certificate is checked by content (core.uploads) and kept in private storage; the
    period must be ordered and not over already. Replaces the previous declaration."""
    job = _job_for_member(job_id=job_id, user=actor)
    if kind not in InsuranceKind.values:
        raise DomainError(_("Choose the kind of cover."), field="kind")
    insurer, policy_number = (insurer or "").strip(), (policy_number or "").strip()
    if not insurer:
        raise DomainError(_("This field is required."), field="insurer")
    if not policy_number:
        raise DomainError(_("This field is required."), field="policy_number")
    if covers_from is None or covers_until is None or covers_until < covers_from:
        raise DomainError(_("The cover must end on or after the day it starts."), field="covers_until")
    if covers_until < timezone.localdate():
        raise DomainError(_("This cover has already ended; declare the cover in force."), field="covers_until")
    stored = clean_upload(certificate, folder="insurance")  # InvalidUpload (a DomainError) if not a real file
    cover, _created = JobInsurance.objects.update_or_create(job=job, defaults={
        "kind": kind, "insurer": insurer, "policy_number": policy_number, "covers_from": covers_from,
        "covers_until": covers_until, "declared_by": actor, "lapse_notified_at": None})
    cover.certificate.save(stored.name.rsplit("/", 1)[-1], stored, save=True)
    return cover
