"""Settings for the procurement desk.

Everything a deployment changes comes from the environment; the defaults run the product
for one person on one machine (SQLite and a filesystem broker under var/).
"""

import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from procurement.env import env_bool, env_int, env_int_list, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PROCUREMENT_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", True)


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off a real secret key is required; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. With DJANGO_DEBUG off, name the host names the site "
        "answers to, separated by commas, e.g. DJANGO_ALLOWED_HOSTS=procurement.example.ch"
    )
PORT = env_int("PORT", 8000)
# Links in e-mails: by default the address `make run` serves on.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "procurement.apps.ProcurementAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djmoney",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "procurement",
    "quotes",
]

MIDDLEWARE = [
    "procurement.middleware.RequestSizeLimitMiddleware",
    "procurement.middleware.WebStatementTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (compressed, hashed names) straight from the web server's processes.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the one chosen on the start page, else the browser's (Accept-Language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees every failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["procurement.templatetags.swiss"],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_url(
                "DATABASE_URL",
                f"sqlite:///{VAR_DIR / 'procurement.sqlite3'}",
                ("sqlite", "postgres", "postgresql", "pgsql"),
            ),
            conn_max_age=60,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Seconds a statement waits for another connection's write lock before it fails.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # A database that accepts connections but does not answer fails within seconds.
    DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
    if DATABASE_CONNECT_TIMEOUT < 1:
        raise ImproperlyConfigured(
            f"DATABASE_CONNECT_TIMEOUT must be 1 second or more; got {DATABASE_CONNECT_TIMEOUT}."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
# A web request's statement that runs longer than this is cancelled (PostgreSQL; 0: never).
# Celery tasks and management commands may run long and are not limited
# (procurement.middleware.WebStatementTimeoutMiddleware).
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 30)
if DATABASE_STATEMENT_TIMEOUT < 0:
    raise ImproperlyConfigured(
        f"DATABASE_STATEMENT_TIMEOUT must be 0 (no limit) or more seconds; "
        f"got {DATABASE_STATEMENT_TIMEOUT}."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: five failures for one user name from one address lock them out for an
# hour; a successful login resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind reverse proxies: how many there are in front of the application, each appending to
# X-Forwarded-For; the lockout then counts by the client's address, not the proxy's.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"DJANGO_TRUSTED_PROXY_COUNT must be 0 or more; got {TRUSTED_PROXY_COUNT}."
    )
AXES_CLIENT_IP_CALLABLE = "procurement.client_ip.client_ip"
# Two-factor login for the admin (TOTP, django-otp): on, staff log in with a code from
# their authenticator app; their device is registered in the admin under "TOTP devices".
ADMIN_REQUIRE_OTP = env_bool("DJANGO_ADMIN_OTP", False)
OTP_TOTP_ISSUER = "Procurement desk"

LANGUAGE_CODE = "en"
LANGUAGES = [("de", "Deutsch"), ("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Zurich"
USE_I18N = True
USE_TZ = True
# Swiss formats in every language (procurement/locale_formats/<language>/formats.py): dates
# 20.11.2026, typed as 20.11.2026 or 2026-11-20; weeks start on Monday.
FORMAT_MODULE_PATH = ["procurement.locale_formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# With debug off, `collectstatic` writes every file under a name carrying a hash of its
# content, compressed beside it, and WhiteNoise serves those with a far-future cache header.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded files are never served as static files: quotes/views.py serves them after a
# permission check.
MEDIA_URL = "/media/"
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# No request may send more than this (procurement.middleware.RequestSizeLimitMiddleware):
# the largest upload, a vendor's PDF, is at most 20 MB.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 25 * 1024 * 1024)

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# PDFs laid out at once on this machine (procurement/pdf.py): by default one a processor, so
# that sheets asked for together queue instead of crowding out the pages. A document waits
# at most PDF_LAYOUT_WAIT_SECONDS for its turn, and never more than half its time budget
# (PDF_TIMEOUT_SECONDS counts the wait); then it is laid out all the same.
PDF_LAYOUT_SLOTS = env_int("PDF_LAYOUT_SLOTS", os.cpu_count() or 1)
PDF_LAYOUT_WAIT_SECONDS = env_int("PDF_LAYOUT_WAIT_SECONDS", 10)
if PDF_LAYOUT_SLOTS < 1:
    raise ImproperlyConfigured(f"PDF_LAYOUT_SLOTS must be 1 or more; got {PDF_LAYOUT_SLOTS}.")
# A laid-out PDF is kept this many seconds (0: never) under a digest of what it depends on,
# so the same sheet asked for again is not laid out again (procurement/pdf.py). A day: a
# sheet is dated, and tomorrow's differs anyway.
PDF_CACHE_SECONDS = env_int("PDF_CACHE_SECONDS", 24 * 60 * 60)
if PDF_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(f"PDF_CACHE_SECONDS must be 0 or more; got {PDF_CACHE_SECONDS}.")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Files under var/: shared by the web server's processes and the commands of the machine.
    "pdfs": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "pdfs"),
        "TIMEOUT": PDF_CACHE_SECONDS or None,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
# A layout can run nicer (lower priority, 0 to 19) than the pages: when the processors are
# busy the pages go first and a sheet takes what is left. Off by default: in the load check
# on two busy cores, at 5 the sheets' p95 neared PDF_TIMEOUT_SECONDS and requests failed.
PDF_LAYOUT_NICENESS = env_int("PDF_LAYOUT_NICENESS", 0)
if not 0 <= PDF_LAYOUT_NICENESS <= 19:
    raise ImproperlyConfigured(
        f"PDF_LAYOUT_NICENESS must be from 0 to 19; got {PDF_LAYOUT_NICENESS}."
    )

# Money
CURRENCIES = ("CHF", "EUR", "USD", "GBP")
DEFAULT_CURRENCY = "CHF"

# E-mail: the file backend by default, SMTP in production.
EMAIL_BACKENDS = {
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("DJANGO_EMAIL_BACKEND", "file")
EMAIL_BACKEND = EMAIL_BACKENDS.get(_email_backend, _email_backend)
if "." not in EMAIL_BACKEND:
    raise ImproperlyConfigured(
        f"DJANGO_EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)} or a dotted path; "
        f"got {_email_backend!r}."
    )
EMAIL_FILE_PATH = env_str("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "procurement@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a filesystem broker under var/ by default, Redis in production.
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "filesystem://", ("filesystem", "redis", "rediss", "memory")
)
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Without it the exchange tables go to ./control, wherever the worker was started.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        "max_retries": 1,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
QUOTE_REMINDER_HOUR = env_int("QUOTE_REMINDER_HOUR", 7)
if not 0 <= QUOTE_REMINDER_HOUR <= 23:
    raise ImproperlyConfigured(
        f"QUOTE_REMINDER_HOUR must be an hour from 0 to 23; got {QUOTE_REMINDER_HOUR}."
    )
QUOTE_REMINDER_DAYS = env_int_list("QUOTE_REMINDER_DAYS", [7, 2, 0])
if any(days < 0 for days in QUOTE_REMINDER_DAYS):
    raise ImproperlyConfigured(
        "QUOTE_REMINDER_DAYS must be days before a quote's valid-until date (0 or more), "
        f"e.g. 7,2,0; got {','.join(map(str, QUOTE_REMINDER_DAYS))}."
    )
# The start page and the quote lists call a received quote "expiring" this many days ahead.
EXPIRY_HORIZON_DAYS = env_int("EXPIRY_HORIZON_DAYS", 14)
if EXPIRY_HORIZON_DAYS < 0:
    raise ImproperlyConfigured(
        f"EXPIRY_HORIZON_DAYS must be a number of days (0 or more); got {EXPIRY_HORIZON_DAYS}."
    )
# A rate older than this many days before a quote's issue date is stale (a warning).
FX_STALE_DAYS = env_int("FX_STALE_DAYS", 5)
if FX_STALE_DAYS < 0:
    raise ImproperlyConfigured(
        f"FX_STALE_DAYS must be a number of days (0 or more); got {FX_STALE_DAYS}."
    )
# A frozen foreign total that differs by more than this percentage at the latest rate drifts.
_drift = env_str("FX_DRIFT_PERCENT", "2")
try:
    FX_DRIFT_PERCENT = Decimal(_drift.strip())
except ArithmeticError:
    raise ImproperlyConfigured(
        f"FX_DRIFT_PERCENT must be a percentage, e.g. 2; got {_drift!r}."
    ) from None
if not FX_DRIFT_PERCENT.is_finite() or FX_DRIFT_PERCENT < 0:
    raise ImproperlyConfigured(
        f"FX_DRIFT_PERCENT must be a percentage (0 or more); got {_drift!r}."
    )
OVERDUE_DIGEST_HOUR = env_int("OVERDUE_DIGEST_HOUR", 7)
WARRANTY_REMINDER_HOUR = env_int("WARRANTY_REMINDER_HOUR", 7)
# A reminder goes out this many days before a unit's warranty ends.
WARRANTY_REMINDER_DAYS = env_int("WARRANTY_REMINDER_DAYS", 60)
# An unanswered request for quotation is followed up this many working days (Monday to
# Friday) after it was sent.
RFQ_FOLLOW_UP_DAYS = env_int("RFQ_FOLLOW_UP_DAYS", 5)
if not 1 <= RFQ_FOLLOW_UP_DAYS <= 60:
    raise ImproperlyConfigured(
        f"RFQ_FOLLOW_UP_DAYS must be working days from 1 to 60; got {RFQ_FOLLOW_UP_DAYS}."
    )
RFQ_FOLLOW_UP_HOUR = env_int("RFQ_FOLLOW_UP_HOUR", 7)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Daily, Europe/Zurich (CELERY_TIMEZONE); a scan missed while beat was down runs when
    # beat starts again, and the scan itself catches up on anything still unsent.
    "quote-reminders": {
        "task": "quotes.tasks.send_quote_reminders",
        "schedule": crontab(hour=QUOTE_REMINDER_HOUR, minute=0),
    },
    "overdue-deliveries-digest": {
        "task": "procurement.tasks.send_overdue_digests",
        "schedule": crontab(hour=OVERDUE_DIGEST_HOUR, minute=15),
    },
    "warranty-reminders": {
        "task": "procurement.tasks.send_warranty_reminders",
        "schedule": crontab(hour=WARRANTY_REMINDER_HOUR, minute=30),
    },
    "quote-request-follow-ups": {
        "task": "quotes.tasks.send_quote_request_follow_ups",
        "schedule": crontab(hour=RFQ_FOLLOW_UP_HOUR, minute=45),
    },
    "price-alerts": {
        "task": "procurement.tasks.send_price_alerts",
        "schedule": crontab(hour=WARRANTY_REMINDER_HOUR, minute=45),
    },
    # The ECB publishes its reference rates on working days at about 16:00 CET.
    "update-exchange-rates": {
        "task": "quotes.tasks.update_exchange_rates",
        "schedule": crontab(hour=16, minute=30, day_of_week="mon-fri"),
    },
    # Then the quotes whose francs the new rates moved.
    "rate-drift-alerts": {
        "task": "procurement.tasks.send_rate_drift_alerts",
        "schedule": crontab(hour=17, minute=0, day_of_week="mon-fri"),
    },
}

# PDFs (comparison sheets, acceptance protocols) not laid out within this many seconds fail
# with a clear message; no request or command waits longer (procurement.pdf).
PDF_TIMEOUT_SECONDS = env_int("PDF_TIMEOUT_SECONDS", 20)
if PDF_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured(
        f"PDF_TIMEOUT_SECONDS must be 1 second or more; got {PDF_TIMEOUT_SECONDS}."
    )

# Acceptance: the memory a GPU may report below its specified VRAM, in percent (the driver
# reserves some; ECC on GDDR6 cards takes 1/16).
ACCEPTANCE_VRAM_TOLERANCE_PERCENT = env_int("ACCEPTANCE_VRAM_TOLERANCE_PERCENT", 7)

# Security. In production (debug off) cookies are secure, HSTS is on and HTTP redirects to
# HTTPS; behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL_HEADER=1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The health check is asked over plain HTTP by the machine's own monitoring.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

# Hardening: the Content-Security-Policy of every page (django-csp). The admin's scripts and
# styles and ours are files served from this site; nothing inline runs, nothing is loaded from
# elsewhere, no page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# TOTP keys are shown once, when a device is added; never again on its page or as a QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
