from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("employer/", include("employers.urls")),
    path("jobs/", include("jobs.urls")),
    path("work/", include("applications.urls")),
    path("pay/", include("settlements.urls")),
    path("finance/", include("finance.urls")),
    path("finance/", include("settlements.urls_funding")),  # the funding page keeps its address
    path("finance/", include("backoffice.urls")),  # expense claims keep their addresses
    path("reviews/", include("reviews.urls")),
    path("credit/", include("risk.urls")),
    path("moderation/", include("moderation.urls")),
    path("support/", include("support.urls")),
    path("ops/", include("operations.urls")),
]

# Error pages in the site's layout and the user's language (issue 21); core.error_views.
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
handler429 = "core.error_views.too_many_requests"  # read by allauth's rate limits, not by Django
