"""allauth hooks: the account kind comes from the sign-up page used; the
messages of sign-in throttling; staff keep their second factor (J3); the
mobile number and its SMS codes (issue 20)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.phones import cn_mobile_e164
from core.sms import SmsTemplate, sms_send


class CnMobileLoginField(forms.CharField):
    """allauth's phone field, for mainland mobile numbers typed as people write
    them ('138 0013 8000'); cleaned to E.164 (issue 20)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "138 0013 8000", "autocomplete": "tel",
                                                           "type": "tel", "inputmode": "tel"}))
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return cn_mobile_e164(value) if value else value


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The failed-password limit must not lock the owner out (J3): point them to the way in an attacker
        # who only knows the address does not have.
        "too_many_password_attempts": _(
            "Too many failed attempts to sign in. If this is your account, sign in with a one-time code sent "
            "to its e-mail address (“Send me a sign-in code” below); otherwise try again in a few minutes."
        ),
        "phone_taken": _("Another account already uses this mobile number."),
        "unknown_phone": _("No account uses this mobile number."),
    }

    def save_user(self, request, user, form, commit=True):
        user.kind = getattr(form, "user_kind", "student")
        user.language = translation.get_language() or "zh-hans"
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email or None  # a sign-up by mobile number only (issue 20): no address, not ""
        if commit:
            user.save()
        return user

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with the e-mail stage that lets an account without an address through once
        its number is verified (accounts.stages, issue 20)."""
        return ["accounts.stages.EmailVerificationStage" if path == "allauth.account.stages.EmailVerificationStage"
                else path for path in super().get_login_stages()]

    def pre_authenticate(self, request, **credentials):
        """allauth's failed-password limits (per address, per account), with our message."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                raise self.validation_error("too_many_password_attempts") from None
            raise

    def get_login_redirect_url(self, request):
        return reverse("accounts:dashboard")

    # ---------------------------------------------------------------- the mobile number (issue 20)
    def phone_form_field(self, **kwargs):
        return CnMobileLoginField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return cn_mobile_e164(phone)

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone(self, user, phone: str, verified: bool) -> None:
        from .services import user_phone_set

        user_phone_set(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone: str) -> None:
        from .services import user_phone_set

        user_phone_set(user=user, phone=phone, verified=True)

    def get_user_by_phone(self, phone: str):
        from .selectors import user_by_phone

        return user_by_phone(phone)

    def _limit_resent_login_code(self, key: str) -> None:
        """allauth's "Request new code" on the sign-in code page sends without the limits the first request
        went through (allauth 65.22.1): count it against the same ones. A refusal raises RateLimited before
        anything is sent or the new code stored; the page reports it (add_message, with the time left)."""
        request = self.request
        match = getattr(request, "resolver_match", None)
        if (request is not None and request.method == "POST" and match is not None
                and match.url_name == "account_confirm_login_code"):
            ratelimit.consume(request, action="request_login_code", key=key.lower(), raise_exception=True)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix == "account/email/login_code":
            self._limit_resent_login_code(email)
        super().send_mail(template_prefix, email, context)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        self._limit_resent_login_code(phone)
        sms_send(phone=phone, template=SmsTemplate.VERIFICATION_CODE, params={"code": code},
                 recipient=user if getattr(user, "pk", None) else None)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Changing the mobile number asks for the password (or a code) again first (issue 20): it is a way
        into the account. allauth's other account pages keep their own setting."""
        match = getattr(self.request, "resolver_match", None)
        if match is not None and match.url_name == "account_change_phone":
            return True
        return super().is_reauthentication_required(app=app, **kwargs)

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="",
                    message=None) -> None:
        """allauth's "Be patient…" for a refused "Request new code" says how long to wait (issue 20)."""
        if message is not None and str(message) == str(self.error_messages["rate_limited"]):
            from .sms_codes import code_wait_message, code_wait_seconds, phone_being_verified

            being_verified = phone_being_verified(request)
            if being_verified is not None:
                phone, action = being_verified
                seconds = code_wait_seconds(request, phone=phone, action=action)
                if seconds:
                    message = code_wait_message(seconds)
        super().add_message(request, level, message_template=message_template, message_context=message_context,
                            extra_tags=extra_tags, message=message)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        sms_send(phone=phone, template=SmsTemplate.UNKNOWN_ACCOUNT)

    def send_account_already_exists_sms(self, phone: str) -> None:
        """One number, one account: another account asked for this number; its owner is told."""
        sms_send(phone=phone, template=SmsTemplate.ACCOUNT_EXISTS, recipient=self.get_user_by_phone(phone))


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Staff cannot switch off their own two-factor authentication. If you lost your authenticator, "
            "ask a manager to reset it."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff keep their second factor; a manager resets it when needed, logged (J3)."""
        return not authenticator.user.is_staff
