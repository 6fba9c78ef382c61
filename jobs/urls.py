"""All jobs routes under one namespace: public browsing and employer management."""

from .urls_employer import urlpatterns as employer_urlpatterns
from .urls_public import urlpatterns as public_urlpatterns

app_name = "jobs"

urlpatterns = [*public_urlpatterns, *employer_urlpatterns]
