"""Forms for sign-up, the student registration (S1.1) and verification (S1.3)."""

import datetime as dt

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePhoneForm as AllauthChangePhoneForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from core.errors import InvalidUpload
from core.identity import validate_resident_id
from core.uploads import IMAGE, PDF, clean_upload

from .models import (
    MINIMUM_WORKING_AGE,
    Consent,
    GuardianConsent,
    StudentProfile,
    StudentVerification,
    VerificationLevel,
    age_on,
)


def validate_cn_mobile(number) -> None:
    """A mainland China mobile number (S1.1 contact details)."""
    import phonenumbers

    if number is None or number.country_code != 86 or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    ):
        raise ValidationError(_("Enter a mainland China mobile number, e.g. 138 0013 8000."), code="not_mobile")


class CnMobileField(PhoneNumberField):
    default_error_messages = {"invalid": _("Enter a mainland China mobile number, e.g. 138 0013 8000.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("region", "CN")
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number:
            validate_cn_mobile(number)
        return number


class PrivateFileInput(forms.ClearableFileInput):
    """Names the file kept without linking it: private files have no URL (issue 21: the clearable
    input asked for one and every change form of a record with a file was a 500)."""

    template_name = "core/widgets/private_file_input.html"

    def is_initial(self, value) -> bool:
        return bool(value and getattr(value, "name", ""))


class UploadField(forms.FileField):
    """A file checked by content and re-encoded (core.uploads) during validation."""

    def __init__(self, *, allowed=(IMAGE, PDF), folder="documents", **kwargs):
        self.allowed, self.folder = allowed, folder
        kwargs.setdefault("widget", PrivateFileInput(attrs={"accept": self._accept(allowed)}))
        super().__init__(**kwargs)

    @staticmethod
    def _accept(allowed) -> str:
        types = []
        if IMAGE in allowed:
            types += ["image/jpeg", "image/png", "image/webp"]
        if PDF in allowed:
            types.append("application/pdf")
        return ",".join(types)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        try:
            return clean_upload(upload, allowed=self.allowed, folder=self.folder)
        except InvalidUpload as error:
            raise ValidationError(error.message, code="invalid_upload") from None


class BaseSignupForm(SignupForm):
    """allauth sign-up plus the consents the law requires (PIPL art. 14).

    Issue 20: a mainland mobile number signs up too. It is verified by a code sent to it
    before the account opens (allauth's phone stage), and then signs in with codes, so
    the password is optional with a number. Students may leave the e-mail address out;
    employer members give one (the organisation's registration and agreements go there)."""

    user_kind = "student"
    email_required = False
    accept_terms = forms.BooleanField(
        required=True,
        label=_("I have read and agree to the user agreement and the privacy policy."),
        error_messages={"required": _("You must agree to the user agreement and the privacy policy.")},
    )

    def _get_signup_fields(self, kwargs) -> dict:
        """These fields, whatever ACCOUNT_SIGNUP_FIELDS says (it must keep "email*" for allauth's check of
        mandatory e-mail verification): the number first for students, the address first for employers."""
        fields = {"phone": {"required": False}, "email": {"required": self.email_required}}
        if self.email_required:
            fields = {"email": fields["email"], "phone": fields["phone"]}
        return {**fields, "password1": {"required": False}, "password2": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        phone = self.fields["phone"]
        phone.label = _("Mobile number") if self.email_required else _("Mobile number (or an e-mail address below)")
        phone.help_text = _("We send a code to this number to check it is yours; afterwards you can sign in "
                            "with a code sent to it, without a password.")
        if "password1" in self.fields:
            self.fields["password1"].label = _("Password (optional with a mobile number)")

    def clean(self):
        data = super().clean()
        has_phone = bool(data.get("phone")) or "phone" in self.errors
        if not has_phone and not data.get("email") and "email" not in self.errors:
            self.add_error("phone", ValidationError(_("Enter a mobile number or an e-mail address."),
                                                    code="no_contact"))
        if not has_phone and not data.get("password1") and "password1" not in self.errors:
            self.add_error("password1", ValidationError(
                _("Choose a password, or sign up with a mobile number to sign in with codes sent to it."),
                code="password_needed"))
        return data

    def save(self, request):
        from .services import consent_record

        user = super().save(request)
        consent_record(user=user, kind=Consent.Kind.USER_AGREEMENT)
        consent_record(user=user, kind=Consent.Kind.PRIVACY_POLICY)
        return user


class StudentSignupForm(BaseSignupForm):
    user_kind = "student"


class StudentProfileForm(forms.ModelForm):
    """Registration data (S1.1). Errors are checked here and again in the service."""

    mobile = CnMobileField(label=_("mobile number"))

    class Meta:
        model = StudentProfile
        fields = ["real_name", "gender", "date_of_birth", "school", "major", "enrolment_year", "mobile",
                  "contact_note"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_real_name(self):
        name = self.cleaned_data["real_name"].strip()
        if len(name) < 2:
            raise ValidationError(_("Enter your full legal name."))
        return name

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born >= today or born < dt.date(1900, 1, 1):
            raise ValidationError(_("Enter a real date of birth."))
        if age_on(born, today) < MINIMUM_WORKING_AGE:
            raise ValidationError(
                _("You must be at least 16 years old to work through Jianzhi (Labour Law art. 15)."),
                code="under_16",
            )
        return born

    def clean_enrolment_year(self):
        year = self.cleaned_data["enrolment_year"]
        if not 1990 <= year <= timezone.localdate().year:
            raise ValidationError(_("Enter the year you started at your school."))
        return year


class StudentVerificationForm(forms.Form):
    """Real-name verification (S1.3): ID number, ID card images, proof of student status."""

    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    id_card_front = UploadField(label=_("ID card, front (photo or scan)"), allowed=(IMAGE,), folder="id-cards")
    id_card_back = UploadField(label=_("ID card, back (photo or scan)"), allowed=(IMAGE,), folder="id-cards")
    student_proof_kind = forms.ChoiceField(
        label=_("proof of student status (optional)"), required=False,
        choices=[("", _("None for now"))] + list(StudentVerification.StudentProof.choices),
    )
    student_card = UploadField(label=_("student card"), required=False, allowed=(IMAGE, PDF), folder="student-cards")
    chsi_code = forms.CharField(label=_("CHSI verification code"), required=False, max_length=32)
    sensitive_consent = forms.BooleanField(
        label=_("I separately consent to Jianzhi processing my ID number and ID card images to verify my "
                "identity (Personal Information Protection Law art. 29)."),
        error_messages={"required": _("Verification needs your separate consent to process sensitive data.")},
    )

    def __init__(self, *args, profile: StudentProfile, **kwargs):
        self.profile = profile
        super().__init__(*args, **kwargs)

    def clean_id_number(self):
        return validate_resident_id(self.cleaned_data["id_number"], birth_date=self.profile.date_of_birth)

    def clean_chsi_code(self):
        code = self.cleaned_data["chsi_code"].strip().upper()
        if code and not code.replace("-", "").isalnum():
            raise ValidationError(_("Enter the code exactly as shown on CHSI (letters and digits)."))
        return code

    def clean(self):
        data = super().clean()
        kind = data.get("student_proof_kind")
        if kind == StudentVerification.StudentProof.STUDENT_CARD and not data.get("student_card"):
            self.add_error("student_card", _("Upload your student card or choose another proof."))
        if kind == StudentVerification.StudentProof.CHSI_CODE and not data.get("chsi_code"):
            self.add_error("chsi_code", _("Enter your CHSI online verification code."))
        return data


class VerificationDecisionForm(forms.Form):
    """Admin transition form: which verification level to grant (S1.3)."""

    level = forms.TypedChoiceField(
        label=_("grant"), coerce=int,
        choices=[(VerificationLevel.REAL_NAME, VerificationLevel.REAL_NAME.label),
                 (VerificationLevel.REAL_NAME_AND_STUDENT, VerificationLevel.REAL_NAME_AND_STUDENT.label)],
    )
    reason = forms.CharField(label=_("Note (optional, shown to the user)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RevealForm(forms.Form):
    """Staff must say why before seeing personal data (J3.2)."""

    reason = forms.CharField(
        label=_("Why do you need to see this?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the personal data access log with your name and the time."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 4:
            raise ValidationError(_("Please give a real reason."))
        return reason


class SecondFactorResetForm(RevealForm):
    """A manager says why before resetting a colleague's authenticator (J3)."""

    reason = forms.CharField(
        label=_("Why reset this authenticator?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the staff member's history with your name and the time."),
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput)
    reason = forms.CharField(label=_("Why are you leaving? (optional)"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("I understand my account and personal data will be deleted."))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError(_("The password is not correct."))
        return self.cleaned_data["password"]


class GuardianConsentForm(forms.Form):
    """The guardian's consent a student aged 16–17 records before applying (Civil Code art. 19)."""

    guardian_name = forms.CharField(label=_("guardian's name"), max_length=50)
    relationship = forms.ChoiceField(label=_("relationship"), choices=GuardianConsent.Relationship.choices)
    guardian_mobile = CnMobileField(label=_("guardian's mobile number"),
                                    help_text=_("The guardian is told of each hire at this number."))
    confirms = forms.BooleanField(
        label=_("My guardian has read the consent text above and agrees that I take part-time work through "
                "Jianzhi."))


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """"Send me a sign-in code": a refusal by the SMS limits says how long to wait, and the button
    counts it down (issue 20)."""

    cooldown_seconds = 0

    def clean_phone(self) -> str:
        from allauth.core import context

        from .sms_codes import LOGIN_CODE, code_wait_message, code_wait_seconds

        try:
            return super().clean_phone()
        except ValidationError as error:
            phone = self.cleaned_data.get("phone")
            if getattr(error, "code", None) != "too_many_login_attempts" or not phone:
                raise
            self.cooldown_seconds = code_wait_seconds(context.request, phone=phone, action=LOGIN_CODE)
            if not self.cooldown_seconds:
                raise
            raise ValidationError(code_wait_message(self.cooldown_seconds), code="sms_code_wait") from None


class ChangePhoneForm(AllauthChangePhoneForm):
    """Adding or changing the mobile number (issue 20). One number, one account: a signed-in member
    asking for a number another account uses is told so (allauth would send that account's owner a
    code for the asker's session). Staff keep e-mail + password + TOTP and add none."""

    def clean_phone(self) -> str:
        if self.user.is_staff:
            raise ValidationError(_("Staff accounts sign in with e-mail, password and their authenticator only."))
        phone = super().clean_phone()
        if self.account_already_exists:
            raise get_adapter().validation_error("phone_taken")
        return phone
