from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("registration/", views.profile_edit, name="profile_edit"),
    path("verification/", views.verification, name="verification"),
    path("documents/<int:verification_id>/<str:field>/", views.own_document, name="own_document"),
    path("guardian-consent/", views.guardian_consent, name="guardian_consent"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.data_export, name="data_export"),
    path("privacy/delete/", views.account_delete, name="account_delete"),
]
