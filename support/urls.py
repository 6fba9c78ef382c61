"""Customer service for users under /support/: their tickets, a new ticket, the FAQ."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("<int:pk>/", views.ticket_detail, name="ticket"),
    path("faq/", views.faq, name="faq"),
    path("faq/suggest/", views.faq_suggest, name="faq_suggest"),
]
