"""Finance pages under /finance/: the employer's funding page (E5.1)."""

from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("funding/", views.funding, name="funding"),
    path("funding/sandbox/", views.funding_sandbox, name="funding_sandbox"),
    path("refunds/", views.refunds_page, name="refunds"),
]
