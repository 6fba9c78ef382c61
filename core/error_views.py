"""The error pages (400, 403, 404, 500 and a refused CSRF check) in the site's layout and the
user's language: each says what happened and what to do next (issue 21). Django's own pages are
plain English and, under DEBUG, developer pages; config.urls points its handlers here.

The 500 page renders without a request context: the context processors read the database (the
inbox count) and the database may be what failed."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/404.html", 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: usually a form left open past its session, or cookies switched off."""
    return _render(request, "errors/csrf.html", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(loader.render_to_string(template, {"status": status}, request=request), status=status)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's rate limits answer 429 through config.urls.handler429 (issue 20: a number changed too often)."""
    return _render(request, "errors/429.html", 429)
