"""Settings shared by every way of running Jianzhi.

Configuration comes from the environment only (django-environ); `.env.example`
documents every variable. The three entry points are `local` (embedded:
SQLite + filesystem broker, the default of `make run`), `test` (PostgreSQL +
Redis) and `production`.
"""

from pathlib import Path

import environ
import structlog
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from core.observability import scrub_event, sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# ------------------------------------------------------------------------------
# General
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_ID = 1
SITE_NAME = "兼职 Jianzhi"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The operator's licences, shown in every page's footer and on /licences/ (《网络招聘服务管理规定》,
# 人社部令第44号: a platform offering online recruitment services keeps its 人力资源服务许可证 and
# 营业执照 on public display). Placeholders until the real documents are configured; docs/recruitment-rules.md.
OPERATOR_COMPANY_NAME = env("OPERATOR_COMPANY_NAME", default="兼职平台示例有限公司（示例）")
OPERATOR_CREDIT_CODE = env("OPERATOR_CREDIT_CODE", default="91110000000000000X（示例）")
OPERATOR_HR_LICENCE_NO = env("OPERATOR_HR_LICENCE_NO", default="（示例）人服证字〔2026〕第000号")
OPERATOR_HR_LICENCE_AUTHORITY = env("OPERATOR_HR_LICENCE_AUTHORITY", default="（示例）市人力资源和社会保障局")
OPERATOR_HR_LICENCE_VALID_UNTIL = env("OPERATOR_HR_LICENCE_VALID_UNTIL", default="")
# The Site row allauth's e-mails name (not Django's example.com): set by core's migration
# 0015_site_domain_and_name from these; later changes in the admin under Sites (issue 21).
SITE_DOMAIN = env("SITE_DOMAIN", default="") or SITE_URL.split("://", 1)[-1].split("/", 1)[0]

TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "jianzhi_language"

# ------------------------------------------------------------------------------
# Apps
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "config.apps.JianzhiAdminConfig",  # the admin, with MFA required for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_fsm",
    "phonenumber_field",
    "django_structlog",
    "django_prometheus",
]
LOCAL_APPS = [
    "core",
    "accounts",
    "employers",
    "jobs",
    "applications",
    "settlements",
    "finance",
    "backoffice",
    "reviews",
    "risk",
    "moderation",
    "support",
    "operations",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # /metrics: latency by view (issue 22)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (J3, see CONTENT_SECURITY_POLICY)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end when idle, at their absolute limit and with the browser (J3).
    "accounts.staff_sessions.StaffSessionMiddleware",
    # Suspended or terminated users may read, not act (E4.2): after auth and messages.
    "risk.middleware.SuspensionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "operations.middleware.CampaignLinkMiddleware",  # P2.1 campaigns: only acts on ?c=<campaign code>
    # A request id on every log event of the request and of the Celery tasks it schedules (issue 22).
    "core.request_log.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database and cache
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A streaming replica (issue 22, docs/scaling.md): staff reports and exports read there inside
# core.replica.using_replica(); everything else, and every write, stays on the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPLICA_DATABASE_ALIAS = "replica" if "replica" in DATABASES else None
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

# allauth's rate limits and the TOTP used-code markers live in the cache, so it
# must be shared by every process (web workers, Celery): Redis in production,
# the database table in the embedded mode.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Per-process memory for small, slow-changing, non-personal fragments (the job
# list's facets and filter form): a Redis round trip costs more than they do.
LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jianzhi-local",
               "OPTIONS": {"MAX_ENTRIES": 2000}}

# ------------------------------------------------------------------------------
# Auth
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends, reading the signed-in user with precompiled SQL.
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.StudentSignupForm", "change_phone": "accounts.forms.ChangePhoneForm",
                 "request_login_code": "accounts.forms.RequestLoginCodeForm"}
# Issue 20: students and employer members also sign in with a mainland mobile number (password or a
# one-time SMS code). Students may sign up with a number only (no e-mail, no password), employer
# members with a number and their e-mail; the sign-up forms choose their fields
# (accounts.forms.BaseSignupForm), and the list below only satisfies allauth's check that
# mandatory e-mail verification has an e-mail field. An account without an address skips the e-mail
# stage once its number is verified (accounts.stages). Staff never have a number
# (accounts.adapters refuses it), so they keep e-mail + password + TOTP.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[兼职 Jianzhi] "
SMS_CODE_COOLDOWN_SECONDS = 60
SMS_CODE_RATE_LIMIT = "1/60s/key,5/h/key,10/d/key,20/h/ip,50/d/ip"
ACCOUNT_RATE_LIMITS = {
    # Per address and per account (J3). The per-account limit alone would let anyone lock an owner out
    # by typing wrong passwords for their e-mail, so the owner keeps a way in the attacker lacks: a
    # one-time code sent to the account's e-mail (staff then still enter their TOTP code).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    # SMS codes (issue 20), keyed on the number ("key"), the client address ("ip") and the signed-in
    # user: a 60-second cool-down per number, then at most 5 an hour and 10 a day per number, and
    # 20 an hour / 50 a day per address. Codes expire after 5 minutes and are single-use (below).
    "request_login_code": SMS_CODE_RATE_LIMIT,
    "verify_phone": SMS_CODE_RATE_LIMIT,
    "change_phone": "1/m/user,5/d/user",
}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
# "Request new code" on the sign-in code page (at most 2), held to the same limits as the first
# request (accounts.adapters.AccountAdapter._limit_resent_login_code).
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 5 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True
# The client address that keys the per-address limits. Behind the reverse proxy every request comes
# from the proxy: trust the header it sets (e.g. X-Real-IP), or count the proxies we run in front of
# X-Forwarded-For. Neither is trusted by default, since a client can send any header it likes.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Jianzhi"
# Staff sessions (J3): they end after this long without a request, after this long in all, and when
# the browser closes ("remember me" does not apply to staff). Students and employers keep the
# two-week session they ask for with "remember me".
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_MINUTES", default=30) * 60
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_HOURS", default=12) * 60 * 60
# The data export (full ID number) asks for the password again unless typed within this many seconds (J3.2).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# ------------------------------------------------------------------------------
# Static and uploaded files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},  # WhiteNoise's, URLs memoized
}
# Uploaded documents are private: they live outside STATIC_ROOT with no MEDIA_URL
# route at all, and reach a browser only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Spreadsheet uploads (bank statements, payout results) are zip archives: checked by
# core.uploads.xlsx_archive_check before openpyxl opens them (J3.1), since a 330 KB
# workbook can expand to 136 MB of shared strings. A real statement of 20,000 rows
# unpacks to a few MB in about a dozen parts, compressed 5-20 times.
XLSX_MAX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024
XLSX_MAX_MEMBERS = 100
XLSX_MAX_COMPRESSION_RATIO = 100  # for parts over 1 MB; smaller ones cannot hurt whatever their ratio
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# ------------------------------------------------------------------------------
# Personal data (J3, PIPL)
# ------------------------------------------------------------------------------
# Fernet keys, newest first. Rotating: prepend a new key, run
# `manage.py rotate_encryption_keys`, then drop the old key.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
# HMAC key for the uniqueness hash of ID numbers; never rotate it in place.
PII_HASH_KEY = env("PII_HASH_KEY")

# ------------------------------------------------------------------------------
# Backups (K5): `manage.py backup` / `restore_check` (docs/backups.md)
# ------------------------------------------------------------------------------
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(VAR_DIR / "backups")))
# Fernet key for backup files; empty: the first FIELD_ENCRYPTION_KEYS key. Keep a copy OFF the server.
BACKUP_ENCRYPTION_KEY = env("BACKUP_ENCRYPTION_KEY", default="")

# ------------------------------------------------------------------------------
# Money in (E5.1)
# ------------------------------------------------------------------------------
# The platform's settlement bank account, shown to employers with their funding
# reference. Placeholders until the real account is configured.
PLATFORM_BANK_NAME = env("PLATFORM_BANK_NAME", default="示例银行 Example Bank (placeholder)")
PLATFORM_BANK_ACCOUNT = env("PLATFORM_BANK_ACCOUNT", default="0000 0000 0000 0000 (placeholder)")
PLATFORM_BANK_ACCOUNT_NAME = env("PLATFORM_BANK_ACCOUNT_NAME", default="兼职平台 Jianzhi (placeholder)")
# "Pay now (sandbox)": employers fund escrow instantly with play money. Never in production.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=False)

# ------------------------------------------------------------------------------
# E-mail
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
# The embedded mode prints e-mails to the terminal instead of sending them.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
# Django's file-based backend (the chaos test counts the e-mails each worker really sent).
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="兼职 Jianzhi <noreply@jianzhi.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ------------------------------------------------------------------------------
# Text messages (issue 20; core.sms): Alibaba Cloud SMS in production, the console in `make run`,
# an in-memory outbox in the tests. The sign name and the template codes are those approved in the
# Alibaba Cloud console; each template's text must match core.sms.TEMPLATE_TEXTS.
# ------------------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="core.sms.AliyunSmsBackend")
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_ENDPOINT = env("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_TEMPLATES = {
    "verification_code": env("SMS_ALIYUN_TEMPLATE_VERIFICATION_CODE", default=""),
    "unknown_account": env("SMS_ALIYUN_TEMPLATE_UNKNOWN_ACCOUNT", default=""),
    "account_exists": env("SMS_ALIYUN_TEMPLATE_ACCOUNT_EXISTS", default=""),
    "alert": env("SMS_ALIYUN_TEMPLATE_ALERT", default=""),
    "guardian_hire": env("SMS_ALIYUN_TEMPLATE_GUARDIAN_HIRE", default=""),
}

# ------------------------------------------------------------------------------
# Celery
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Redis broker: a task a dead worker had taken (acks_late) goes back to its queue this many
# seconds after delivery (kombu's visibility timeout; a live worker's restore loop moves it).
# Every task is idempotent, so a run longer than this is merely run twice; the chaos test
# (tests/chaos) shortens it to see a killed worker's batch finish within its five minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such tasks: every interval seconds, really scanning every
    # throttle-th time (kombu's defaults, 10 and 10: about every 100 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
# Several beats, one scheduling (issue 22, `make cluster`, docker-compose): with
# CELERY_BEAT_SCHEDULER=redbeat.RedBeatScheduler the schedule lives in Redis behind a lock;
# a standby beat takes the lock within CELERY_REDBEAT_LOCK_TIMEOUT seconds of the active
# one dying. The default stays Celery's file scheduler (one beat: `make run`).
CELERY_BEAT_SCHEDULER = env("CELERY_BEAT_SCHEDULER", default="celery.beat:PersistentScheduler")
CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
CELERY_REDBEAT_KEY_PREFIX = "jianzhi:redbeat:"
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("CELERY_REDBEAT_LOCK_TIMEOUT", default=30)
CELERY_BEAT_MAX_LOOP_INTERVAL = 5 if "redbeat" in CELERY_BEAT_SCHEDULER else 300

# ------------------------------------------------------------------------------
# Security
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# A refused CSRF check explains itself in the site's layout and language (issue 21).
CSRF_FAILURE_VIEW = "core.error_views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): scripts only from our own static files, or an
# inline <script nonce="{{ request.csp_nonce }}"> (there are none today; data for the
# charts travels in json_script blocks, which are never executed); no inline event
# handlers, no eval, nothing framed, forms post only here. Style attributes stay allowed
# (style-src-attr): admin displays colour a cell with a constant style="" and Django
# admin's widgets build elements with style attributes; they run no code, and <style>
# elements and foreign style sheets stay refused. The QR code on the shift page is
# shown from a blob: URL (static/js/shift-qr.js). Private files set their own, stricter
# policy (core.uploads.serve_private_file), which the middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# ------------------------------------------------------------------------------
# Logging (issue 22): JSON events through structlog when LOG_FORMAT=json (production,
# `make cluster`), plain lines otherwise; personal data scrubbed from both
# (core.observability.scrub_event). The request id follows a request into its Celery tasks.
# ------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="plain")
_PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
_RENDER = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info,
           scrub_event]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": structlog.stdlib.ProcessorFormatter, "foreign_pre_chain": _PRE_CHAIN,
                 "processors": [*_RENDER, structlog.processors.JSONRenderer(ensure_ascii=False)]},
        "plain": {"()": structlog.stdlib.ProcessorFormatter, "foreign_pre_chain": _PRE_CHAIN,
                  "processors": [*_RENDER, structlog.dev.ConsoleRenderer(colors=False)]},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
structlog.configure(
    processors=[structlog.contextvars.merge_contextvars, structlog.stdlib.filter_by_level,
                *_PRE_CHAIN[1:], structlog.stdlib.PositionalArgumentsFormatter(),
                structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # an address is personal information

# ------------------------------------------------------------------------------
# Metrics and error reports (issue 22)
# ------------------------------------------------------------------------------
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, the route is a 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry_init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                release=env("SENTRY_RELEASE", default=""))

PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# Versions of the documents users consent to; bump when the text changes.
PRIVACY_POLICY_VERSION = "2026-11"
USER_AGREEMENT_VERSION = "2026-11"
SENSITIVE_DATA_CONSENT_VERSION = "2026-11"
# Job categories whose jobs need the employer's work-injury or accident cover before they are
# submitted (docs/insurance.md); jobs declaring physical work under art. 3 need it too.
INSURANCE_REQUIRED_CATEGORIES = env.list("INSURANCE_REQUIRED_CATEGORIES", default=["logistics", "events"])
# The guardian's consent for a student aged 16–17 (Civil Code art. 19; docs/minors.md).
GUARDIAN_CONSENT_VERSION = "2026-12"
