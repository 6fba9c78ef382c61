"""Finance pages under /finance/: the employer's refunds of unused escrow (E5.1).
(The funding page is settlements'; the expense pages the back office's.)"""

from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("refunds/", views.refunds_page, name="refunds"),
]
