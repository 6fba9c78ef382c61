from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("robots.txt", views.robots, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("privacy/", views.privacy_policy, name="privacy_policy"),
    path("terms/", views.user_agreement, name="user_agreement"),
    path("licences/", views.operator_licences, name="licences"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("inbox/settings/", views.alert_preferences, name="alert_preferences"),
]
