"""/credit/: a user's credit score and its history, the published formula, sanctions and appeals."""

from .urls_credit import urlpatterns as credit_urlpatterns
from .urls_sanctions import urlpatterns as sanction_urlpatterns

app_name = "risk"
urlpatterns = [*credit_urlpatterns, *sanction_urlpatterns]
