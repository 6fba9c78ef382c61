"""View decorators: pages about one object a user owns, and staff pages outside the admin."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed


def owned_object(find, methods):
    """`find(user, pk)` returns the user's object (or the row the view needs) or
    None. None is a 404 — checked before the method, so a stranger learns nothing
    about the object — then a method outside `methods` is a 405. The view
    receives what `find` returned instead of the id."""
    methods = list(methods)

    def decorate(view):
        @wraps(view)
        def wrapper(request, pk: int):
            found = find(request.user, pk)
            if found is None:
                raise Http404
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, found)

        return wrapper

    return decorate


def staff_page(permission: str | None = None, *, allowed=None):
    """Signed-in staff who passed the second factor (the back office's own test);
    with `permission` (or the predicate `allowed(user)`), also holding it —
    checked before anything else, the method included. Anyone else: sign in, or 403.

    The only guard of staff pages outside the admin (J3): the access matrix finds
    them by the `staff_page` mark the wrapper carries, and probes each with staff
    who passed only the password stage or have no authenticator."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not admin.site.has_permission(request):
                raise PermissionDenied
            if permission and not request.user.has_perm(permission):
                raise PermissionDenied
            if allowed is not None and not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.staff_page = {"permission": permission, "allowed": allowed}
        return wrapper

    return decorate
