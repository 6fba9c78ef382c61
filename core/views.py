"""Public pages (home, legal texts, health) and the user's inbox."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from .access import AuthenticatedHttpRequest
from .notifications import notifications_mark_read


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and the benchmark's floor: the full middleware stack, one cheap query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def privacy_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy_policy.html")


def user_agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "core/user_agreement.html")


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 20).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    notifications_mark_read(user=request.user)
    return redirect("core:inbox")


def robots(request: HttpRequest) -> HttpResponse:
    return HttpResponse("User-agent: *\nDisallow: /admin/\nDisallow: /me/\nDisallow: /employer/\n",
                        content_type="text/plain")


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (issue 22) for the scraper holding METRICS_TOKEN; a 404 to anyone else
    and whenever no token is configured. Aggregates only, no personal data."""
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    given = request.headers.get("Authorization", "").encode()
    if not settings.METRICS_TOKEN or not hmac.compare_digest(given, expected):
        raise Http404
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)
