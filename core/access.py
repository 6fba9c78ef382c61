"""View decorators for pages about one object a user owns."""

from functools import wraps

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
