"""Test settings: the production database and cache (PostgreSQL + Redis)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jianzhi")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1uZXZlci1pbi1wcm9kLTAwMDE=")
os.environ.setdefault("PII_HASH_KEY", "test-pii-hash-key")

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, DATABASES, LOCAL_CACHE, REDIS_URL  # noqa: E402

# UTF-8 ctype so pg_trgm indexes Chinese; TEST_DB_NAME lets parallel runs keep apart.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_jianzhi"), "TEMPLATE": "template0",
                                "CHARSET": "UTF8"}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.rsplit("/", 1)[0] + "/15",
        "KEY_PREFIX": f"test-{os.getpid()}",
    },
    "local": LOCAL_CACHE,
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "core.sms.LocmemSmsBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Rate limits are tested explicitly where they matter; elsewhere they would only
# make tests depend on each other through the shared cache.
ACCOUNT_RATE_LIMITS = False
LANGUAGE_CODE = "zh-hans"

# The replica alias as a test mirror of the test database (issue 22): the router's tests
# turn REPLICA_DATABASE_ALIAS on in transactional tests (a mirror is another connection,
# so it sees committed rows only); every other test reads from the primary.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
REPLICA_DATABASE_ALIAS = None
