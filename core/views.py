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


def operator_licences(request: HttpRequest) -> HttpResponse:
    """Deliberately public: the operator's business licence and HR service licence (《网络招聘服务管理规定》)."""
    return render(request, "core/licences.html")


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(request.user.notifications.all(), 20).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    notifications_mark_read(user=request.user)
    return redirect("core:inbox")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site whatever the page links: send them to
    the static file (long-cached, fingerprinted by the storage) instead of a 404."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    return redirect(staticfiles_storage.url("favicon.ico"), permanent=True)


@login_required
def alert_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Issue 20: the signed-in user's channels per kind of event."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from .alerts import alert_channels_all, alert_preferences_set
    from .forms import AlertPreferencesForm

    form = AlertPreferencesForm(request.POST or None, initial_channels=alert_channels_all(request.user))
    if request.method == "POST" and form.is_valid():
        alert_preferences_set(user=request.user, choices=form.choices())
        messages.success(request, _("Your alert settings are saved."))
        return redirect("core:alert_preferences")
    has_phone = bool(getattr(request.user, "phone_verified", False))
    return render(request, "core/alert_preferences.html", {"form": form, "has_phone": has_phone})


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
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from .observability import metrics_registry

    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
