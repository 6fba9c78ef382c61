"""Settlements under /pay/: the student's pay and payout methods, the employer's statements."""

from django.urls import path

from . import views

app_name = "settlements"

urlpatterns = [
    # ---- students (S4.1, S4.2)
    path("", views.student_home, name="student_home"),
    path("statements/<int:pk>/", views.student_statement, name="student_statement"),
    path("tax/<int:year>/", views.student_tax_statement, name="student_tax_statement"),
    path("methods/", views.payout_methods, name="payout_methods"),
    path("methods/<int:pk>/default/", views.payout_method_default, name="payout_method_default"),
    path("methods/<int:pk>/remove/", views.payout_method_remove, name="payout_method_remove"),
    # ---- payment disputes (S4.3)
    path("statements/<int:pk>/dispute/", views.student_dispute_open, name="student_dispute_open"),
    path("disputes/<int:pk>/withdraw/", views.student_dispute_withdraw, name="student_dispute_withdraw"),
    path("disputes/<int:pk>/evidence/", views.student_dispute_evidence, name="student_dispute_evidence"),
    # ---- employers (S4.1, F1)
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/statements/<int:pk>/", views.employer_statement, name="employer_statement"),
    path("employer/disputes/", views.employer_disputes, name="employer_disputes"),
    path("employer/disputes/<int:pk>/", views.employer_dispute, name="employer_dispute"),
    path("employer/disputes/<int:pk>/evidence/", views.employer_dispute_evidence, name="employer_dispute_evidence"),
]
