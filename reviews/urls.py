"""Reviews under /reviews/: each side's reviews, the review form and answers."""

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    # ---- students (S5.1)
    path("", views.student_home, name="student_home"),
    path("engagements/<int:pk>/write/", views.student_write, name="student_write"),
    # ---- employers (E6.1)
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/engagements/<int:pk>/write/", views.employer_write, name="employer_write"),
    # ---- either side: the reviewee's answer (a reader's report is moderation's: moderation:report_review)
    path("<int:pk>/reply/", views.reply, name="reply"),
]
