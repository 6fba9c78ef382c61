"""Embedded mode (`make run`): SQLite, Celery on kombu's filesystem transport,
database cache; no other service needed. Safe defaults only for a laptop."""

import os
from pathlib import Path

VAR_DIR = Path(__file__).resolve().parent.parent.parent / "var"

# DEBUG off by default, so `make run` shows the product's own 404/403/500 pages in the user's
# language (issue 21), not Django's developer pages; DJANGO_DEBUG=true brings those back.
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "embedded-demo-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jianzhi.sqlite3'}")
# Demo keys for the embedded mode only; production reads real ones from the environment.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "bG9jYWwtZGVtby1rZXktbm90LWZvci1wcm9kLTAwMDE=")
os.environ.setdefault("PII_HASH_KEY", "local-demo-pii-hash-key")
os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("SMS_BACKEND", "core.sms.ConsoleSmsBackend")  # SMS codes appear in the terminal

from .base import *  # noqa: E402,F403
from .base import DATABASES, DEBUG, LOCAL_CACHE, STATIC_ROOT  # noqa: E402

# Static files straight from the source folders (no collectstatic, no manifest), with DEBUG off too.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # empty: WhiteNoise warns when the folder is missing

DATABASES["default"].setdefault("OPTIONS", {})
# SQLite: wait for the worker's writes instead of failing with "database is locked".
DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "jianzhi_cache",
    },
    "local": LOCAL_CACHE,
}

_BROKER_DIR = VAR_DIR / "broker"
for _folder in ("out", "processed", "control"):
    (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_BROKER_DIR / "out"),
    "data_folder_out": str(_BROKER_DIR / "out"),
    "processed_folder": str(_BROKER_DIR / "processed"),
    "control_folder": str(_BROKER_DIR / "control"),
    "store_processed": False,
}

# The demo employer pays into escrow instantly (E5.1 sandbox).
PAYMENTS_SANDBOX = True
