"""Every write to employers: registration and its vetting (E1.1, E1.2), members
and invitations, real-name verification (E1.3) and staff access to the
qualification documents and the legal representative's ID number (J3.2)."""

import datetime as dt
import secrets

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from accounts.models import PersonalDataAccess
from accounts.services import personal_data_access_record, staff_role_notify
from core.credit import credit_event_record
from core.crypto import keyed_hash
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.identity import validate_resident_id, validate_uscc
from core.notifications import notify
from core.policy import get_policy
from core.transitions import lock_row, run_transition
from core.vetting import VettingStatus

from .models import (
    DOCUMENT_FIELDS,
    INVITATION_VALID_DAYS,
    Employer,
    EmployerAction,
    EmployerInvitation,
    EmployerMember,
    EmployerVerification,
)
from .selectors import employer_vetting_refusal

User = get_user_model()

EMPLOYER_FIELDS = [
    "name", "uscc", "address", "city", "district", "business_scope", "contact_name", "contact_mobile",
]
EDITABLE_STATUSES = (VettingStatus.DRAFT, VettingStatus.REJECTED, VettingStatus.INFO_REQUESTED)


class DuplicateUscc(DomainError):
    default_message = _("An employer with this credit code is already registered.")

    def __init__(self):
        super().__init__(field="uscc")


class AlreadyMember(DomainError):
    default_message = _("This account already belongs to an employer.")


class InvitationInvalid(DomainError):
    default_message = _("This invitation link is not valid.")


class EmployerNotVetted(DomainError):
    default_message = _("Your organisation is not approved by the platform, so it cannot submit jobs, hire or "
                        "invite students.")


# ------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------
def _membership(*, user, employer_id: int, owner: bool = False) -> EmployerMember:
    """The user's membership of this employer; NotPermitted if none (or not owner when required)."""
    membership = EmployerMember.objects.filter(user=user, employer_id=employer_id).first()
    if membership is None or not user.is_active or (owner and not membership.is_owner):
        raise NotPermitted()
    return membership


def ensure_employer_member(user, employer_id: int) -> EmployerMember:
    """For other apps' services: the actor acts for this employer (any role)."""
    return _membership(user=user, employer_id=employer_id)


def ensure_employer_vetted(employer: Employer) -> None:
    """For other apps' services, at every door that takes on students (hire, invite, resume a
    paused job): the employer's vetting is approved and not lapsed (docs/recruitment-rules.md).
    EmployerNotVetted says why; hired students are unaffected."""
    refusal = employer_vetting_refusal(employer=employer)
    if refusal:
        raise EmployerNotVetted(refusal)


def _notify_vetters(*, subject, link: str) -> None:
    staff_role_notify(role="moderator", subject=subject, link=link)


def _notify_members(*, employer: Employer, subject, body, link: str) -> None:
    """In-site and e-mail to every member of the employer."""
    for member in employer.members.select_related("user").filter(user__is_active=True):
        notify(recipient=member.user, subject=subject, body=body, link=link)


def _clean_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="uscc") from None


def _apply_data(employer: Employer, data: dict) -> list[str]:
    """Copy registration fields; a document is replaced only when a new file came.

    Files are assigned, not written: the storage write happens in `save()`,
    after the credit code has been checked, so a refused registration leaves
    no file behind."""
    changed = []
    for field in EMPLOYER_FIELDS:
        if field in data:
            setattr(employer, field, data[field])
            changed.append(field)
    employer.uscc = _clean_uscc(employer.uscc)
    for field in DOCUMENT_FIELDS:
        upload = data.get(field)
        # A new upload is a cleaned ContentFile (core.uploads.clean_upload); None, False
        # or the FieldFile already on file (a form's initial value) keep the old document.
        if upload and not isinstance(upload, FieldFile):
            upload.name = upload.name.rsplit("/", 1)[-1]  # upload_to supplies the folder
            setattr(employer, field, upload)
            changed.append(field)
    if not employer.business_licence:
        raise DomainError(_("Please upload the business licence."), field="business_licence")
    return changed


def _save_unique(employer: Employer, **kwargs) -> None:
    """Save, turning a taken credit code into a field error (checked first, then by the database)."""
    if Employer.objects.filter(uscc=employer.uscc).exclude(pk=employer.pk).exists():
        raise DuplicateUscc()
    try:
        with transaction.atomic():
            employer.save(**kwargs)
    except IntegrityError:  # a concurrent registration claimed the same code
        for field in DOCUMENT_FIELDS:  # files were written by pre_save just before the failed write
            fieldfile = getattr(employer, field)
            if fieldfile and fieldfile._committed and field in (kwargs.get("update_fields") or DOCUMENT_FIELDS):
                fieldfile.storage.delete(fieldfile.name)
        raise DuplicateUscc() from None


def _delete_files_on_commit(fieldfiles: list[FieldFile]) -> None:
    for fieldfile in fieldfiles:
        storage, name = fieldfile.storage, fieldfile.name
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


# ------------------------------------------------------------------------------
# Registration (E1.1)
# ------------------------------------------------------------------------------
@transaction.atomic
def employer_register(*, user, data: dict) -> Employer:
    """An employer account registers its organisation and submits it for vetting (E1.1).

    Preconditions: the user is an employer account and belongs to no employer;
    the credit code is valid and not yet registered; a business licence (already
    checked by content) is attached. Effects: the employer is created in
    `submitted`, the user becomes its owner, a history row is written and the
    moderators are told in-site."""
    if not (user.is_active and user.is_employer_member):
        raise NotPermitted()
    User.objects.select_for_update().get(pk=user.pk)  # serialise double submits by one user
    if EmployerMember.objects.filter(user=user).exists():
        raise AlreadyMember()
    employer = Employer(created_by=user)
    _apply_data(employer, data)
    _save_unique(employer)  # as a draft; submitted at once below, in the same transaction
    run_transition(employer, "submit", actor=user)
    EmployerMember.objects.create(employer=employer, user=user, role=EmployerMember.Role.OWNER)
    _notify_vetters(
        subject=_("An employer registration is waiting for vetting"),
        link=reverse("admin:employers_employer_change", args=[employer.pk]),
    )
    return employer


@transaction.atomic
def employer_update_and_resubmit(*, employer_id: int, user, data: dict) -> Employer:
    """The owner corrects a draft, rejected or info-requested registration and
    submits it again (E1.1, E1.2). Replaced documents are deleted after commit."""
    employer = lock_row(Employer, employer_id)
    _membership(user=user, employer_id=employer.pk, owner=True)
    if employer.vetting_status not in EDITABLE_STATUSES or not can_proceed(employer.submit):
        raise InvalidTransition(_("The registration is being vetted or already approved and cannot be edited."))
    old_files = {field: getattr(employer, field) for field in DOCUMENT_FIELDS}
    changed = _apply_data(employer, data)
    _save_unique(employer, update_fields=[*changed, "updated_at"])
    run_transition(employer, "submit", actor=user)
    _delete_files_on_commit([old for field, old in old_files.items() if old and field in changed])
    _notify_vetters(
        subject=_("An employer registration was corrected and is waiting for vetting"),
        link=reverse("admin:employers_employer_change", args=[employer.pk]),
    )
    return employer


# ------------------------------------------------------------------------------
# Staff vetting (E1.2)
# ------------------------------------------------------------------------------
def _employer_for_vetter(*, pk: int, actor) -> Employer:
    """The employer, locked, once the actor is known to vet registrations."""
    employer = lock_row(Employer, pk)
    if not (actor.is_active and actor.has_perm(Employer.vetting_permission)):
        raise NotPermitted()
    return employer


def _required_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _reverify_due_set(employer: Employer) -> None:
    """The next re-verification date: the vetting time plus the policy's months (at most six,
    docs/recruitment-rules.md); the reminders start again."""
    employer.reverify_due_at = employer.vetted_at + relativedelta(months=get_policy().employer_reverify_months)
    employer.reverify_reminded_days = None
    employer.save(update_fields=["reverify_due_at", "reverify_reminded_days", "updated_at"])


@transaction.atomic
def employer_approve(*, pk: int, actor, reason: str = "") -> Employer:
    """A moderator approves a registration; from now on the employer may post jobs (E1.2)
    until its re-verification is due (docs/recruitment-rules.md)."""
    reason = (reason or "").strip()
    employer = run_transition(_employer_for_vetter(pk=pk, actor=actor), "approve", actor=actor, note=reason,
                              by=actor, reason=reason)
    _reverify_due_set(employer)
    _notify_members(
        employer=employer,
        subject=_("Your employer registration has been approved"),
        body=_("%(name)s may now publish part-time jobs on Jianzhi.") % {"name": employer.name}
        + (f"\n\n{employer.vetting_reason}" if employer.vetting_reason else ""),
        link=reverse("employers:dashboard"),
    )
    return employer


@transaction.atomic
def employer_reject(*, pk: int, actor, reason: str) -> Employer:
    """A moderator rejects a registration; the reason is required and sent to every member (E1.2)."""
    reason = _required_reason(reason)
    employer = run_transition(_employer_for_vetter(pk=pk, actor=actor), "reject", actor=actor, note=reason,
                              by=actor, reason=reason)
    _notify_members(
        employer=employer,
        subject=_("Your employer registration was not approved"),
        body=_("Reason: %(reason)s\n\nYou may correct the registration and submit it again.") % {"reason": reason},
        link=reverse("employers:organisation"),
    )
    return employer


@transaction.atomic
def employer_request_info(*, pk: int, actor, reason: str) -> Employer:
    """A moderator asks for more information or documents (E1.2); the request is sent to every member."""
    reason = _required_reason(reason)
    employer = run_transition(_employer_for_vetter(pk=pk, actor=actor), "request_info", actor=actor,
                              note=reason, by=actor, reason=reason)
    _notify_members(
        employer=employer,
        subject=_("More information is needed for your employer registration"),
        body=_("Our vetting staff ask: %(reason)s") % {"reason": reason},
        link=reverse("employers:organisation"),
    )
    return employer


# ------------------------------------------------------------------------------
# Re-verification every six months (2026 notice, docs/recruitment-rules.md)
# ------------------------------------------------------------------------------
# Days before the due date the members are reminded, each once per deadline.
REVERIFY_REMINDER_DAYS = (30, 7)


def _date(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


@transaction.atomic
def employer_reverify(*, pk: int, actor, reason: str = "") -> Employer:
    """Staff re-verify an approved or lapsed employer (licence still valid, details still true):
    the vetting time and the next due date start again. A lapsed employer may post and hire
    again; its paused jobs stay paused until a member resumes them."""
    reason = (reason or "").strip()
    employer = _employer_for_vetter(pk=pk, actor=actor)
    was_lapsed = employer.is_vetting_lapsed
    run_transition(employer, "reverify", actor=actor, note=reason, action=EmployerAction.REVERIFY, by=actor,
                   reason=reason)
    _reverify_due_set(employer)
    body = _("Your organisation is re-verified until %(date)s.") % {"date": _date(employer.reverify_due_at)}
    if was_lapsed:
        body += "\n\n" + str(_("You may submit jobs and hire again. Jobs paused at the lapse stay paused: "
                                "resume them on your jobs page when you are ready."))
    _notify_members(employer=employer, subject=_("Your organisation has been re-verified"), body=body,
                    link=reverse("employers:dashboard"))
    return employer


def employers_reverify_remind(*, now: dt.datetime | None = None) -> int:
    """Beat: remind the members of each approved employer whose re-verification is due within
    30 days, then within 7 (once each per deadline; a late sweep sends only the nearer one),
    and tell the moderators at the first. Set-based: one UPDATE claims the rows of each step."""
    now = now or timezone.now()
    reminded = 0
    for days in sorted(REVERIFY_REMINDER_DAYS):  # nearest first, so a late sweep skips the earlier one
        due = (Employer.objects.filter(vetting_status=VettingStatus.APPROVED, reverify_due_at__gt=now,
                                       reverify_due_at__lte=now + dt.timedelta(days=days))
               .exclude(reverify_reminded_days__lte=days))
        employers = list(due[:500])
        with transaction.atomic():
            Employer.objects.filter(pk__in=[e.pk for e in employers]).update(reverify_reminded_days=days)
            for employer in employers:
                history_record(subject=employer, transition=EmployerAction.REVERIFY_REMINDER, from_state="",
                               to_state="", actor=None, reason=f"{days} days")
                _notify_members(
                    employer=employer,
                    subject=_("Your organisation is due for re-verification by %(date)s")
                    % {"date": _date(employer.reverify_due_at)},
                    body=_("The platform re-verifies every employer every six months. Make sure your registration "
                           "details and business licence are current; our staff will contact you. If it is not "
                           "re-verified by %(date)s, you cannot submit jobs or hire and your live jobs are "
                           "paused until it is. Students you hired are unaffected.")
                    % {"date": _date(employer.reverify_due_at)},
                    link=reverse("employers:dashboard"))
                if employer.reverify_reminded_days is None:
                    _notify_vetters(subject=_("%(name)s is due for re-verification by %(date)s")
                                    % {"name": employer.name, "date": _date(employer.reverify_due_at)},
                                    link=reverse("admin:employers_employer_change", args=[employer.pk]))
        reminded += len(employers)
    return reminded


def employers_due_to_lapse(*, now: dt.datetime | None = None) -> list[int]:
    """The approved employers whose re-verification date has passed (the sweep lapses them)."""
    return list(Employer.objects.filter(vetting_status=VettingStatus.APPROVED,
                                        reverify_due_at__lte=now or timezone.now())
                .order_by("reverify_due_at", "pk").values_list("pk", flat=True)[:500])


@transaction.atomic
def employer_vetting_lapse(*, employer_id: int, now: dt.datetime | None = None) -> Employer | None:
    """The re-verification date passed: the vetting lapses (a transition with its history row);
    the members and the moderators are told. None when re-verified meanwhile (idempotent).
    The caller pauses the employer's live jobs in the same transaction (jobs)."""
    employer = lock_row(Employer, employer_id)
    if not (employer.is_approved and employer.reverify_due_at and employer.reverify_due_at <= (now or timezone.now())):
        return None
    run_transition(employer, "lapse", actor=None, action=EmployerAction.LAPSE,
                   note=f"re-verification due {_date(employer.reverify_due_at)}")
    _notify_members(employer=employer, subject=_("Your organisation's vetting has lapsed"),
                    body=employer_vetting_refusal(employer=employer), link=reverse("employers:dashboard"))
    _notify_vetters(subject=_("%(name)s: vetting lapsed, re-verification due") % {"name": employer.name},
                    link=reverse("admin:employers_employer_change", args=[employer.pk]))
    return employer


# ------------------------------------------------------------------------------
# Members and invitations
# ------------------------------------------------------------------------------
@transaction.atomic
def employer_member_invite(*, employer_id: int, actor, email: str) -> EmployerInvitation:
    """The owner invites a colleague by e-mail; the link is valid for
    INVITATION_VALID_DAYS days and works once. The e-mail goes after commit.

    Every address gets the same answer (J3): whether it has an account, or
    already acts for an employer, is the address owner's business, not the
    inviter's. The invitee learns at acceptance if their account cannot join."""
    employer = lock_row(Employer, employer_id)
    _membership(user=actor, employer_id=employer.pk, owner=True)
    email = (email or "").strip()
    if not email:
        raise DomainError(_("Enter an e-mail address."), field="email")
    if EmployerInvitation.objects.filter(
        employer=employer, email__iexact=email, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        raise DomainError(_("An invitation to this address is still open."), field="email")
    invitation = EmployerInvitation.objects.create(
        employer=employer, email=email, token=secrets.token_urlsafe(32), invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_VALID_DAYS),
    )
    history_record(subject=invitation, transition=EmployerAction.INVITE, from_state="", to_state="open",
                   actor=actor)
    from .tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))
    return invitation


@transaction.atomic
def employer_invitation_accept(*, token: str, user) -> EmployerMember:
    """The invited person joins the employer as a member.

    Preconditions: an employer account whose e-mail equals the invited one
    (case-insensitive), belonging to no employer yet; the invitation is neither
    used nor expired. The owners are told in-site."""
    invitation = (
        EmployerInvitation.objects.select_for_update().select_related("employer").filter(token=token).first()
        if token else None
    )
    if invitation is None:
        raise InvitationInvalid()
    if not (user.is_active and user.is_employer_member):
        raise NotPermitted(_("Only employer accounts can join an employer."))
    if invitation.email.strip().lower() != (user.email or "").strip().lower():
        raise NotPermitted(_("This invitation was sent to a different e-mail address."))
    if invitation.accepted_at is not None:
        raise InvalidTransition(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise InvalidTransition(_("This invitation has expired. Ask the employer to invite you again."))
    User.objects.select_for_update().get(pk=user.pk)
    if EmployerMember.objects.filter(user=user).exists():
        raise AlreadyMember()
    try:
        with transaction.atomic():
            member = EmployerMember.objects.create(
                employer=invitation.employer, user=user, role=EmployerMember.Role.MEMBER
            )
    except IntegrityError:
        raise AlreadyMember() from None
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    history_record(subject=invitation, transition=EmployerAction.ACCEPT, from_state="open", to_state="accepted",
                   actor=user)
    for owner in invitation.employer.members.filter(role=EmployerMember.Role.OWNER).select_related("user"):
        notify(
            recipient=owner.user,
            subject=_("%(email)s joined %(name)s") % {"email": user.email, "name": invitation.employer.name},
            body=_("%(email)s accepted your invitation and is now a member.") % {"email": user.email},
            link=reverse("employers:members"), email=False,
        )
    return member


# ------------------------------------------------------------------------------
# Real-name verification (E1.3)
# ------------------------------------------------------------------------------
@transaction.atomic
def employer_verification_request(
    *, employer_id: int, user, legal_rep_name: str, legal_rep_id_number: str, authorised: bool
) -> EmployerVerification:
    """The owner asks for real-name verification of an approved employer (E1.3).

    The legal representative's ID number is their personal data, not the
    owner's: the owner must confirm the representative authorised giving it for
    this purpose (PIPL art. 13, 29). Only one request may be pending; an
    already verified employer cannot ask again. Moderators are told in-site."""
    employer = lock_row(Employer, employer_id)
    _membership(user=user, employer_id=employer.pk, owner=True)
    if not employer.is_approved:
        raise InvalidTransition(_("Verification is possible once the registration has been approved."))
    if employer.is_verified:
        raise InvalidTransition(_("This employer is already verified."))
    if employer.verifications.filter(status=EmployerVerification.Status.PENDING).exists():
        raise InvalidTransition(_("The previous verification request is still being reviewed."))
    if not authorised:
        raise DomainError(
            _("Please confirm that the legal representative authorised this verification."), field="authorised"
        )
    legal_rep_name = (legal_rep_name or "").strip()
    if len(legal_rep_name) < 2:
        raise DomainError(_("Enter the legal representative's full name."), field="legal_rep_name")
    try:
        id_number = validate_resident_id(legal_rep_id_number)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="legal_rep_id_number") from None
    now = timezone.now()
    verification = EmployerVerification.objects.create(
        employer=employer, legal_rep_name=legal_rep_name, legal_rep_id_number=id_number,
        legal_rep_id_hash=keyed_hash(id_number), requested_by=user, authorisation_confirmed_at=now,
    )
    history_record(subject=verification, transition=EmployerAction.REQUEST, from_state="",
                   to_state=verification.status, actor=user)
    _notify_vetters(
        subject=_("An employer verification request is waiting for review"),
        link=reverse("admin:employers_employerverification_change", args=[verification.pk]),
    )
    return verification


def _verification_for_vetter(*, pk: int, actor) -> EmployerVerification:
    """The verification request, locked, once the actor is known to review employers."""
    verification = lock_row(EmployerVerification, pk)
    if not (actor.is_active and actor.has_perm(Employer.vetting_permission)):
        raise NotPermitted()
    return verification


@transaction.atomic
def employer_verification_approve(*, pk: int, actor, reason: str = "") -> EmployerVerification:
    """Staff confirm the licence and the legal representative; the employer becomes verified (E1.3)."""
    reason = (reason or "").strip()
    verification = run_transition(_verification_for_vetter(pk=pk, actor=actor), "approve", actor=actor,
                                  note=reason, by=actor, reason=reason)
    employer = lock_row(Employer, verification.employer_id)
    before = employer.verification_level
    employer.verification_level = max(employer.verification_level, Employer.VerificationLevel.VERIFIED)
    employer.save(update_fields=["verification_level", "updated_at"])
    history_record(subject=employer, transition=EmployerAction.VERIFY, from_state=str(before),
                   to_state=str(employer.verification_level), actor=actor, reason=verification.reason)
    # Shown in the credit history (K3.1); the points come from the employer's level.
    credit_event_record(key=f"employer_verification:{verification.pk}:approved", subject_kind="employer",
                        subject_id=employer.pk, kind="verified", source=verification,
                        reason=_("Verified: %(level)s") % {"level": employer.get_verification_level_display()})
    _notify_members(
        employer=employer,
        subject=_("Your employer is now real-name verified"),
        body=_("Verification level: %(level)s.") % {"level": employer.get_verification_level_display()},
        link=reverse("employers:dashboard"),
    )
    return verification


@transaction.atomic
def employer_verification_reject(*, pk: int, actor, reason: str) -> EmployerVerification:
    """Staff reject a verification request with a reason (E1.3).

    The legal representative's ID number has served its purpose and is erased
    (PIPL art. 19); its keyed hash stays so a repeated attempt is recognisable."""
    reason = _required_reason(reason)
    verification = run_transition(_verification_for_vetter(pk=pk, actor=actor), "reject", actor=actor,
                                  note=reason, by=actor, reason=reason)
    verification.legal_rep_id_number = ""
    verification.save(update_fields=["legal_rep_id_number"])
    _notify_members(
        employer=verification.employer,
        subject=_("Your verification request was not accepted"),
        body=_("Reason: %(reason)s") % {"reason": reason},
        link=reverse("employers:verification"),
    )
    return verification


# ------------------------------------------------------------------------------
# Staff access to documents and the legal representative's ID (J3.2)
# ------------------------------------------------------------------------------
@transaction.atomic
def employer_document_access(*, staff, employer_id: int, field: str, reason: str) -> FieldFile:
    """Log a staff member opening a qualification document and return the file.

    Requires `accounts.reveal_personal_data` and a reason; writes exactly one
    PersonalDataAccess row."""
    if field not in DOCUMENT_FIELDS:
        raise DomainError(_("There is no such document."))
    employer = Employer.objects.select_related("created_by").get(pk=employer_id)
    fieldfile = getattr(employer, field)
    if not fieldfile:
        raise DomainError(_("There is no such document."))
    label = Employer._meta.get_field(field).verbose_name
    personal_data_access_record(
        staff=staff, subject=employer.created_by, subject_label=f"{employer.name} ({employer.uscc}): {label}",
        item=PersonalDataAccess.Item.EMPLOYER_DOCUMENT, reason=reason,
    )
    return fieldfile


@transaction.atomic
def employer_legal_rep_id_reveal(*, staff, verification_id: int, reason: str) -> str:
    """Log a staff member revealing a legal representative's ID number and return it."""
    verification = EmployerVerification.objects.select_related("employer").get(pk=verification_id)
    if not verification.legal_rep_id_number:
        raise DomainError(_("The ID number has been erased."))
    personal_data_access_record(
        staff=staff, subject=None,
        subject_label=f"{verification.legal_rep_name} ({verification.employer.name})",
        item=PersonalDataAccess.Item.LEGAL_REP_ID, reason=reason,
    )
    return verification.legal_rep_id_number


# ------------------------------------------------------------------------------
# Leaving the platform (PIPL art. 47)
# ------------------------------------------------------------------------------
@transaction.atomic
def employer_member_account_delete(*, user, reason: str = ""):
    """Delete an employer member's account: leave the organisation, then anonymise.

    The organisation and its records stay (they are business records finance
    and audit need). An owner who leaves hands ownership to the longest-standing
    colleague; an owner without colleagues leaves the organisation ownerless,
    which staff see in the admin."""
    from accounts.services import account_delete

    membership = EmployerMember.objects.select_for_update().filter(user=user).first()
    if membership is not None:
        employer = membership.employer
        if membership.is_owner:
            successor = (EmployerMember.objects.select_for_update().filter(employer=employer)
                         .exclude(pk=membership.pk).order_by("joined_at", "pk").first())
            if successor is not None:
                successor.role = EmployerMember.Role.OWNER
                successor.save(update_fields=["role"])
                history_record(subject=employer, transition=EmployerAction.TRANSFER_OWNERSHIP, from_state="",
                               to_state="", actor=None,
                               reason=f"owner account deleted; new owner member #{successor.pk}")
        membership.delete()
    return account_delete(user=user, reason=reason)


# ------------------------------------------------------------------ credit and sanctions (K3.1, E4.2)
# Written by the risk app (formula and ladder); employers only store the
# conclusion so jobs and settlements read `employer.credit_tier` and
# `employer.can_post` without importing risk.
def employer_credit_tiers_set(*, tiers: dict[int, int]) -> int:
    """Write credit tiers {employer id: tier}; returns how many changed. One UPDATE per tier value."""
    changed = 0
    by_tier: dict[int, list[int]] = {}
    for employer_id, tier in tiers.items():
        by_tier.setdefault(tier, []).append(employer_id)
    for tier, employer_ids in by_tier.items():
        for start in range(0, len(employer_ids), 5000):
            changed += Employer.objects.filter(pk__any_of=employer_ids[start:start + 5000]).exclude(
                credit_tier=tier).update(credit_tier=tier, updated_at=timezone.now())
    return changed


@transaction.atomic
def employer_standing_set(*, employer_id: int, posting_restricted_until: dt.datetime | None,
                          suspended_until: dt.datetime | None, terminated_at: dt.datetime | None,
                          actor, reason: str) -> Employer:
    """Record the sanctions in force on an employer (E4.2), as computed by risk.

    Effects: the three fields written, a history row when they change."""
    employer = lock_row(Employer, employer_id)
    new = {"posting_restricted_until": posting_restricted_until, "suspended_until": suspended_until,
           "terminated_at": terminated_at}
    if all(getattr(employer, name) == value for name, value in new.items()):
        return employer
    for name, value in new.items():
        setattr(employer, name, value)
    employer.save(update_fields=[*new, "updated_at"])
    history_record(subject=employer, transition=EmployerAction.STANDING, from_state="", to_state="",
                   actor=actor, reason=reason)
    return employer
