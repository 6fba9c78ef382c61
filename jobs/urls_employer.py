"""Employers manage their own jobs under /jobs/mine/ (E2.1, J1, J2.2)."""

from django.urls import path

from .views import employer as views

urlpatterns = [
    path("mine/", views.job_list, name="employer_jobs"),
    path("mine/new/", views.job_new, name="employer_job_new"),
    path("mine/screen/", views.job_screen, name="employer_job_screen"),
    path("mine/<int:pk>/", views.job_detail, name="employer_job"),
    path("mine/<int:pk>/edit/", views.job_edit, name="employer_job_edit"),
    path("mine/<int:pk>/submit/", views.job_submit, name="employer_job_submit"),
    path("mine/<int:pk>/pause/", views.job_pause, name="employer_job_pause"),
    path("mine/<int:pk>/resume/", views.job_resume, name="employer_job_resume"),
    path("mine/<int:pk>/close/", views.job_close, name="employer_job_close"),
    path("mine/<int:pk>/delete/", views.job_delete, name="employer_job_delete"),
    path("mine/<int:pk>/confirm/", views.job_confirm_current, name="employer_job_confirm"),
    path("mine/<int:pk>/insurance/", views.job_insurance, name="employer_job_insurance"),
]
