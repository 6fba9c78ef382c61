from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("report/job/<int:job_id>/", views.report_job, name="report_job"),
    path("report/employer/<int:employer_id>/", views.report_employer, name="report_employer"),
    path("report/student/<int:profile_id>/", views.report_student, name="report_student"),
    path("report/review/<int:review_id>/", views.report_review, name="report_review"),
]
