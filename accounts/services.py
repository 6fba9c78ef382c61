"""Every write to accounts: consents, student registration and its vetting (S1),
real-name verification (S1.3), personal-data access (J3.2) and PIPL rights."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python

from core.alerts import quiet_hours_end
from core.credit import credit_event_record
from core.crypto import keyed_hash
from core.errors import DomainError, InvalidTransition, NotPermitted, ReasonRequired
from core.history import history_record
from core.models import SmsMessage
from core.notifications import notify
from core.phones import cn_mobile_e164
from core.sms import render as sms_render
from core.sms import sms_erase_for, sms_send
from core.transitions import lock_row, run_transition
from core.vetting import VettingStatus

from .models import (
    ADULT_AGE,
    MINIMUM_WORKING_AGE,
    AccountAction,
    Consent,
    DeletionRequest,
    GuardianConsent,
    GuardianNotice,
    MinorsDataAudit,
    PersonalDataAccess,
    StudentProfile,
    StudentVerification,
    User,
    VerificationLevel,
    age_on,
)
from .selectors import guardian_consent_current, minors_data_audit_figures
from .signals import personal_data_erase

PROFILE_FIELDS = [
    "real_name", "gender", "date_of_birth", "school", "major", "enrolment_year", "mobile", "contact_note",
]


class UnderMinimumAge(DomainError):
    default_message = _("You must be at least 16 years old to work through Jianzhi (Labour Law art. 15).")

    def __init__(self):
        super().__init__(field="date_of_birth")


class DuplicateIdNumber(DomainError):
    default_message = _("This ID number is already registered to another account.")

    def __init__(self):
        super().__init__(field="id_number")


# ------------------------------------------------------------------------------
# Consents
# ------------------------------------------------------------------------------
CONSENT_VERSIONS = {
    Consent.Kind.PRIVACY_POLICY: lambda: settings.PRIVACY_POLICY_VERSION,
    Consent.Kind.USER_AGREEMENT: lambda: settings.USER_AGREEMENT_VERSION,
    Consent.Kind.SENSITIVE_DATA: lambda: settings.SENSITIVE_DATA_CONSENT_VERSION,
}


def consent_record(*, user: User, kind: str) -> Consent:
    """Store a consent with the current version of its text and the time."""
    return Consent.objects.create(user=user, kind=kind, version=CONSENT_VERSIONS[kind]())


def has_current_consent(*, user: User, kind: str) -> bool:
    return Consent.objects.filter(
        user=user, kind=kind, version=CONSENT_VERSIONS[kind](), withdrawn_at__isnull=True
    ).exists()


# ------------------------------------------------------------------------------
# A minor's guardian (Civil Code art. 19; docs/minors.md)
# ------------------------------------------------------------------------------
class GuardianConsentRefused(DomainError):
    default_message = _("The guardian's consent could not be recorded.")


@transaction.atomic
def guardian_consent_give(*, student: User, guardian_name: str, relationship: str, guardian_mobile,
                          confirms: bool) -> GuardianConsent:
    """A student aged 16–17 records their guardian's consent to part-time work through the
    platform, with the current version of the consent text (Civil Code art. 19).

    Preconditions: a minor worker's registration; the guardian's name, relationship and a
    mainland mobile number that is not the student's own; the student confirms the guardian
    read and agreed to this version. Effects: the previous consent is withdrawn, the new one
    is the current one (one at a time, by constraint), and a history row records it."""
    from .forms import validate_cn_mobile  # the one check of a mainland mobile number (S1.1)

    profile = StudentProfile.objects.select_for_update().filter(user=student).first() \
        if getattr(student, "is_student", False) else None
    if profile is None:
        raise NotPermitted()
    if not profile.is_minor_worker:
        raise GuardianConsentRefused(_("Only students aged 16–17 give a guardian's consent."))
    name = (guardian_name or "").strip()
    if not name or len(name) > 50:
        raise GuardianConsentRefused(_("Enter your guardian's full name."), field="guardian_name")
    if relationship not in GuardianConsent.Relationship.values:
        raise GuardianConsentRefused(_("Choose how the guardian is related to you."), field="relationship")
    guardian_mobile = to_python(guardian_mobile, region="CN")
    try:
        validate_cn_mobile(guardian_mobile)
    except ValidationError as error:
        raise GuardianConsentRefused(error.messages[0], field="guardian_mobile") from None
    if str(guardian_mobile) == str(profile.mobile):
        raise GuardianConsentRefused(_("Enter your guardian's own mobile number, not yours."),
                                     field="guardian_mobile")
    if not confirms:
        raise GuardianConsentRefused(_("Confirm that your guardian has read the consent text and agrees."),
                                     field="confirms")
    now = timezone.now()
    GuardianConsent.objects.filter(student=student, withdrawn_at__isnull=True).update(withdrawn_at=now)
    consent = GuardianConsent.objects.create(
        student=student, guardian_name=name, relationship=relationship, guardian_mobile=guardian_mobile,
        document_version=settings.GUARDIAN_CONSENT_VERSION, given_at=now)
    history_record(subject=profile.user, transition=AccountAction.GUARDIAN_CONSENT, from_state="", to_state="",
                   actor=student, reason=f"{consent.get_relationship_display()} · {consent.document_version}")
    return consent


def guardian_notice_record(*, student: User, template: str, params: dict[str, str], source: str,
                           now: dt.datetime | None = None) -> GuardianNotice | None:
    """Tell a minor's guardian (each hire, docs/minors.md) by text message, in Chinese, to the
    number of the current consent: the notice records the text and the number, and hands the
    message to the SMS gateway (core.sms; held until 08:00 in the quiet hours). Once per event
    (`source`); None when the student has no current consent (an adult, or one withdrawn)."""
    consent = guardian_consent_current(student)
    if consent is None:
        return None
    notice, created = GuardianNotice.objects.get_or_create(
        consent=consent, source=source[:64],
        defaults={"student": student, "guardian_mobile": consent.guardian_mobile,
                  "text": sms_render(template, params)[:300]})
    if created:
        now = now or timezone.now()
        notice.sms = sms_send(phone=str(consent.guardian_mobile), template=template, params=params,
                              send_after=quiet_hours_end(now))
        notice.sent_at = now
        notice.save(update_fields=["sms", "sent_at"])
    return notice


@transaction.atomic
def minors_data_audit_generate(*, year: int) -> MinorsDataAudit:
    """Generate (or regenerate) the yearly audit of minors' personal data for `year`
    (《未成年人网络保护条例》 art. 37; docs/minors.md) and tell the managers. Idempotent:
    one row per year, refreshed from the data."""
    audit, _created = MinorsDataAudit.objects.update_or_create(
        year=year, defaults={"figures": minors_data_audit_figures(year=year), "generated_at": timezone.now()})
    transaction.on_commit(lambda: staff_role_notify(
        role="manager", subject=_("The %(year)s audit of minors' personal data is ready") % {"year": year},
        link=reverse("admin:accounts_minorsdataaudit_change", args=[audit.pk])))
    return audit


# ------------------------------------------------------------------------------
# Student registration (S1.1, S1.2)
# ------------------------------------------------------------------------------
def _check_age(date_of_birth: dt.date) -> bool:
    """Refuse under-16s; return whether the student is a minor worker (16–17)."""
    age = age_on(date_of_birth, timezone.localdate())
    if age < MINIMUM_WORKING_AGE:
        raise UnderMinimumAge()
    return age < ADULT_AGE


@transaction.atomic
def student_profile_submit(*, user: User, data: dict) -> StudentProfile:
    """Create or update the student's registration and submit it for vetting (S1.1).

    Only a student account may do this, and only while the profile is not
    being vetted or already approved. Under-16s are refused; 16–17-year-olds
    are recorded as minor workers. Moderators are notified on commit."""
    if not user.is_student:
        raise NotPermitted()
    is_minor = _check_age(data["date_of_birth"])
    profile = StudentProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = StudentProfile(user=user)
    elif profile.vetting_status in (VettingStatus.SUBMITTED, VettingStatus.APPROVED):
        raise InvalidTransition(_("Your registration is being vetted or already approved and cannot be edited."))
    for field in PROFILE_FIELDS:
        setattr(profile, field, data[field])
    profile.is_minor_worker = is_minor
    profile.save()  # the details as given; submitted at once below, in the same transaction
    run_transition(profile, "submit", actor=user)
    _notify_vetters(
        subject=_("A student registration is waiting for vetting"),
        link=reverse("admin:accounts_studentprofile_change", args=[profile.pk]),
    )
    return profile


def staff_role_notify(*, role: str, subject, link: str) -> None:
    """Tell every active staff member of a role, in-site only: their work queue is
    the admin, and a message per submission would flood their e-mail."""
    for member in User.objects.filter(groups__name=role, is_active=True):
        notify(recipient=member, subject=subject, body=subject, link=link, email=False)


def _notify_vetters(*, subject, link: str) -> None:
    staff_role_notify(role="moderator", subject=subject, link=link)


def _profile_for_vetter(*, pk: int, actor: User) -> StudentProfile:
    """The registration, locked, once the actor is known to vet students."""
    profile = lock_row(StudentProfile, pk, related=("user",))
    if not actor.has_perm(StudentProfile.vetting_permission):
        raise NotPermitted()
    return profile


@transaction.atomic
def student_profile_approve(*, pk: int, actor: User, reason: str = "") -> StudentProfile:
    """A moderator approves a registration; the student may now apply (S1.2)."""
    profile = run_transition(_profile_for_vetter(pk=pk, actor=actor), "approve", actor=actor, note=reason,
                             by=actor, reason=reason)
    notify(
        recipient=profile.user,
        subject=_("Your registration has been approved"),
        # Early access (K3.1): a new job opens to most students some hours after it is published (issue 21).
        body=_("Welcome to Jianzhi! You can now apply for the part-time jobs open to you. A newly published job "
               "opens first to students with a high credit tier and to everyone else a few hours later; each "
               "job page says from when you can apply.") + (f"\n\n{reason}" if reason else ""),
        link=reverse("accounts:dashboard"),
    )
    return profile


@transaction.atomic
def student_profile_reject(*, pk: int, actor: User, reason: str) -> StudentProfile:
    """A moderator rejects a registration; the reason is required and shown (S1.2)."""
    if not (reason or "").strip():
        raise ReasonRequired()
    profile = run_transition(_profile_for_vetter(pk=pk, actor=actor), "reject", actor=actor,
                             note=reason.strip(), by=actor, reason=reason.strip())
    notify(
        recipient=profile.user,
        subject=_("Your registration was not approved"),
        body=_("Reason: %(reason)s\n\nYou may correct your details and submit again.") % {"reason": reason},
        link=reverse("accounts:profile_edit"),
    )
    return profile


@transaction.atomic
def student_profile_request_info(*, pk: int, actor: User, reason: str) -> StudentProfile:
    """A moderator asks for more information or documents (S1.2); the request is shown."""
    if not (reason or "").strip():
        raise ReasonRequired()
    profile = run_transition(_profile_for_vetter(pk=pk, actor=actor), "request_info", actor=actor,
                             note=reason.strip(), by=actor, reason=reason.strip())
    notify(
        recipient=profile.user,
        subject=_("More information is needed for your registration"),
        body=_("Our vetting staff ask: %(reason)s") % {"reason": reason},
        link=reverse("accounts:profile_edit"),
    )
    return profile


# ------------------------------------------------------------------------------
# Real-name verification (S1.3)
# ------------------------------------------------------------------------------
@transaction.atomic
def student_verification_request(
    *, user: User, id_number: str, id_card_front, id_card_back, student_proof_kind: str = "",
    student_card=None, chsi_code: str = "",
) -> StudentVerification:
    """Submit the ID number and documents for real-name verification (S1.3).

    Preconditions: a registration exists, no request is pending, separate consent
    to sensitive data was given (PIPL art. 29), and the ID number (already
    checked against the birth date by the form) belongs to no other account."""
    profile = StudentProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise InvalidTransition(_("Please complete your registration first."))
    if profile.verifications.filter(status=StudentVerification.Status.PENDING).exists():
        raise InvalidTransition(_("Your previous verification request is still being reviewed."))
    if not has_current_consent(user=user, kind=Consent.Kind.SENSITIVE_DATA):
        raise DomainError(_("Please consent to the processing of sensitive personal information."))
    digest = keyed_hash(id_number)
    if StudentProfile.objects.filter(id_number_hash=digest).exclude(pk=profile.pk).exists():
        raise DuplicateIdNumber()
    profile.id_number, profile.id_number_hash = id_number, digest
    try:
        with transaction.atomic():
            profile.save(update_fields=["id_number", "id_number_hash", "updated_at"])
    except IntegrityError:  # a concurrent request claimed the same number
        raise DuplicateIdNumber() from None
    verification = StudentVerification.objects.create(
        profile=profile, id_card_front=id_card_front, id_card_back=id_card_back,
        student_proof_kind=student_proof_kind, student_card=student_card or "", chsi_code=chsi_code,
    )
    history_record(subject=verification, transition=AccountAction.REQUEST, from_state="",
                   to_state=verification.status, actor=user)
    return verification


def _verification_for_vetter(*, pk: int, actor: User) -> StudentVerification:
    """The verification request, locked, once the actor is known to vet students."""
    verification = lock_row(StudentVerification, pk, related=("profile__user",))
    if not actor.has_perm(StudentProfile.vetting_permission):
        raise NotPermitted()
    return verification


@transaction.atomic
def student_verification_approve(*, pk: int, actor: User, level: int, reason: str = "") -> StudentVerification:
    """Grant real-name, or real-name + student status, verification (S1.3)."""
    level = int(level)
    if level not in (VerificationLevel.REAL_NAME, VerificationLevel.REAL_NAME_AND_STUDENT):
        raise DomainError(_("Choose the verification level to grant."), field="level")
    verification = StudentVerification.objects.get(pk=pk)
    if level == VerificationLevel.REAL_NAME_AND_STUDENT and not (
        verification.student_card or verification.chsi_code
    ):
        raise DomainError(_("No proof of student status was provided."), field="level")
    verification = run_transition(_verification_for_vetter(pk=pk, actor=actor), "approve", actor=actor,
                                  note=reason, by=actor, level=level, reason=reason)
    profile = lock_row(StudentProfile, verification.profile_id)
    profile.verification_level = max(profile.verification_level, level)
    profile.save(update_fields=["verification_level", "updated_at"])
    # Shown in the credit history (K3.1); the points come from the profile's level.
    credit_event_record(key=f"student_verification:{verification.pk}:approved", subject_kind="student",
                        subject_id=profile.user_id, kind="verified", source=verification,
                        reason=_("Verified: %(level)s") % {"level": profile.get_verification_level_display()})
    notify(
        recipient=profile.user,
        subject=_("Your identity has been verified"),
        body=_("Your verification level is now: %(level)s.") % {"level": profile.get_verification_level_display()},
        link=reverse("accounts:dashboard"),
    )
    return verification


@transaction.atomic
def student_verification_reject(*, pk: int, actor: User, reason: str) -> StudentVerification:
    """Reject a verification request with a reason; the ID number is released."""
    if not (reason or "").strip():
        raise ReasonRequired()
    verification = run_transition(_verification_for_vetter(pk=pk, actor=actor), "reject", actor=actor,
                                  note=reason.strip(), by=actor, reason=reason.strip())
    profile = lock_row(StudentProfile, verification.profile_id)
    if profile.verification_level == VerificationLevel.NONE:
        profile.id_number, profile.id_number_hash = "", None
        profile.save(update_fields=["id_number", "id_number_hash", "updated_at"])
    notify(
        recipient=profile.user,
        subject=_("Your verification request was not accepted"),
        body=_("Reason: %(reason)s") % {"reason": reason},
        link=reverse("accounts:verification"),
    )
    return verification


# ------------------------------------------------------------------------------
# Personal data access by staff (J3.2)
# ------------------------------------------------------------------------------
def personal_data_access_record(*, staff: User, subject: User | None, subject_label: str, item: str,
                                reason: str) -> PersonalDataAccess:
    """Log one reveal of personal data. Requires the reveal permission and a reason."""
    if not (staff.is_active and staff.has_perm("accounts.reveal_personal_data")):
        raise NotPermitted()
    if not (reason or "").strip():
        raise ReasonRequired()
    return PersonalDataAccess.objects.create(
        staff=staff, subject=subject, subject_label=subject_label[:200], item=item, reason=reason.strip()
    )


def personal_data_export_record(*, user: User) -> PersonalDataAccess:
    """Log the data subject's own export (PIPL art. 45): the file carries the full
    ID number, so it is an access like a staff reveal, with the subject as actor (J3.2)."""
    return PersonalDataAccess.objects.create(
        staff=user, subject=user, subject_label=str(user)[:200], item=PersonalDataAccess.Item.DATA_EXPORT,
        reason=gettext("Own data export (PIPL art. 45)"))


@transaction.atomic
def student_id_number_reveal(*, staff: User, profile_id: int, reason: str) -> str:
    profile = StudentProfile.objects.select_related("user").get(pk=profile_id)
    personal_data_access_record(staff=staff, subject=profile.user, subject_label=str(profile),
                                item=PersonalDataAccess.Item.ID_NUMBER, reason=reason)
    return profile.id_number


# ------------------------------------------------------------------------------
# Staff second factor (J3)
# ------------------------------------------------------------------------------
RESET_SECOND_FACTOR_PERMISSION = "accounts.reset_second_factor"


@transaction.atomic
def staff_second_factor_reset(*, actor: User, staff_id: int, reason: str) -> User:
    """A manager resets a colleague's authenticator (lost or replaced phone):
    staff may not switch their own off (see adapters.MFAAdapter).

    Preconditions: the actor holds RESET_SECOND_FACTOR_PERMISSION and is not the
    colleague; the colleague is staff; a reason is given. Effects: the
    colleague's TOTP and recovery codes are deleted and `second_factor_reset_at`
    is set, so a session that passed the old factor no longer opens the back
    office and the next sign-in asks them to enrol again; a history row with the
    reason; the colleague is told in-site and by e-mail."""
    from allauth.mfa.models import Authenticator

    if not (actor.is_active and actor.is_staff and actor.has_perm(RESET_SECOND_FACTOR_PERMISSION)):
        raise NotPermitted()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    staff = get_user_model().objects.select_for_update().filter(pk=staff_id, is_staff=True).first()
    if staff is None:
        raise NotPermitted(_("Only a staff member's authenticator can be reset here."))
    if staff.pk == actor.pk:
        raise NotPermitted(_("You cannot reset your own authenticator: ask another manager."))
    deleted, _by_type = Authenticator.objects.filter(user=staff).delete()
    staff.second_factor_reset_at = timezone.now()
    staff.save(update_fields=["second_factor_reset_at"])
    history_record(subject=staff, transition=AccountAction.RESET_SECOND_FACTOR,
                   from_state="enrolled" if deleted else "", to_state="not_enrolled", actor=actor, reason=reason)
    notify(
        recipient=staff,
        subject=_("Your authenticator was reset"),
        body=_("%(manager)s reset your two-factor authenticator. The next time you sign in you will be asked "
               "to set up a new one. If you did not ask for this, tell another manager at once.")
        % {"manager": actor.email},
    )
    return staff


# ------------------------------------------------------------------------------
# Data subject rights (PIPL art. 45, 47)
# ------------------------------------------------------------------------------
def _delete_files(*fieldfiles) -> None:
    for fieldfile in fieldfiles:
        if fieldfile:
            fieldfile.storage.delete(fieldfile.name)


@transaction.atomic
def user_phone_set(*, user: User, phone: str, verified: bool) -> User:
    """Attach a mainland mobile number to an account (issue 20), through allauth's
    sign-up, verification and change flows. One number, one account; staff keep
    e-mail + password + TOTP and have none. A new number counts only once verified:
    verifying it takes it from any account that had it unverified."""
    if user.is_staff:
        raise NotPermitted(_("Staff accounts sign in with e-mail, password and their authenticator only."))
    phone = cn_mobile_e164(phone)
    others = get_user_model().objects.filter(phone=phone).exclude(pk=user.pk)
    if others.filter(phone_verified=True).exists():
        raise ValidationError(_("Another account already uses this mobile number."), code="phone_taken")
    if verified:
        others.update(phone=None)
    user.phone, user.phone_verified = phone, verified
    if user.pk:
        user.save(update_fields=["phone", "phone_verified"])
    return user


@transaction.atomic
def account_delete(*, user: User, reason: str = "") -> DeletionRequest:
    """Delete an account at the user's request by anonymising it.

    Personal data and documents go; rows that finance and audit must keep
    (history, later ledger entries) stay, pointing at an anonymous user."""
    user = lock_row(get_user_model(), user.pk)
    if user.is_staff:
        raise NotPermitted(_("Staff accounts are closed by a manager."))
    request = DeletionRequest.objects.create(user=user, email_hash=keyed_hash(user.email or user.phone or ""),
                                             reason=reason)
    profile = StudentProfile.objects.filter(user=user).first()
    if profile is not None:
        for verification in profile.verifications.all():
            _delete_files(verification.id_card_front, verification.id_card_back, verification.student_card)
        profile.verifications.update(chsi_code="", id_card_front="", id_card_back="", student_card="")
        StudentProfile.objects.filter(pk=profile.pk).update(
            real_name=str(_("Deleted user")), school="", major="", mobile="", contact_note="",
            id_number="", id_number_hash=None, date_of_birth=dt.date(1900, 1, 1), gender="undisclosed",
        )
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.notifications.all().delete()
    # A minor's guardian (docs/minors.md): the consent's fact and time stay, who and where go.
    GuardianConsent.objects.filter(student=user).update(guardian_name="", guardian_mobile="",
                                                        withdrawn_at=Coalesce("withdrawn_at", Now()))
    notices = GuardianNotice.objects.filter(student=user)
    SmsMessage.objects.filter(pk__in=notices.filter(sms__isnull=False).values("sms")).update(phone="", params="{}")
    notices.update(guardian_mobile="", text="")
    personal_data_erase.send(sender=User, user=user)  # payout methods and the like, held by other apps
    sms_erase_for(user_id=user.pk)
    user.phone, user.phone_verified = None, False
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.is_active = False
    user.anonymised_at = timezone.now()
    user.set_unusable_password()
    user.save()
    request.completed_at = timezone.now()
    request.save(update_fields=["completed_at"])
    history_record(subject=user, transition=AccountAction.ANONYMISE, from_state="active", to_state="anonymised",
                   actor=None, reason=reason)
    return request


# ------------------------------------------------------------------ credit and sanctions (K3.1, K3.2)
# Written by the risk app, which owns the formula and the ladder; accounts only
# stores the conclusion so lower apps can read `profile.credit_tier` and
# `profile.can_apply` without importing risk.
def student_credit_tiers_set(*, tiers: dict[int, int]) -> int:
    """Write credit tiers {user id: tier} onto student profiles; returns how many changed.

    Set-based: one UPDATE per tier value, touching only rows whose tier differs."""
    changed = 0
    by_tier: dict[int, list[int]] = {}
    for user_id, tier in tiers.items():
        by_tier.setdefault(tier, []).append(user_id)
    for tier, user_ids in by_tier.items():
        for start in range(0, len(user_ids), 5000):
            changed += StudentProfile.objects.filter(user_id__any_of=user_ids[start:start + 5000]).exclude(
                credit_tier=tier).update(credit_tier=tier, updated_at=timezone.now())
    return changed


@transaction.atomic
def student_standing_set(*, user_id: int, applying_restricted_until: dt.datetime | None,
                         suspended_until: dt.datetime | None, terminated_at: dt.datetime | None,
                         actor: User | None, reason: str) -> StudentProfile | None:
    """Record the sanctions in force on a student (E4.2, K3.2), as computed by risk.

    Effects: the three fields written, a history row on the profile when they change."""
    profile = StudentProfile.objects.select_for_update().filter(user_id=user_id).first()
    if profile is None:
        return None
    new = {"applying_restricted_until": applying_restricted_until, "suspended_until": suspended_until,
           "terminated_at": terminated_at}
    if all(getattr(profile, name) == value for name, value in new.items()):
        return profile
    for name, value in new.items():
        setattr(profile, name, value)
    profile.save(update_fields=[*new, "updated_at"])
    history_record(subject=profile, transition=AccountAction.STANDING, from_state="", to_state="", actor=actor,
                   reason=reason)
    return profile
