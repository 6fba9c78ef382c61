"""Employer organisations, their member users, invitations and real-name
verification (E1.1 registration, E1.2 staff vetting, E1.3 verification).

Declarations only: every write goes through `employers.services`."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from phonenumber_field.modelfields import PhoneNumberField

from core.crypto import EncryptedTextField, mask
from core.identity import validate_uscc
from core.models import CreditTier, TimeStampedModel
from core.uploads import private_storage
from core.vetting import VettableModel, VettingStatus, _can_vet

INVITATION_VALID_DAYS = 7

# The qualification documents staff may open (E1.1); anything else is refused.
DOCUMENT_FIELDS = ("business_licence", "org_code_certificate")


class EmployerAction(models.TextChoices):
    """The history vocabulary of employers, their invitations and verifications."""

    SUBMIT = "submit", _("Submitted for vetting")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    REQUEST_INFO = "request_info", _("Asked for more information")
    INVITE = "invite", _("Invitation sent")
    ACCEPT = "accept", _("Invitation accepted")
    REQUEST = "request", _("Verification requested")
    VERIFY = "verify", _("Verification level raised")
    TRANSFER_OWNERSHIP = "transfer_ownership", _("Ownership handed over")
    # Sanctions in force as computed by risk (E4.2).
    STANDING = "standing", _("Sanctions in force updated")
    # Second-stage checks recorded by the moderators (P2.3): "verification_<kind>".
    VERIFICATION_PHONE_CALLBACK = "verification_phone_callback", _("Phone call-back recorded")
    VERIFICATION_BACKGROUND_CHECK = "verification_background_check", _("Background check recorded")
    VERIFICATION_OTHER = "verification_other", _("Other check recorded")
    # Re-verification every six months (2026 notice, docs/recruitment-rules.md).
    REVERIFY_REMINDER = "reverify_reminder", _("Reminded of the re-verification")
    LAPSE = "lapse", _("Vetting lapsed: re-verification due")
    REVERIFY = "reverify", _("Re-verified")


def _in_force(until) -> bool:
    return until is not None and until > timezone.now()


class Employer(VettableModel, TimeStampedModel):
    """An organisation that hires students, registered by one of its users (E1.1)
    and approved by staff before it may post jobs (E1.2)."""

    vetting_permission = "employers.vet_employer"
    history_actions = EmployerAction

    class VerificationLevel(models.IntegerChoices):
        NONE = 0, _("Not verified")
        VERIFIED = 1, _("Real-name verified (licence and legal representative)")

    name = models.CharField(_("organisation name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc],
        help_text=_("The 18-character code printed on the business licence."),
        error_messages={"unique": _("An employer with this credit code is already registered.")},
    )
    address = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=50, db_index=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    business_scope = models.TextField(_("business scope"))
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_mobile = PhoneNumberField(_("contact mobile number"), region="CN")
    business_licence = models.FileField(
        _("business licence"), storage=private_storage, upload_to="employer-documents/"
    )
    org_code_certificate = models.FileField(
        _("organisation code certificate"), storage=private_storage, upload_to="employer-documents/",
        blank=True,
    )
    verification_level = models.PositiveSmallIntegerField(
        _("verification level"), choices=VerificationLevel.choices, default=VerificationLevel.NONE
    )
    # Written by the risk app through employers' services (K3.1); 0 (lowest) .. 4, 2 is neutral.
    credit_tier = models.PositiveSmallIntegerField(_("credit tier"), choices=CreditTier.choices, default=2)
    # Sanctions in force, written by the risk app through employers' services (E4.2, K3.2).
    posting_restricted_until = models.DateTimeField(_("may not post until"), null=True, blank=True)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("cooperation terminated at"), null=True, blank=True)
    # Re-verification (2026 notice, docs/recruitment-rules.md): set from each approval or re-verification
    # (vetted_at + the policy's months); the beat sweep reminds before it and lapses the vetting at it.
    reverify_due_at = models.DateTimeField(_("re-verification due"), null=True, blank=True, db_index=True)
    # The smallest "days before" reminder already sent for the current deadline (30, then 7); None: none yet.
    reverify_reminded_days = models.PositiveSmallIntegerField(_("re-verification reminder sent (days before)"),
                                                              null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["-created_at"]
        permissions = [("vet_employer", _("Can vet employer registrations and verify employers"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        """Suspended or terminated: members may read and pay what is owed, nothing else (E4.2)."""
        return self.terminated_at is not None or _in_force(self.suspended_until)

    @property
    def is_posting_restricted(self) -> bool:
        return _in_force(self.posting_restricted_until)

    @property
    def can_post(self) -> bool:
        """Only approved employers may publish jobs (E1.2), and not while a sanction forbids it (E4.2)."""
        return self.is_approved and not self.is_suspended and not self.is_posting_restricted

    @property
    def is_verified(self) -> bool:
        return self.verification_level >= self.VerificationLevel.VERIFIED

    @property
    def is_vetting_lapsed(self) -> bool:
        return self.vetting_status == VettingStatus.LAPSED

    # The two employer-only moves of the vetting machine (core.vetting): the sweep lapses an
    # approval that reached its re-verification date; staff re-verify (approved or lapsed).
    @transition(field="vetting_status", source=VettingStatus.APPROVED, target=VettingStatus.LAPSED,
                custom={"admin": False})
    def lapse(self) -> None:
        pass

    @transition(field="vetting_status", source=[VettingStatus.APPROVED, VettingStatus.LAPSED],
                target=VettingStatus.APPROVED, permission=_can_vet,
                custom={"label": _("Re-verify"), "form": "core.forms.DecisionNoteForm"})
    def reverify(self, *, by=None, reason: str = "") -> None:
        self.vetted_at, self.vetted_by, self.vetting_reason = timezone.now(), by, reason


class EmployerMember(models.Model):
    """A user acting for an employer. A user belongs to at most one employer."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employer_membership"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("employer member")
        verbose_name_plural = _("employer members")
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.employer}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class EmployerInvitation(models.Model):
    """An owner's invitation for a colleague to join the employer; the link in the
    e-mail carries the token and works once, for INVITATION_VALID_DAYS days."""

    history_actions = EmployerAction

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("employer invitation")
        verbose_name_plural = _("employer invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("email"), name="employer_invitation_email_ci")]

    def __str__(self) -> str:
        return f"{self.email} → {self.employer}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


def _can_verify(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm("employers.vet_employer"))


class EmployerVerification(FSMModelMixin, TimeStampedModel):
    """One request for real-name verification of an employer (E1.3): staff check
    the business licence against the national credit publicity system and the
    legal representative's identity; approval raises the verification level."""

    history_actions = EmployerAction

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Verified")
        REJECTED = "rejected", _("Rejected")

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="verifications")
    status = FSMField(_("status"), choices=Status.choices, default=Status.PENDING, protected=True)
    legal_rep_name = models.CharField(_("legal representative"), max_length=50)
    legal_rep_id_number = EncryptedTextField(_("legal representative's ID number"), blank=True)
    # Keyed hash so a number can be matched (e.g. across employers) without decrypting.
    legal_rep_id_hash = models.CharField(max_length=64, db_index=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("requested by"),
    )
    authorisation_confirmed_at = models.DateTimeField(
        _("legal representative's authorisation confirmed at"), null=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason given to the employer"), blank=True)

    class Meta:
        verbose_name = _("employer verification")
        verbose_name_plural = _("employer verifications")
        ordering = ["-created_at"]
        constraints = [
            # At most one request under review per employer, also under concurrent submits.
            models.UniqueConstraint(
                fields=["employer"], condition=models.Q(status="pending"),
                name="employer_one_pending_verification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} – {self.get_status_display()}"

    @property
    def legal_rep_id_masked(self) -> str:
        return mask(self.legal_rep_id_number or "")

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED, permission=_can_verify,
                custom={"label": _("Verify"), "form": "core.forms.DecisionNoteForm"})
    def approve(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.reason = timezone.now(), by, reason

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED, permission=_can_verify,
                custom={"label": _("Reject"), "form": "core.forms.DecisionReasonForm"})
    def reject(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.reason = timezone.now(), by, reason
