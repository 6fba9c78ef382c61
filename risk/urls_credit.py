"""The credit pages (K3.1): my score and history, and the public formula."""

from django.urls import path

from . import views_credit

urlpatterns = [
    path("", views_credit.credit_home, name="credit_home"),
    path("how-it-works/", views_credit.credit_how_it_works, name="credit_how_it_works"),
]
