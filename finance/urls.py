"""Finance pages under /finance/: the employer's funding page (E5.1)."""

from django.urls import path

from . import views, views_expenses

app_name = "finance"

urlpatterns = [
    path("funding/", views.funding, name="funding"),
    path("funding/sandbox/", views.funding_sandbox, name="funding_sandbox"),
    path("refunds/", views.refunds_page, name="refunds"),
    # F1, F2: expense claims, budgets, the income and expenses report (staff pages)
    path("expenses/", views_expenses.claim_list, name="expenses"),
    path("expenses/new/", views_expenses.claim_new, name="expense_new"),
    path("expenses/budgets/", views_expenses.budgets, name="expense_budgets"),
    path("expenses/report/", views_expenses.report, name="expense_report"),
    path("expenses/<int:pk>/", views_expenses.claim_detail, name="expense_claim"),
    path("expenses/<int:pk>/approve/", views_expenses.claim_approve, name="expense_approve"),
    path("expenses/<int:pk>/reject/", views_expenses.claim_reject, name="expense_reject"),
    path("expenses/<int:pk>/pay/", views_expenses.claim_pay, name="expense_pay"),
    path("expenses/<int:pk>/receipts/<int:receipt_id>/", views_expenses.receipt, name="expense_receipt"),
]
