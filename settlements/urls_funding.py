"""The employer's funding page at its address /finance/funding/ (E5.1, E5.2): it
reads settlements (what is due, what escrow must keep), so it is settlements'."""

from django.urls import path

from . import views_funding

app_name = "funding"

urlpatterns = [
    path("funding/", views_funding.funding, name="page"),
    path("funding/sandbox/", views_funding.funding_sandbox, name="sandbox"),
]
