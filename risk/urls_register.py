"""/credit/risk-register/: the risk register and its heat map (K1)."""

from django.urls import path

from . import views_register

urlpatterns = [
    path("risk-register/", views_register.risk_register, name="register"),
]
