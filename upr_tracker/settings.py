"""
Django settings for UPR Tracker.

One module, configured by environment variables. The defaults make a fresh
checkout run with SQLite, tasks executed inline and e-mail printed to the
console (`make run`); production sets DATABASE_URL, CELERY_BROKER_URL,
SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and EMAIL_URL.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = envbool("DEBUG", "1")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the app refuses to start without one: "
            "set SECRET_KEY to a long random string, e.g. the output of "
            "python -c \"import secrets; print(secrets.token_urlsafe(50))\".")
    SECRET_KEY = "dev-only-insecure-key-change-me"
# Keys that are public (this repository's development key, Django's and the usual
# placeholders) or too short to resist guessing are refused when DEBUG is off: they
# sign sessions, password-reset links and CSRF tokens (issue 22).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_DENY_LIST = {
    "dev-only-insecure-key-change-me", "changeme", "change-me", "secret", "secret-key",
    "secretkey", "your-secret-key", "your-secret-key-here", "insecure", "django-insecure",
    "please-change-me", "abc", "test", "password", "notsecret", "development",
}
if not DEBUG:
    _key = SECRET_KEY.strip()
    if (_key.lower() in SECRET_KEY_DENY_LIST or _key.startswith("django-insecure")
            or "dev-only-insecure-key" in _key):
        raise ImproperlyConfigured(
            "SECRET_KEY is a published or placeholder key. With DEBUG off the app refuses "
            "to start on it: set SECRET_KEY to a long random string, e.g. the output of "
            "python -c \"import secrets; print(secrets.token_urlsafe(50))\".")
    if len(_key) < SECRET_KEY_MIN_LENGTH or len(set(_key)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too short or too simple ({len(_key)} characters, "
            f"{len(set(_key))} distinct). With DEBUG off the app refuses to start on a key "
            f"under {SECRET_KEY_MIN_LENGTH} characters: set SECRET_KEY to a long random "
            "string, e.g. the output of "
            "python -c \"import secrets; print(secrets.token_urlsafe(50))\".")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the
# default) trusts no header and uses the connection's address (REMOTE_ADDR); behind
# one proxy (nginx, a load balancer) set 1. Throttles and login lockouts count per
# address, so a wrong value lets a client pick its own address.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "accounts",
    "states",
    "reviews",
    "recommendations",
    "progress",
    "imports",
    "reminders",
    "front",
    "analysis",
]

# security.W002 looks for Django's XFrameOptionsMiddleware by name; ours (a subclass that
# steps aside on the data API) is checked by upr_tracker.W002 instead (upr_tracker/checks.py).
SILENCED_SYSTEM_CHECKS = ["security.W002"]

MIDDLEWARE = [
    "upr_tracker.ops.HealthCheckMiddleware",
    "upr_tracker.ops.RejectNulMiddleware",
    # API only (core.http): gzip, CORS for public reads, rate-limit headers.
    "core.http.ApiGZipMiddleware",
    "core.http.ApiCorsMiddleware",
    "core.http.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.i18n.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose process_view reads the body: over-size bodies are refused unread.
    "core.bodylimit.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.throttling.AnonymousPageThrottleMiddleware",
    # These four step aside on the data API (/api/v1/): see upr_tracker/ops.py.
    "upr_tracker.ops.ProfileLanguageMiddleware",
    "upr_tracker.ops.MessageMiddleware",
    "upr_tracker.ops.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "upr_tracker.ops.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "upr_tracker.urls"

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
                "accounts.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "upr_tracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a long import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database that does not answer fails the request in seconds (a 503 page, see
    # upr_tracker.ops), not after the TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", envint("DATABASE_CONNECT_TIMEOUT", 5))
    # JIT compilation costs more than it saves on this app's short queries (a 1,000-row
    # API page spent 610 of 633 ms compiling): off unless DATABASE_JIT=1.
    if os.environ.get("DATABASE_JIT", "0") != "1":
        DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses logins for a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes, on /accounts/login/, /admin/login/ and the API token
# endpoint): after AXES_FAILURE_LIMIT wrong passwords for one account, or from one
# address, further attempts are refused for AXES_COOLOFF_TIME hours. Attempts are
# kept in the database, so every worker sees them; an administrator unlocks in
# /admin/axes/ (delete the access attempts) or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same page, saying for how long (JSON with Retry-After on the API).
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "front:home"
LOGOUT_REDIRECT_URL = "front:home"

LANGUAGE_CODE = "en"
# The six official UN languages, in the UN's order. Adding one: README "Languages".
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
# Numbers grouped in the reader's language ("12 345", "12٬345", "12,345"); our formats
# fill what Django's Arabic and Chinese ones lack. Ids in templates go through
# `|stringformat:'s'` (tests/web_edit/test_issue23_gaps.py holds the templates to it).
FORMAT_MODULE_PATH = ["upr_tracker.formats"]
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Uploads: imports are bounded (see imports.readers).
IMPORT_MAX_UPLOAD_BYTES = envint("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Caps on what an import may expand to and hold, whatever its size on disk
# (imports.readers.files): per zip member, per archive, rows per file.
IMPORT_MAX_MEMBER_BYTES = envint("IMPORT_MAX_MEMBER_BYTES", 60 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 200_000)
# Per XML part of a .xlsx/.docx, counted while streaming before anything is built:
# paragraphs, and elements of any kind; per PDF, characters of extracted text.
IMPORT_MAX_PARAGRAPHS = envint("IMPORT_MAX_PARAGRAPHS", 100_000)
IMPORT_MAX_XML_ELEMENTS = envint("IMPORT_MAX_XML_ELEMENTS", 2_000_000)
IMPORT_MAX_PDF_CHARACTERS = envint("IMPORT_MAX_PDF_CHARACTERS", 10_000_000)
# An import runs in the Celery worker, never in a web request: killed after the soft
# limit (the job is marked failed with the reason); a job still "running" this long
# after it started is failed by the next scan.
IMPORT_TIME_LIMIT = envint("IMPORT_TIME_LIMIT", 15 * 60)
# The process running an import writes a heartbeat every IMPORT_HEARTBEAT_INTERVAL
# seconds; a "running" job silent for IMPORT_HEARTBEAT_TIMEOUT seconds lost its worker
# (killed, out of memory) and is failed: by its page as soon as it is looked at, and
# by the scan every minute.
# No statement of an import's transaction may run, nor the transaction sit idle, longer.
IMPORT_TRANSACTION_TIMEOUT = envint("IMPORT_TRANSACTION_TIMEOUT", 300)
IMPORT_HEARTBEAT_INTERVAL = float(os.environ.get("IMPORT_HEARTBEAT_INTERVAL", "5"))
IMPORT_HEARTBEAT_TIMEOUT = envint("IMPORT_HEARTBEAT_TIMEOUT", 60)
# Without a broker (development) the upload page imports only files this small,
# inline; larger files go through `manage.py import_recommendations`.
IMPORT_INLINE_MAX_BYTES = envint("IMPORT_INLINE_MAX_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body any view reads, from Content-Length, before reading it
# (core.bodylimit: 413 above it); views that take a file declare their own limit
# (imports: IMPORT_MAX_UPLOAD_BYTES, progress evidence: EVIDENCE_MAX_UPLOAD_BYTES).
REQUEST_MAX_BODY_BYTES = envint("REQUEST_MAX_BODY_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: EMAIL_URL=smtp://user:password@host:port (smtp+tls:// for STARTTLS),
# or EMAIL_HOST/EMAIL_PORT; with neither, messages go to the console.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in ("smtp+tls", "submission")
    EMAIL_USE_SSL = _email.scheme == "smtps"
elif "EMAIL_HOST" in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = envint("EMAIL_PORT", 25)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "UPR Tracker <noreply@localhost>")

# Celery: with no broker configured, tasks run inline so `make run` needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when the broker is down so web requests are not held up;
# the next reminder scan picks up whatever could not be queued.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "socket_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
# Imports have a queue of their own, served by a worker of their own (`make
# worker-imports`, compose `worker-imports`), so that similarity and reminder work
# never makes an upload wait, and an import never holds up the rest (issue 22).
CELERY_TASK_DEFAULT_QUEUE = "celery"
IMPORT_QUEUE = "imports"
CELERY_TASK_ROUTES = {"*.run_import_job": {"queue": IMPORT_QUEUE}}
# A worker child that has grown past this (KiB) after a task is replaced by a fresh one:
# a big import's memory is given back (prefork pool).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = envint("WORKER_MAX_MEMORY_PER_CHILD_KB", 400_000)
# Seconds between the first edit of a State's recommendations and the recomputation of
# its recurring links; edits meanwhile are folded into that one run.
LINK_RECURRING_DELAY = envint("LINK_RECURRING_DELAY", 10)
REMINDER_SCAN_HOUR = envint("REMINDER_SCAN_HOUR", 6)
REMINDER_SCAN_MINUTE = envint("REMINDER_SCAN_MINUTE", 0)
# Days before a deadline at which a reminder goes out; overdue items repeat weekly.
REMINDER_LEAD_DAYS = [
    int(d) for d in os.environ.get("REMINDER_LEAD_DAYS", "30,7,1").split(",") if d.strip()
]
REMINDER_OVERDUE_EVERY_DAYS = envint("REMINDER_OVERDUE_EVERY_DAYS", 7)
# Indicators (progress app): one reminder this many days before a due date, one when it
# is overdue, and one to the State's focal points once it is this many days overdue.
INDICATOR_REMINDER_DAYS = envint("INDICATOR_REMINDER_DAYS", 30)
INDICATOR_ESCALATE_DAYS = envint("INDICATOR_ESCALATE_DAYS", 14)
EVIDENCE_MAX_UPLOAD_BYTES = envint("EVIDENCE_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
# "Weekly digest" users get their collected reminders on this weekday (0 = Monday).
REMINDER_DIGEST_WEEKDAY = envint("REMINDER_DIGEST_WEEKDAY", 0)
# Seconds before the first retry of a digest the SMTP server refused; doubles each time.
REMINDER_RETRY_BACKOFF = envint("REMINDER_RETRY_BACKOFF", 60)
CELERY_BEAT_SCHEDULE = {
    "daily-reminder-scan": {
        "task": "reminders.tasks.scan_reminders",
        "schedule": crontab(hour=REMINDER_SCAN_HOUR, minute=REMINDER_SCAN_MINUTE),
    },
    "stale-import-scan": {
        "task": "imports.tasks.scan_import_jobs",
        "schedule": crontab(minute="*"),
    },
}

# CORS for read-only API requests (core.http): origins allowed, `*` for any.
CORS_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "*").split(",")
                        if o.strip()]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, with unknown tokens counted as anonymous requests (issue 22) and the
        # user and roles cached (no query per request, issue 24).
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["recommendations.permissions.RolePermission"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One throttle, three rates: anon < user < researcher (accounts.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.RoleRateThrottle"],
    # X-Forwarded-For is read only as far as TRUSTED_PROXY_COUNT proxies vouch for it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("THROTTLE_USER", "2000/minute"),
        "researcher": os.environ.get("THROTTLE_RESEARCHER", "10000/minute"),
    },
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "UPR Tracker API",
    "DESCRIPTION": (
        "Recommendations from the UN Universal Periodic Review, the States' responses, "
        "and what is done about them. Read access is public; writes need a token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.i18n.add_language_parameter",
        "core.schema.add_error_responses",
        "analysis.schema.add_list_filters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ImplementationStatusEnum": "recommendations.models.ImplementationStatus",
        "FollowUpActionStatusEnum": "recommendations.models.FollowUpActionStatus",
    },
}

# HTML lists show at most this many pages (core.pagination.CappedPaginator); the API's
# cursor and the exports reach every row.
HTML_MAX_PAGES = envint("HTML_MAX_PAGES", 20)
# HTML pages for anonymous visitors, per address (accounts.throttling); "" turns it off.
THROTTLE_ANON_PAGES = os.environ.get("THROTTLE_ANON_PAGES", "120/minute")
# Password-reset requests: per address, and per e-mail address asked for.
THROTTLE_PASSWORD_RESET = os.environ.get("THROTTLE_PASSWORD_RESET", "5/hour")

# API throttle counters live in the cache: with CACHE_URL (Redis) every worker and
# replica shares them; the per-process default is for development only (each
# gunicorn worker would count alone). `check --deploy` warns about it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}
if os.environ.get("CACHE_URL"):
    CACHES["default"] = {
        # Django's RedisCache, one client object per pool (core/cache.py).
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }

# Content-Security-Policy (django-csp): the pages load only their own scripts and
# styles (htmx is vendored under static/); no inline script, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "1")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"expected_refusal": {"()": "core.logging.ExpectedRefusalFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own default handler for "django" would print each record a second
        # time next to the root's: one handler, no propagation, so each line shows once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "INFO", "propagate": False,
                           "filters": ["expected_refusal"]},
    },
}

# Similarity of recommendations (recurring recommendations, tag suggestions):
# auto (the sentence model when the `semantic` extra is installed), lexical or semantic.
SIMILARITY_METHOD = os.environ.get("SIMILARITY_METHOD", "auto")
