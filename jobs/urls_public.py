"""Public routes: browse and search published jobs, and a job's page (S2.1, J2.1)."""

from django.urls import path

from .views import public

urlpatterns = [
    path("", public.job_list, name="list"),
    path("<int:pk>/", public.job_detail, name="detail"),
]
