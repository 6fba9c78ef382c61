from django.urls import path

from . import views

app_name = "employers"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("", views.dashboard, name="dashboard"),
    path("organisation/", views.organisation, name="organisation"),
    path("members/", views.members, name="members"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("verification/", views.verification, name="verification"),
    path("<int:employer_id>/documents/<str:field>/", views.document, name="document"),
    path("account/delete/", views.account_delete, name="account_delete"),
]
