"""View decorators: pages about one object a user owns, and staff pages outside the admin."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User  # AUTH_USER_MODEL, as django-stubs resolves it

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind `login_required` (or another sign-in guard) receives:
    its user is signed in. For annotations; Django builds plain HttpRequests."""

    user: User


def signed_in_user(request: HttpRequest) -> User:
    """`request.user` behind a sign-in guard (the admin, `login_required`): refuses (403)
    an anonymous one instead of handing a service a user that is not one."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user


def owned_object(find: Callable[[Any, int], object], methods: Iterable[str]) -> Callable[[View], View]:
    """`find(user, pk)` (`request.user`, signed in where an outer decorator requires
    it) returns the user's object (or the row the view needs) or None. None is a
    404 — checked before the method, so a stranger learns nothing about the
    object — then a method outside `methods` is a 405. The view receives what
    `find` returned instead of the id."""
    methods = list(methods)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int) -> HttpResponseBase:
            found = find(request.user, pk)
            if found is None:
                raise Http404
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, found)

        return wrapper

    return decorate


def staff_page(
    permission: str | None = None, *, allowed: Callable[[Any], bool] | None = None
) -> Callable[[View], View]:
    """Signed-in staff who passed the second factor (the back office's own test);
    with `permission` (or the predicate `allowed(user)`), also holding it —
    checked before anything else, the method included. Anyone else: sign in, or 403.

    The only guard of staff pages outside the admin (J3): the access matrix finds
    them by the `staff_page` mark the wrapper carries, and probes each with staff
    who passed only the password stage or have no authenticator."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not admin.site.has_permission(request):
                raise PermissionDenied
            if permission and not request.user.has_perm(permission):
                raise PermissionDenied
            if allowed is not None and not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # A mark on the function object (read by the access matrix), which mypy does not model.
        wrapper.staff_page = {"permission": permission, "allowed": allowed}  # type: ignore[attr-defined]
        return wrapper

    return decorate


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as allauth's throttling sees it (behind the trusted proxy:
    ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER), for records such as an
    acceptance of the service agreement; None when it cannot be told."""
    from allauth.account.adapter import get_adapter

    try:
        address: str | None = get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None
    return address or None
