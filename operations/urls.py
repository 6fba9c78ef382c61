"""/ops/: staff pages of operations (daily check, weekly report, campaigns) and of staff management (P3)."""

from .urls_health import urlpatterns as health_urlpatterns
from .urls_staff import urlpatterns as staff_urlpatterns

app_name = "operations"
urlpatterns = [*health_urlpatterns, *staff_urlpatterns]
