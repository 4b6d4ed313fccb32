"""Settings of the roadmap portal.

Nothing set in the environment gives the embedded default: SQLite, Celery eager, local
memory cache. DATABASE_URL (or DB=postgres + DB_*) and REDIS_URL / CELERY_BROKER_URL pick
the production shape. Every variable is listed in .env.example.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .dates import implausible
from .env import database_from_env, env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# Off unless set: `make run` sets DEBUG=true for the embedded default. An unset DEBUG never
# serves Django's debug pages (URL list on a 404, tracebacks on a 500).
DEBUG = env_bool("DEBUG", False)
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (the development key is refused); "
        "for local development run with DEBUG=true (make run does)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "agencies.admin_site.PortalAdminConfig",  # django.contrib.admin, administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "template_partials",
    "axes",
    "csp",
    "agencies",
    "roadmaps",
    "indicators",
    "alerts",
    "reports",
    # last: loads the Celery app and every app's tasks once the apps above are ready
    "roadmap_portal.apps.PortalConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # below whitenoise: every response of the app (pages, API, downloads), not static files
    "roadmap_portal.middleware.ResponseHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "roadmap_portal.middleware.TextInputMiddleware",
    "roadmap_portal.middleware.ServiceRefusalMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "roadmap_portal.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "agencies.middleware.PortalLoginRequiredMiddleware",
    # last, as django-axes asks: it answers a locked-out login
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "roadmap_portal.urls"
WSGI_APPLICATION = "roadmap_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # the Russian number, percent and date filters (ru_formats) in every template
            "builtins": ["roadmap_portal.template_formats"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.context_processors.navigation",
                "alerts.context_processors.alerts",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down degrades to cache misses, never to an error page (roadmap_portal.cache)
            "BACKEND": "roadmap_portal.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "roadmap",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# how long the cached data of the region dashboards, the country overview and the index
# ranking live at most (seconds; 0 = no cache). Every write that changes them changes their
# data version (agencies.dataversion), so this bounds memory, not staleness.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 900)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account or address before the password check
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, records in the database so it works with Redis down):
# LOGIN_ATTEMPTS_LIMIT failures lock the account (from whatever addresses) and, separately,
# the address (whatever accounts) for LOGIN_ATTEMPTS_WINDOW seconds after the last failure.
LOGIN_ATTEMPTS_LIMIT = env_int("LOGIN_ATTEMPTS_LIMIT", 5)
LOGIN_ATTEMPTS_WINDOW = env_int("LOGIN_ATTEMPTS_WINDOW", 300)
AXES_ENABLED = True
# the database handler (works with Redis down), success forgiving the account only
AXES_HANDLER = "agencies.axes_handler.PortalAxesHandler"
AXES_FAILURE_LIMIT = LOGIN_ATTEMPTS_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(seconds=LOGIN_ATTEMPTS_WINDOW)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# behind a reverse proxy: the header it writes with the client's address (X-Real-IP or
# X-Forwarded-For); unset, REMOTE_ADDR (agencies.axes_handler.client_ip)
LOGIN_CLIENT_IP_HEADER = env_str("LOGIN_CLIENT_IP_HEADER")
AXES_CLIENT_IP_CALLABLE = "agencies.axes_handler.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agencies.views.login_locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept, with "locked out" marked
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded files (evidence, monitoring exports, generated reports) live outside the web
    # root and are served only through views that check access: there is no MEDIA_URL route.
    "default": {
        "BACKEND": "roadmap_portal.storage.PrivateStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private"), "base_url": "/private/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "private"
# Source maps are fetched only by a browser's developer tools: served as they are, not
# compressed at build time (Brotli at its default quality spent ~28 of collectstatic's
# ~60 s of CPU on the API documentation's two maps and their hashed copies).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# Upload limits (bytes). Requests above DATA_UPLOAD_MAX_MEMORY_SIZE without files are refused.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
MONITORING_UPLOAD_MAX_BYTES = env_int("MONITORING_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
# a region's roadmap document (DOCX, XLSX or CSV) uploaded for import
ROADMAP_UPLOAD_MAX_BYTES = env_int("ROADMAP_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# a cascade's progress file, the index inputs file, the admin's CSV/XLSX imports
# (every cap is checked by roadmap_portal.uploads, one message with the limit in МБ)
CASCADE_UPLOAD_MAX_BYTES = env_int("CASCADE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
INDEX_UPLOAD_MAX_BYTES = env_int("INDEX_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
ADMIN_IMPORT_MAX_BYTES = env_int("ADMIN_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Monitoring import: a count above this is refused as impossible for one organisation
# (the largest Russian universities and school complexes stay far below it).
MONITORING_MAX_COUNT = env_int("MONITORING_MAX_COUNT", 1_000_000)
# The first week a monitoring file may hold (ISO date); weeks before it are refused. A region
# without any week counts its staleness from it (indicators.staleness).
MONITORING_SEASON_START = env_str("MONITORING_SEASON_START") or "2025-01-01"


def _iso_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


# read here, so a typo stops the start instead of every page and alert that judges with it
_season_start = _iso_date(MONITORING_SEASON_START)
if _season_start is None or implausible(_season_start):
    raise ImproperlyConfigured(
        "MONITORING_SEASON_START must be an ISO date (YYYY-MM-DD) inside the portal's date "
        f"window (roadmap_portal.dates), e.g. 2025-01-01; got {MONITORING_SEASON_START!r}"
    )
# An XLSX whose XML would unpack past this is refused before reading (zip bombs).
XLSX_MAX_UNCOMPRESSED_BYTES = env_int("XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Reports generated in the background are kept this long, then `exports_cleanup` deletes them.
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)

# Celery: no broker configured means eager execution in-process (the embedded default).
_BROKER = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_BROKER_URL = _BROKER or "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not _BROKER)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3 * 3600)
# A worker that dies mid-task (SIGKILL, OOM) gives its message back instead of acking it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Jobs (monitoring imports, exports): hard time limit in seconds; the soft limit a minute
# earlier lets the job record why it stopped. `sweep_jobs` treats a job running longer as
# lost.
IMPORT_TIME_LIMIT = env_int("IMPORT_TIME_LIMIT", 2 * 3600)
EXPORT_TIME_LIMIT = env_int("EXPORT_TIME_LIMIT", 3600)
# A pending job whose task was published longer ago than this (or never: broker down) is
# published again by `sweep_jobs`; a second delivery of a job is a no-op.
JOBS_REQUEUE_AFTER_MINUTES = env_int("JOBS_REQUEUE_AFTER_MINUTES", 15)
# A job whose worker was lost this many times is failed instead of re-queued.
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)
# Long imports must not be redelivered while still running: Redis gives an unacknowledged
# message to another worker after the visibility timeout, so it must exceed every limit.
_LONGEST_JOB = max(CELERY_TASK_TIME_LIMIT, IMPORT_TIME_LIMIT, EXPORT_TIME_LIMIT)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", _LONGEST_JOB + 3600)
if _LONGEST_JOB >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT, IMPORT_TIME_LIMIT "
        "and EXPORT_TIME_LIMIT: a running job would be delivered a second time."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Separate queues: a national import or a big export never delays an overdue notice.
# Every task has its route here (tests/roadmap_portal/test_celery.py checks it): imports and
# the index recompute they trigger on "imports", reports on "exports", alert sync and
# notices on "notifications", the light sweeper on "default".
# A worker started without -Q consumes all of them (the embedded setup, CI); production runs
# one worker service per queue (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES: dict[str, dict] = {
    name: {} for name in ("default", "imports", "exports", "notifications")
}
CELERY_TASK_ROUTES = {
    "indicators.tasks.monitoring_import_task": {"queue": "imports"},
    "indicators.tasks.seeds_load_task": {"queue": "imports"},
    "indicators.tasks.index_recompute_region": {"queue": "imports"},
    "indicators.tasks.index_recompute_regions": {"queue": "imports"},
    "indicators.tasks.index_recompute_all": {"queue": "imports"},
    "reports.tasks.export_generate": {"queue": "exports"},
    "reports.tasks.exports_cleanup": {"queue": "exports"},
    "reports.tasks.subscriptions_send": {"queue": "exports"},  # builds the files
    "reports.tasks.jobs_sweep": {"queue": "default"},
    "alerts.tasks.alerts_sync_region": {"queue": "notifications"},
    "alerts.tasks.alerts_sync_regions": {"queue": "notifications"},
    "alerts.tasks.alerts_sync_monitoring": {"queue": "notifications"},
    "alerts.tasks.alerts_sync_all": {"queue": "notifications"},
    "alerts.tasks.digest_send_all": {"queue": "notifications"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "alerts-sync": {"task": "alerts.tasks.alerts_sync_all", "schedule": crontab(minute=5)},
    "index-recompute-nightly": {
        "task": "indicators.tasks.index_recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    "digest-daily": {
        "task": "alerts.tasks.digest_send_all",
        "schedule": crontab(hour=7, minute=0),
    },
    "exports-cleanup": {"task": "reports.tasks.exports_cleanup", "schedule": crontab(minute=40)},
    # finds lost, stuck and never-queued jobs (twin: manage.py sweep_jobs)
    "jobs-sweep": {"task": "reports.tasks.jobs_sweep", "schedule": crontab(minute="*/5")},
    # report subscriptions due at the hour (twin: manage.py send_subscriptions)
    "subscriptions-send": {
        "task": "reports.tasks.subscriptions_send",
        "schedule": crontab(minute="*/10"),
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@roadmap.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# MAX bot delivery (alerts.maxbot, alerts.notify): off unless a base URL is set.
MAX_BOT_API_URL = env_str("MAX_BOT_API_URL")
MAX_BOT_ENABLED = env_bool("MAX_BOT_ENABLED", False)
MAX_BOT_RATE_PER_CHAT = 2  # messages per second per chat (MAX bot API limit)
# The limit is shared through Redis (REDIS_URL) by every process. While Redis is unreachable
# each process sends to a chat at most MAX_BOT_RATE_PER_CHAT / MAX_BOT_SENDERS per second:
# set it to the processes that may send at once (notification worker replicas × concurrency).
MAX_BOT_SENDERS = env_int("MAX_BOT_SENDERS", 2)
if MAX_BOT_SENDERS < 1:
    raise ImproperlyConfigured("MAX_BOT_SENDERS must be at least 1")
MAX_BOT_RETRIES = env_int("MAX_BOT_RETRIES", 4)
# An alert notice claimed for sending longer ago than this lost its worker mid-send: it is
# failed with the reason, not sent again (it may have gone out) (alerts.notify).
NOTIFY_SEND_LEASE_MINUTES = env_int("NOTIFY_SEND_LEASE_MINUTES", 15)

# Report subscriptions (reports.subscriptions): a file up to this size is attached to the
# e-mail, a larger one is sent as a link; files are kept for the links this many days;
# a failed delivery is retried up to SUBSCRIPTION_MAX_ATTEMPTS times, waiting
# SUBSCRIPTION_RETRY_MINUTES doubled after each attempt; a delivery whose worker was lost
# is taken over after SUBSCRIPTION_LEASE_MINUTES.
SUBSCRIPTION_ATTACH_MAX_BYTES = env_int("SUBSCRIPTION_ATTACH_MAX_BYTES", 5 * 1024 * 1024)
SUBSCRIPTION_FILE_KEEP_DAYS = env_int("SUBSCRIPTION_FILE_KEEP_DAYS", 14)
SUBSCRIPTION_MAX_ATTEMPTS = env_int("SUBSCRIPTION_MAX_ATTEMPTS", 5)
SUBSCRIPTION_RETRY_MINUTES = env_int("SUBSCRIPTION_RETRY_MINUTES", 10)
SUBSCRIPTION_LEASE_MINUTES = env_int("SUBSCRIPTION_LEASE_MINUTES", EXPORT_TIME_LIMIT // 60 + 10)

# Monitoring data are stale when the newest week started more than this many days ago
# (indicators.staleness: alerts and both dashboards). ALERT_STALE_DAYS is its former name.
MONITORING_STALE_DAYS = env_int("MONITORING_STALE_DAYS", env_int("ALERT_STALE_DAYS", 14))

# Alerts (alerts.services / alerts.notify)
# A monitoring week with fewer organisations reported than this share of those expected is
# «неполная неделя»: shown with its coverage, never judged (indicators.coverage).
MONITORING_MIN_COVERAGE = Decimal(env_str("MONITORING_MIN_COVERAGE", "0.9"))
if not Decimal(0) < MONITORING_MIN_COVERAGE <= 1:
    raise ImproperlyConfigured("MONITORING_MIN_COVERAGE must be a share in (0, 1], e.g. 0.9")

ALERT_DUE_SOON_DAYS = env_int("ALERT_DUE_SOON_DAYS", 7)
ALERT_ESCALATION_DAYS = env_int("ALERT_ESCALATION_DAYS", 14)
ALERT_DROP_POINTS = env_int("ALERT_DROP_POINTS", 10)  # week-over-week fall, points
ALERT_TREND_WEEKS = env_int("ALERT_TREND_WEEKS", 8)  # weeks fitted for "at risk"
ALERT_CASCADE_TOLERANCE = env_int("ALERT_CASCADE_TOLERANCE", 5)  # points below schedule

# Approval of monitoring weeks (indicators.approval): a week is due for submission this many
# days after its Monday (region's local date); a submission waiting for approval longer than
# ALERT_APPROVAL_WAIT_DAYS days raises an alert.
APPROVAL_SUBMIT_DAYS = env_int("APPROVAL_SUBMIT_DAYS", 10)
ALERT_APPROVAL_WAIT_DAYS = env_int("ALERT_APPROVAL_WAIT_DAYS", 5)

# filters offer «Все» when nothing is chosen (django-filter's default is «---------»)
FILTERS_EMPTY_CHOICE_LABEL = "Все"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "roadmap_portal.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["roadmap_portal.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE_LIMIT", "600/min")},
    "EXCEPTION_HANDLER": "roadmap_portal.api.common.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API портала дорожных карт MAX",
    "DESCRIPTION": "Интеграция региональных информационных систем: см. docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # one name per choice set used by several fields (status, old_status, new_status …)
    "ENUM_NAME_OVERRIDES": {
        "MeasureStatusEnum": "roadmaps.choices.MeasureStatus",
        "UploadStatusEnum": "indicators.choices.UploadStatus",
        "ExportStatusEnum": "reports.choices_exports.ExportStatus",
    },
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# import and export in the admin need `<app>.import_<model>` / `<app>.export_<model>`
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

SESSION_COOKIE_HTTPONLY = True
# absolute lifetime of a session (seconds) …
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# … and the idle one: no request for this long logs the user out (IdleSessionMiddleware)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Permissions-Policy (roadmap_portal.middleware): the portal needs none of these features
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Content-Security-Policy (django-csp): scripts only from the portal's own static files, no
# inline script or event handler anywhere. Inline style attributes stay allowed: the bars
# and gauges of the dashboards set their widths in `style="width: …"`, and the admin and the
# API docs carry small <style> blocks; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],  # Redoc (API docs) searches in a worker
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CSRF_FAILURE_VIEW = "roadmap_portal.errors.csrf_failure"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("USE_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Health probes come over plain HTTP from inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login, logout, failure and lockout (user and address, never a
    # password) at INFO/WARNING; unexpected errors carry their reference (roadmap_portal.errors)
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every page it lays out at INFO; font and CSS problems are warnings
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
