"""allauth hooks: the account kind comes from the sign-up page used; the
messages of sign-in throttling; staff keep their second factor (J3)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The failed-password limit must not lock the owner out (J3): point them to the way in an attacker
        # who only knows the address does not have.
        "too_many_password_attempts": _(
            "Too many failed attempts to sign in. If this is your account, sign in with a one-time code sent "
            "to its e-mail address (“Send me a sign-in code” below); otherwise try again in a few minutes."
        ),
    }

    def save_user(self, request, user, form, commit=True):
        user.kind = getattr(form, "user_kind", "student")
        user.language = translation.get_language() or "zh-hans"
        return super().save_user(request, user, form, commit=commit)

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
