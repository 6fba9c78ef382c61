"""The service agreement of an engagement (劳务协议, issue 19): issued when the
student accepts the offer and again, as a new version, when a change of time or
place that every party consented to takes effect; each party accepts a version
once, recorded with the time, the address and the SHA-256 of the document.

Issued versions are append-only (the models refuse updates and deletes); the
file is stored privately under a random name and served only by
permission-checked views. docs/agreements.md cites the law."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.errors import DomainError, InvalidTransition
from core.history import history_record
from core.notifications import notify
from core.transitions import lock_row
from employers.services import ensure_employer_member

from ..agreement import agreement_pdf, agreement_terms
from ..models import (
    Agreement,
    AgreementAcceptance,
    AgreementParty,
    ApplicationsAction,
    AttendanceStatus,
    Engagement,
    ScheduleChange,
)
from .shared import engagement_link, tell_members


class AgreementChanged(DomainError):
    default_message = _("The stored agreement does not match its recorded fingerprint. Please contact customer "
                        "service.")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _engagement_shifts(engagement: Engagement):
    """The shifts the agreement covers: the engagement's, less those cancelled."""
    rows = (engagement.attendances.exclude(status=AttendanceStatus.CANCELLED).select_related("shift")
            .order_by("shift__date", "shift__start_time", "shift_id"))
    return [row.shift for row in rows]


def agreement_issue(*, engagement: Engagement, reason: str, change: ScheduleChange | None = None,
                    actor: User | None = None) -> Agreement:
    """Generate the next version of the engagement's agreement from the job and the
    offer as they stand now, store it privately and record its SHA-256. Called in
    the transaction of the event that makes it (the engagement row is locked)."""
    version = (engagement.agreements.aggregate(last=Max("version"))["last"] or 0) + 1
    issued_at = timezone.now().replace(microsecond=0)
    terms = agreement_terms(engagement=engagement, version=version, issued_at=issued_at,
                            shifts=_engagement_shifts(engagement))
    data = agreement_pdf(terms, issued_at=issued_at)
    agreement = Agreement(engagement=engagement, version=version, reason=reason, schedule_change=change,
                          sha256=sha256_hex(data), created_at=issued_at)
    agreement.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(data), save=False)
    agreement.save()
    history_record(subject=engagement, transition=ApplicationsAction.ISSUE_AGREEMENT, from_state=engagement.status,
                   to_state=engagement.status, actor=actor,
                   reason=f"v{version} sha256={agreement.sha256}")
    return agreement


def agreement_bytes(agreement: Agreement) -> bytes:
    with agreement.file.open("rb") as handle:
        return handle.read()


def _party_of(agreement: Agreement, user: User) -> str:
    engagement = agreement.engagement
    if engagement.student_id == user.pk:
        return AgreementParty.STUDENT
    ensure_employer_member(user, engagement.employer_id)  # NotPermitted for anyone else
    return AgreementParty.EMPLOYER


@transaction.atomic
def agreement_accept(*, agreement_id: int, user: User, ip: str | None) -> AgreementAcceptance:
    """`user` accepts this version for their side (电子签名法 art. 13, 14): only the
    latest version, once per side, and only if the stored file still has the
    fingerprint recorded when it was issued — the hash recorded is the one of
    the bytes the party can download."""
    agreement = lock_row(Agreement, agreement_id, related=("engagement",))
    party = _party_of(agreement, user)
    latest = agreement.engagement.agreements.aggregate(last=Max("version"))["last"]
    if agreement.version != latest:
        raise InvalidTransition(_("A newer version of this agreement exists; accept that one."))
    if agreement.acceptances.filter(party=party).exists():
        raise InvalidTransition(_("Your side has already accepted this agreement."))
    digest = sha256_hex(agreement_bytes(agreement))
    if digest != agreement.sha256:
        raise AgreementChanged()
    acceptance = AgreementAcceptance.objects.create(agreement=agreement, party=party, user=user, ip=ip or None,
                                                    sha256=digest)
    engagement = agreement.engagement
    history_record(subject=engagement, transition=ApplicationsAction.SIGN_AGREEMENT, from_state=engagement.status,
                   to_state=engagement.status, actor=user, reason=f"v{agreement.version} {party}")
    return acceptance


def agreements_issue_for_change(*, change: ScheduleChange, engagements, actor: User | None = None) -> None:
    """A change of time or place took effect (J1.3): every engagement still active
    on the job gets a new version; earlier versions stay as they were."""
    for engagement in engagements:
        agreement = agreement_issue(engagement=engagement, reason=Agreement.Reason.SCHEDULE_CHANGE, change=change,
                                    actor=actor)
        tell_members(engagement.employer_id,
                     subject=_("%(job)s: a new version of the service agreement") % {"job": engagement.job.title},
                     body=_("Version %(v)s records the change of time or place. Please accept it on the engagement "
                            "page.") % {"v": agreement.version},
                     link=engagement_link(engagement, for_student=False))
        notify(recipient=engagement.student,
               subject=_("%(job)s: a new version of the service agreement") % {"job": engagement.job.title},
               body=_("Version %(v)s records the change of time or place. Please accept it on the engagement "
                      "page.") % {"v": agreement.version},
               link=engagement_link(engagement, for_student=True))

