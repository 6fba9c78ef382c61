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
