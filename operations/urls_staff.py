"""Staff management (P3): appraisals for managers, one's own appraisals, suggestions."""

from django.urls import path

from . import views_staff

urlpatterns = [
    path("staff/", views_staff.staff_list, name="staff_list"),
    path("staff/<int:pk>/appraise/", views_staff.staff_appraise, name="staff_appraise"),
    path("me/", views_staff.my_appraisals, name="my_appraisals"),
    path("suggestions/", views_staff.suggestion_list, name="suggestions"),
    path("suggestions/new/", views_staff.suggestion_new, name="suggestion_new"),
]
