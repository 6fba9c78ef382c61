"""Production: PostgreSQL, Redis, gunicorn; everything from the environment."""

from .base import *  # noqa: F403
from .base import DATABASES, LOCAL_CACHE, LOGGING, REDIS_URL, env

# JSON log lines (issue 22); LOG_FORMAT=plain for a terminal.
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
# Query counts and latency per database for /metrics: django-prometheus' wrapper of the backend.
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = "django_prometheus.db.backends.postgresql"

DEBUG = False
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
    },
    "local": LOCAL_CACHE,
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
# Sessions are read from Redis and written through to the database: the signed-in
# pages every student opens first skip a query (student_dashboard_rps_ratio in
# bench/). Nothing deletes session rows behind the cache's back (sign-out and a
# changed password go through the session store and the auth hash).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
