"""Users, student profiles and their verification, consents and the personal-data
access log (S1, J3, P1, PIPL)."""

import datetime as dt

from django.contrib.admin import display as admin_display
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from phonenumber_field.modelfields import PhoneNumberField

from core.crypto import EncryptedTextField, mask
from core.models import CreditTier, TimeStampedModel
from core.phones import mask_phone
from core.uploads import private_storage
from core.vetting import VettableModel

MINIMUM_WORKING_AGE = 16  # Labour Law art. 15
ADULT_AGE = 18


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class AccountAction(models.TextChoices):
    """The history vocabulary of accounts: users, student registrations and their verifications."""

    SUBMIT = "submit", _("Submitted for vetting")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    REQUEST_INFO = "request_info", _("Asked for more information")
    REQUEST = "request", _("Verification requested")
    RESET_SECOND_FACTOR = "reset_second_factor", _("Authenticator reset")
    ANONYMISE = "anonymise", _("Account deleted and anonymised")
    # Sanctions in force as computed by risk (E4.2, K3.2).
    STANDING = "standing", _("Sanctions in force updated")
    # Second-stage checks recorded by the moderators (P2.3): "verification_<kind>".
    VERIFICATION_PHONE_CALLBACK = "verification_phone_callback", _("Phone call-back recorded")
    VERIFICATION_BACKGROUND_CHECK = "verification_background_check", _("Background check recorded")
    VERIFICATION_OTHER = "verification_other", _("Other check recorded")
    # A minor's guardian consented (Civil Code art. 19, docs/minors.md).
    GUARDIAN_CONSENT = "guardian_consent", _("Guardian's consent recorded")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email and not extra.get("phone"):
            raise ValueError("An e-mail address (or, for a student, a mobile number) is required")
        user = self.model(email=self.normalize_email(email).lower() if email else None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, kind=User.Kind.STAFF)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address or a verified mainland mobile number (issue 20).
    `kind` never changes."""

    history_actions = AccountAction

    class Kind(models.TextChoices):
        STUDENT = "student", _("Student")
        EMPLOYER = "employer", _("Employer member")
        STAFF = "staff", _("Platform staff")

    # Empty (NULL) for a student who signed up with a mobile number only (issue 20): such an account
    # signs in with its verified number and gets no e-mail; everything that mails a user skips it.
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    kind = models.CharField(_("account type"), max_length=16, choices=Kind.choices, default=Kind.STUDENT)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the back office"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # When a manager last reset this staff member's authenticator (J3): a second factor passed before
    # then no longer counts, so the person enrols again and signs in with the new one.
    second_factor_reset_at = models.DateTimeField(_("second factor reset at"), null=True, blank=True,
                                                  editable=False)
    # Issue 20: a mainland mobile number in E.164 to sign in with (password or SMS code). One number,
    # one account: unique once verified (a code sent to it was entered), and only then does it sign in.
    # An unverified number holds nothing: whoever verifies it first keeps it, and it leaves any account
    # that had it unverified (an abandoned sign-up cannot squat a number). Staff have none.
    phone = models.CharField(_("mobile number"), max_length=16, null=True, blank=True, db_index=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(fields=["phone"], condition=models.Q(phone_verified=True),
                                    name="user_verified_phone_unique"),
        ]
        permissions = [
            ("reveal_personal_data", _("Can reveal full ID numbers and open identity documents")),
            ("reset_second_factor", _("Can reset a colleague's authenticator")),
        ]

    def __str__(self) -> str:
        return self.email or mask_phone(self.phone or "") or f"#{self.pk}"

    @property
    def is_student(self) -> bool:
        return self.kind == self.Kind.STUDENT

    @property
    def is_employer_member(self) -> bool:
        return self.kind == self.Kind.EMPLOYER

    @property
    def is_platform_staff(self) -> bool:
        return self.kind == self.Kind.STAFF and self.is_staff


def _in_force(until) -> bool:
    return until is not None and until > timezone.now()


class VerificationLevel(models.IntegerChoices):
    NONE = 0, _("Not verified")
    REAL_NAME = 1, _("Real-name verified")
    REAL_NAME_AND_STUDENT = 2, _("Real-name and student status verified")


class StudentProfile(VettableModel, TimeStampedModel):
    """A student's registration (S1.1) under staff vetting (S1.2)."""

    vetting_permission = "accounts.vet_studentprofile"
    history_actions = AccountAction

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="student_profile")
    real_name = models.CharField(_("real name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"))
    school = models.CharField(_("school"), max_length=100)
    major = models.CharField(_("major"), max_length=100)
    enrolment_year = models.PositiveSmallIntegerField(_("year of enrolment"))
    mobile = PhoneNumberField(_("mobile number"), region="CN")
    contact_note = models.CharField(
        _("other contact"), max_length=100, blank=True, help_text=_("For example an emergency contact.")
    )
    # Labour Law art. 15 / 58: 16–17-year-olds are "minor workers" with extra protection.
    is_minor_worker = models.BooleanField(_("minor worker (16–17)"), default=False)

    # Real-name verification (S1.3)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    verification_level = models.PositiveSmallIntegerField(
        _("verification level"), choices=VerificationLevel.choices, default=VerificationLevel.NONE
    )
    # Written by the risk app through accounts' services (K3.1); 0 (lowest) .. 4, 2 is neutral.
    credit_tier = models.PositiveSmallIntegerField(_("credit tier"), choices=CreditTier.choices, default=2)
    # Sanctions in force, written by the risk app through accounts' services (E4.2, K3.2).
    applying_restricted_until = models.DateTimeField(_("may not apply until"), null=True, blank=True)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("cooperation terminated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        permissions = [("vet_studentprofile", _("Can vet student registrations and verify students"))]

    def __str__(self) -> str:
        return f"{self.real_name} ({self.school})"

    @property
    def id_number_masked(self) -> str:
        return mask(self.id_number or "")

    @property
    def is_suspended(self) -> bool:
        """Suspended or terminated: the student may read but not act (E4.2, K3.2)."""
        return self.terminated_at is not None or _in_force(self.suspended_until)

    @property
    def is_applying_restricted(self) -> bool:
        return _in_force(self.applying_restricted_until)

    @property
    def can_apply(self) -> bool:
        """Only approved students may apply for jobs (S1.2), and not while a sanction forbids it (K3.2)."""
        return (self.is_approved and self.user.is_active and not self.is_suspended
                and not self.is_applying_restricted)

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.date_of_birth, on or timezone.localdate())


def _can_verify(instance, user) -> bool:
    return bool(user and user.is_active and user.has_perm("accounts.vet_studentprofile"))


class StudentVerification(FSMModelMixin, TimeStampedModel):
    """One request for real-name (and student-status) verification (S1.3)."""

    history_actions = AccountAction

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Verified")
        REJECTED = "rejected", _("Rejected")

    class StudentProof(models.TextChoices):
        STUDENT_CARD = "student_card", _("Student card image")
        CHSI_CODE = "chsi_code", _("CHSI (学信网) online verification code")

    profile = models.ForeignKey(StudentProfile, on_delete=models.CASCADE, related_name="verifications")
    status = FSMField(_("status"), choices=Status.choices, default=Status.PENDING, protected=True)
    id_card_front = models.FileField(_("ID card (front)"), storage=private_storage, upload_to="id-cards/")
    id_card_back = models.FileField(_("ID card (back)"), storage=private_storage, upload_to="id-cards/")
    student_proof_kind = models.CharField(
        _("proof of student status"), max_length=16, choices=StudentProof.choices, blank=True
    )
    student_card = models.FileField(
        _("student card"), storage=private_storage, upload_to="student-cards/", blank=True
    )
    chsi_code = models.CharField(_("CHSI verification code"), max_length=32, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_level = models.PositiveSmallIntegerField(
        _("granted level"), choices=VerificationLevel.choices, default=VerificationLevel.NONE
    )
    reason = models.TextField(_("reason given to the student"), blank=True)

    class Meta:
        verbose_name = _("student verification")
        verbose_name_plural = _("student verifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.profile} – {self.get_status_display()}"

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED, permission=_can_verify,
                custom={"label": _("Verify"), "form": "accounts.forms.VerificationDecisionForm"})
    def approve(self, *, by=None, level: int = VerificationLevel.REAL_NAME, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.granted_level, self.reason = timezone.now(), by, level, reason

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED, permission=_can_verify,
                custom={"label": _("Reject"), "form": "core.forms.DecisionReasonForm"})
    def reject(self, *, by=None, reason: str = "") -> None:
        self.decided_at, self.decided_by, self.reason = timezone.now(), by, reason


class Consent(models.Model):
    """A consent the user gave, with the version of the text and the time (PIPL art. 14, 29)."""

    class Kind(models.TextChoices):
        PRIVACY_POLICY = "privacy_policy", _("Privacy policy")
        USER_AGREEMENT = "user_agreement", _("User agreement")
        SENSITIVE_DATA = "sensitive_data", _("Processing of sensitive personal information")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=32, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=32)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class PersonalDataAccess(models.Model):
    """Append-only log of staff revealing personal data (J3.2): who, when, whose, what, why."""

    class Item(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        ID_DOCUMENT = "id_document", _("Identity document")
        STUDENT_DOCUMENT = "student_document", _("Student status document")
        EMPLOYER_DOCUMENT = "employer_document", _("Employer qualification document")
        LEGAL_REP_ID = "legal_rep_id", _("Legal representative's ID number")
        DATA_EXPORT = "data_export", _("Personal data export")
        CASE_EVIDENCE = "case_evidence", _("Evidence of a case")

    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member"))
    subject = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("whose data")
    )
    subject_label = models.CharField(_("subject"), max_length=200)
    item = models.CharField(_("what"), max_length=32, choices=Item.choices)
    reason = models.TextField(_("reason"))
    accessed_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-accessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.staff} → {self.subject_label}: {self.get_item_display()}"


class DeletionRequest(TimeStampedModel):
    """A user's request to delete their account (PIPL art. 47); fulfilled by anonymising."""

    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="deletion_requests")
    email_hash = models.CharField(max_length=64)
    reason = models.TextField(_("reason"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")


class GuardianConsent(models.Model):
    """A minor student's guardian consents to part-time work through the platform, before
    the first application (Civil Code art. 19; docs/minors.md): who the guardian is, how to
    reach them, which version of the consent text, and when. A new consent withdraws the
    previous one; the applications service refuses a 16–17-year-old without a current one."""

    class Relationship(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        OTHER_GUARDIAN = "other_guardian", _("Other legal guardian")

    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardian_consents",
                                verbose_name=_("student"))
    guardian_name = models.CharField(_("guardian's name"), max_length=50)
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    guardian_mobile = PhoneNumberField(_("guardian's mobile number"), region="CN")
    document_version = models.CharField(_("version of the consent text"), max_length=32)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ["-given_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["student"], condition=models.Q(withdrawn_at__isnull=True),
                                               name="one_current_guardian_consent")]

    def __str__(self) -> str:
        return f"{self.guardian_name} ({self.get_relationship_display()}) {self.document_version}"

    @property
    @admin_display(description=_("guardian's mobile (masked)"))
    def guardian_mobile_masked(self) -> str:
        return mask(str(self.guardian_mobile or ""))


class GuardianNotice(models.Model):
    """What a minor's guardian is told (each hire, docs/minors.md), by text message through
    the SMS gateway (core.sms): the number is the consent's at the time of the notice."""

    consent = models.ForeignKey(GuardianConsent, on_delete=models.PROTECT, related_name="notices",
                                verbose_name=_("guardian consent"))
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("student"))
    guardian_mobile = PhoneNumberField(_("guardian's mobile number"), region="CN")
    text = models.CharField(_("message"), max_length=300)
    source = models.CharField(_("about"), max_length=64, help_text=_("What the notice is about, e.g. engagement:12."))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("handed to the SMS gateway at"), null=True, blank=True)
    # The text message that carries it (core.sms): its delivery status, attempts and provider id.
    sms = models.OneToOneField("core.SmsMessage", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("text message"))

    class Meta:
        verbose_name = _("notice to a guardian")
        verbose_name_plural = _("notices to guardians")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["consent", "source"], name="one_guardian_notice_per_event")]

    def __str__(self) -> str:
        return f"{self.source} → {mask(str(self.guardian_mobile or ''))}"


class MinorsDataAudit(models.Model):
    """The yearly compliance audit of minors' personal data (《未成年人网络保护条例》 art. 37;
    docs/minors.md), generated from the data each January for the manager: how many minors,
    what was collected, consents, access-log rows, retention and deletions."""

    year = models.PositiveSmallIntegerField(_("year audited"), unique=True)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("minors' personal data audit")
        verbose_name_plural = _("minors' personal data audits")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
