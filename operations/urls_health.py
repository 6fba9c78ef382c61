"""/ops/ pages of operations (P2.1): daily check, weekly reports, campaigns (H6)."""

from django.urls import path

from . import views_health as views

urlpatterns = [
    path("health/", views.health_page, name="health"),
    path("health/run/", views.health_run, name="health_run"),
    path("health/sign-off/", views.health_sign_off, name="health_sign_off"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<str:week>/", views.report_detail, name="report"),
    path("reports/<str:week>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
]
