"""The staff back office: Django's admin, reachable only by staff who signed in
with a second factor (TOTP), through allauth's login and MFA stage."""

from urllib.parse import urlencode

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def session_used_mfa(request: HttpRequest) -> bool:
    """True when this session's sign-in included a second factor, passed after
    the last reset of the user's authenticator by a manager (J3)."""
    records = get_authentication_records(request, request.user)
    reset_at = getattr(request.user, "second_factor_reset_at", None)
    floor = reset_at.timestamp() if reset_at else 0.0
    return any(record.get("method") == "mfa" and record.get("at", 0) > floor for record in records)


class JianzhiAdminSite(admin.AdminSite):
    site_header = _("Jianzhi back office")
    site_title = _("Jianzhi back office")
    index_title = _("Staff workspace")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and getattr(user, "kind", None) == "staff"
            and session_used_mfa(request)
        )

    def login(self, request: HttpRequest, extra_context=None):
        """Staff sign in through allauth so the TOTP stage cannot be skipped."""
        user = request.user
        next_url = request.GET.get("next") or reverse("admin:index")
        if user.is_authenticated and user.is_staff:
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                # MFA is required before any staff account can use the admin.
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            # Signed in without the second factor (e.g. before enrolling): sign in again.
            return HttpResponseRedirect(reverse("account_logout"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
