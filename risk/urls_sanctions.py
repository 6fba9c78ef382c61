"""/credit/sanctions/: the user's sanctions and the appeal form (E4.2)."""

from django.urls import path

from . import views_sanctions as views

urlpatterns = [
    path("sanctions/", views.sanctions_home, name="sanctions"),
    path("sanctions/<int:pk>/appeal/", views.appeal_file, name="appeal_file"),
]
