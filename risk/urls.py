"""/credit/: a user's credit score and its history, the published formula, sanctions and appeals,
and the staff risk register (K1)."""

from .urls_credit import urlpatterns as credit_urlpatterns
from .urls_register import urlpatterns as register_urlpatterns
from .urls_sanctions import urlpatterns as sanction_urlpatterns

app_name = "risk"
urlpatterns = [*credit_urlpatterns, *sanction_urlpatterns, *register_urlpatterns]
