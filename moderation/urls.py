from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("report/job/<int:job_id>/", views.report_job, name="report_job"),
]
