"""Back-office pages under /finance/expenses/ (their addresses from before the
back office left finance): expense claims, budgets, the income and expenses report (F1, F2)."""

from django.urls import path

from . import views

app_name = "backoffice"

urlpatterns = [
    path("expenses/", views.claim_list, name="expenses"),
    path("expenses/new/", views.claim_new, name="expense_new"),
    path("expenses/budgets/", views.budgets, name="expense_budgets"),
    path("expenses/report/", views.report, name="expense_report"),
    path("expenses/<int:pk>/", views.claim_detail, name="expense_claim"),
    path("expenses/<int:pk>/approve/", views.claim_approve, name="expense_approve"),
    path("expenses/<int:pk>/reject/", views.claim_reject, name="expense_reject"),
    path("expenses/<int:pk>/pay/", views.claim_pay, name="expense_pay"),
    path("expenses/<int:pk>/receipts/<int:receipt_id>/", views.receipt, name="expense_receipt"),
]
