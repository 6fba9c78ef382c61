"""Back-office pages under /finance/expenses/ (their addresses from before the
back office left finance): expense claims, budgets, the income and expenses report (F1, F2);
and the employer's fees and invoices under /finance/fees/ (F1, E5)."""

from django.urls import path

from . import views, views_invoices

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
    # The employer's fees and invoices (F1, E5).
    path("fees/", views_invoices.employer_fees, name="employer_fees"),
    path("fees/statement/", views_invoices.employer_fee_statement, name="employer_fee_statement"),
    path("fees/invoices/<int:pk>/statement/", views_invoices.employer_invoice_statement,
         name="employer_invoice_statement"),
]
