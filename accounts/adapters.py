"""allauth hooks: the account kind comes from the sign-up page used."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user.kind = getattr(form, "user_kind", "student")
        user.language = translation.get_language() or "zh-hans"
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        return reverse("accounts:dashboard")
