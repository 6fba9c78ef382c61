from django.urls import path

app_name = "jobs"

# Filled by the jobs views (public browse/search, employer job management).
urlpatterns: list = []
